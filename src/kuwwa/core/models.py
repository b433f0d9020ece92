"""Core tables: per-company counters and the hash-chained audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import AppendOnly


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update/delete are refused: journal and audit rows are never changed."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnly()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly()


class AppendOnlyModel(models.Model):
    """A row that is written once; corrections are new rows (DESIGN.md invariants 2 and 8)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly()


class Counter(models.Model):
    """A gapless counter per company and name (account numbers, bill numbers, receipts).

    Incremented under a row lock inside the caller's transaction, so a rolled-back
    transaction gives its number back and the series stays without gaps.
    """

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, db_index=False)
    name = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="counter_company_name_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.name}={self.value}"


class AuditChain(models.Model):
    """The last link of one audit chain; locked to append the next event.

    A company has its main chain (stream "") and one chain per collection center for the
    payments collected there (ADR 0009), so payments never wait on a company-wide lock."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, db_index=False)
    stream = models.CharField(max_length=40, blank=True, default="")
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "stream"], name="audit_chain_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.stream}#{self.seq}"


class AuditEvent(AppendOnlyModel):
    """One change of money or master data. Each event's hash covers its content and the
    previous event's hash in the same chain (company and stream), so a changed, removed or reordered
    event breaks the chain (`kuwwa audit-verify`)."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, db_index=False)
    stream = models.CharField(max_length=40, blank=True, default="")
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "stream", "seq"], name="audit_chain_seq_uniq"
            )
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.company_id}#{self.seq} {self.action}"


class SmsMessage(models.Model):
    """An outgoing SMS, written in the transaction of what caused it (the outbox)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, db_index=False)
    phone = models.CharField(_("phone"), max_length=20)
    text = models.CharField(_("text"), max_length=480)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    reference = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        indexes = [models.Index(fields=["company", "status"], name="sms_company_status")]

    def __str__(self) -> str:
        return f"{self.phone}: {self.status}"


class LoginThrottle(models.Model):
    """Failed logins per username, and the lock that follows too many (a security counter,
    national: staff usernames are unique across companies)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")

    def __str__(self) -> str:
        return self.username
