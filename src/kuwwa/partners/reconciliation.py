"""Daily reconciliation: a partner's list of a business day's payments against Kuwwa's.

The partner uploads its list (CSV or JSON: reference, account number, amount, time); each
reference is classified and the run is stored for the back office:

- matched: both sides have it, same account and amount;
- missing_here: the partner has it, Kuwwa has no effective payment for it that day
  (unknown, reversed, or recorded on another business day: the note says which);
- missing_there: Kuwwa has a payment of the partner that day that is not on the list;
- amount_mismatch / account_mismatch: both have it, with a different amount / account.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.numbers import parse_account_number
from kuwwa.collection.models import Payment
from kuwwa.core.clock import business_date
from kuwwa.core.errors import ApplicationError, ValidationFailed
from kuwwa.core.money import MAX_MINOR
from kuwwa.organizations.models import Company
from kuwwa.partners.auth import PartnerContext
from kuwwa.partners.idempotency import KEY_RE
from kuwwa.partners.models import ReconciliationLine, ReconciliationRun
from kuwwa.partners.selectors import partner_reference, printable, receipts_for_partner

MAX_LINES = 100_000
LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Damascus")
COLUMNS = ("reference", "account_number", "amount", "paid_at")
Status = ReconciliationLine.Status


@dataclass(frozen=True)
class PartnerLine:
    line_no: int
    reference: str
    account: str
    amount: int
    paid_at: dt.datetime | None


def _line_error(line: int, problem: Any) -> ValidationFailed:
    return ValidationFailed(_("Line %(line)s: %(problem)s"), line=line, problem=problem)


def _amount(value: Any, line: int) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _line_error(line, _("the amount must be a whole number of minor units."))
    if not 0 < value <= MAX_MINOR:
        raise _line_error(line, _("the amount must be more than zero and not absurdly large."))
    return value


def _time(value: Any, line: int) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise _line_error(
            line, _("the time must be ISO 8601, e.g. 2026-11-28T10:15:00+03:00.")
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def _account(value: Any) -> str:
    text = printable(str(value or "").strip(), 32)
    try:
        return parse_account_number(text).compact
    except ApplicationError:
        return text  # compared as given: it will not match any account of ours


def _line(line_no: int, row: Any) -> PartnerLine:
    if not isinstance(row, dict):
        raise _line_error(
            line_no, _("each payment is an object with reference, account_number, amount.")
        )
    reference = row.get("reference")
    if not isinstance(reference, str) or not KEY_RE.fullmatch(reference.strip()):
        raise _line_error(line_no, _("the reference is the Idempotency-Key of the payment."))
    return PartnerLine(
        line_no=line_no,
        reference=reference.strip(),
        account=_account(row.get("account_number")),
        amount=_amount(row.get("amount"), line_no),
        paid_at=_time(row.get("paid_at"), line_no),
    )


def parse_json(body: bytes) -> list[PartnerLine]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValidationFailed(_("The body is not valid JSON.")) from None
    rows = data.get("payments") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValidationFailed(_('Send {"payments": [...]} or a list of payments.'))
    if len(rows) > MAX_LINES:
        raise ValidationFailed(_("At most %(max)s payments per upload."), max=MAX_LINES)
    return [_line(n, row) for n, row in enumerate(rows, start=1)]


def parse_csv(body: bytes) -> list[PartnerLine]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("The CSV file must be UTF-8.")) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS[:3] if c not in header]
        if missing:
            raise ValidationFailed(
                _("The first line must name the columns: reference,account_number,amount,paid_at.")
            )
        reader.fieldnames = header
        lines: list[PartnerLine] = []
        for n, row in enumerate(reader, start=2):  # line 1 is the header
            if len(lines) >= MAX_LINES:
                raise ValidationFailed(_("At most %(max)s payments per upload."), max=MAX_LINES)
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue  # blank line
            lines.append(_line(n, {k: (v or "").strip() for k, v in row.items() if k}))
    except csv.Error:
        raise ValidationFailed(_("The CSV file cannot be read.")) from None
    return lines


def _check(lines: list[PartnerLine], day: dt.date) -> None:
    if day > business_date():
        raise ValidationFailed(_("The business day %(day)s has not started."), day=day.isoformat())
    seen: dict[str, int] = {}
    for line in lines:
        if line.reference in seen:
            raise ValidationFailed(
                _("Line %(line)s: the reference %(ref)s is also on line %(other)s."),
                line=line.line_no,
                ref=line.reference,
                other=seen[line.reference],
            )
        seen[line.reference] = line.line_no


def _kuwwa_side(ctx: PartnerContext, day: dt.date) -> dict[str, Payment]:
    companies = list(Company.objects.distribution().values_list("pk", flat=True))
    payments = (
        Payment.objects.filter(company_id__in=companies, business_date=day, partner=ctx.partner)
        .select_related("account")
        .order_by("received_at", "pk")
    )
    return {partner_reference(p): p for p in payments}


def _compare(line: PartnerLine, payment: Payment | None, elsewhere: Any) -> ReconciliationLine:
    row = ReconciliationLine(
        line_no=line.line_no,
        reference=line.reference,
        partner_account=line.account,
        partner_amount=line.amount,
        partner_time=line.paid_at,
    )
    if payment is None:
        row.status = Status.MISSING_HERE
        if elsewhere is not None:
            row.receipt_number = elsewhere.number
            day = timezone.localtime(elsewhere.issued_at).date().isoformat()
            row.note = f"recorded by Kuwwa on another business day ({day})"
        return row
    row.kuwwa_account = payment.account.number
    row.kuwwa_amount = payment.amount
    row.kuwwa_time = payment.received_at
    row.receipt_number = payment.receipt_number
    if payment.status == Payment.Status.REVERSED:
        row.status = Status.MISSING_HERE
        row.note = "reversed in Kuwwa"
    elif payment.account.number != line.account:
        row.status = Status.ACCOUNT_MISMATCH
    elif payment.amount != line.amount:
        row.status = Status.AMOUNT_MISMATCH
    else:
        row.status = Status.MATCHED
    return row


def reconciliation_run(
    *, ctx: PartnerContext, day: dt.date, lines: list[PartnerLine], source_format: str
) -> ReconciliationRun:
    """Classify the partner's list against Kuwwa's payments of the day and store the run."""
    _check(lines, day)
    ours = _kuwwa_side(ctx, day)
    unknown = [ln.reference for ln in lines if ln.reference not in ours]
    elsewhere = receipts_for_partner(ctx.partner, unknown) if unknown else {}
    rows = [_compare(ln, ours.get(ln.reference), elsewhere.get(ln.reference)) for ln in lines]
    listed = {ln.reference for ln in lines}
    for ref, payment in ours.items():
        if ref in listed or payment.status != Payment.Status.POSTED:
            continue
        rows.append(
            ReconciliationLine(
                reference=ref,
                status=Status.MISSING_THERE,
                kuwwa_account=payment.account.number,
                kuwwa_amount=payment.amount,
                kuwwa_time=payment.received_at,
                receipt_number=payment.receipt_number,
            )
        )
    posted = [p for p in ours.values() if p.status == Payment.Status.POSTED]
    counts = {status: 0 for status in Status.values}
    for row in rows:
        counts[row.status] += 1
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            company_id=ctx.company_id,
            partner=ctx.partner,
            business_date=day,
            source_format=source_format,
            key_id=ctx.key.key_id,
            partner_count=len(lines),
            partner_total=sum(ln.amount for ln in lines),
            kuwwa_count=len(posted),
            kuwwa_total=sum(p.amount for p in posted),
            matched=counts[Status.MATCHED],
            missing_here=counts[Status.MISSING_HERE],
            missing_there=counts[Status.MISSING_THERE],
            amount_mismatch=counts[Status.AMOUNT_MISMATCH],
            account_mismatch=counts[Status.ACCOUNT_MISMATCH],
        )
        for row in rows:
            row.company_id = ctx.company_id
            row.run = run
        ReconciliationLine.objects.bulk_create(rows, batch_size=1000)
    return run
