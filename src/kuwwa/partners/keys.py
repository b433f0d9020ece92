"""API keys of partners: create (the secret is shown once), revoke, re-encrypt, look up.

Creation and revocation are master-data changes of the establishment, audited in its chain.
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.core.audit import audit_record
from kuwwa.core.errors import ValidationFailed
from kuwwa.core.hotsql import hot_execute
from kuwwa.core.rawrows import from_row, select_columns, split_row
from kuwwa.organizations.models import ESTABLISHMENT_CODE, CollectionCenter, Company, Partner
from kuwwa.partners import crypto
from kuwwa.partners.models import PartnerKey, WebhookEndpoint

KEY_PREFIX = "pk_"
SECRET_PREFIX = "sk_"  # noqa: S105 - the visible prefix of generated secrets


def establishment() -> Company:
    return Company.objects.get(code=ESTABLISHMENT_CODE)


def key_context(key_id: str) -> str:
    """Associated data of a key's encrypted secret: it opens only on that key's row."""
    return f"partner-key:{key_id}"


def webhook_context(partner_id: int) -> str:
    return f"partner-webhook:{partner_id}"


@dataclass(frozen=True)
class NewKey:
    key: PartnerKey
    secret: str  # shown once to whoever created the key, never stored in clear


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def partner_key_create(*, actor: Any, partner: Partner, label: str = "") -> NewKey:
    """A new active key for the partner; its old keys stay active until revoked (rotation)."""
    if not partner.is_active:
        raise ValidationFailed(_("This partner is not active."))
    key_id = KEY_PREFIX + secrets.token_hex(12)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = PartnerKey.objects.create(
        company=establishment(),
        partner=partner,
        key_id=key_id,
        secret_encrypted=crypto.encrypt(secret, context=key_context(key_id)),
        label=label.strip()[:100],
        created_by=_actor(actor),
    )
    audit_record(
        company=key.company_id,
        actor=_actor(actor),
        action="partnerkey.create",
        obj=key,
        data={"partner": partner.code, "key_id": key_id, "label": key.label},
    )
    return NewKey(key=key, secret=secret)


@transaction.atomic
def partner_key_revoke(*, actor: Any, key: PartnerKey) -> PartnerKey:
    """Revoke a key at once (idempotent): requests signed with it get KEY_UNKNOWN."""
    locked = PartnerKey.objects.select_for_update().select_related("partner").get(pk=key.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = _actor(actor)
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        company=locked.company_id,
        actor=_actor(actor),
        action="partnerkey.revoke",
        obj=locked,
        data={"partner": locked.partner.code, "key_id": locked.key_id},
    )
    return locked


def partner_key_secret(key: PartnerKey) -> str:
    return crypto.decrypt(key.secret_encrypted, context=key_context(key.key_id))


class ActiveKey:
    """An active key with its partner loaded, and the partner's channel (its first active
    virtual center, with the establishment; None if it has none), built when first asked:
    only payments need it."""

    def __init__(
        self, key: PartnerKey, company_row: Sequence[Any], center_row: Sequence[Any]
    ) -> None:
        self.key = key
        self._company_row, self._center_row = company_row, center_row

    @functools.cached_property
    def center(self) -> CollectionCenter | None:
        if self._center_row[0] is None:
            return None
        company = from_row(Company, self._company_row)
        center = from_row(CollectionCenter, self._center_row)
        center.partner, center.company = self.key.partner, company
        return center


_MODELS: tuple[type[Model], ...] = (PartnerKey, Partner, Company, CollectionCenter)


_ACTIVE_KEY_SQL = (
    "SELECT {key_columns}, {partner_columns}, {company_columns}, {center_columns} "
    "FROM {key} k JOIN {partner} p ON p.id = k.partner_id JOIN {company} c ON c.id = k.company_id "
    "LEFT JOIN {center} v ON v.id = (SELECT w.id FROM {center} w "
    "WHERE w.company_id = k.company_id AND w.partner_id = k.partner_id AND w.kind = %s "
    "AND w.is_active ORDER BY w.code LIMIT 1) "
    "WHERE c.code = %s AND k.key_id = %s AND k.revoked_at IS NULL AND p.is_active"
)


@functools.cache
def _active_key_sql() -> str:
    return _ACTIVE_KEY_SQL.format(
        key_columns=select_columns(PartnerKey, "k"),
        partner_columns=select_columns(Partner, "p"),
        company_columns=select_columns(Company, "c"),
        center_columns=select_columns(CollectionCenter, "v"),
        key=PartnerKey._meta.db_table,
        partner=Partner._meta.db_table,
        company=Company._meta.db_table,
        center=CollectionCenter._meta.db_table,
    )


KEY_KEPT_SECONDS = 10.0
_kept: dict[str, tuple[float, ActiveKey]] = {}


def active_key(key_id: str, *, fresh: bool = False) -> ActiveKey | None:
    """The active key with this id, of an active partner, with its channel; or None.

    Every signed request asks this, so a key found is kept in the process for
    KEY_KEPT_SECONDS (`fresh` reads it again). A kept key cannot outlive its revocation or its
    partner's deactivation: each request's nonce is recorded only while both are active
    (`kuwwa.partners.auth.NonceCheck`), so they stop the next request. Other changes to
    the key's rows (a channel closed, a partner renamed) reach requests within those seconds.
    """
    now = time.monotonic()
    kept = None if fresh else _kept.get(key_id)
    if kept is not None and now < kept[0]:
        return kept[1]
    found = _active_key_read(key_id)
    if found is None:
        _kept.pop(key_id, None)
    else:
        _kept[key_id] = (now + KEY_KEPT_SECONDS, found)
    return found


def active_key_forget(key_id: str) -> None:
    """Drop what this process keeps of the key (it was found revoked or inactive)."""
    _kept.pop(key_id, None)


def _active_key_read(key_id: str) -> ActiveKey | None:
    """One statement of whole rows (`core.rawrows`): the ORM spent more time composing the
    query than the database answering it."""
    rows = hot_execute(
        _active_key_sql(), [CollectionCenter.Kind.VIRTUAL.value, ESTABLISHMENT_CODE, key_id]
    )
    if not rows:
        return None
    parts = split_row(rows[0], _MODELS)
    key = from_row(PartnerKey, parts[0])
    key.partner = from_row(Partner, parts[1])
    return ActiveKey(key, company_row=parts[2], center_row=parts[3])


def secrets_reencrypt() -> int:
    """Re-encrypt every stored secret under the current encryption key; returns how many."""
    changed = 0
    with transaction.atomic():
        for key in PartnerKey.objects.select_for_update().order_by("pk"):
            if crypto.needs_reencryption(key.secret_encrypted):
                plain = partner_key_secret(key)
                key.secret_encrypted = crypto.encrypt(plain, context=key_context(key.key_id))
                key.save(update_fields=["secret_encrypted"])
                changed += 1
        for endpoint in WebhookEndpoint.objects.select_for_update().order_by("pk"):
            if crypto.needs_reencryption(endpoint.secret_encrypted):
                context = webhook_context(endpoint.partner_id)
                plain = crypto.decrypt(endpoint.secret_encrypted, context=context)
                endpoint.secret_encrypted = crypto.encrypt(plain, context=context)
                endpoint.save(update_fields=["secret_encrypted"])
                changed += 1
    return changed
