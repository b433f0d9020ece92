"""Refusals of the cashiering services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ApplicationError


class NoOpenShift(ApplicationError):
    code = "NO_OPEN_SHIFT"
    http_status = 409
    default_message = _("Open a shift before taking payments.")


class ShiftConflict(ApplicationError):
    code = "SHIFT_CONFLICT"
    http_status = 409
    default_message = _("This cannot be done in the shift's current state.")
