"""Subscriber accounts and their meters (with history: a meter can be replaced)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuwwa.core.ids import format_account_number


class Category(models.TextChoices):
    HOUSEHOLD = "household", _("household")
    COMMERCIAL = "commercial", _("commercial")
    INDUSTRIAL = "industrial", _("industrial")
    AGRICULTURAL = "agricultural", _("agricultural")
    PUBLIC = "public", _("public sector")
    EXEMPT = "exempt", _("exempt from load-shedding")


class Account(models.Model):
    """A subscription (اشتراك): the national account number embeds the owning company."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("disconnected")
        CLOSED = "closed", _("closed")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    number = models.CharField(_("account number"), max_length=12, db_index=True)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.HOUSEHOLD
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    holder_name = models.CharField(_("holder name"), max_length=200)
    national_id = models.CharField(_("national id"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("subscriber account")
        verbose_name_plural = _("subscriber accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="account_company_number_uniq"
            )
        ]
        # With the id last, a billing run's "next chunk of the company's active accounts after
        # id N" is one range scan, not a sort or a filter over the whole company per chunk.
        indexes = [
            models.Index(fields=["company", "status", "id"], name="account_company_status_id")
        ]

    def __str__(self) -> str:
        return f"{self.formatted_number} {self.holder_name}"

    @property
    def formatted_number(self) -> str:
        return format_account_number(self.number)


class Meter(models.Model):
    """A meter installed on an account; the current one has no removal date."""

    class Phase(models.TextChoices):
        SINGLE = "single", _("single phase")
        THREE = "three", _("three phase")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="meters", verbose_name=_("account")
    )
    serial = models.CharField(_("serial number"), max_length=32)
    digits = models.PositiveSmallIntegerField(_("number of digits"), default=6)
    multiplier = models.PositiveIntegerField(_("multiplier"), default=1)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.SINGLE)
    initial_reading = models.BigIntegerField(_("reading at installation"), default=0)
    installed_on = models.DateField(_("installed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "account"],
                condition=Q(removed_on__isnull=True),
                name="meter_one_current_per_account",
            ),
            models.UniqueConstraint(fields=["company", "serial"], name="meter_company_serial_uniq"),
            models.CheckConstraint(
                condition=Q(digits__gte=3, digits__lte=10), name="meter_digits_range"
            ),
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="meter_multiplier_pos"),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def is_current(self) -> bool:
        return self.removed_on is None
