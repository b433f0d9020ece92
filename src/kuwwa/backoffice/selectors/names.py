"""Display names of companies, centers and cashiers, fetched once per page (small tables)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from kuwwa.organizations.models import CollectionCenter, Company, User


def company_names() -> dict[int, tuple[str, str]]:
    """id → (code, name in the active language)."""
    return {c.pk: (c.code, c.name) for c in Company.objects.all()}


def center_names(ids: Iterable[int]) -> dict[int, tuple[int, str, str]]:
    """id → (company id, code, name in the active language)."""
    out: dict[int, tuple[int, str, str]] = {}
    for center in CollectionCenter.objects.filter(pk__in=set(ids)):
        name = str(center).split(" ", 1)[1] if " " in str(center) else str(center)
        out[center.pk] = (center.company_id, center.code, name)
    return out


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """id → full name, or the username when no name was entered."""
    wanted = {i for i in ids if i}
    out: dict[int, str] = {}
    for user in User.objects.filter(Q(pk__in=wanted)).only("username", "first_name", "last_name"):
        out[user.pk] = user.get_full_name() or user.get_username()
    return out
