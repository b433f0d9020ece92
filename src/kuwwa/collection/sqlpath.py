"""The payment write path on PostgreSQL: one call of `kuwwa_payment_post` (ADR 0008).

`payment_create` checks the request in Python as always; on PostgreSQL the transaction's
work (locks, allocation, ledger, receipt, audit, SMS queue) is then one statement, the function
in sql/payment_post.sql, instead of some twenty ORM statements; outside a caller's transaction
it is its own transaction (one round trip, one commit). This module passes the request in and
turns the function's refusals back into the ApplicationErrors the ORM path raises. The receipt's
Ed25519 signature is not stored: it is deterministic, so the receipt document signs its facts
when it is printed (ADR 0008).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from kuwwa.accounts.numbers import company_ids_by_code
from kuwwa.collection.errors import payment_refusal
from kuwwa.collection.models import Payment, Receipt
from kuwwa.collection.receipts import receipt_sms_text
from kuwwa.core.audit import audit_actor_label
from kuwwa.core.clock import business_date
from kuwwa.core.ids import COMPANY_DIGITS
from kuwwa.core.models import SmsMessage
from kuwwa.core.sms import sms_after_commit, sms_initial_state
from kuwwa.ledger import chart
from kuwwa.ledger.services import ledger_account_ids

if TYPE_CHECKING:
    from kuwwa.collection.services import PaymentRequest

DROP_SQL = "DROP FUNCTION IF EXISTS kuwwa_payment_post; DROP FUNCTION IF EXISTS kuwwa_json;"
_CALL = "SELECT kuwwa_payment_post(" + ", ".join(["%s"] * 29) + ")"
_RECEIPT_PLACEHOLDER = "{receipt}"


@cache
def install_sql() -> str:
    """The text of sql/payment_post.sql (the migration runs it)."""
    return resources.files("kuwwa.collection").joinpath("sql/payment_post.sql").read_text("utf-8")


def sql_path_enabled() -> bool:
    """PostgreSQL takes payments through the function unless KUWWA_PAYMENT_SQL=0."""
    return connection.vendor == "postgresql" and settings.KUWWA_PAYMENT_SQL


@dataclass(frozen=True)
class Posted:
    """What the function did: a new payment and its receipt, or the receipt of a replay."""

    payment: Payment | None = None
    receipt: Receipt | None = None
    replay_receipt_id: int | None = None


def payment_post_sql(
    *, actor: Any, req: PaymentRequest, account_number: str, fingerprint: str, cash_code: str
) -> Posted:
    """Run kuwwa_payment_post (its own transaction, or a part of the caller's) and return the
    payment and receipt it made, or the receipt of an earlier request with this reference."""
    now = timezone.now()
    day = business_date(now)
    collector = req.center.company
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    reference = req.client_reference.strip()
    owner_code = account_number[:COMPANY_DIGITS]  # national numbers start with the owner's code
    owner_id = company_ids_by_code().get(owner_code)
    if owner_id is None:
        raise payment_refusal("ACCOUNT_NOT_FOUND")
    ledger = _ledger_ids(collector, owner_id, owner_code, cash_code)
    template = receipt_sms_text(
        amount=req.amount, account_number=account_number, receipt=_RECEIPT_PLACEHOLDER
    )
    sms_state = sms_initial_state()
    params = [
        collector.pk,
        collector.code,
        req.center.pk,
        req.center.code,
        req.channel,
        req.tender,
        reference,
        fingerprint,
        account_number,
        req.amount,
        (req.bill_number or "").strip() or None,
        req.to_credit,
        req.shift_id,
        actor_id,
        req.partner.pk if req.partner is not None else None,
        audit_actor_label(actor if actor_id else None),
        now,
        now.isoformat(),
        day,
        owner_id,
        ledger[(collector.pk, cash_code)],
        ledger.get((collector.pk, chart.due_to(owner_code))),
        ledger.get((owner_id, chart.due_from(collector.code))),
        ledger[(owner_id, chart.RECEIVABLES)],
        ledger[(owner_id, chart.SUBSCRIBER_CREDIT)],
        template,
        sms_state["status"],
        sms_state["attempts"],
        sms_state["reference"],
    ]
    with connection.cursor() as cursor:
        try:
            cursor.execute(_CALL, params)
        except DatabaseError as exc:
            refusal = _refusal_of(exc)
            if refusal is None:
                raise
            raise refusal from None
        (raw,) = cursor.fetchone()
        out: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
        if "replay" in out:
            return Posted(replay_receipt_id=int(out["replay"]))
        number = out["number"]
    if out.get("sms"):
        sms_after_commit(
            _loaded(
                SmsMessage(
                    pk=out["sms"],
                    company_id=out["owner"],
                    phone=out["phone"],
                    text=template.replace(_RECEIPT_PLACEHOLDER, number)[:480],
                    **sms_state,
                )
            )
        )
    payment = _loaded(
        Payment(
            **req.payment_fields(actor),
            pk=out["payment"],
            company_id=out["owner"],
            account_id=out["account"],
            to_credit=out["to_credit"],
            receipt_number=number,
            business_date=day,
            received_at=now,
            status=Payment.Status.POSTED,
        )
    )
    receipt = _loaded(
        Receipt(
            **req.receipt_fields(fingerprint),
            pk=out["receipt"],
            number=number,
            year=out["year"],
            seq=out["seq"],
            owner_company_id=out["owner"],
            payment_id=out["payment"],
            account_number=account_number,
            issued_at=now,
            status=Receipt.Status.VALID,
            signature="",  # signed when printed (Ed25519 is deterministic): ADR 0008
        )
    )
    return Posted(payment=payment, receipt=receipt)


def _ledger_ids(
    collector: Any, owner_id: int, owner_code: str, cash_code: str
) -> dict[tuple[int, str], int]:
    """{(company, code): ledger account id} of every account a payment may post to (cached
    per process by kuwwa.ledger.services, created on first use)."""
    wanted: dict[int, set[str]] = defaultdict(set)
    wanted[collector.pk].add(cash_code)
    wanted[owner_id] |= {chart.RECEIVABLES, chart.SUBSCRIBER_CREDIT}
    if owner_id != collector.pk:
        wanted[collector.pk].add(chart.due_to(owner_code))
        wanted[owner_id].add(chart.due_from(collector.code))
    return {
        (company_id, code): pk
        for company_id, codes in wanted.items()
        for code, pk in ledger_account_ids(company_id=company_id, codes=codes).items()
    }


def _loaded(instance: Any) -> Any:
    """Mark a model instance built from the function's answer as a saved row."""
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def _refusal_of(exc: DatabaseError) -> Exception | None:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) != "P0001":  # RAISE EXCEPTION in the function
        return None
    diag = cause.diag  # type: ignore[union-attr]
    try:
        return payment_refusal(diag.message_primary or "", diag.message_detail)
    except KeyError:
        return None
