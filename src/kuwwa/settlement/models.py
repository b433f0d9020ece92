"""Business days (national): once a day is settled, its payments can no longer be reversed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessDay(models.Model):
    """The establishment's calendar of business days; rows belong to the establishment (00)."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        SETTLED = "settled", _("settled")

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    date = models.DateField(_("business day"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("business day")
        verbose_name_plural = _("business days")
        constraints = [models.UniqueConstraint(fields=["company", "date"], name="businessday_uniq")]

    def __str__(self) -> str:
        return f"{self.date} {self.state}"


class SettlementRun(models.Model):
    """What the companies owe each other for one business day, netted through the
    establishment's clearing account. One run per day; running it again returns it."""

    class State(models.TextChoices):
        COMPUTED = "computed", _("computed")
        POSTED = "posted", _("posted to the ledger")

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    business_date = models.DateField(_("business day"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    payments = models.PositiveIntegerField(_("payments"), default=0)
    amount = models.BigIntegerField(_("amount collected"), default=0)
    cross_amount = models.BigIntegerField(_("collected for other companies"), default=0)
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "business_date"], name="settlement_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_date}"


class SettlementCell(models.Model):
    """One cell of the gross matrix: what `collector` collected for `owner` that day."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="cells")
    collector = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("payments"))
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("settlement matrix cell")
        verbose_name_plural = _("settlement matrix")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "run", "collector", "owner"], name="settlement_cell_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collector_id}->{self.owner_id}: {self.amount}"


class SettlementPosition(models.Model):
    """A company's net position for the day against the clearing account.

    net > 0: the company receives that much from the clearing account; net < 0: it pays.
    """

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="positions")
    party = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, related_name="+")
    collected_for_others = models.BigIntegerField(_("collected for other companies"))
    collected_by_others = models.BigIntegerField(_("collected for it by others"))
    net = models.BigIntegerField(_("net position"))
    transfer_reference = models.CharField(_("transfer reference"), max_length=60, blank=True)
    transferred_at = models.DateTimeField(_("transfer confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement position")
        verbose_name_plural = _("settlement positions")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "run", "party"], name="settlement_position_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_id}: {self.net}"
