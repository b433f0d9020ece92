"""Settlement between companies for a business day, netted through the establishment.

`settlement_run(day)` closes the day: it builds the gross matrix (collecting company × owning
company, count and amount of the day's payments less reversals), each company's net position
against the establishment's clearing account (the positions sum to zero), and posts the netting
to the ledger: each company's due-to/due-from for the day are cleared against one balance with
the establishment. From then on the day's payments can no longer be reversed. Running it again
returns the same run. `settlement_confirm_transfer` then records the one bank transfer each
company makes or receives, and posts it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.collection.models import Payment
from kuwwa.core.audit import audit_record
from kuwwa.core.clock import business_date
from kuwwa.core.errors import Conflict, ValidationFailed
from kuwwa.ledger import chart
from kuwwa.ledger.services import EntrySpec, Line, journal_post_many
from kuwwa.organizations.models import ESTABLISHMENT_CODE, Company
from kuwwa.partners.webhooks import partner_notify_settled
from kuwwa.settlement.models import BusinessDay, SettlementCell, SettlementPosition, SettlementRun


def _establishment() -> Company:
    return Company.objects.get(code=ESTABLISHMENT_CODE)


def _matrix(day: dt.date) -> list[dict[str, Any]]:
    return list(
        Payment.objects.filter(business_date=day, status=Payment.Status.POSTED)
        .values("collector_id", "company_id")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("collector_id", "company_id")
    )


def _netting_specs(
    day: dt.date, est: Company, positions: list[SettlementPosition], cells: list[SettlementCell]
) -> list[EntrySpec]:
    codes = dict(Company.objects.values_list("pk", "code"))
    lines: dict[int, list[Line]] = defaultdict(list)
    for cell in cells:
        if cell.collector_id == cell.owner_id:
            continue
        lines[cell.collector_id].append(Line(chart.due_to(codes[cell.owner_id]), cell.amount))
        lines[cell.owner_id].append(Line(chart.due_from(codes[cell.collector_id]), -cell.amount))
    for position in positions:
        if position.net == 0:
            continue
        if position.party_id == est.pk:
            lines[est.pk].append(Line(chart.CLEARING, position.net))
            continue
        party = codes[position.party_id]
        side = chart.due_from if position.net > 0 else chart.due_to
        lines[position.party_id].append(Line(side(ESTABLISHMENT_CODE), position.net))
        mirror = chart.due_to if position.net > 0 else chart.due_from
        lines[est.pk].append(Line(mirror(party), -position.net))
        lines[est.pk].append(Line(chart.CLEARING, position.net))
    return [
        EntrySpec(
            company_id=company_id,
            kind="settlement",
            lines=[line for line in company_lines if line.amount],
            business_date=day,
            memo=f"settlement of {day.isoformat()}",
            source_type="settlement",
        )
        for company_id, company_lines in sorted(lines.items())
        if any(line.amount for line in company_lines)
    ]


@transaction.atomic
def settlement_run(*, actor: Any, day: dt.date, force: bool = False) -> SettlementRun:
    """Settle a business day (idempotent). A day not yet over needs `force` (early close)."""
    est = _establishment()
    existing = SettlementRun.objects.filter(company=est, business_date=day).first()
    if existing is not None:
        return existing
    if day >= business_date() and not force:
        raise ValidationFailed(_("The business day %(day)s is not over yet."), day=day.isoformat())
    business_day, _created = BusinessDay.objects.select_for_update().get_or_create(
        company=est, date=day
    )
    rows = _matrix(day)
    run = SettlementRun.objects.create(
        company=est,
        business_date=day,
        state=SettlementRun.State.POSTED,
        payments=sum(r["count"] for r in rows),
        amount=sum(r["amount"] for r in rows),
        cross_amount=sum(r["amount"] for r in rows if r["collector_id"] != r["company_id"]),
    )
    cells = SettlementCell.objects.bulk_create(
        [
            SettlementCell(
                company=est,
                run=run,
                collector_id=r["collector_id"],
                owner_id=r["company_id"],
                count=r["count"],
                amount=r["amount"],
            )
            for r in rows
        ]
    )
    for_others: dict[int, int] = defaultdict(int)
    by_others: dict[int, int] = defaultdict(int)
    for cell in cells:
        if cell.collector_id != cell.owner_id:
            for_others[cell.collector_id] += cell.amount
            by_others[cell.owner_id] += cell.amount
    positions = SettlementPosition.objects.bulk_create(
        [
            SettlementPosition(
                company=est,
                run=run,
                party_id=party,
                collected_for_others=for_others[party],
                collected_by_others=by_others[party],
                net=by_others[party] - for_others[party],
            )
            for party in sorted(set(for_others) | set(by_others))
        ]
    )
    if sum(p.net for p in positions) != 0:  # pragma: no cover - arithmetic guard
        raise Conflict(_("Net positions do not sum to zero."))
    journal_post_many(specs=_netting_specs(day, est, positions, cells), actor=actor)
    business_day.state = BusinessDay.State.SETTLED
    business_day.closed_at = business_day.closed_at or timezone.now()
    business_day.settled_at = timezone.now()
    business_day.save(update_fields=["state", "closed_at", "settled_at"])
    audit_record(
        company=est,
        actor=actor,
        action="settlement.run",
        obj=run,
        data={
            "day": day.isoformat(),
            "payments": run.payments,
            "amount": run.amount,
            "positions": {str(p.party_id): p.net for p in positions},
        },
    )
    partner_notify_settled(run)  # webhooks to partners, sent from the outbox after commit
    return run


@transaction.atomic
def settlement_confirm_transfer(
    *, actor: Any, position: SettlementPosition, reference: str
) -> SettlementPosition:
    """Record the bank transfer of one company's net position and post it (idempotent)."""
    locked = (
        SettlementPosition.objects.select_for_update()
        .select_related("party", "run")
        .get(pk=position.pk)
    )
    if locked.transferred_at is not None:
        return locked
    reference = reference.strip()
    if not reference:
        raise ValidationFailed(_("Enter the bank transfer reference."))
    est = _establishment()
    amount = abs(locked.net)
    party = locked.party
    specs = []
    if locked.net and party.pk != est.pk:
        if locked.net < 0:  # the company pays the establishment
            party_lines = [
                Line(chart.due_to(ESTABLISHMENT_CODE), amount),
                Line(chart.BANK, -amount),
            ]
            est_lines = [Line(chart.BANK, amount), Line(chart.due_from(party.code), -amount)]
        else:  # the establishment pays the company
            party_lines = [
                Line(chart.BANK, amount),
                Line(chart.due_from(ESTABLISHMENT_CODE), -amount),
            ]
            est_lines = [Line(chart.due_to(party.code), amount), Line(chart.BANK, -amount)]
        memo = f"settlement transfer {locked.run.business_date.isoformat()} {reference}"
        specs = [
            EntrySpec(
                company_id=party.pk, kind="settlement_transfer", lines=party_lines, memo=memo
            ),
            EntrySpec(company_id=est.pk, kind="settlement_transfer", lines=est_lines, memo=memo),
        ]
    if specs:
        journal_post_many(specs=specs, actor=actor)
    locked.transfer_reference = reference[:60]
    locked.transferred_at = timezone.now()
    locked.save(update_fields=["transfer_reference", "transferred_at"])
    audit_record(
        company=est,
        actor=actor,
        action="settlement.transfer",
        obj=locked,
        data={"party": party.code, "net": locked.net, "reference": reference[:60]},
    )
    return locked
