"""A user acts only within their scope (DESIGN.md invariant 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kuwwa.accounts.models import Account
from kuwwa.accounts.selectors import (
    account_get_for_backoffice,
    account_get_for_inquiry,
    accounts_for_backoffice,
    holder_display,
    mask_name,
)
from kuwwa.accounts.services import account_create, account_update, meter_install
from kuwwa.core.errors import AccountNotFound, PermissionDenied
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_companies(make_account, make_user):
    return {
        "a_account": make_account("01", holder_name="محمد علي الحسن"),
        "b_account": make_account("03", holder_name="سامر أحمد الحلبي"),
        "a_admin": make_user(Role.COMPANY_ADMIN, "01"),
        "b_admin": make_user(Role.COMPANY_ADMIN, "03"),
    }


def test_company_admin_reads_only_their_company_through_selectors(two_companies) -> None:
    a_admin, b_account = two_companies["a_admin"], two_companies["b_account"]
    visible = set(accounts_for_backoffice(user=a_admin).values_list("company__code", flat=True))
    assert visible == {"01"}
    with pytest.raises(AccountNotFound):
        account_get_for_backoffice(user=a_admin, pk=b_account.pk)


def test_company_admin_cannot_change_another_company_through_services(
    two_companies, company
) -> None:
    a_admin, b_account = two_companies["a_admin"], two_companies["b_account"]
    with pytest.raises(PermissionDenied):
        account_update(actor=a_admin, account=b_account, changes={"phone": "0999999999"})
    with pytest.raises(PermissionDenied):
        account_create(actor=a_admin, company=company("03"), holder_name="x y")
    with pytest.raises(PermissionDenied):
        meter_install(
            actor=a_admin, account=b_account, serial="Z1", installed_on=dt.date(2026, 1, 1)
        )
    b_account.refresh_from_db()
    assert b_account.phone == ""


def test_company_admin_cannot_read_or_change_another_company_in_the_admin(two_companies) -> None:
    client = Client()
    client.force_login(two_companies["a_admin"])
    b_account, a_account = two_companies["b_account"], two_companies["a_account"]
    listing = client.get("/admin/accounts/account/")
    assert listing.status_code == 200
    assert (
        a_account.number.encode() in listing.content
        or a_account.holder_name in listing.content.decode()
    )
    assert b_account.holder_name not in listing.content.decode()
    change = client.get(f"/admin/accounts/account/{b_account.pk}/change/")
    assert change.status_code in (302, 404)
    post = client.post(
        f"/admin/accounts/account/{b_account.pk}/change/",
        {"holder_name": "hacked", "category": "household", "status": "active"},
    )
    assert post.status_code in (302, 403, 404)
    b_account.refresh_from_db()
    assert b_account.holder_name == "سامر أحمد الحلبي"


def test_company_admin_changes_their_own_account_in_the_admin(two_companies) -> None:
    client = Client()
    client.force_login(two_companies["a_admin"])
    account: Account = two_companies["a_account"]
    response = client.post(
        f"/admin/accounts/account/{account.pk}/change/",
        {
            "holder_name": "محمد علي الحسن",
            "category": "commercial",
            "status": "active",
            "phone": "0933111222",
            "national_id": "",
            "address": "",
            "meters-TOTAL_FORMS": "1",
            "meters-INITIAL_FORMS": "1",
            "meters-MIN_NUM_FORMS": "0",
            "meters-MAX_NUM_FORMS": "1000",
            "meters-0-id": str(account.meters.get().pk),
            "meters-0-account": str(account.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert (account.category, account.phone) == ("commercial", "0933111222")


def test_cashier_inquires_any_company_but_sees_the_holder_masked(two_companies, make_user) -> None:
    cashier = make_user(Role.CASHIER, "01", "0001")
    b_account = two_companies["b_account"]
    found = account_get_for_inquiry(user=cashier, number=b_account.number)
    assert found.pk == b_account.pk
    assert holder_display(user=cashier, account=found) == "سامر أ*** ا***"
    own = account_get_for_inquiry(user=cashier, number=two_companies["a_account"].number)
    assert holder_display(user=cashier, account=own) == "محمد علي الحسن"
    with pytest.raises(PermissionDenied):
        account_update(actor=cashier, account=own, changes={"phone": "0911"})


def test_anonymous_cannot_inquire(two_companies) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        account_get_for_inquiry(user=AnonymousUser(), number=two_companies["a_account"].number)


def test_mask_name() -> None:
    assert mask_name("محمد علي") == "محمد ع***"
    assert mask_name("") == ""
