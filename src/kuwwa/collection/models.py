"""Payments (التسديد), their allocation to bills, and receipts (الإيصال).

A payment lives in the **owning** company's books (with the account and bills it settles); its
receipt lives in the **collecting** company's books (with the center that issued it). The
receipt row is also the idempotency record: (collecting company, channel, client reference) is
unique, so the same request can never become two payments. Links between the two companies'
rows are plain ids, not foreign keys (DESIGN.md §4: no foreign key crosses companies).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    COUNTER = "counter", _("counter")
    BANK = "bank", _("bank")
    EWALLET = "ewallet", _("e-wallet")
    NETWORK = "network", _("e-payment network")
    PORTAL = "portal", _("citizen portal")


class Tender(models.TextChoices):
    CASH = "cash", _("cash")
    CARD = "card", _("card")
    TRANSFER = "transfer", _("bank transfer")
    WALLET = "wallet", _("e-wallet")


class Payment(models.Model):
    class Status(models.TextChoices):
        POSTED = "posted", _("posted")
        REVERSED = "reversed", _("reversed")

    company = models.ForeignKey(
        "organizations.Company",
        on_delete=models.PROTECT,
        verbose_name=_("owning company"),
        db_index=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("account"),
    )
    amount = models.BigIntegerField(_("amount"))
    to_credit = models.BigIntegerField(_("to credit"), default=0)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    tender = models.CharField(_("tender"), max_length=16, choices=Tender.choices)
    collector = models.ForeignKey(
        "organizations.Company",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("collecting company"),
    )
    center = models.ForeignKey(
        "organizations.CollectionCenter", on_delete=models.PROTECT, verbose_name=_("center")
    )
    partner = models.ForeignKey(
        "organizations.Partner", null=True, blank=True, on_delete=models.PROTECT
    )
    shift_id = models.BigIntegerField(_("shift"), null=True, blank=True)
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_reference = models.CharField(_("client reference"), max_length=64)
    receipt_number = models.CharField(_("receipt number"), max_length=24)
    business_date = models.DateField(_("business day"))
    received_at = models.DateTimeField(_("received at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.POSTED
    )
    reversal_reason = models.CharField(_("reversal reason"), max_length=32, blank=True)
    reversal_note = models.CharField(_("reversal note"), max_length=300, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reversal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(to_credit__gte=0) & Q(to_credit__lte=models.F("amount")),
                name="payment_credit_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "account", "received_at"], name="payment_account_time"),
            models.Index(fields=["company", "business_date"], name="payment_company_day"),
            models.Index(
                fields=["company", "collector", "business_date"], name="payment_collector_day"
            ),
            models.Index(fields=["shift_id"], name="payment_shift"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class Allocation(models.Model):
    """The part of a payment applied to one bill."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, db_index=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="allocations")
    amount = models.BigIntegerField()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
            models.UniqueConstraint(fields=["company", "payment", "bill"], name="allocation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}->{self.bill_id}: {self.amount}"


class Receipt(models.Model):
    """The receipt a collecting center issues; gapless number per center and year."""

    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        REVERSED = "reversed", _("reversed")

    company = models.ForeignKey(
        "organizations.Company",
        on_delete=models.PROTECT,
        verbose_name=_("collecting company"),
        db_index=False,
    )
    center = models.ForeignKey(
        "organizations.CollectionCenter", on_delete=models.PROTECT, verbose_name=_("center")
    )
    number = models.CharField(_("receipt number"), max_length=24)
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    client_reference = models.CharField(_("client reference"), max_length=64)
    request_hash = models.CharField(max_length=64)
    owner_company_id = models.BigIntegerField()
    payment_id = models.BigIntegerField()
    account_number = models.CharField(_("account number"), max_length=12)
    amount = models.BigIntegerField(_("amount"))
    issued_at = models.DateTimeField(_("issued at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VALID
    )
    signature = models.CharField(max_length=128)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "channel", "client_reference"], name="receipt_idempotency"
            ),
            models.UniqueConstraint(fields=["company", "number"], name="receipt_number_uniq"),
            models.UniqueConstraint(
                fields=["company", "center", "year", "seq"], name="receipt_gapless_seq"
            ),
        ]

    def __str__(self) -> str:
        return self.number
