"""bulk_insert writes rows that read back exactly as bulk_create's would, returns their ids
in order, never collides with later ORM inserts, and lives and dies with the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from kuwwa.accounts.models import Account, Meter
from kuwwa.billing.cycles import cycle_open
from kuwwa.billing.models import (
    Bill,
    BillingCycle,
    BillingRun,
    MeterReading,
    Tariff,
    TariffBand,
)
from kuwwa.core.bulk import bulk_insert
from kuwwa.ledger.models import JournalEntry, LedgerAccount, Posting

pytestmark = pytest.mark.django_db

AUTO = ("id", "posted_at", "created_at", "started_at", "updated_at")


def _both(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> tuple[list[int], list[int]]:
    """The rows inserted twice: by bulk_insert, and by the ORM's bulk_create."""
    ids = bulk_insert(model, rows, fields=fields)
    objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
    model._default_manager.bulk_create(objs)
    return ids, [o.pk for o in objs]


def _read(model: type[models.Model], ids: list[int], skip: Sequence[str] = ()) -> list[dict]:
    """Every column of the rows, in the order of ids, as the ORM reads them back."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in (*AUTO, *skip)]
    found = {
        row["id"]: row for row in model._default_manager.filter(pk__in=ids).values("id", *names)
    }
    return [{k: v for k, v in found[pk].items() if k != "id"} for pk in ids]


@pytest.fixture
def two_accounts(make_account) -> list[Account]:
    return [make_account("01"), make_account("01", holder_name="سلمى حسن")]


@pytest.fixture
def cycles(company) -> tuple[BillingCycle, BillingCycle]:
    c = company("01")
    return cycle_open(actor=None, company=c, code="2026-06"), cycle_open(
        actor=None, company=c, code="2026-08"
    )


def _reading_rows(accounts: list[Account], cycle: BillingCycle) -> list[tuple[Any, ...]]:
    meters = {m.account_id: m for m in Meter.objects.filter(account__in=accounts)}
    return [
        (
            a.company_id,
            a.pk,
            meters[a.pk].pk,
            cycle.pk,
            1234 + n,
            dt.date(2026, 7, 28),
            MeterReading.Source.ESTIMATED,
            MeterReading.Status.ACCEPTED,
            ["estimated"] if n == 0 else [],
            None if n else 240,
        )
        for n, a in enumerate(accounts)
    ]


READING_FIELDS = (
    "company_id",
    "account_id",
    "meter_id",
    "cycle_id",
    "value",
    "read_on",
    "source",
    "status",
    "flags",
    "consumption_kwh",
)


def test_meter_readings_read_back_like_bulk_create(two_accounts, cycles) -> None:
    before = timezone.now()
    a = bulk_insert(MeterReading, _reading_rows(two_accounts, cycles[0]), fields=READING_FIELDS)
    # The ORM's copy goes to another cycle (a reading is unique per meter, cycle and value).
    objs = [
        MeterReading(**dict(zip(READING_FIELDS, row, strict=True)))
        for row in _reading_rows(two_accounts, cycles[1])
    ]
    MeterReading.objects.bulk_create(objs)
    b = [o.pk for o in objs]
    assert _read(MeterReading, a, skip=["cycle_id"]) == _read(MeterReading, b, skip=["cycle_id"])
    first = MeterReading.objects.get(pk=a[0])
    assert first.flags == ["estimated"]  # a JSON list, not a string
    assert MeterReading.objects.get(pk=a[1]).flags == []
    assert first.consumption_kwh == 240
    assert MeterReading.objects.get(pk=a[1]).consumption_kwh is None
    assert (first.note, first.photo.name, first.submitted_by_id) == ("", "", None)  # defaults
    assert before <= first.created_at <= timezone.now()  # auto_now_add
    assert MeterReading.objects.filter(flags__0="estimated", pk__in=a).count() == 1  # JSON in SQL


def test_bills_and_lines_with_decimals_defaults_and_choices(two_accounts, cycles) -> None:
    tariff = Tariff.objects.create(
        category="household", effective_from=dt.date(2020, 1, 1), name_ar="منزلي", name_en="h"
    )
    fields = (
        "company_id",
        "account_id",
        "cycle_id",
        "number",
        "category",
        "tariff_id",
        "previous_reading",
        "current_reading",
        "consumption_kwh",
        "estimated",
        "total",
        "status",
        "issue_date",
        "due_date",
    )

    def rows(cycle: BillingCycle, prefix: str) -> list[tuple[Any, ...]]:
        return [
            (
                a.company_id,
                a.pk,
                cycle.pk,
                f"{prefix}{n:07d}",
                a.category,
                tariff.pk,
                None if n else 100,
                None if n else 550,
                450,
                bool(n),
                390_000_00 + n,
                Bill.Status.OPEN,  # a TextChoices member, as the billing run passes it
                cycle.issue_date,
                cycle.due_date,
            )
            for n, a in enumerate(two_accounts)
        ]

    ids = bulk_insert(Bill, rows(cycles[0], "01202606"), fields=fields)
    orm = [Bill(**dict(zip(fields, r, strict=True))) for r in rows(cycles[1], "01202608")]
    Bill.objects.bulk_create(orm)
    skip = ["cycle_id", "number", "issue_date", "due_date"]
    assert _read(Bill, ids, skip) == _read(Bill, [o.pk for o in orm], skip)
    bill = Bill.objects.get(pk=ids[0])
    assert (bill.adjusted, bill.paid, bill.status, bill.estimated) == (0, 0, "open", False)
    assert bill.issue_date == cycles[0].issue_date and bill.total == 390_000_00
    assert isinstance(bill.total, int)


def test_json_lines_read_back_as_the_orm_wrote_them(two_accounts, cycles) -> None:
    """A JSON column (a bill's lines): shared objects, Arabic, tab, backslash and newline."""
    tariff = Tariff.objects.create(
        category="household", effective_from=dt.date(2020, 1, 1), name_ar="منزلي", name_en="h"
    )
    shared = [
        {"kind": "energy", "label_ar": "الشريحة 1", "kwh": 300, "unit_price": "600.0000"},
        {"kind": "charge", "label_ar": "أجرة\tالعداد", "label_en": "rent\\\n", "kwh": None},
    ]
    fields = ("company_id", "account_id", "cycle_id", "number", "category", "tariff_id")
    fields += ("consumption_kwh", "total", "status", "issue_date", "due_date", "lines")

    def rows(cycle: BillingCycle, prefix: str) -> list[tuple[Any, ...]]:
        a, b = two_accounts
        common = (a.category, tariff.pk, 300, 1, "open", cycle.issue_date, cycle.due_date)
        return [
            (a.company_id, a.pk, cycle.pk, f"{prefix}1", *common, shared),
            (b.company_id, b.pk, cycle.pk, f"{prefix}2", *common, shared),
        ]

    ids = bulk_insert(Bill, rows(cycles[0], "0120260600000"), fields=fields)
    orm = [Bill(**dict(zip(fields, r, strict=True))) for r in rows(cycles[1], "0120260800000")]
    Bill.objects.bulk_create(orm)
    got = [Bill.objects.get(pk=pk).lines for pk in ids]
    assert got == [Bill.objects.get(pk=o.pk).lines for o in orm] == [shared, shared]


def test_journal_entries_and_postings_append_only(two_accounts) -> None:
    account = two_accounts[0]
    ledger = LedgerAccount.objects.create(
        company_id=account.company_id, code="receivables", kind="asset"
    )
    revenue = LedgerAccount.objects.create(
        company_id=account.company_id, code="revenue:household", kind="revenue"
    )
    fields = ("company_id", "business_date", "kind", "memo", "source_type", "source_id")
    rows = [
        (
            account.company_id,
            dt.date(2026, 8, 5),
            "bill",
            f"bill 0120260800000{n}",
            "bill",
            n or None,
        )
        for n in range(3)
    ]
    before = timezone.now()
    a, b = _both(JournalEntry, fields, rows)
    assert _read(JournalEntry, a) == _read(JournalEntry, b)
    entry = JournalEntry.objects.get(pk=a[0])
    assert before <= entry.posted_at <= timezone.now()
    assert (entry.source_id, entry.reverses_id, entry.actor_id) == (None, None, None)
    posting_fields = ("company_id", "entry_id", "ledger_account_id", "amount", "subscriber_id")

    def postings(entry_ids: list[int]) -> list[tuple[Any, ...]]:
        return [
            row
            for n, entry_id in enumerate(entry_ids)
            for row in (
                (account.company_id, entry_id, ledger.pk, 1000 + n, account.pk),
                (account.company_id, entry_id, revenue.pk, -1000 - n, None),
            )
        ]

    pa = bulk_insert(Posting, postings(a), fields=posting_fields)
    pb = [Posting(**dict(zip(posting_fields, r, strict=True))) for r in postings(b)]
    Posting.objects.bulk_create(pb)
    assert _read(Posting, pa, ["entry_id"]) == _read(Posting, [p.pk for p in pb], ["entry_id"])
    assert sum(p.amount for p in JournalEntry.objects.get(pk=a[2]).postings.all()) == 0


def test_datetimes_and_model_instances_go_through_the_field(company, cycles) -> None:
    finished = timezone.make_aware(dt.datetime(2026, 8, 3, 23, 30))  # Asia/Damascus
    fields = ("company", "cycle", "state", "accounts_total", "finished_at")
    rows = [(company("01"), cycles[0], BillingRun.State.DONE, 7, finished)]
    before = timezone.now()
    (pk,) = bulk_insert(BillingRun, rows, fields=fields)
    run = BillingRun.objects.get(pk=pk)
    assert run.finished_at == finished
    assert (run.company_id, run.cycle_id, run.accounts_done, run.last_account_id) == (
        company("01").pk,
        cycles[0].pk,
        0,
        0,
    )
    assert before <= run.started_at == run.updated_at <= timezone.now()


def test_values_of_other_types_go_through_the_field_like_the_orm(company) -> None:
    c = company("01")
    # 01:30 on the 4th in Damascus is still the 3rd in UTC: the field takes the local day.
    late = timezone.make_aware(dt.datetime(2026, 8, 4, 1, 30)).astimezone(dt.UTC)
    fields = ("company", "business_date", "kind", "memo", "source_id")
    a: list[int] = []
    b: list[int] = []
    # One row per call, so that each column holds only the one type under test.
    for row in [(c, late, "bill", 12345, "7"), (c, "2026-08-05", "bill", "", True)]:
        ours, orm = _both(JournalEntry, fields, [row])
        a += ours
        b += orm
    assert _read(JournalEntry, a) == _read(JournalEntry, b)
    got = JournalEntry.objects.filter(pk__in=a).order_by("pk")
    assert list(got.values_list("business_date", "memo", "source_id")) == [
        (dt.date(2026, 8, 4), "12345", 7),
        (dt.date(2026, 8, 5), "", 1),
    ]
    tariff = Tariff.objects.create(
        category="household", effective_from=dt.date(2020, 1, 1), name_ar="منزلي", name_en="h"
    )
    band_fields = ("tariff", "from_kwh", "to_kwh", "price")
    (pk,) = bulk_insert(TariffBand, [(tariff.pk, 0, None, "600.5")], fields=band_fields)
    assert TariffBand.objects.get(pk=pk).price == Decimal("600.5")
    with pytest.raises(ValidationError):
        bulk_insert(TariffBand, [(tariff.pk, 100, None, Decimal("NaN"))], fields=band_fields)


def test_returned_ids_name_the_rows_in_order(two_accounts, cycles) -> None:
    rows = _reading_rows(two_accounts, cycles[0]) + _reading_rows(two_accounts, cycles[1])
    ids = bulk_insert(MeterReading, rows, fields=READING_FIELDS)
    assert len(set(ids)) == len(rows) and ids == sorted(ids)
    found = dict(MeterReading.objects.filter(pk__in=ids).values_list("pk", "cycle_id"))
    assert [found[pk] for pk in ids] == [r[3] for r in rows]


def test_later_orm_inserts_do_not_collide(company) -> None:
    c = company("01")
    fields = ("company_id", "business_date", "kind")
    first = bulk_insert(JournalEntry, [(c.pk, dt.date(2026, 8, 1), "bill")] * 50, fields=fields)
    created = JournalEntry.objects.create(company=c, business_date=dt.date(2026, 8, 1), kind="x")
    assert created.pk not in first and created.pk > max(first)
    again = bulk_insert(JournalEntry, [(c.pk, dt.date(2026, 8, 1), "bill")] * 5, fields=fields)
    assert min(again) > created.pk
    with transaction.atomic():  # a rolled-back savepoint gives nothing back for reuse
        JournalEntry.objects.create(company=c, business_date=dt.date(2026, 8, 1), kind="y")
    assert JournalEntry.objects.count() == 57


def test_rolled_back_with_the_transaction(company) -> None:
    c = company("01")
    ids: list[int] = []

    def insert_then_fail() -> None:
        with transaction.atomic():
            ids.extend(
                bulk_insert(
                    JournalEntry,
                    [(c.pk, dt.date(2026, 8, 1), "bill")] * 3,
                    fields=("company", "business_date", "kind"),
                )
            )
            assert JournalEntry.objects.filter(pk__in=ids).count() == 3
            raise RuntimeError

    with pytest.raises(RuntimeError):
        insert_then_fail()
    assert len(ids) == 3
    assert not JournalEntry.objects.filter(pk__in=ids).exists()


def test_database_errors_are_django_errors(two_accounts, cycles) -> None:
    rows = _reading_rows(two_accounts, cycles[0])
    bulk_insert(MeterReading, rows, fields=READING_FIELDS)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(MeterReading, rows[:1], fields=READING_FIELDS)  # same meter, cycle, value
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(
            Posting,
            [(1, 1, 1, 0, None)],
            fields=("company", "entry", "ledger_account", "amount", "subscriber"),
        )


def test_bad_calls_are_refused(company) -> None:
    c = company("01")
    day = dt.date(2026, 8, 1)
    with pytest.raises(ValueError, match="primary keys"):
        bulk_insert(
            JournalEntry, [(1, c.pk, day, "x")], fields=("id", "company", "business_date", "kind")
        )
    with pytest.raises(ValueError, match="automatically"):
        bulk_insert(
            JournalEntry,
            [(c.pk, day, "x", timezone.now())],
            fields=("company", "business_date", "kind", "posted_at"),
        )
    with pytest.raises(ValueError, match="values"):
        bulk_insert(JournalEntry, [(c.pk, day)], fields=("company", "business_date", "kind"))
    with pytest.raises(ValueError):
        bulk_insert(
            JournalEntry,
            [(c.pk, day, "x"), (c.pk, day)],
            fields=("company", "business_date", "kind"),
        )
    with pytest.raises(ValueError, match="twice"):
        bulk_insert(JournalEntry, [(c.pk, c.pk)], fields=("company", "company_id"))
    assert bulk_insert(JournalEntry, [], fields=("company", "business_date", "kind")) == []
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refused_outside_a_transaction() -> None:
    fields = ("company_id", "business_date", "kind")
    with pytest.raises(TransactionManagementError):
        bulk_insert(JournalEntry, [(1, dt.date(2026, 8, 1), "bill")], fields=fields)
    with pytest.raises(TransactionManagementError):
        bulk_insert(JournalEntry, [], fields=fields)
    with transaction.atomic():
        assert bulk_insert(JournalEntry, [], fields=fields) == []
