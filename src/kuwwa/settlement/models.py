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
