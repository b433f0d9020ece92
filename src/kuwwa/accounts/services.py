"""Writes to accounts and meters: each in one transaction, with its audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account, Category, Meter
from kuwwa.core.audit import audit_record
from kuwwa.core.counters import counter_next
from kuwwa.core.errors import PermissionDenied, ValidationFailed
from kuwwa.core.ids import account_number_build
from kuwwa.organizations.models import Company, User
from kuwwa.organizations.scopes import scope_of

ACCOUNT_COUNTER = "account_local_number"
ACCOUNT_EDITABLE_FIELDS = ("category", "status", "holder_name", "national_id", "phone", "address")


def _require_change(actor: User | None, company_id: int) -> None:
    if actor is not None and not scope_of(actor).can_change_company_data(company_id):
        raise PermissionDenied(_("You may change only the accounts of your own company."))


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _validate_account_fields(values: dict[str, Any]) -> None:
    if "holder_name" in values and not str(values["holder_name"]).strip():
        raise ValidationFailed(_("Enter the holder's name."))
    if "category" in values and values["category"] not in Category.values:
        raise ValidationFailed(_("Choose a valid category."))
    if "status" in values and values["status"] not in Account.Status.values:
        raise ValidationFailed(_("Choose a valid status."))


@transaction.atomic
def account_create(
    *,
    actor: User | None,
    company: Company,
    holder_name: str,
    category: str = Category.HOUSEHOLD,
    national_id: str = "",
    phone: str = "",
    address: str = "",
) -> Account:
    """Open a subscription with the company's next national account number."""
    account_create_validate(
        actor=actor, company=company, holder_name=holder_name, category=category
    )
    values = {"holder_name": holder_name.strip(), "category": category}
    local = counter_next(company_id=company.pk, name=ACCOUNT_COUNTER)
    number = account_number_build(company_code=company.code, local_number=local)
    account = Account.objects.create(
        company=company,
        number=number.compact,
        category=category,
        holder_name=values["holder_name"],
        national_id=national_id.strip(),
        phone=phone.strip(),
        address=address.strip(),
    )
    audit_record(
        company=company,
        actor=actor,
        action="account.create",
        obj=account,
        data={"number": account.number, **_snapshot(account, ACCOUNT_EDITABLE_FIELDS)},
    )
    return account


@transaction.atomic
def account_update(*, actor: User | None, account: Account, changes: dict[str, Any]) -> Account:
    """Change an account's master data; the number and company never change."""
    unknown = set(changes) - set(ACCOUNT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed: %(fields)s"), fields=sorted(unknown)
        )
    locked = Account.objects.select_for_update().get(pk=account.pk)
    _require_change(actor, locked.company_id)
    _validate_account_fields(changes)
    before = _snapshot(locked, tuple(changes))
    for field, value in changes.items():
        setattr(locked, field, value.strip() if isinstance(value, str) else value)
    after = _snapshot(locked, tuple(changes))
    diff = {f: [before[f], after[f]] for f in changes if before[f] != after[f]}
    if not diff:
        return locked
    locked.save(update_fields=[*diff.keys(), "updated_at"])
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="account.update",
        obj=locked,
        data={"number": locked.number, "changes": diff},
    )
    return locked


def meter_install_validate(
    *,
    actor: User | None,
    account: Account,
    serial: str,
    installed_on: dt.date,
    digits: int,
    multiplier: int,
    initial_reading: int,
) -> None:
    """Every check of `meter_install`, read-only, so forms can show errors before saving."""
    _require_change(actor, account.company_id)
    if not serial.strip():
        raise ValidationFailed(_("Enter the meter's serial number."))
    if not 3 <= digits <= 10:
        raise ValidationFailed(_("A meter has between 3 and 10 digits."))
    if multiplier < 1:
        raise ValidationFailed(_("The multiplier must be at least 1."))
    if not 0 <= initial_reading < 10**digits:
        raise ValidationFailed(_("The reading does not fit the meter's digits."))
    if Meter.objects.filter(company_id=account.company_id, serial=serial.strip()).exists():
        raise ValidationFailed(_("Another meter of this company has this serial number."))
    current = Meter.objects.filter(account=account, removed_on__isnull=True).first()
    if current is not None and installed_on < current.installed_on:
        raise ValidationFailed(_("The new meter cannot be installed before the current one."))


def account_create_validate(
    *, actor: User | None, company: Company, holder_name: str, category: str
) -> None:
    """Every check of `account_create`, read-only."""
    if company.is_establishment:
        raise ValidationFailed(_("Accounts belong to a distribution company."))
    _require_change(actor, company.pk)
    _validate_account_fields({"holder_name": holder_name.strip(), "category": category})


@transaction.atomic
def meter_install(
    *,
    actor: User | None,
    account: Account,
    serial: str,
    installed_on: dt.date,
    digits: int = 6,
    multiplier: int = 1,
    phase: str = Meter.Phase.SINGLE,
    initial_reading: int = 0,
) -> Meter:
    """Install a meter; the account's current meter, if any, is removed the same day."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    serial = serial.strip()
    meter_install_validate(
        actor=actor,
        account=locked,
        serial=serial,
        installed_on=installed_on,
        digits=digits,
        multiplier=multiplier,
        initial_reading=initial_reading,
    )
    current = Meter.objects.filter(account=locked, removed_on__isnull=True).first()
    if current is not None:
        current.removed_on = installed_on
        current.save(update_fields=["removed_on"])
    meter = Meter.objects.create(
        company_id=locked.company_id,
        account=locked,
        serial=serial,
        digits=digits,
        multiplier=multiplier,
        phase=phase,
        initial_reading=initial_reading,
        installed_on=installed_on,
    )
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="meter.install",
        obj=meter,
        data={
            "account": locked.number,
            "serial": serial,
            "digits": digits,
            "multiplier": multiplier,
            "initial_reading": initial_reading,
            "installed_on": installed_on.isoformat(),
            "replaced": current.serial if current is not None else None,
        },
    )
    return meter
