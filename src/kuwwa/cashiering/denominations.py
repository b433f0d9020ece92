"""Cash denominations for blind counts, and turning a count into an amount."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ValidationFailed
from kuwwa.core.money import from_major


def denominations() -> list[int]:
    """Face values in major units, largest first (settings.KUWWA_DENOMINATIONS)."""
    return sorted(settings.KUWWA_DENOMINATIONS, reverse=True)


def count_total(count: dict[str, int]) -> int:
    """{"5000": 3, "1000": 2} → 17,000 pounds in minor units; refuses unknown notes."""
    allowed = {str(d) for d in denominations()}
    total = 0
    for face, pieces in count.items():
        if str(face) not in allowed:
            raise ValidationFailed(_("%(face)s is not a note in use."), face=face)
        if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 0:
            raise ValidationFailed(_("The number of notes must be a whole number, 0 or more."))
        if pieces > 100_000:
            raise ValidationFailed(_("That is too many notes for one drawer."))
        total += from_major(int(face)) * pieces
    return total
