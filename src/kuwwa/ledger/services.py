"""Posting to the journal: only balanced entries are accepted; nothing is ever changed.

Callers (billing, payments, cashiering, settlement) post inside their own transaction and
record their own audit event; a correction is a reversing entry (`journal_reverse`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kuwwa.core.bulk import bulk_insert
from kuwwa.core.clock import business_date as current_business_date
from kuwwa.core.errors import UnbalancedEntry, ValidationFailed
from kuwwa.ledger import chart
from kuwwa.ledger.models import JournalEntry, LedgerAccount, Posting


@dataclass(frozen=True)
class Line:
    """One side of an entry: an account code of the entry's company and a signed amount
    (debit positive, credit negative), with the subscriber for sub-ledger accounts."""

    code: str
    amount: int
    subscriber_id: int | None = None


@dataclass(frozen=True)
class EntrySpec:
    company_id: int
    kind: str
    lines: Sequence[Line]
    business_date: dt.date | None = None
    memo: str = ""
    source_type: str = ""
    source_id: int | None = None


_account_ids: dict[tuple[int, str], int] = {}


def ledger_account_id(*, company_id: int, code: str) -> int:
    """The id of a company's account, created on first use (cached per process)."""
    key = (company_id, code)
    found = _account_ids.get(key)
    if found is not None:
        return found
    kind = chart.kind_of(code)
    account = LedgerAccount.objects.filter(company_id=company_id, code=code).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LedgerAccount.objects.create(company_id=company_id, code=code, kind=kind)
        except IntegrityError:
            account = LedgerAccount.objects.get(company_id=company_id, code=code)
    # Cached only once committed: a rolled-back creation must not leave a dangling id.
    transaction.on_commit(partial(_account_ids.__setitem__, key, account.pk))
    return account.pk


def ledger_account_ids(*, company_id: int, codes: set[str]) -> dict[str, int]:
    """Ids of several accounts of one company in one query, creating the missing ones."""
    found = {
        code: _account_ids[(company_id, code)]
        for code in codes
        if (company_id, code) in _account_ids
    }
    missing = codes - set(found)
    if missing:
        rows = LedgerAccount.objects.filter(company_id=company_id, code__in=missing)
        found.update({code: pk for code, pk in rows.values_list("code", "pk")})
        for code in missing - set(found):
            found[code] = ledger_account_id(company_id=company_id, code=code)
        for code in missing:
            transaction.on_commit(
                partial(_account_ids.__setitem__, (company_id, code), found[code])
            )
    return found


_id_tuples: dict[tuple[tuple[int, str], ...], tuple[int, ...]] = {}


def ledger_account_id_tuple(*, accounts: tuple[tuple[int, str], ...]) -> tuple[int, ...]:
    """Ids of (company, code) accounts in the order asked, creating the missing ones: one dict
    lookup on a hot path (a payment) once every one of them is known and committed."""
    found = _id_tuples.get(accounts)
    if found is not None:
        return found
    wanted: dict[int, set[str]] = defaultdict(set)
    for company_id, code in accounts:
        wanted[company_id].add(code)
    ids = {
        (company_id, code): pk
        for company_id, codes in wanted.items()
        for code, pk in ledger_account_ids(company_id=company_id, codes=codes).items()
    }
    found = tuple(ids[account] for account in accounts)
    if all(account in _account_ids for account in accounts):  # committed, so safe to keep
        _id_tuples[accounts] = found
    return found


def _check(spec: EntrySpec) -> None:
    if len(spec.lines) < 2:
        raise UnbalancedEntry(_("A journal entry needs at least two lines."))
    total = 0
    for line in spec.lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise ValidationFailed(_("Amounts are whole minor units."))
        if line.amount == 0:
            raise ValidationFailed(_("A journal line cannot be zero."))
        if line.code in chart.SUBSCRIBER_LEDGERS and line.subscriber_id is None:
            raise ValidationFailed(_("Receivable and credit lines must name the subscriber."))
        chart.kind_of(line.code)
        total += line.amount
    if total != 0:
        raise UnbalancedEntry(
            _("The journal entry does not balance: debits and credits differ by %(diff)s."),
            diff=total,
        )


def journal_post_many(*, specs: Sequence[EntrySpec], actor: Any = None) -> list[JournalEntry]:
    """Post several balanced entries with bulk inserts (the billing run posts thousands).

    Every entry is checked before anything is written, so a refusal leaves the caller's
    transaction usable; the writes join the caller's transaction without a savepoint.
    """
    for spec in specs:
        _check(spec)
    return _write_entries(specs, actor)


def journal_post_bulk(*, specs: Sequence[EntrySpec], actor: Any = None) -> list[int]:
    """`journal_post_many` for thousands of entries (the billing run): the rows go in through
    `bulk_insert` (COPY on PostgreSQL) and only the new entries' ids come back, in order.
    For a handful of entries `journal_post_many` is as fast and returns the entries."""
    for spec in specs:
        _check(spec)
    return _write_entries_bulk(specs, actor)


def _ledger_ids(specs: Sequence[EntrySpec]) -> dict[int, dict[str, int]]:
    """{company: {code: ledger account id}} for every line of the entries."""
    wanted: dict[int, set[str]] = {}
    for spec in specs:
        wanted.setdefault(spec.company_id, set()).update(line.code for line in spec.lines)
    return {
        company_id: ledger_account_ids(company_id=company_id, codes=codes)
        for company_id, codes in wanted.items()
    }


@transaction.atomic(savepoint=False)
def _write_entries(specs: Sequence[EntrySpec], actor: Any) -> list[JournalEntry]:
    today = current_business_date()
    entries = [
        JournalEntry(
            company_id=spec.company_id,
            business_date=spec.business_date or today,
            kind=spec.kind,
            memo=spec.memo[:300],
            source_type=spec.source_type,
            source_id=spec.source_id,
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        )
        for spec in specs
    ]
    JournalEntry.objects.bulk_create(entries)
    ids = _ledger_ids(specs)
    postings = [
        Posting(
            company_id=spec.company_id,
            entry_id=entry.pk,
            ledger_account_id=ids[spec.company_id][line.code],
            amount=line.amount,
            subscriber_id=line.subscriber_id,
        )
        for spec, entry in zip(specs, entries, strict=True)
        for line in spec.lines
    ]
    Posting.objects.bulk_create(postings)
    return entries


@transaction.atomic(savepoint=False)
def _write_entries_bulk(specs: Sequence[EntrySpec], actor: Any) -> list[int]:
    if not specs:
        return []
    today = current_business_date()
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    entry_ids = bulk_insert(
        JournalEntry,
        [
            (
                spec.company_id,
                spec.business_date or today,
                spec.kind,
                spec.memo[:300],
                spec.source_type,
                spec.source_id,
                actor_id,
            )
            for spec in specs
        ],
        fields=("company", "business_date", "kind", "memo", "source_type", "source_id", "actor"),
    )
    ids = _ledger_ids(specs)
    bulk_insert(
        Posting,
        [
            (
                spec.company_id,
                entry_id,
                ids[spec.company_id][line.code],
                line.amount,
                line.subscriber_id,
            )
            for spec, entry_id in zip(specs, entry_ids, strict=True)
            for line in spec.lines
        ],
        fields=("company", "entry", "ledger_account", "amount", "subscriber"),
    )
    return entry_ids


def journal_post(
    *,
    company_id: int,
    kind: str,
    lines: Sequence[Line],
    business_date: dt.date | None = None,
    memo: str = "",
    source_type: str = "",
    source_id: int | None = None,
    actor: Any = None,
) -> JournalEntry:
    """Post one balanced entry in the company's books; refuses an unbalanced one."""
    spec = EntrySpec(
        company_id=company_id,
        kind=kind,
        lines=lines,
        business_date=business_date,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
    )
    return journal_post_many(specs=[spec], actor=actor)[0]


@transaction.atomic(savepoint=False)
def journal_reverse(
    *,
    entry: JournalEntry,
    kind: str,
    memo: str = "",
    actor: Any = None,
    business_date: dt.date | None = None,
) -> JournalEntry:
    """Post the mirror of an entry (every amount negated), linked to it."""
    lines = [
        Line(code=p.ledger_account.code, amount=-p.amount, subscriber_id=p.subscriber_id)
        for p in entry.postings.select_related("ledger_account")
    ]
    spec = EntrySpec(
        company_id=entry.company_id,
        kind=kind,
        lines=lines,
        business_date=business_date,
        memo=memo,
        source_type=entry.source_type,
        source_id=entry.source_id,
    )
    _check(spec)
    reversal = JournalEntry.objects.create(
        company_id=entry.company_id,
        business_date=business_date or current_business_date(),
        kind=kind,
        memo=memo[:300],
        source_type=entry.source_type,
        source_id=entry.source_id,
        reverses=entry,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
    )
    Posting.objects.bulk_create(
        [
            Posting(
                company_id=entry.company_id,
                entry=reversal,
                ledger_account_id=ledger_account_id(company_id=entry.company_id, code=line.code),
                amount=line.amount,
                subscriber_id=line.subscriber_id,
            )
            for line in lines
        ]
    )
    return reversal


def ledger_cache_clear() -> None:
    """Forget cached account ids: for tests and restores that replace the tables under a
    running process."""
    _account_ids.clear()
    _id_tuples.clear()
