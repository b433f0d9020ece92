"""`field__any=[ids]` selects what `field__in=ids` selects, with the list as one parameter."""

from __future__ import annotations

import pytest

from kuwwa.accounts.demo import demo_accounts_load
from kuwwa.accounts.models import Account
from kuwwa.core.lookups import among

pytestmark = pytest.mark.django_db


def test_any_selects_the_same_rows_as_in() -> None:
    demo_accounts_load(count=60, seed=3)
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    wanted = [*ids[::3], max(ids) + 1000]  # one id that matches nothing
    by_any = set(Account.objects.filter(pk__any=wanted).values_list("pk", flat=True))
    assert by_any == set(ids[::3])
    as_set = Account.objects.filter(pk__any=frozenset(wanted)).values_list("pk", flat=True)
    assert set(as_set) == by_any
    companies = sorted(set(Account.objects.values_list("company_id", flat=True)))[:2]
    by_company = Account.objects.filter(company_id__any=companies).values_list("pk", flat=True)
    assert set(by_company) == set(
        Account.objects.filter(company_id__in=companies).values_list("pk", flat=True)
    )
    assert not Account.objects.filter(pk__any=[]).exists()


def test_any_takes_only_integer_ids() -> None:
    with pytest.raises(TypeError):
        list(Account.objects.filter(pk__any=["1"]))


def test_among_is_membership_bounded_by_the_range_of_the_ids() -> None:
    demo_accounts_load(count=40, seed=4)
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    wanted = [ids[3], ids[9], ids[20]]
    assert list(Account.objects.filter(among("pk", wanted)).values_list("pk", flat=True)) == sorted(
        wanted
    )
    company_id = Account.objects.get(pk=ids[0]).company_id
    by_company = Account.objects.filter(among("company_id", [company_id])).count()
    assert by_company == Account.objects.filter(company_id=company_id).count()
    assert not Account.objects.filter(among("pk", [])).exists()
