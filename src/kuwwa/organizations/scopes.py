"""The one place that decides what a staff user may see and do (DESIGN.md invariant 7).

- Establishment scope (establishment admin, auditor, superuser) sees every company.
- Company scope sees and changes only its own company's data.
- Center scope (cashier, supervisor) may look up any account of any company — that is the
  single window — but sees the holder's name masked outside its own company, and changes no
  account.

Every view, admin page, API handler and selector that reads tenant data filters through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from kuwwa.organizations.models import Company, User
from kuwwa.organizations.roles import Role

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    kind: str  # "establishment", "company", "center" or "none"
    company_id: int | None
    center_id: int | None
    roles: frozenset[str]
    is_superuser: bool = False

    @property
    def all_companies(self) -> bool:
        return self.kind == "establishment"

    def has_role(self, *roles: Role) -> bool:
        return self.is_superuser or any(r.value in self.roles for r in roles)

    def can_view_company(self, company_id: int) -> bool:
        """May read this company's back-office data (not the single-window inquiry)."""
        if self.all_companies:
            return True
        return self.kind == "company" and self.company_id == company_id

    def can_change_company_data(self, company_id: int) -> bool:
        """May change master data (accounts, meters, centers) of this company."""
        if self.kind == "establishment":
            return self.has_role(Role.ESTABLISHMENT_ADMIN)
        return (
            self.kind == "company"
            and self.company_id == company_id
            and self.has_role(Role.COMPANY_ADMIN)
        )

    def can_inquire_any_account(self) -> bool:
        """The single window: counter staff look up accounts of every company."""
        return self.all_companies or self.kind in ("company", "center")

    def sees_holder_of(self, company_id: int) -> bool:
        """Whether the holder's name and contact details show unmasked."""
        if self.all_companies:
            return True
        return self.company_id == company_id


NO_SCOPE = Scope(kind="none", company_id=None, center_id=None, roles=frozenset())


def scope_of(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_kuwwa_scope", None)
    if cached is not None:
        return cached
    roles = frozenset(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        scope = Scope("establishment", None, None, roles, is_superuser=True)
    elif user.scope_kind == User.ScopeKind.ESTABLISHMENT:
        scope = Scope("establishment", None, None, roles)
    elif user.scope_kind == User.ScopeKind.COMPANY:
        scope = Scope("company", user.company_id, None, roles)
    else:
        scope = Scope("center", user.company_id, user.center_id, roles)
    user._kuwwa_scope = scope
    return scope


def companies_visible(user: Any) -> QuerySet[Company]:
    """Companies whose back-office data the user may read."""
    scope = scope_of(user)
    if scope.all_companies:
        return Company.objects.all()
    if scope.kind == "company" and scope.company_id is not None:
        return Company.objects.filter(pk=scope.company_id)
    return Company.objects.none()


def companies_changeable(user: Any) -> QuerySet[Company]:
    """Companies whose master data the user may change."""
    scope = scope_of(user)
    if scope.kind == "establishment" and scope.has_role(Role.ESTABLISHMENT_ADMIN):
        return Company.objects.all()
    if scope.kind == "company" and scope.company_id and scope.has_role(Role.COMPANY_ADMIN):
        return Company.objects.filter(pk=scope.company_id)
    return Company.objects.none()


def restrict_to_scope(qs: QuerySet[M], user: Any, *, company_field: str = "company") -> QuerySet[M]:
    """Filter tenant rows to the companies the user may read in the back office."""
    scope = scope_of(user)
    if scope.all_companies:
        return qs
    if scope.kind == "company" and scope.company_id is not None:
        return qs.filter(**{f"{company_field}_id": scope.company_id})
    return qs.none()
