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
            models.UniqueConstraint(
                fields=["company", "reference"], name="complaint_reference_uniq"
            )
        ]
        indexes = [models.Index(fields=["company", "status"], name="complaint_company_status")]

    def __str__(self) -> str:
        return self.reference


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS. Only a salted HMAC of it is kept (a database dump does not
    give working codes); it lives 5 minutes and allows 3 attempts."""

    class Purpose(models.TextChoices):
        ACCOUNT = "account", _("account verification")
        SIGN_IN = "sign_in", _("citizen sign-in")

    # The account's company; the establishment (00) for sign-in codes, which belong to a phone.
    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.PROTECT)
    phone = models.CharField(max_length=20)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["company", "account", "purpose"], name="otp_account"),
            models.Index(fields=["company", "phone", "purpose"], name="otp_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.pk}"


class PaymentSession(models.Model):
    """One online payment, from the hand-off to a partner's hosted page to its signed answer.

    The reference is the payment's client reference, so a repeated callback can never pay twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the bank")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, verbose_name=_("account")
    )
    reference = models.CharField(_("reference"), max_length=32)
    partner_code = models.CharField(_("partner"), max_length=32)
    amount = models.BigIntegerField(_("amount"))
    bill_numbers = models.JSONField(_("bills"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    partner_txn = models.CharField(_("partner's transaction"), max_length=64, blank=True)
    payment = models.ForeignKey(
        "collection.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt_number = models.CharField(_("receipt number"), max_length=24, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        constraints = [
            models.UniqueConstraint(fields=["company", "reference"], name="paysession_ref_uniq"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="paysession_positive"),
        ]

    def __str__(self) -> str:
        return self.reference


class CitizenProfile(models.Model):
    """A citizen who signs in with a mobile phone. National: one person may hold accounts of
    several companies (home in Damascus, shop in Rif Dimashq), so it belongs to no company."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return self.phone[:4] + "***" + self.phone[-2:]


class CitizenAccountLink(models.Model):
    """An account in a citizen's list, kept in the account's company (tenant row)."""

    class Via(models.TextChoices):
        METER = "meter", _("meter serial")
        SMS = "sms", _("code sent to the account's phone")
        PHONE = "phone", _("same phone as the account")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    profile = models.ForeignKey(CitizenProfile, on_delete=models.CASCADE, related_name="links")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, verbose_name=_("account")
    )
    label = models.CharField(_("name in my list"), max_length=40, blank=True)
    verified_via = models.CharField(max_length=8, choices=Via.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("citizen's account")
        verbose_name_plural = _("citizens' accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "profile", "account"], name="citizenlink_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.account_id}"
