"""Summary tables behind the dashboards (ADR 0005), kept by `kuwwa.backoffice.refresh`.

They hold sums that the dashboards would otherwise compute over millions of payments and
bills. Nothing else writes them, and they can be rebuilt from the source rows at any time
(`kuwwa stats-refresh --rebuild`), so they are a cache with a proof, not a second truth.
Money is minor units. Ids of reference rows (collector, center, cashier) are plain integers:
cashier 0 means "no cashier" (partner channels) so that the unique keys, which the
incremental upserts rely on, never contain NULL.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatsCursor(models.Model):
    """How far one source stream has been summarised; rows belong to the establishment."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    stream = models.CharField(max_length=32)
    last_id = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("statistics cursor")
        verbose_name_plural = _("statistics cursors")
        constraints = [
            models.UniqueConstraint(fields=["company", "stream"], name="stats_cursor_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.stream}@{self.last_id}"


class StatsGap(models.Model):
    """Ids below a cursor that were not visible when it moved (in flight or rolled back).

    They are looked at again by every refresh until their rows appear or they grow old.
    """

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    stream = models.CharField(max_length=32)
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    noticed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("statistics gap")
        verbose_name_plural = _("statistics gaps")
        indexes = [models.Index(fields=["stream", "lo"], name="stats_gap_stream")]

    def __str__(self) -> str:
        return f"{self.stream}:{self.lo}-{self.hi}"


class PaymentTotals(models.Model):
    """The figures of the three daily payment tables.

    `payments`/`amount` count every payment ever taken (gross); reversals are added to the
    reversed_* columns when they are seen, so net = gross − reversed.
    """

    payments = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    reversed_payments = models.BigIntegerField(default=0)
    reversed_amount = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class CollectionDaily(PaymentTotals):
    """Payments per owning company, business day, collector, center, channel and cashier:
    the finest grain, from which the two rollups below could be rebuilt."""

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("owning company")
    )
    business_date = models.DateField()
    collector_id = models.BigIntegerField()
    center_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    cashier_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily collections")
        verbose_name_plural = _("daily collections")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "company",
                    "business_date",
                    "collector_id",
                    "center_id",
                    "channel",
                    "cashier_id",
                ],
                name="stats_collection_daily_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.company_id}<-{self.collector_id}: {self.amount}"


class OwnerDaily(PaymentTotals):
    """Payments per owning company, business day, collecting company and channel: the
    company, channel, matrix and report figures (a few hundred rows a day nationally)."""

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("owning company")
    )
    business_date = models.DateField()
    collector_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("daily collections by owning company")
        verbose_name_plural = _("daily collections by owning company")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "business_date", "collector_id", "channel"],
                name="stats_owner_daily_key",
            )
        ]
        indexes = [models.Index(fields=["business_date"], name="stats_owner_day")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.company_id}<-{self.collector_id}: {self.amount}"


class CollectorDaily(PaymentTotals):
    """Payments per **collecting** company, business day, center, channel and cashier (0 for
    partner channels): the center and cashier figures, whatever company was paid for."""

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("collecting company")
    )
    business_date = models.DateField()
    center_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    cashier_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily collections by collecting company")
        verbose_name_plural = _("daily collections by collecting company")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "business_date", "center_id", "channel", "cashier_id"],
                name="stats_collector_daily_key",
            )
        ]
        indexes = [models.Index(fields=["business_date"], name="stats_collector_day")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.center_id}: {self.amount}"


class CountedReversal(models.Model):
    """A reversal already subtracted from the sums: makes counting it twice impossible."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    payment_id = models.BigIntegerField()
    batch = models.BigIntegerField()
    counted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("counted reversal")
        verbose_name_plural = _("counted reversals")
        constraints = [
            models.UniqueConstraint(fields=["company", "payment_id"], name="stats_reversal_once")
        ]
        indexes = [models.Index(fields=["batch"], name="stats_reversal_batch")]

    def __str__(self) -> str:
        return str(self.payment_id)


class BillCycleStats(models.Model):
    """Bills with a positive total per company, cycle and due date: billed, adjusted, paid.

    Outstanding = billed + adjusted − paid; the due date gives the arrears age.
    """

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    cycle_id = models.BigIntegerField()
    due_date = models.DateField()
    bills = models.BigIntegerField(default=0)
    billed = models.BigIntegerField(default=0)
    adjusted = models.BigIntegerField(default=0)
    paid = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bills by cycle")
        verbose_name_plural = _("bills by cycle")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "cycle_id", "due_date"], name="stats_bill_cycle_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.cycle_id}"


class CountedAdjustment(models.Model):
    """An approved credit or debit note already added to `BillCycleStats.adjusted`."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    adjustment_id = models.BigIntegerField()
    batch = models.BigIntegerField()
    counted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("counted adjustment")
        verbose_name_plural = _("counted adjustments")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "adjustment_id"], name="stats_adjustment_once"
            )
        ]
        indexes = [models.Index(fields=["batch"], name="stats_adjustment_batch")]

    def __str__(self) -> str:
        return str(self.adjustment_id)


class ReadingCycleStats(models.Model):
    """Meter readings submitted per company, cycle and source (reader, citizen, …)."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    cycle_id = models.BigIntegerField()
    source = models.CharField(max_length=16)
    readings = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("readings by cycle")
        verbose_name_plural = _("readings by cycle")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "cycle_id", "source"], name="stats_reading_cycle_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.cycle_id}:{self.source}"
