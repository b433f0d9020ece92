"""Reads of billing data: the document of a bill, balances from bills, progress of runs."""

from __future__ import annotations

from django.db.models import F, Sum

from kuwwa.accounts.models import Category
from kuwwa.billing.documents import BillDocument, BillLineDoc
from kuwwa.billing.models import Bill, BillingRun


def bill_outstanding_of_account(*, account_id: int, before_bill: Bill | None = None) -> int:
    """What the account still owes on bills (all, or those issued before a given bill)."""
    qs = Bill.objects.filter(account_id=account_id).exclude(status=Bill.Status.CANCELLED)
    if before_bill is not None:
        qs = qs.filter(cycle__period_start__lt=before_bill.cycle.period_start)
    total = qs.filter(total__gt=0).aggregate(due=Sum(F("total") + F("adjusted") - F("paid")))["due"]
    return int(total or 0)


def bills_outstanding_by_company() -> dict[int, int]:
    """Σ outstanding of every company's bills: must equal its receivables control account."""
    rows = (
        Bill.objects.exclude(status=Bill.Status.CANCELLED)
        .filter(total__gt=0)
        .values("company_id")
        .annotate(due=Sum(F("total") + F("adjusted") - F("paid")))
    )
    return {r["company_id"]: int(r["due"] or 0) for r in rows}


def bill_document(*, bill: Bill, credit: int = 0) -> BillDocument:
    """Everything a printed bill shows, from the stored bill (never recomputed)."""
    bill = Bill.objects.select_related("company", "account", "cycle").defer(None).get(pk=bill.pk)
    arrears = bill_outstanding_of_account(account_id=bill.account_id, before_bill=bill)
    lines = tuple(
        BillLineDoc(
            label_ar=line.label_ar,
            label_en=line.label_en,
            kwh=line.kwh,
            unit_price=line.unit_price,
            amount=line.amount,
        )
        for line in bill.line_items
    )
    due_now = max(bill.outstanding + arrears - credit, 0)
    return BillDocument(
        company_name_ar=bill.company.name_ar,
        company_name_en=bill.company.name_en,
        company_code=bill.company.code,
        account_number=bill.account.number,
        holder_name=bill.account.holder_name,
        address=bill.account.address,
        category_label=str(Category(bill.category).label),
        bill_number=bill.number,
        cycle_label=bill.cycle.code,
        period_start=bill.cycle.period_start,
        period_end=bill.cycle.period_end,
        issue_date=bill.issue_date,
        due_date=bill.due_date,
        previous_reading=bill.previous_reading,
        current_reading=bill.current_reading,
        consumption_kwh=bill.consumption_kwh,
        estimated=bill.estimated,
        lines=lines,
        total=bill.total + bill.adjusted,
        previous_balance=arrears,
        credit=credit,
        amount_due=due_now,
        status_label=str(Bill.Status(bill.status).label),
    )


def billing_runs_in_progress(*, company_id: int | None = None) -> list[BillingRun]:
    qs = BillingRun.objects.select_related("cycle", "company").order_by("-started_at")
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    return list(qs[:50])


def receivables_mismatches() -> list[tuple[int, int, int]]:
    """Companies whose bills' outstanding total differs from their receivables control account:
    (company_id, bills outstanding, receivables balance)."""
    from kuwwa.ledger import chart
    from kuwwa.ledger.models import Posting

    receivables = dict(
        Posting.objects.filter(ledger_account__code=chart.RECEIVABLES)
        .values("company_id")
        .annotate(total=Sum("amount"))
        .values_list("company_id", "total")
    )
    bills = bills_outstanding_by_company()
    return [
        (company_id, bills.get(company_id, 0), int(receivables.get(company_id) or 0))
        for company_id in sorted(set(receivables) | set(bills))
        if bills.get(company_id, 0) != int(receivables.get(company_id) or 0)
    ]
