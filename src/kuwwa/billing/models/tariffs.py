"""Tariffs (التعرفة): national decisions, versioned by category and effective date.

They are reference tables (no company_id): one decision applies to every company. Rows are
data entered in the back office; the arithmetic is in `kuwwa.billing.tariffs`.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Category

__all__ = ["Tariff", "TariffBand", "TariffCharge"]


class Tariff(models.Model):
    """One version of a category's tariff; the one in force on a date is the latest
    `effective_from` on or before it. To change prices, add a new version."""

    class Method(models.TextChoices):
        MARGINAL = "marginal", _("marginal (each band at its own price)")
        SLAB = "slab", _("slab (all kWh at the price of the band reached)")

    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    effective_from = models.DateField(_("effective from"))
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    decision_ref = models.CharField(
        _("decision reference"),
        max_length=300,
        blank=True,
        help_text=_("The ministry decision number and date."),
    )
    cycle_months = models.PositiveSmallIntegerField(
        _("months per cycle"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("The bands apply to the consumption of one billing cycle."),
    )
    method = models.CharField(
        _("pricing method"), max_length=16, choices=Method.choices, default=Method.MARGINAL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "-effective_from"]
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "effective_from"], name="tariff_category_effective_uniq"
            ),
            models.CheckConstraint(
                condition=Q(cycle_months__gte=1, cycle_months__lte=12),
                name="tariff_cycle_months_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.effective_from:%Y-%m-%d}"


class TariffBand(models.Model):
    """A band of whole kWh per cycle, half-open: it holds the kWh above `from_kwh` up to and
    including `to_kwh` (none: no upper limit). The price is per kWh in major units."""

    tariff = models.ForeignKey(
        Tariff, on_delete=models.CASCADE, related_name="bands", verbose_name=_("tariff")
    )
    from_kwh = models.PositiveBigIntegerField(_("from kWh"))
    to_kwh = models.PositiveBigIntegerField(
        _("to kWh"), null=True, blank=True, help_text=_("Leave empty for no upper limit.")
    )
    price = models.DecimalField(
        _("price per kWh"),
        max_digits=16,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        ordering = ["from_kwh"]
        verbose_name = _("tariff band")
        verbose_name_plural = _("tariff bands")
        constraints = [
            models.UniqueConstraint(fields=["tariff", "from_kwh"], name="tariffband_from_uniq"),
            models.CheckConstraint(condition=Q(price__gte=0), name="tariffband_price_nonneg"),
            models.CheckConstraint(
                condition=Q(to_kwh__isnull=True) | Q(to_kwh__gt=models.F("from_kwh")),
                name="tariffband_to_above_from",
            ),
        ]

    def __str__(self) -> str:
        upper = "∞" if self.to_kwh is None else str(self.to_kwh)
        return f"{self.from_kwh}–{upper} @ {self.price}"


class TariffCharge(models.Model):
    """A fixed charge per cycle (meter rent), or a fee: fixed, or a percentage of the energy
    amount when `percent` is set. Amounts are minor units, like all money."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("fixed charge per cycle")
        FEE = "fee", _("fee")

    tariff = models.ForeignKey(
        Tariff, on_delete=models.CASCADE, related_name="charges", verbose_name=_("tariff")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CHARGE)
    code = models.SlugField(_("code"), max_length=32)
    label_ar = models.CharField(_("label (Arabic)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    amount = models.BigIntegerField(
        _("amount (minor units)"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("In the currency's minor unit: 600 SYP is 60000."),
    )
    percent = models.DecimalField(
        _("percentage of the energy amount"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Fees only; leave empty for a fixed amount."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name = _("tariff charge or fee")
        verbose_name_plural = _("tariff charges and fees")
        constraints = [
            models.UniqueConstraint(fields=["tariff", "code"], name="tariffcharge_code_uniq"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="tariffcharge_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True)
                | Q(kind="fee", percent__gte=0, percent__lte=100, amount=0),
                name="tariffcharge_percent_fee_only",
            ),
        ]

    def __str__(self) -> str:
        return self.code
