"""Authentication of partner requests: key, HMAC signature, timestamp, nonce, rate limit.

Order of the checks: the headers are there and well formed → the key is known and active →
the signature matches → the timestamp is within 5 minutes → the nonce is new → the partner
is under its rate. The signature comes before the clock so that only a holder of the secret
learns anything about the server's clock. Nonces are inserted under a unique rule (no
check-then-insert), so two workers receiving the same request accept it once.

The rate limit counts the partner's requests per clock minute in one row per partner and
minute (an upsert that returns the new count), so it holds across processes and servers
without a shared cache. The key is one query, kept in the process for a few seconds
(keys.active_key); the nonce and the count are one statement on PostgreSQL (two on SQLite),
which also checks that the key and its partner are still active. The inquiry and the payment
put that statement's CTEs before their own (NonceCheck.folded): one round trip and one commit
fewer on the two calls of every payment.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest
from django.http.request import HttpHeaders
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader

from kuwwa.core.hotsql import hot_execute
from kuwwa.organizations.models import CollectionCenter, Partner
from kuwwa.partners.errors import (
    AuthenticationRequired,
    KeyUnknown,
    NonceReused,
    PayloadTooLarge,
    RateLimited,
    SignatureInvalid,
    TimestampOutOfRange,
)
from kuwwa.partners.keys import ActiveKey, active_key, active_key_forget, partner_key_secret
from kuwwa.partners.models import PartnerKey, PartnerNonce, PartnerRequestCount
from kuwwa.partners.signing import same, sign_request

log = logging.getLogger("kuwwa.partners")

TIMESTAMP_WINDOW = 300  # seconds either side of the server's clock
NONCE_KEEP = dt.timedelta(seconds=2 * TIMESTAMP_WINDOW)  # older nonces could not be replayed
PURGE_EVERY = 256  # purge old nonces on every n-th insert
KEY_ID_RE = re.compile(r"pk_[0-9a-f]{24}")
TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
NONCE_RE = re.compile(r"[A-Za-z0-9_\-]{16,64}")
SIGNATURE_RE = re.compile(r"[0-9a-fA-F]{64}")

HEADER_KEY = "X-Kuwwa-Key"
HEADER_TIMESTAMP = "X-Kuwwa-Timestamp"
HEADER_NONCE = "X-Kuwwa-Nonce"
HEADER_SIGNATURE = "X-Kuwwa-Signature"


@dataclass(frozen=True)
class PartnerContext:
    """Who is calling: set as `request.auth` on every partner endpoint."""

    partner: Partner
    key: PartnerKey
    found: ActiveKey | None = None  # how the key was found: its channel comes from there
    nonce: NonceCheck | None = None  # the request's last checks (already run, unless folded)

    @property
    def company_id(self) -> int:
        return self.key.company_id

    @property
    def center(self) -> CollectionCenter | None:
        """The partner's channel (its active virtual center), if it has one."""
        return self.found.center if self.found is not None else None


def rate_per_minute() -> int:
    value = getattr(settings, "KUWWA_PARTNER_RATE_PER_MINUTE", None)
    if value is None:
        value = os.environ.get("KUWWA_PARTNER_RATE_PER_MINUTE", "600")
    return int(value)


def _paths(request: HttpRequest) -> list[str]:
    """The path and query as the client may have signed them: as Django rebuilds it, and as
    the server received it when the server says so (gunicorn's RAW_URI)."""
    paths = [request.get_full_path()]
    for name in ("RAW_URI", "REQUEST_URI"):
        raw = request.META.get(name)
        if isinstance(raw, str) and raw and raw not in paths:
            paths.append(raw)
    return paths


# Read from request.META: request.headers would build a mapping of every header (and, under
# some servers, of the whole process environment) for each request.
_SIGNED_HEADERS = tuple(
    HttpHeaders.to_wsgi_name(name)
    for name in (HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
)
_META_KEY = _SIGNED_HEADERS[0]


def _headers(request: HttpRequest) -> tuple[str, str, str, str]:
    meta = request.META
    values = [(meta.get(name) or "").strip() for name in _SIGNED_HEADERS]
    key_id, timestamp, nonce, signature = values
    if not all(values):
        raise AuthenticationRequired()
    if not (
        TIMESTAMP_RE.fullmatch(timestamp)
        and NONCE_RE.fullmatch(nonce)
        and SIGNATURE_RE.fullmatch(signature)
    ):
        raise AuthenticationRequired(
            _(
                "Malformed signature headers: X-Kuwwa-Timestamp is unix seconds, X-Kuwwa-Nonce "
                "16 to 64 letters, digits, - or _, X-Kuwwa-Signature 64 hex digits."
            )
        )
    return key_id, timestamp, nonce, signature


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLarge() from exc


def _check_signature(
    request: HttpRequest, key: PartnerKey, stamp: str, nonce: str, sig: str
) -> None:
    try:
        secret = partner_key_secret(key)
    except ValueError:
        log.error("partner key %s cannot be decrypted: check KUWWA_API_KEY_ENCRYPTION_KEY", key)
        raise KeyUnknown() from None
    body = _body(request)
    method = request.method or "GET"
    for path in _paths(request):
        expected = sign_request(
            secret=secret, method=method, path=path, timestamp=stamp, nonce=nonce, body=body
        )
        if same(expected, sig):
            return
    raise SignatureInvalid()


def _check_timestamp(stamp: str, now: dt.datetime) -> None:
    if abs(now.timestamp() - int(stamp)) > TIMESTAMP_WINDOW:
        raise TimestampOutOfRange()


def nonces_purge(*, now: dt.datetime | None = None) -> int:
    """Delete nonces too old to be replayed anyway (their timestamps are out of range), and
    the request counts of minutes long past."""
    cutoff = (now or timezone.now()) - NONCE_KEEP
    deleted, _detail = PartnerNonce.objects.filter(seen_at__lt=cutoff).delete()
    PartnerRequestCount.objects.filter(minute__lt=cutoff).delete()
    return deleted


# The nonce is recorded only while the key and its partner are active: a key kept in the
# process (keys.active_key) stops at the first request after its revocation.
# Its company, partner and key come from the key's own row (the nonce table has no foreign
# keys: this is what keeps its rows pointing at real ones).
_NONCE_SQL = (
    "INSERT INTO {nonce} (company_id, partner_id, key_id, nonce, seen_at) "
    "SELECT k.company_id, k.partner_id, k.id, %s, %s FROM {key} k JOIN {partner} p "
    "ON p.id = k.partner_id WHERE k.id = %s AND k.revoked_at IS NULL AND p.is_active "
    "ON CONFLICT (company_id, key_id, nonce) DO NOTHING RETURNING id"
)
_COUNT_SQL = (
    "INSERT INTO {count} (company_id, partner_id, minute, count) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (company_id, partner_id, minute) DO UPDATE SET count = {count}.count + 1 "
    "RETURNING count"
)
# On PostgreSQL the nonce and the count are data-modifying CTEs (`n`, `c`): alone they are
# one statement, and the inquiry and the payment's idempotency claim put them before their
# own (one round trip and one commit fewer per request). A reused nonce counts nothing.
# SQLite has no data-modifying CTE, so there they are statements of their own.
_NONCE_CTE = "n AS ({nonce_sql})"
_COUNT_CTE = (
    "c AS (INSERT INTO {count} (company_id, partner_id, minute, count) SELECT %s, %s, %s, 1 "
    "WHERE EXISTS (SELECT 1 FROM n) ON CONFLICT (company_id, partner_id, minute) "
    "DO UPDATE SET count = {count}.count + 1 RETURNING count)"
)


@functools.cache
def _statements() -> tuple[str, str, str, str]:
    """The nonce insert, the count upsert, and the two as CTEs n and c (PostgreSQL)."""
    tables = {
        "nonce": PartnerNonce._meta.db_table,
        "count": PartnerRequestCount._meta.db_table,
        "key": PartnerKey._meta.db_table,
        "partner": Partner._meta.db_table,
    }
    nonce_sql = _NONCE_SQL.format(**tables)
    return (
        nonce_sql,
        _COUNT_SQL.format(**tables),
        _NONCE_CTE.format(nonce_sql=nonce_sql),
        _COUNT_CTE.format(**tables),
    )


@dataclass(frozen=True)
class NonceCtes:
    """The nonce (and count) as CTEs to put before a statement, and what that statement
    selects first: `nonce_column` (NULL: not recorded), then `count_column`. Only SQL (two
    variants: with a rate limit or without), so a statement built on it can be cached."""

    sql: str  # "n AS (...)[, c AS (...)]", to follow WITH
    nonce_column: str
    count_column: str


@functools.cache
def _alone(ctes: NonceCtes) -> str:
    """The checks as a statement of their own."""
    return f"WITH {ctes.sql} SELECT {ctes.nonce_column}, {ctes.count_column}"


@dataclass
class NonceCheck:
    """The last checks of a signed request, run once: record the nonce (NonceReused if it
    was seen; KeyUnknown if the key was revoked or its partner deactivated since the key was
    read) and, with a limit, count the request against the partner's minute (RateLimited
    over it). Inserts that a unique rule skips (ON CONFLICT DO NOTHING) raise nothing, so a
    caller's transaction stays usable.

    Authentication runs them at once, except for the operations that fold them into their
    own statement (`folded`). Whatever refuses such a request before that statement settles
    them first (`settle`), so the refusal of a replayed or rate-limited request is the same
    as anywhere.
    """

    key: PartnerKey
    nonce: str
    now: dt.datetime
    limit: int
    done: bool = False

    def _params(self) -> tuple[list[Any], list[Any]]:
        """The nonce insert's parameters and the count's."""
        adapt = transaction.get_connection().ops.adapt_datetimefield_value
        key, minute = self.key, self.now.replace(second=0, microsecond=0)
        nonce = [self.nonce, adapt(self.now), key.pk]
        return nonce, [key.company_id, key.partner_id, adapt(minute)]

    def settle(self) -> None:
        """The checks in a statement of their own, unless they ran already."""
        if self.done:
            return
        if transaction.get_connection().vendor == "postgresql":
            self._run(_alone, [])
            return
        self.done = True  # attempted once: a refusal is not counted twice
        nonce_sql, count_sql, _nonce_cte, _count_cte = _statements()
        nonce_params, count_params = self._params()
        rows = hot_execute(nonce_sql, nonce_params)
        nonce_id = rows[0][0] if rows else None
        count = None
        if nonce_id is not None and self.limit > 0:
            ((count,),) = hot_execute(count_sql, count_params)
        self.outcome(nonce_id, count)

    def folded(
        self, statement: Callable[[NonceCtes], str], params: Sequence[Any]
    ) -> list[tuple[Any, ...]] | None:
        """Run the caller's statement with the checks as its CTEs: `statement` builds it
        (cached per NonceCtes) and selects the nonce and count columns first. Its rows
        without those two, once the checks passed; None when they cannot fold (SQLite) or
        ran already: then they have been settled and the caller runs its plain statement."""
        if self.done or transaction.get_connection().vendor != "postgresql":
            self.settle()
            return None
        return self._run(statement, params)

    def _run(
        self, statement: Callable[[NonceCtes], str], params: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        self.done = True  # attempted once: a refusal is not counted twice
        _nonce_sql, _count_sql, nonce_cte, count_cte = _statements()
        nonce_params, count_params = self._params()
        if self.limit > 0:
            ctes = NonceCtes(
                f"{nonce_cte}, {count_cte}", "(SELECT id FROM n)", "(SELECT count FROM c)"
            )
            ctes_params = nonce_params + count_params
        else:
            ctes = NonceCtes(nonce_cte, "(SELECT id FROM n)", "NULL::integer")
            ctes_params = nonce_params
        rows = hot_execute(statement(ctes), [*ctes_params, *params])
        self.outcome(rows[0][0], rows[0][1])
        return [row[2:] for row in rows]

    def outcome(self, nonce_id: int | None, count: int | None) -> None:
        """Refuse the request as the recorded nonce and count say."""
        if nonce_id is None:
            if not _still_active(self.key):
                active_key_forget(self.key.key_id)
                raise KeyUnknown()
            raise NonceReused()
        if nonce_id % PURGE_EVERY == 0:
            nonces_purge(now=self.now)
        if count is not None and count > self.limit:
            minute = self.now.replace(second=0, microsecond=0)
            wait = max(1, math.ceil(60 - (self.now - minute).total_seconds()))
            raise RateLimited(headers={"Retry-After": str(wait)})


def _still_active(key: PartnerKey) -> bool:
    return PartnerKey.objects.filter(
        pk=key.pk, revoked_at__isnull=True, partner__is_active=True
    ).exists()


def authenticate(request: HttpRequest, *, fold_nonce: bool = False) -> PartnerContext:
    """Check every part of a signed request; the caller's partner and key, or a refusal.

    With `fold_nonce` the nonce and the rate are left to the operation's own statement
    (`PartnerContext.nonce`, NonceCheck): the inquiry and the payment."""
    request.kuwwa_partner_api = True  # type: ignore[attr-defined]  # errors in both languages
    key_id, stamp, nonce, sig = _headers(request)
    found = active_key(key_id) if KEY_ID_RE.fullmatch(key_id) else None
    if found is None:
        raise KeyUnknown()
    key = found.key
    try:
        _check_signature(request, key, stamp, nonce, sig)
    except KeyUnknown:  # its secret was re-encrypted since the key was kept: read it again
        found = active_key(key_id, fresh=True)
        if found is None:
            raise
        key = found.key
        _check_signature(request, key, stamp, nonce, sig)
    now = timezone.now()
    _check_timestamp(stamp, now)
    check = NonceCheck(key=key, nonce=nonce, now=now, limit=rate_per_minute())
    if not fold_nonce:
        check.settle()
    return PartnerContext(partner=key.partner, key=key, found=found, nonce=check)


class PartnerSignature(APIKeyHeader):
    """Django Ninja security scheme: the key id header, and the signature checks above."""

    param_name = HEADER_KEY
    openapi_description = (
        "Signed requests. Send X-Kuwwa-Key (your key id), X-Kuwwa-Timestamp (unix seconds), "
        "X-Kuwwa-Nonce (16-64 random characters, never reused) and X-Kuwwa-Signature = hex "
        "HMAC-SHA256(secret, METHOD + '\\n' + PATH_WITH_QUERY + '\\n' + TIMESTAMP + '\\n' + "
        "NONCE + '\\n' + hex(SHA-256(body))). See docs/partner-api.md. | طلبات موقّعة: أرسل "
        "معرّف المفتاح والوقت ورقماً عشوائياً لا يتكرر والتوقيع HMAC-SHA256 كما في الدليل."
    )

    def __init__(self, *, fold_nonce: bool = False) -> None:
        super().__init__()
        self.fold_nonce = fold_nonce

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.META.get(_META_KEY)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return authenticate(request, fold_nonce=self.fold_nonce)


partner_auth = PartnerSignature()
# For the operations whose own statement records the nonce (the inquiry, the payment).
partner_auth_folded = PartnerSignature(fold_nonce=True)


def nonce_settle(request: HttpRequest) -> None:
    """Run a folded request's last checks if its operation has not: before it is refused for
    something else (a body that does not validate, say), so that a replayed or rate-limited
    request is refused as such, and the nonce is used up either way."""
    check = getattr(getattr(request, "auth", None), "nonce", None)
    if isinstance(check, NonceCheck):
        check.settle()
