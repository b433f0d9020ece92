"""Bills (الفاتورة), their lines, billing runs and adjustments (credit and debit notes).

A bill is never edited after issue: its lines and total are fixed; what was paid and adjusted
since is kept in `paid` and `adjusted`, and corrections are Adjustments posted to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class BillLine:
    """One line of a bill: a tariff band (kWh at a price), a fixed charge or fee (no kWh, no
    price), or the correction of an earlier estimate. A bill's lines are written once with it
    and only ever read with it, so they live inside the bill row as JSON (ADR 0010);
    `unit_price` is kept as a decimal string there, exactly as the tariff has it."""

    kind: str
    code: str
    label_ar: str
    label_en: str
    kwh: int | None
    unit_price: Decimal | None  # pounds (major units) per kWh
    amount: int  # minor units

    ENERGY: ClassVar[str] = "energy"
    CHARGE: ClassVar[str] = "charge"
    FEE: ClassVar[str] = "fee"
    CORRECTION: ClassVar[str] = "correction"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "label_ar": self.label_ar,
            "label_en": self.label_en,
            "kwh": self.kwh,
            "unit_price": None if self.unit_price is None else str(self.unit_price),
            "amount": self.amount,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BillLine:
        price = data.get("unit_price")
        return cls(
            kind=data["kind"],
            code=data["code"],
            label_ar=data["label_ar"],
            label_en=data["label_en"],
            kwh=data.get("kwh"),
            unit_price=None if price is None else Decimal(price),
            amount=int(data["amount"]),
        )


class BillManager(models.Manager["Bill"]):
    """Bills without their lines unless asked (`.defer(None)`): inquiries, payments and
    reports read bills by the dozen and never show lines; only the bill's document does."""

    def get_queryset(self) -> models.QuerySet[Bill]:
        return super().get_queryset().defer("lines")


class Bill(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PARTLY_PAID = "partly_paid", _("partly paid")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company"), db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="bills",
        verbose_name=_("account"),
    )
    cycle = models.ForeignKey(
        "billing.BillingCycle", on_delete=models.PROTECT, verbose_name=_("cycle")
    )
    number = models.CharField(_("bill number"), max_length=20)
    category = models.CharField(_("category"), max_length=16)
    tariff = models.ForeignKey(
        "billing.Tariff", on_delete=models.PROTECT, verbose_name=_("tariff"), db_index=False
    )
    reading = models.ForeignKey(
        "billing.MeterReading", null=True, blank=True, on_delete=models.PROTECT
    )
    previous_reading = models.BigIntegerField(_("previous reading"), null=True, blank=True)
    current_reading = models.BigIntegerField(_("current reading"), null=True, blank=True)
    consumption_kwh = models.BigIntegerField(_("consumption (kWh)"))
    estimated = models.BooleanField(_("estimated"), default=False)
    total = models.BigIntegerField(_("total"))
    adjusted = models.BigIntegerField(_("adjustments"), default=0)
    paid = models.BigIntegerField(_("paid"), default=0)
    credit_applied = models.BigIntegerField(
        _("credit applied"),
        default=0,
        help_text="part of `paid` that came from the subscriber's credit",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    lines = models.JSONField(
        _("lines"), default=list, help_text="BillLine.as_json() of each line, in order"
    )

    objects = BillManager()

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "account", "cycle"], name="bill_one_per_cycle"
            ),
            models.UniqueConstraint(fields=["company", "number"], name="bill_number_uniq"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="bill_paid_nonnegative"),
            models.CheckConstraint(
                condition=Q(paid__lte=models.F("total") + models.F("adjusted")) | Q(paid=0),
                name="bill_not_overpaid",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "account", "status"], name="bill_account_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def line_items(self) -> list[BillLine]:
        """The bill's lines, in the order printed."""
        return [BillLine.from_json(line) for line in self.lines]

    @property
    def outstanding(self) -> int:
        """What is still due on this bill, in minor units."""
        if self.status == self.Status.CANCELLED:
            return 0
        return max(self.total + self.adjusted - self.paid, 0)


class BillingRun(models.Model):
    """Progress of one company's billing run for a cycle; a rerun resumes it."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    cycle = models.ForeignKey(
        "billing.BillingCycle", on_delete=models.PROTECT, verbose_name=_("cycle")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    accounts_total = models.PositiveIntegerField(_("accounts"), default=0)
    accounts_done = models.PositiveIntegerField(_("accounts done"), default=0)
    bills_created = models.PositiveIntegerField(_("bills created"), default=0)
    last_account_id = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        constraints = [
            models.UniqueConstraint(fields=["company", "cycle"], name="billingrun_one_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.cycle}"

    @property
    def percent(self) -> int:
        if not self.accounts_total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, self.accounts_done * 100 // self.accounts_total)


class Adjustment(models.Model):
    """A credit or debit note against a bill, with a reason and an approver."""

    class Kind(models.TextChoices):
        CREDIT = "credit", _("credit note")
        DEBIT = "debit", _("debit note")

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    class Reason(models.TextChoices):
        WRONG_READING = "wrong_reading", _("wrong reading")
        ESTIMATE_CORRECTION = "estimate_correction", _("estimated bill corrected")
        TARIFF_ERROR = "tariff_error", _("wrong tariff or category")
        METER_FAULT = "meter_fault", _("faulty meter")
        COMPLAINT = "complaint", _("complaint upheld")
        OTHER = "other", _("other")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("bill")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount"))
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="adjustment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} on {self.bill_id}"
