"""The audit log, read-only in the back office."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kuwwa.core.models import AuditEvent
from kuwwa.organizations.admin_scoping import ScopedAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    list_display = (
        "company",
        "stream",
        "seq",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
    )
    list_filter = ("action", "company")
    search_fields = ("action", "object_id", "actor_label")
    ordering = ("-occurred_at",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
