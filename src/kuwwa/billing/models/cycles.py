"""Billing cycles (الدورة): per company, two months by default."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BillingCycle(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("open")
        READING = "reading", _("reading")
        BILLING = "billing", _("billing")
        ISSUED = "issued", _("issued")
        CLOSED = "closed", _("closed")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    code = models.CharField(_("cycle"), max_length=7, help_text="YYYY-MM of the first month")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    reading_window_start = models.DateField(_("reading window start"))
    reading_window_end = models.DateField(_("reading window end"))
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)

    class Meta:
        verbose_name = _("billing cycle")
        verbose_name_plural = _("billing cycles")
        ordering = ["company", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="cycle_company_code_uniq"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start"))
                & models.Q(reading_window_end__gte=models.F("reading_window_start"))
                & models.Q(due_date__gte=models.F("issue_date")),
                name="cycle_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.code}"

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1
