"""Partner API state: keys, nonces seen, idempotency records, reconciliations and webhooks.

Every row belongs to the establishment (company 00), which owns the partner channels
(ADR 0001), so these are ordinary tenant tables: a required `company` and `company` in every
unique rule (ADR 0002). Partners themselves are a reference table (organizations.Partner).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKey(models.Model):
    """An API key of a partner: a public id and an HMAC secret, encrypted at rest.

    The server must know the secret to check an HMAC, so it cannot keep only a hash; it keeps
    it encrypted with KUWWA_API_KEY_ENCRYPTION_KEY (AES-GCM, `kuwwa.partners.crypto`), so a
    copy of the database alone does not let anyone sign requests. Several keys may be active
    at once, which is how a partner rotates: create a new key, switch, revoke the old one.
    """

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    partner = models.ForeignKey(
        "organizations.Partner",
        on_delete=models.PROTECT,
        related_name="api_keys",
        verbose_name=_("partner"),
    )
    key_id = models.CharField(_("key id"), max_length=40)
    secret_encrypted = models.TextField(editable=False)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")
        constraints = [
            models.UniqueConstraint(fields=["company", "key_id"], name="partnerkey_id_uniq"),
        ]

    def __str__(self) -> str:
        return self.key_id

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PartnerNonce(models.Model):
    """A nonce already used with a key: a signed request cannot be replayed.

    The unique rule makes the check race-free across workers (insert, never check-then-insert).
    Rows older than twice the timestamp window are useless and purged.

    Every signed request writes one, so the table keeps only what its checks read: no
    foreign-key constraints (the statement that records a nonce copies its company, partner
    and key from the active key's own row, so a constraint would only look them up again, at
    the commit of every request) and no indexes beyond the unique rule and the purge's.
    """

    company = models.ForeignKey(
        "organizations.Company", on_delete=models.PROTECT, db_constraint=False, db_index=False
    )
    partner = models.ForeignKey(
        "organizations.Partner", on_delete=models.PROTECT, db_constraint=False, db_index=False
    )
    key = models.ForeignKey(
        PartnerKey, on_delete=models.CASCADE, db_constraint=False, db_index=False
    )
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "key", "nonce"], name="partnernonce_uniq"),
        ]
        indexes = [models.Index(fields=["company", "seen_at"], name="partnernonce_age")]

    def __str__(self) -> str:
        return self.nonce


class PartnerRequestCount(models.Model):
    """How many authenticated requests a partner made in one clock minute (the rate limit).

    One row per partner and minute, incremented by an upsert that returns the new count: the
    check costs one statement whatever the traffic, and holds across workers and servers.
    """

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    partner = models.ForeignKey("organizations.Partner", on_delete=models.PROTECT)
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "partner", "minute"], name="partnerrequestcount_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}@{self.minute:%H:%M}: {self.count}"


class IdempotencyRecord(models.Model):
    """One Idempotency-Key of a partner: claimed while in flight, then the stored response.

    Claimed in its own short transaction before the payment, so a concurrent duplicate sees
    it at once (409) instead of waiting. A claim older than a minute is taken over: the
    payment service is itself idempotent on the reference, so a crash between the payment
    and storing its response never pays twice.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("in flight")
        DONE = "done", _("done")

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    partner = models.ForeignKey(
        "organizations.Partner", on_delete=models.PROTECT, verbose_name=_("partner")
    )
    key = models.CharField(_("idempotency key"), max_length=64)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    payment_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "partner", "key"], name="idempotency_partner_key_uniq"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ReconciliationRun(models.Model):
    """A partner's list of one business day's payments, compared with Kuwwa's."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    partner = models.ForeignKey(
        "organizations.Partner", on_delete=models.PROTECT, verbose_name=_("partner")
    )
    business_date = models.DateField(_("business day"))
    source_format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    key_id = models.CharField(_("key id"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    partner_count = models.PositiveIntegerField(_("lines from the partner"), default=0)
    partner_total = models.BigIntegerField(_("partner's total"), default=0)
    kuwwa_count = models.PositiveIntegerField(_("payments in Kuwwa"), default=0)
    kuwwa_total = models.BigIntegerField(_("Kuwwa's total"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    missing_here = models.PositiveIntegerField(_("missing in Kuwwa"), default=0)
    missing_there = models.PositiveIntegerField(_("missing at the partner"), default=0)
    amount_mismatch = models.PositiveIntegerField(_("amount mismatch"), default=0)
    account_mismatch = models.PositiveIntegerField(_("account mismatch"), default=0)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        indexes = [
            models.Index(
                fields=["company", "partner", "business_date"], name="reconciliation_partner_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.business_date}"

    @property
    def is_clean(self) -> bool:
        return self.matched == self.partner_count == self.kuwwa_count


class ReconciliationLine(models.Model):
    """One reference, as the partner and as Kuwwa know it, and how they compare."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("matched")
        MISSING_HERE = "missing_here", _("missing in Kuwwa")
        MISSING_THERE = "missing_there", _("missing at the partner")
        AMOUNT_MISMATCH = "amount_mismatch", _("amount mismatch")
        ACCOUNT_MISMATCH = "account_mismatch", _("account mismatch")

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    partner_account = models.CharField(_("account (partner)"), max_length=32, blank=True)
    partner_amount = models.BigIntegerField(_("amount (partner)"), null=True, blank=True)
    partner_time = models.DateTimeField(_("time (partner)"), null=True, blank=True)
    kuwwa_account = models.CharField(_("account (Kuwwa)"), max_length=12, blank=True)
    kuwwa_amount = models.BigIntegerField(_("amount (Kuwwa)"), null=True, blank=True)
    kuwwa_time = models.DateTimeField(_("time (Kuwwa)"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=24, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reconciliation line")
        verbose_name_plural = _("reconciliation lines")
        indexes = [models.Index(fields=["company", "run", "status"], name="reconline_run_status")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.status}"


class WebhookEndpoint(models.Model):
    """Where a partner wants to hear about its payments (reversed, settled). Optional."""

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    partner = models.ForeignKey(
        "organizations.Partner", on_delete=models.PROTECT, verbose_name=_("partner")
    )
    url = models.URLField(_("URL"), max_length=300)
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner webhook")
        verbose_name_plural = _("partner webhooks")
        constraints = [
            models.UniqueConstraint(fields=["company", "partner"], name="webhook_one_per_partner"),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One notification in the durable outbox, written in the transaction of its cause and
    sent by `kuwwa webhooks-send` with exponential backoff until delivered or given up."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("given up")

    company = models.ForeignKey("organizations.Company", on_delete=models.PROTECT)
    partner = models.ForeignKey(
        "organizations.Partner", on_delete=models.PROTECT, verbose_name=_("partner")
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT)
    event_id = models.CharField(_("event id"), max_length=32)
    event = models.CharField(_("event"), max_length=32)
    payload = models.JSONField()
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["company", "event_id"], name="webhook_event_uniq"),
        ]
        indexes = [
            models.Index(fields=["company", "state", "next_attempt_at"], name="webhook_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
