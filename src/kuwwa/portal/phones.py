"""Syrian mobile numbers as people type them, in one stored form: 09XXXXXXXX."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.errors import ValidationFailed


def phone_normalise(text: str) -> str:
    """+963 93 123 4567, 00963931234567, ٠٩٣١٢٣٤٥٦٧ → 0931234567; '' if it is not one."""
    raw = strip_separators(to_latin_digits(text or "")).replace("(", "").replace(")", "")
    raw = raw.removeprefix("+").strip()
    if raw.startswith("00963"):
        raw = raw[5:]
    elif raw.startswith("963"):
        raw = raw[3:]
    if len(raw) == 9 and raw.startswith("9"):
        raw = "0" + raw
    return raw if len(raw) == 10 and raw.isdigit() and raw.startswith("09") else ""


def phone_parse(text: str) -> str:
    phone = phone_normalise(text)
    if not phone:
        raise ValidationFailed(_("Enter a Syrian mobile number, for example 0931234567."))
    return phone


def phone_mask(phone: str) -> str:
    return phone[:3] + "•" * max(len(phone) - 5, 0) + phone[-2:] if len(phone) > 5 else "•••"
