"""The audit log: record an event in the caller's transaction; verify the hash chains.

Each company (and the establishment, company code 00) has its main chain, and one chain
(stream) per collection center for the payments collected there (ADR 0009): payments never
wait on a company-wide lock, only on their center's, which their gapless receipt number takes
anyway. A chain's head is locked last in any transaction (after the domain rows), which keeps
the lock order fixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from kuwwa.core.models import AuditChain, AuditEvent

if TYPE_CHECKING:
    from kuwwa.organizations.models import Company, User

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    company_id: int,
    seq: int,
    occurred_at: str,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
    prev_hash: str,
    stream: str = "",
) -> str:
    content = {
        "company": company_id,
        "seq": seq,
        "at": occurred_at,
        "actor": actor_label,
        "action": action,
        "type": object_type,
        "id": object_id,
        "data": data,
        "prev": prev_hash,
    }
    if stream:  # the main chains' events hash as they did before streams existed
        content["stream"] = stream
    payload = _canonical(content)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _json_safe(data: dict[str, Any]) -> Any:
    """Round-trip through JSON so what is hashed is exactly what the database returns."""
    return json.loads(_canonical(data))


def audit_actor_label(actor: User | None) -> str:
    """How an actor is named in the chain: the username, or "system"."""
    return actor.get_username() if actor is not None and actor.pk else "system"


def audit_record(
    *,
    company: Company | int,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    stream: str = "",
) -> AuditEvent:
    """Append one event to a chain of the company (its main chain unless a stream is named).
    Must run inside the caller's transaction."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change")
    company_id = company if isinstance(company, int) else company.pk
    chain = AuditChain.objects.select_for_update().filter(company_id=company_id, stream=stream)
    head = chain.first()
    if head is None:
        AuditChain.objects.get_or_create(company_id=company_id, stream=stream)
        head = chain.get()
    occurred_at = timezone.now()
    actor_label = audit_actor_label(actor)
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    safe_data = _json_safe(data or {})
    seq = head.seq + 1
    digest = event_hash(
        company_id=company_id,
        seq=seq,
        occurred_at=occurred_at.isoformat(),
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=safe_data,
        prev_hash=head.hash,
        stream=stream,
    )
    event = AuditEvent.objects.create(
        company_id=company_id,
        stream=stream,
        seq=seq,
        occurred_at=occurred_at,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=safe_data,
        prev_hash=head.hash,
        hash=digest,
    )
    AuditChain.objects.filter(pk=head.pk).update(seq=seq, hash=digest)
    return event


@dataclass(frozen=True)
class ChainBreak:
    company_id: int
    seq: int
    reason: str
    stream: str = ""

    def __str__(self) -> str:
        chain = f"company {self.company_id}" + (f", stream {self.stream}" if self.stream else "")
        return f"{chain}, event {self.seq}: {self.reason}"


def _iter_chain(company_id: int, stream: str) -> Iterator[AuditEvent]:
    events = AuditEvent.objects.filter(company_id=company_id, stream=stream)
    yield from events.order_by("seq").iterator(2000)


def audit_verify_chain(company_id: int, stream: str = "") -> ChainBreak | None:
    """The first broken link of one chain, or None when it is whole."""
    expected_seq = 1
    prev = GENESIS
    for event in _iter_chain(company_id, stream):
        if event.seq != expected_seq:
            return ChainBreak(company_id, expected_seq, "event missing (sequence gap)", stream)
        if event.prev_hash != prev:
            return ChainBreak(company_id, event.seq, "previous hash does not match", stream)
        digest = event_hash(
            company_id=event.company_id,
            seq=event.seq,
            occurred_at=event.occurred_at.isoformat(),
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            data=event.data,
            prev_hash=event.prev_hash,
            stream=event.stream,
        )
        if digest != event.hash:
            return ChainBreak(company_id, event.seq, "content changed (hash mismatch)", stream)
        prev = event.hash
        expected_seq += 1
    head = AuditChain.objects.filter(company_id=company_id, stream=stream).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev):
        return ChainBreak(
            company_id, last_seq + 1, "events missing at the end of the chain", stream
        )
    return None


def audit_verify_all() -> list[ChainBreak]:
    """Verify every chain; one break (the first) per broken chain."""
    chains = set(AuditChain.objects.values_list("company_id", "stream"))
    chains |= set(AuditEvent.objects.values_list("company_id", "stream").distinct())
    breaks = []
    for company_id, stream in sorted(chains):
        found = audit_verify_chain(company_id, stream)
        if found is not None:
            breaks.append(found)
    return breaks
