"""Tender control (shifts, handovers, blind counts) and deposit control (bank deposits).

The cash in a cashier's drawer is the balance of the ledger account `cash:shift:<id>`: the
opening float comes from the center's vault, cash payments add to it, reversals and handovers
take from it, and the close moves the counted cash back to the vault, posting any difference
to over/short. So the expected cash of a shift is always what the books say.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Shift(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed, awaiting approval")
        APPROVED = "approved", _("approved")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    center = models.ForeignKey(
        "organizations.CollectionCenter", on_delete=models.PROTECT, verbose_name=_("center")
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="shifts",
        verbose_name=_("cashier"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    opening_float = models.BigIntegerField(_("opening float"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    count = models.JSONField(_("count by denomination"), default=dict, blank=True)
    counted = models.BigIntegerField(_("counted cash"), null=True, blank=True)
    expected = models.BigIntegerField(_("expected cash"), null=True, blank=True)
    over_short = models.BigIntegerField(_("over (+) / short (−)"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    deposit = models.ForeignKey(
        "cashiering.Deposit", null=True, blank=True, on_delete=models.PROTECT, related_name="shifts"
    )

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "cashier"],
                condition=Q(status="open"),
                name="shift_one_open_per_cashier",
            ),
            models.CheckConstraint(
                condition=Q(opening_float__gte=0), name="shift_float_nonnegative"
            ),
        ]
        indexes = [models.Index(fields=["company", "center", "status"], name="shift_center_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.cashier_id}"


class Handover(models.Model):
    """A mid-day cash pick-up from a drawer to the vault, confirmed by cashier and supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting the supervisor")
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="handovers")
    amount = models.BigIntegerField(_("amount"))
    count = models.JSONField(_("count by denomination"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("handed over at"), auto_now_add=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="handover_positive")]

    def __str__(self) -> str:
        return f"{self.shift_id}: {self.amount}"


class Deposit(models.Model):
    """Cash of closed shifts taken from the vault to the bank, with the bank's slip number."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    center = models.ForeignKey("organizations.CollectionCenter", on_delete=models.PROTECT)
    slip_number = models.CharField(_("slip number"), max_length=40)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    amount = models.BigIntegerField(_("amount"))
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("deposited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank deposit")
        verbose_name_plural = _("bank deposits")
        constraints = [
            models.UniqueConstraint(fields=["company", "slip_number"], name="deposit_slip_uniq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_positive"),
        ]

    def __str__(self) -> str:
        return self.slip_number
