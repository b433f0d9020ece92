"""Portal fixtures: billed accounts with a phone, the sandbox bank, an open reading window."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kuwwa.accounts.models import Account, Meter
from kuwwa.billing.cycles import cycle_open
from kuwwa.billing.models import BillingCycle
from kuwwa.core.models import SmsMessage
from kuwwa.core.services import master_data_save
from kuwwa.organizations.models import ESTABLISHMENT_CODE, CollectionCenter, Company, Partner
from tests.conftest import bill_cycles

PHONE = "0931234567"
HOLDER = "محمد علي الأحمد"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Throttle counters live in the cache: every test starts with a clean allowance."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def media_root(settings: Any) -> Any:
    return settings.MEDIA_ROOT


@pytest.fixture
def billed_account(make_account: Callable[..., Account]) -> Callable[..., Account]:
    """An account with one billed cycle per consumption (2026-02, 2026-04, …), open bills."""

    def make(company_code: str = "03", kwh: tuple[int, ...] = (450,), **kw: Any) -> Account:
        kw.setdefault("phone", PHONE)
        kw.setdefault("address", "حي الشهباء، شارع ١٢")
        account = make_account(company_code, holder_name=HOLDER, **kw)
        return bill_cycles(account, kwh)

    return make


@pytest.fixture
def account(billed_account: Callable[..., Account]) -> Account:
    return billed_account("03", kwh=(450, 500))


def serial_suffix(account: Account) -> str:
    return Meter.objects.get(account=account, removed_on__isnull=True).serial[-4:]


def verify(client: Client, account: Account) -> None:
    """Verify the account in this client's session with the meter's serial (weak access)."""
    response = client.post(
        f"/portal/account/{account.number}/verify/meter/", {"suffix": serial_suffix(account)}
    )
    assert response.status_code == 302, response.content[:500]


def last_code(phone: str = PHONE) -> str:
    text = SmsMessage.objects.filter(phone=phone).order_by("-pk").values_list("text", flat=True)[0]
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def verify_by_sms(client: Client, account: Account) -> None:
    client.post(f"/portal/account/{account.number}/verify/send-code/")
    response = client.post(
        f"/portal/account/{account.number}/verify/code/", {"code": last_code(account.phone)}
    )
    assert response.status_code == 302, response.content[:500]


@pytest.fixture
def reading_cycle(db: Any) -> Callable[[Account], BillingCycle]:
    """A cycle after the billed ones whose reading window contains today."""

    def make(account: Account, code: str = "2026-10") -> BillingCycle:
        cycle = BillingCycle.objects.filter(company_id=account.company_id, code=code).first()
        if cycle is None:
            cycle = cycle_open(actor=None, company=account.company, code=code)
        today = timezone.localdate()
        BillingCycle.objects.filter(pk=cycle.pk).update(
            reading_window_start=today - dt.timedelta(days=2),
            reading_window_end=today + dt.timedelta(days=2),
        )
        cycle.refresh_from_db()
        return cycle

    return make


@pytest.fixture
def sandbox(db: Any) -> Partner:
    """The sandbox bank and its virtual center 9001 of the establishment (as demo-setup)."""
    partner = Partner.objects.filter(code="sandbox-bank").first()
    if partner is None:
        partner = Partner(
            code="sandbox-bank",
            name_ar="البنك التجريبي (للاختبار)",
            name_en="Sandbox Test Bank",
            kind=Partner.Kind.BANK,
        )
        master_data_save(actor=None, instance=partner)
    establishment = Company.objects.get(code=ESTABLISHMENT_CODE)
    if not CollectionCenter.objects.filter(company=establishment, code="9001").exists():
        master_data_save(
            actor=None,
            instance=CollectionCenter(
                company=establishment,
                code="9001",
                name_ar="البنك التجريبي (للاختبار)",
                name_en="Sandbox Test Bank",
                kind=CollectionCenter.Kind.VIRTUAL,
                partner=partner,
            ),
        )
    return partner
