"""Reads of accounts, filtered through the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kuwwa.accounts.models import Account, Meter
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.core.errors import AccountNotFound, PermissionDenied
from kuwwa.organizations.scopes import restrict_to_scope, scope_of


def accounts_for_backoffice(*, user: Any) -> QuerySet[Account]:
    """Accounts the user may browse in the back office: their company's, or all."""
    return restrict_to_scope(Account.objects.select_related("company"), user)


def account_get_for_inquiry(*, user: Any, number: str) -> Account:
    """Find an account by national number for the single window (any company).

    Staff outside the owning company get the account, but must show it through
    `holder_display` so the holder's name is masked.
    """
    scope = scope_of(user)
    if not scope.can_inquire_any_account():
        raise PermissionDenied()
    parsed = parse_account_number(number)
    account = Account.objects.select_related("company").filter(number=parsed.compact).first()
    if account is None:
        raise AccountNotFound()
    return account


def account_get_for_backoffice(*, user: Any, pk: int) -> Account:
    account = accounts_for_backoffice(user=user).filter(pk=pk).first()
    if account is None:
        raise AccountNotFound()
    return account


def mask_name(name: str) -> str:
    """ "محمد علي" → "محمد ع***": the first name and the initial of each other name."""
    parts = name.split()
    if not parts:
        return ""
    return " ".join([parts[0], *(p[0] + "***" for p in parts[1:])])


def holder_display(*, user: Any, account: Account) -> str:
    if scope_of(user).sees_holder_of(account.company_id):
        return account.holder_name
    return mask_name(account.holder_name)


def meter_current(*, account: Account) -> Meter | None:
    return Meter.objects.filter(account=account, removed_on__isnull=True).first()


def meter_history(*, account: Account) -> QuerySet[Meter]:
    return Meter.objects.filter(account=account).order_by("-installed_on", "-pk")
