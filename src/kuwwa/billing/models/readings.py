"""Meter readings (تأشيرة العداد) from readers, clerks, citizens, or estimated at cycle close."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MeterReading(models.Model):
    class Source(models.TextChoices):
        READER = "reader", _("meter reader")
        CITIZEN = "citizen", _("citizen")
        ESTIMATED = "estimated", _("estimated")
        OFFICE = "office", _("office")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        NEEDS_REVIEW = "needs_review", _("needs review")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("superseded")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, verbose_name=_("account")
    )
    meter = models.ForeignKey("accounts.Meter", on_delete=models.PROTECT, verbose_name=_("meter"))
    cycle = models.ForeignKey(
        "billing.BillingCycle", on_delete=models.PROTECT, verbose_name=_("cycle")
    )
    value = models.BigIntegerField(_("reading"))
    read_on = models.DateField(_("read on"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    consumption_kwh = models.BigIntegerField(_("consumption (kWh)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    photo = models.FileField(_("photo"), upload_to="readings/%Y/%m/", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        constraints = [
            # The same value for the same meter in the same cycle is one submission.
            models.UniqueConstraint(
                fields=["company", "meter", "cycle", "value"], name="reading_idempotent"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="reading_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["company", "cycle", "status"], name="reading_cycle_status"),
            models.Index(fields=["company", "meter", "read_on"], name="reading_meter_day"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id}@{self.read_on}={self.value}"

    @property
    def reference(self) -> str:
        """What the citizen is given to quote: company code and the reading's id."""
        return f"R{self.company.code}-{self.pk:08d}"
