"""The journal accepts only balanced entries, never changes, and `ledger-check` catches
every way the books could drift."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from kuwwa.accounts.services import account_create
from kuwwa.core.errors import AppendOnly, UnbalancedEntry, ValidationFailed
from kuwwa.ledger import chart
from kuwwa.ledger.models import JournalEntry, Posting
from kuwwa.ledger.selectors import ledger_balance, ledger_check, subscriber_balance
from kuwwa.ledger.services import Line, journal_post, journal_reverse
from kuwwa.organizations.models import Company

pytestmark = pytest.mark.django_db


def _bill(company_id: int, subscriber_id: int, amount: int) -> JournalEntry:
    return journal_post(
        company_id=company_id,
        kind="bill",
        lines=[
            Line(chart.RECEIVABLES, amount, subscriber_id),
            Line(chart.revenue("household"), -amount),
        ],
    )


def test_a_balanced_entry_posts_and_balances_follow(make_account) -> None:
    account = make_account("01")
    _bill(account.company_id, account.pk, 390_000_00)
    assert ledger_balance(company_id=account.company_id, code=chart.RECEIVABLES) == 390_000_00
    assert subscriber_balance(company_id=account.company_id, subscriber_id=account.pk) == 390_000_00
    assert ledger_check().ok


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([Line(chart.BANK, 100), Line(chart.FEES, -99)], UnbalancedEntry),
        ([Line(chart.BANK, 100)], UnbalancedEntry),
        ([Line(chart.BANK, 0), Line(chart.FEES, 0)], ValidationFailed),
        ([Line(chart.RECEIVABLES, 100), Line(chart.FEES, -100)], ValidationFailed),
    ],
)
def test_bad_entries_are_refused_and_write_nothing(lines, error) -> None:
    company = Company.objects.get(code="01")
    with pytest.raises(error):
        journal_post(company_id=company.pk, kind="test", lines=lines)
    assert JournalEntry.objects.count() == 0
    assert Posting.objects.count() == 0


def test_entries_are_append_only_and_corrected_by_reversal(make_account) -> None:
    account = make_account("01")
    entry = _bill(account.company_id, account.pk, 5000)
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        Posting.objects.filter(entry=entry).update(amount=1)
    with pytest.raises(AppendOnly):
        entry.postings.first().delete()
    reversal = journal_reverse(entry=entry, kind="bill_cancel")
    assert reversal.reverses == entry
    assert subscriber_balance(company_id=account.company_id, subscriber_id=account.pk) == 0


def test_cross_company_payment_mirrors_due_to_and_due_from(make_account) -> None:
    owner = make_account("03")
    collector = Company.objects.get(code="01")
    _bill(owner.company_id, owner.pk, 10_000)
    journal_post(
        company_id=collector.pk,
        kind="payment",
        lines=[Line(chart.cash_shift(1), 10_000), Line(chart.due_to("03"), -10_000)],
    )
    journal_post(
        company_id=owner.company_id,
        kind="payment",
        lines=[Line(chart.due_from("01"), 10_000), Line(chart.RECEIVABLES, -10_000, owner.pk)],
    )
    result = ledger_check()
    assert result.ok, result
    call_command("ledger_check")


def _raw_posting(entry_id: int, company_id: int, account_id: int, amount: int, subscriber=None):
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {Posting._meta.db_table} "
            "(company_id, entry_id, ledger_account_id, amount, subscriber_id) VALUES (%s,%s,%s,%s,%s)",
            [company_id, entry_id, account_id, amount, subscriber],
        )


def test_ledger_check_catches_an_unbalanced_entry_and_a_nameless_receivable(make_account) -> None:
    account = make_account("01")
    entry = _bill(account.company_id, account.pk, 5000)
    receivable = entry.postings.get(amount=5000).ledger_account_id
    _raw_posting(entry.pk, account.company_id, receivable, 7)
    result = ledger_check()
    assert result.unbalanced_entries == [(entry.pk, 7)]
    assert result.grand_total == 7
    assert result.subledger_mismatches
    with pytest.raises(CommandError):
        call_command("ledger_check")


def test_ledger_check_catches_a_one_sided_inter_company_balance() -> None:
    collector = Company.objects.get(code="01")
    journal_post(
        company_id=collector.pk,
        kind="payment",
        lines=[Line(chart.cash_shift(1), 500), Line(chart.due_to("03"), -500)],
    )
    assert ledger_check().intercompany_mismatches == [("01", "03", -500)]


class LedgerProperty(HypothesisTestCase):
    """Whatever sequence of bills, payments from any company and reversals is posted, the
    books balance and the sub-ledger equals the control accounts."""

    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["bill", "pay", "reverse"]),
                st.integers(0, 2),
                st.sampled_from(["01", "02", "03"]),
                st.integers(1, 10**9),
            ),
            max_size=12,
        )
    )
    def test_any_sequence_keeps_the_books_whole(self, steps) -> None:
        companies = {c.code: c for c in Company.objects.filter(code__in=["01", "02", "03"])}
        subscribers = [
            account_create(actor=None, company=companies[code], holder_name="س ص")
            for code in ("01", "02", "03")
        ]
        posted: list[JournalEntry] = []
        for action, who, collector_code, amount in steps:
            sub = subscribers[who]
            owner_code = sub.number[:2]
            if action == "bill":
                posted.append(_bill(sub.company_id, sub.pk, amount))
            elif action == "pay":
                collector = companies[collector_code]
                if collector_code == owner_code:
                    posted.append(
                        journal_post(
                            company_id=collector.pk,
                            kind="payment",
                            lines=[
                                Line(chart.cash_shift(9), amount),
                                Line(chart.RECEIVABLES, -amount, sub.pk),
                            ],
                        )
                    )
                else:
                    journal_post(
                        company_id=collector.pk,
                        kind="payment",
                        lines=[
                            Line(chart.cash_shift(9), amount),
                            Line(chart.due_to(owner_code), -amount),
                        ],
                    )
                    posted.append(
                        journal_post(
                            company_id=sub.company_id,
                            kind="payment",
                            lines=[
                                Line(chart.due_from(collector_code), amount),
                                Line(chart.RECEIVABLES, -amount, sub.pk),
                            ],
                        )
                    )
            elif posted:
                journal_reverse(entry=posted.pop(), kind="reversal")
            result = ledger_check()
            assert result.unbalanced_entries == []
            assert result.grand_total == 0
            assert result.subledger_mismatches == []
