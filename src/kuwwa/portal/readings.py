"""A citizen's own meter reading (تأشيرة العداد), dated today, through the billing service."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account
from kuwwa.billing.models import MeterReading
from kuwwa.billing.readings import ReadingOutcome, ReadingRefused, reading_submit
from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.errors import ValidationFailed
from kuwwa.portal.selectors import reading_window
from kuwwa.portal.uploads import CheckedImage

MAX_READING_DIGITS = 10  # the largest meter dial


def reading_value_parse(text: str) -> int:
    raw = strip_separators(to_latin_digits(text or "")).replace(",", "").replace("٬", "")
    if not raw.isdigit() or len(raw) > MAX_READING_DIGITS:
        raise ValidationFailed(_("Enter the reading as shown on the meter, digits only."))
    return int(raw)


def citizen_reading_submit(
    *, account: Account, value_text: str, photo: CheckedImage | None = None
) -> ReadingOutcome:
    """Accepted only inside the reading window of a cycle; the billing rules decide the rest.

    A refusal before saving (no open window, bad value) keeps nothing, photo included.
    """
    value = reading_value_parse(value_text)
    window = reading_window(account=account)
    if window.cycle is None:
        raise ReadingRefused(
            _("Readings are accepted only inside a billing cycle's reading window.")
        )
    return reading_submit(
        actor=None,
        account=account,
        value=value,
        read_on=timezone.localdate(),
        source=MeterReading.Source.CITIZEN,
        photo=photo.as_file() if photo is not None else None,
        cycle=window.cycle,
    )
