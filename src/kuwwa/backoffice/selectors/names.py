"""Display names of companies, centers and cashiers, fetched once per page (small tables)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import get_language

from kuwwa.organizations.models import CollectionCenter, Company, User


def company_names() -> dict[int, tuple[str, str]]:
    """id → (code, name in the active language)."""
    return {c.pk: (c.code, c.name) for c in Company.objects.all()}


def center_names(ids: Iterable[int]) -> dict[int, tuple[int, str, str]]:
    """id → (company id, code, name in the active language)."""
    english = (get_language() or "ar").startswith("en")
    return {
        c.pk: (c.company_id, c.code, c.name_en if english and c.name_en else c.name_ar)
        for c in CollectionCenter.objects.filter(pk__in=set(ids))
    }


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """id → full name, or the username when no name was entered."""
    wanted = {i for i in ids if i}
    out: dict[int, str] = {}
    for user in User.objects.filter(Q(pk__in=wanted)).only("username", "first_name", "last_name"):
        out[user.pk] = user.get_full_name() or user.get_username()
    return out
