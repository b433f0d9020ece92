"""Idempotency-Key handling: claim, then store the response, or release the claim.

1. `idempotency_claim` inserts the record (state in_flight) in its own short transaction,
   so a concurrent duplicate finds it at once: same body and done → the stored response is
   replayed; same body and in flight → 409 with Retry-After; another body → 422
   IDEMPOTENCY_KEY_REUSED. The unique rule (company, partner, key) decides every race.
2. The caller does the work (the payment, committed on its own) and `idempotency_complete`
   stores its response. A refusal does not consume the key: `idempotency_release` deletes
   the claim, so the partner may correct the request and send it again.
3. A claim older than STALE_AFTER was left by a worker that died (or hangs) and is taken
   over (compare-and-swap on the claim token). The payment service is itself idempotent on
   the reference, so the taker gets the first payment back: never two payments.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from kuwwa.collection.errors import IdempotencyKeyReused
from kuwwa.core.hotsql import hot_execute
from kuwwa.organizations.models import Partner
from kuwwa.partners.auth import NonceCheck, NonceCtes
from kuwwa.partners.errors import IdempotencyKeyInvalid, RequestInFlight
from kuwwa.partners.models import IdempotencyRecord

STALE_AFTER = dt.timedelta(seconds=60)
KEY_RE = re.compile(r"[A-Za-z0-9_.:\-]{1,48}")


@dataclass(frozen=True)
class Claim:
    record_id: int
    token: str | None  # set when this request owns the claim and must do the work
    replay: tuple[int, Any] | None  # (status, body) stored by the first request


def idempotency_key_check(key: str | None) -> str:
    value = (key or "").strip()
    if not KEY_RE.fullmatch(value):
        raise IdempotencyKeyInvalid()
    return value


def request_hash(content: Any) -> str:
    """What "the same body" means: the same JSON content, whatever its spacing or order."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_CLAIM_SQL = (
    "INSERT INTO {table} (company_id, partner_id, key, request_hash, state, claim_token, "
    "claimed_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (company_id, partner_id, key) DO NOTHING RETURNING id"
)


# After the request's nonce check (NonceCheck.folded, PostgreSQL), in the same statement:
# the key is claimed only if the nonce was recorded and the partner is within its rate.
_FOLDED_CLAIM_SQL = (
    "WITH {ctes}, cl AS (INSERT INTO {table} (company_id, partner_id, key, request_hash, "
    "state, claim_token, claimed_at, created_at) SELECT %s, %s, %s, %s, %s, %s, %s, %s "
    "WHERE {nonce_column} IS NOT NULL AND coalesce({count_column} <= %s, true) "
    "ON CONFLICT (company_id, partner_id, key) DO NOTHING RETURNING id) "
    "SELECT {nonce_column}, {count_column}, (SELECT id FROM cl)"
)


@functools.cache
def _claim_sql() -> str:
    return _CLAIM_SQL.format(table=IdempotencyRecord._meta.db_table)


@functools.cache
def _folded_claim_sql(ctes: NonceCtes) -> str:
    return _FOLDED_CLAIM_SQL.format(
        ctes=ctes.sql,
        table=IdempotencyRecord._meta.db_table,
        nonce_column=ctes.nonce_column,
        count_column=ctes.count_column,
    )


def _insert(
    company_id: int,
    partner: Partner,
    key: str,
    digest: str,
    now: dt.datetime,
    nonce: NonceCheck | None,
) -> Claim | None:
    """Claim the key: one INSERT that the unique rule skips if the key is taken (no error, so
    no savepoint is needed inside a caller's transaction), after the request's nonce check,
    which goes into the same statement where it can."""
    token = uuid.uuid4().hex
    conn = transaction.get_connection()
    stamp = conn.ops.adapt_datetimefield_value(now)
    params = [company_id, partner.pk, key, digest, IdempotencyRecord.State.IN_FLIGHT.value]
    params += [token, stamp, stamp]
    folded = nonce.folded(_folded_claim_sql, [*params, nonce.limit]) if nonce is not None else None
    if folded is not None:
        rows = [row for row in folded if row[0] is not None]  # the claimed id, if claimed
    else:
        rows = hot_execute(_claim_sql(), params)
    if not rows:
        return None
    return Claim(record_id=rows[0][0], token=token, replay=None)


def idempotency_claim(
    *,
    company_id: int,
    partner: Partner,
    key: str,
    digest: str,
    now: dt.datetime | None = None,
    nonce: NonceCheck | None = None,
) -> Claim:
    """Own the key, or learn what the first request with it did. `nonce`: the request's last
    checks, to run in the claim's statement (PartnerContext)."""
    now = now or timezone.now()
    for _attempt in range(3):  # a released claim may disappear between insert and read
        claim = _insert(company_id, partner, key, digest, now, nonce)
        if claim is not None:
            return claim
        record = IdempotencyRecord.objects.filter(
            company_id=company_id, partner=partner, key=key
        ).first()
        if record is None:
            continue
        if record.request_hash != digest:
            raise IdempotencyKeyReused()
        if record.state == IdempotencyRecord.State.DONE:
            replay = (record.status_code or 200, record.response)
            return Claim(record_id=record.pk, token=None, replay=replay)
        if now - record.claimed_at < STALE_AFTER:
            raise RequestInFlight(headers={"Retry-After": "1"})
        token = uuid.uuid4().hex
        taken = IdempotencyRecord.objects.filter(
            pk=record.pk, state=IdempotencyRecord.State.IN_FLIGHT, claim_token=record.claim_token
        ).update(claim_token=token, claimed_at=now)
        if not taken:
            raise RequestInFlight(headers={"Retry-After": "1"})
        return Claim(record_id=record.pk, token=token, replay=None)
    raise RequestInFlight(headers={"Retry-After": "1"})


_COMPLETE_SQL = (
    "UPDATE {table} SET state = %s, status_code = %s, response = %s, payment_id = %s, "
    "completed_at = %s WHERE id = %s AND claim_token = %s"
)


def idempotency_complete(
    *, claim: Claim, status_code: int, response: Any, payment_id: int | None
) -> None:
    """Store the response to replay. A claim taken over meanwhile stays with its taker."""
    conn = transaction.get_connection()
    stored = IdempotencyRecord._meta.get_field("response").get_db_prep_save(response, conn)
    hot_execute(
        _COMPLETE_SQL.format(table=IdempotencyRecord._meta.db_table),
        [
            IdempotencyRecord.State.DONE.value,
            status_code,
            stored,
            payment_id,
            conn.ops.adapt_datetimefield_value(timezone.now()),
            claim.record_id,
            claim.token,
        ],
    )


def idempotency_release(*, claim: Claim) -> None:
    """Give the key back after a refusal or a failure: nothing was done with it."""
    IdempotencyRecord.objects.filter(
        pk=claim.record_id, claim_token=claim.token, state=IdempotencyRecord.State.IN_FLIGHT
    ).delete()
