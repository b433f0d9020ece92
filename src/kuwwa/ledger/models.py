"""The double-entry journal: per-company ledger accounts, entries and postings.

An entry belongs to one company and balances on its own; a movement between companies (a
payment collected by A for B) is one entry in each company's books, linked through
due-to/due-from accounts, so each company's books stay whole on its own shard.
Postings are signed: debit positive, credit negative. Entries and postings are append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuwwa.core.models import AppendOnlyModel


class LedgerAccount(models.Model):
    """One account of a company's chart, keyed by a code such as "receivables",
    "revenue:household", "cash:shift:42", "due_to:03" (see kuwwa.ledger.chart)."""

    class Kind(models.TextChoices):
        ASSET = "asset", _("asset")
        LIABILITY = "liability", _("liability")
        REVENUE = "revenue", _("revenue")
        EXPENSE = "expense", _("expense")
        EQUITY = "equity", _("equity")

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company")
    )
    code = models.CharField(_("code"), max_length=48)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="ledgeraccount_company_code")
        ]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.code}"


class JournalEntry(AppendOnlyModel):
    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, verbose_name=_("company"), db_index=False
    )
    business_date = models.DateField(_("business day"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=32)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    source_type = models.CharField(max_length=32, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(fields=["company", "business_date"], name="entry_company_day"),
            models.Index(fields=["company", "source_type", "source_id"], name="entry_source"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.pk} {self.kind}"


class Posting(AppendOnlyModel):
    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT, db_index=False)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    # Both looked up with the company (the indexes below); four postings a payment, so every
    # index less counts.
    ledger_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, db_index=False)
    amount = models.BigIntegerField(help_text="minor units; debit positive, credit negative")
    subscriber = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_nonzero")]
        indexes = [
            models.Index(fields=["company", "ledger_account"], name="posting_company_account"),
            models.Index(fields=["company", "subscriber"], name="posting_company_subscriber"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_account_id} {self.amount}"
