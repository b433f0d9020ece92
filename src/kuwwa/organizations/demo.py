"""Demo organisation: centers for every company, sandbox partners, and a login per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from kuwwa.core.services import master_data_save
from kuwwa.organizations.models import ESTABLISHMENT_CODE, CollectionCenter, Company, Partner, User
from kuwwa.organizations.roles import Role, roles_sync

DEMO_PASSWORD = "kuwwa-demo-2026"  # noqa: S105 - printed on purpose: demo logins only


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


PARTNERS = [
    ("sandbox-bank", "البنك التجريبي (للاختبار)", "Sandbox Test Bank", Partner.Kind.BANK, "9001"),
    (
        "sandbox-wallet",
        "المحفظة التجريبية (للاختبار)",
        "Sandbox Test Wallet",
        Partner.Kind.EWALLET,
        "9002",
    ),
]


def _centers() -> None:
    for company in Company.objects.distribution():
        for code, name_ar, name_en in (
            (
                "0001",
                f"مركز جباية {company.governorate_ar} الرئيسي",
                f"{company.governorate_en} main center",
            ),
            (
                "0002",
                f"مركز جباية {company.governorate_ar} الثاني",
                f"{company.governorate_en} second center",
            ),
        ):
            if not CollectionCenter.objects.filter(company=company, code=code).exists():
                master_data_save(
                    actor=None,
                    instance=CollectionCenter(
                        company=company, code=code, name_ar=name_ar, name_en=name_en
                    ),
                )
    establishment = Company.objects.get(code=ESTABLISHMENT_CODE)
    for code, name_ar, name_en, kind, center_code in PARTNERS:
        partner = Partner.objects.filter(code=code).first()
        if partner is None:
            partner = Partner(code=code, name_ar=name_ar, name_en=name_en, kind=kind)
            master_data_save(actor=None, instance=partner)
        if not CollectionCenter.objects.filter(company=establishment, code=center_code).exists():
            master_data_save(
                actor=None,
                instance=CollectionCenter(
                    company=establishment,
                    code=center_code,
                    name_ar=name_ar,
                    name_en=name_en,
                    kind=CollectionCenter.Kind.VIRTUAL,
                    partner=partner,
                ),
            )


def _user(username: str, role: Role | None, company: str | None, center: str | None) -> DemoLogin:
    comp = Company.objects.get(code=company) if company else None
    cent = CollectionCenter.objects.get(company=comp, code=center) if center else None
    kind = "center" if cent else ("company" if comp else "establishment")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            scope_kind=kind,
            company=comp,
            center=cent,
            is_staff=True,
            is_superuser=role is None,
        )
        user.set_password(DEMO_PASSWORD)
        master_data_save(actor=None, instance=user)
        if role is not None:
            user.groups.add(Group.objects.get(name=role.value))
    scope = f"{comp.code}-{cent.code}" if cent and comp else (comp.code if comp else "00")
    return DemoLogin(username=username, role=role.value if role else "superuser", scope=scope)


@transaction.atomic
def demo_organisation_setup() -> list[DemoLogin]:
    """Idempotent: creates only what is missing, and returns the demo logins."""
    roles_sync()
    _centers()
    return [
        _user("admin", None, None, None),
        _user("est_admin", Role.ESTABLISHMENT_ADMIN, None, None),
        _user("auditor", Role.AUDITOR, None, None),
        _user("c01_admin", Role.COMPANY_ADMIN, "01", None),
        _user("c01_accountant", Role.ACCOUNTANT, "01", None),
        _user("c01_clerk", Role.READING_CLERK, "01", None),
        _user("c01_supervisor", Role.SUPERVISOR, "01", "0001"),
        _user("c01_cashier", Role.CASHIER, "01", "0001"),
        _user("c03_admin", Role.COMPANY_ADMIN, "03", None),
        _user("c03_cashier", Role.CASHIER, "03", "0001"),
    ]
