"""Roles are Django groups with fixed permissions; `roles_sync` makes the database match.

Each role also implies the scope a user of that role must have.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    ESTABLISHMENT_ADMIN = "establishment_admin"
    AUDITOR = "auditor"
    COMPANY_ADMIN = "company_admin"
    ACCOUNTANT = "accountant"
    SUPERVISOR = "supervisor"
    CASHIER = "cashier"
    READING_CLERK = "reading_clerk"


ROLE_LABELS = {
    Role.ESTABLISHMENT_ADMIN: _("establishment administrator"),
    Role.AUDITOR: _("auditor"),
    Role.COMPANY_ADMIN: _("company administrator"),
    Role.ACCOUNTANT: _("accountant"),
    Role.SUPERVISOR: _("center supervisor"),
    Role.CASHIER: _("cashier"),
    Role.READING_CLERK: _("reading clerk"),
}

# The scope kind each role requires (see User.ScopeKind).
ROLE_SCOPE = {
    Role.ESTABLISHMENT_ADMIN: "establishment",
    Role.AUDITOR: "establishment",
    Role.COMPANY_ADMIN: "company",
    Role.ACCOUNTANT: "company",
    Role.READING_CLERK: "company",
    Role.SUPERVISOR: "center",
    Role.CASHIER: "center",
}

_VIEW_MASTER = [
    "organizations.view_company",
    "organizations.view_collectioncenter",
    "organizations.view_partner",
    "accounts.view_account",
    "accounts.view_meter",
]
_EDIT_ACCOUNTS = [
    "accounts.add_account",
    "accounts.change_account",
    "accounts.add_meter",
    "accounts.change_meter",
]

# The records services write (bills, payments, shifts, ...): read in the back office by the
# staff who work with them, each within their scope (the admin filters rows by it), changed
# only through the services.
_VIEW_RECORDS = [
    "billing.view_billingcycle",
    "billing.view_meterreading",
    "billing.view_bill",
    "billing.view_billingrun",
    "billing.view_adjustment",
    "collection.view_payment",
    "collection.view_receipt",
    "cashiering.view_shift",
    "cashiering.view_handover",
    "cashiering.view_deposit",
]
# Opening cycles, recording readings and deciding adjustments (the service checks who may
# approve).
_MANAGE_BILLING = [
    "billing.add_meterreading",
    "billing.add_billingcycle",
    "billing.change_billingcycle",
    "billing.add_adjustment",
    "billing.change_adjustment",
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.ESTABLISHMENT_ADMIN: [
        *_VIEW_MASTER,
        *_EDIT_ACCOUNTS,
        "organizations.change_company",
        "organizations.add_collectioncenter",
        "organizations.change_collectioncenter",
        "organizations.add_partner",
        "organizations.change_partner",
        "organizations.view_user",
        "organizations.add_user",
        "organizations.change_user",
        "core.view_auditevent",
        "billing.view_tariff",
        "billing.add_tariff",
        "billing.change_tariff",
        "billing.view_tariffband",
        "billing.add_tariffband",
        "billing.change_tariffband",
        "billing.view_tariffcharge",
        "billing.add_tariffcharge",
        "billing.change_tariffcharge",
        *_VIEW_RECORDS,
        *_MANAGE_BILLING,
    ],
    Role.AUDITOR: [
        *_VIEW_MASTER,
        *_VIEW_RECORDS,
        "organizations.view_user",
        "core.view_auditevent",
        "billing.view_tariff",
    ],
    Role.COMPANY_ADMIN: [
        *_VIEW_MASTER,
        *_EDIT_ACCOUNTS,
        "organizations.add_collectioncenter",
        "organizations.change_collectioncenter",
        "organizations.view_user",
        "organizations.add_user",
        "organizations.change_user",
        "core.view_auditevent",
        "billing.view_tariff",
        *_VIEW_RECORDS,
        *_MANAGE_BILLING,
    ],
    # Accountants request credit and debit notes; their company's admin approves them.
    Role.ACCOUNTANT: [
        *_VIEW_MASTER,
        "billing.view_tariff",
        *_VIEW_RECORDS,
        "billing.add_adjustment",
    ],
    Role.READING_CLERK: [
        "accounts.view_account",
        "accounts.view_meter",
        "billing.view_billingcycle",
        "billing.view_meterreading",
        "billing.add_meterreading",
    ],
    Role.SUPERVISOR: ["accounts.view_account"],
    Role.CASHIER: ["accounts.view_account"],
}


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
