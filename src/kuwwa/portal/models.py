"""Complaints (الشكوى / الاعتراض) filed by citizens and handled by company staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Complaint(models.Model):
    class Subject(models.TextChoices):
        BILL = "bill", _("a bill")
        READING = "reading", _("a meter reading")
        PAYMENT = "payment", _("a payment")

    class Reason(models.TextChoices):
        PAID_STILL_DUE = "paid_still_due", _("paid but still shown as due")
        DUPLICATE_PAYMENT = "duplicate_payment", _("duplicate payment")
        WRONG_AMOUNT = "wrong_amount", _("wrong amount")
        WRONG_ACCOUNT = "wrong_account", _("wrong account")
        ESTIMATED_TOO_HIGH = "estimated_too_high", _("estimated bill too high")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("received")
        ASSIGNED = "assigned", _("being handled")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, verbose_name=_("account")
    )
    reference = models.CharField(_("reference"), max_length=20)
    subject = models.CharField(_("about"), max_length=16, choices=Subject.choices)
    subject_reference = models.CharField(
        _("bill, reading or receipt number"), max_length=40, blank=True
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    phone = models.CharField(_("phone for replies"), max_length=20, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="complaints/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.UniqueConstraint(fields=["company", "reference"], name="complaint_reference_uniq")
        ]
        indexes = [models.Index(fields=["company", "status"], name="complaint_company_status")]

    def __str__(self) -> str:
        return self.reference
