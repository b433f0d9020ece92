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
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.utils import timezone

from kuwwa.accounts.numbers import company_ids_by_code
from kuwwa.collection.errors import payment_refusal
from kuwwa.collection.models import Payment, Receipt
from kuwwa.collection.receipts import payment_audit_stream, receipt_sms_text
from kuwwa.core.audit import audit_actor_label
from kuwwa.core.clock import business_date
from kuwwa.core.hotsql import hot_execute
from kuwwa.core.ids import COMPANY_DIGITS
from kuwwa.core.models import SmsMessage
from kuwwa.core.rawrows import from_columns
from kuwwa.core.sms import sms_after_commit, sms_initial_state
from kuwwa.ledger import chart
from kuwwa.ledger.services import ledger_account_id_tuple
from kuwwa.organizations.models import Company

M = TypeVar("M", bound=Model)

if TYPE_CHECKING:
    from kuwwa.collection.services import PaymentRequest

DROP_SQL = "DROP FUNCTION IF EXISTS kuwwa_payment_post; DROP FUNCTION IF EXISTS kuwwa_json;"
_CALL = "SELECT kuwwa_payment_post(" + ", ".join(["%s"] * 30) + ")"
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
    allocations: tuple[tuple[str, int], ...] | None = None  # (bill number, amount), oldest first


def payment_post_sql(
    *, actor: Any, req: PaymentRequest, account_number: str, fingerprint: str, cash_code: str
) -> Posted:
    """Run kuwwa_payment_post (its own transaction, or a part of the caller's) and return the
    payment and receipt it made, or the receipt of an earlier request with this reference."""
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each use of the proxy costs a lookup
    now = timezone.now()
    day = business_date(now)
    collector = req.center.company
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    reference = req.client_reference.strip()
    owner_code = account_number[:COMPANY_DIGITS]  # national numbers start with the owner's code
    owner_id = company_ids_by_code().get(owner_code)
    if owner_id is None:
        raise payment_refusal("ACCOUNT_NOT_FOUND")
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
        *_ledger_ids(collector, owner_id, owner_code, cash_code),
        template,
        sms_state["status"],
        sms_state["attempts"],
        sms_state["reference"],
        payment_audit_stream(company_code=collector.code, center_code=req.center.code),
    ]
    try:
        out = _call(db, params)
    except DatabaseError as exc:
        refusal = _refusal_of(exc)
        if refusal is None:
            raise
        raise refusal from None
    if "replay" in out:
        return Posted(replay_receipt_id=int(out["replay"]))
    number = out["number"]
    if out.get("sms"):
        sms_after_commit(
            _saved(
                SmsMessage,
                db.alias,
                id=out["sms"],
                company_id=out["owner"],
                phone=out["phone"],
                text=template.replace(_RECEIPT_PLACEHOLDER, number)[:480],
                created_at=now,
                **sms_state,
            )
        )
    payment = _saved(
        Payment,
        db.alias,
        **req.payment_fields(actor),
        id=out["payment"],
        company=from_columns(Company, out["owner_company"], db.alias),
        account_id=out["account"],
        to_credit=out["to_credit"],
        receipt_number=number,
        business_date=day,
        received_at=now,
        status=Payment.Status.POSTED,
    )
    receipt = _saved(
        Receipt,
        db.alias,
        **req.receipt_fields(fingerprint),
        id=out["receipt"],
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
    allocations = tuple((str(n), int(a)) for n, a in out.get("allocations") or ())
    return Posted(payment=payment, receipt=receipt, allocations=allocations)


def _call(db: BaseDatabaseWrapper, params: list[Any]) -> dict[str, Any]:
    """One execution of the function, its parameters bound by the server (not quoted into the
    text) and, with KUWWA_DB_PREPARED, as a prepared statement of this connection, parsed and
    planned once per connection instead of once per payment (kuwwa.core.hotsql)."""
    rows = hot_execute(_CALL, params, using=db.alias)
    assert rows  # the function always returns its object
    value = rows[0][0]
    return value if isinstance(value, dict) else json.loads(value)


def _ledger_ids(
    collector: Any, owner_id: int, owner_code: str, cash_code: str
) -> tuple[int, int | None, int | None, int, int]:
    """Ids of the accounts a payment may post to: the collector's cash, due-to and due-from
    (None within one company), the owner's receivables and subscriber credit."""
    between = owner_id != collector.pk
    accounts = (
        (collector.pk, cash_code),
        (owner_id, chart.RECEIVABLES),
        (owner_id, chart.SUBSCRIBER_CREDIT),
    ) + (
        ((collector.pk, chart.due_to(owner_code)), (owner_id, chart.due_from(collector.code)))
        if between
        else ()
    )
    ids = ledger_account_id_tuple(accounts=accounts)
    return ids[0], ids[3] if between else None, ids[4] if between else None, ids[1], ids[2]


def _saved(model: type[M], alias: str, **values: Any) -> M:
    """The saved row the function wrote, built the way Django builds rows it reads (one
    positional value per column: a third of the cost of keyword construction). A relation
    given as an object (`center=...`) fills its id column and is cached on the instance;
    a column not given holds its default, as in the row."""
    names, columns = _columns(model)
    row = []
    related = {}
    for attname, relation, field in columns:
        if relation is not None and relation in values:
            obj = values[relation]
            related[relation] = obj
            row.append(obj.pk if obj is not None else None)
        elif attname in values:
            row.append(values[attname])
        else:
            row.append(field.get_default())
    instance = model.from_db(alias, names, row)
    instance._state.fields_cache.update(related)
    return instance


@cache
def _columns(model: type[Model]) -> tuple[list[str], list[tuple[str, str | None, Any]]]:
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], [
        (f.attname, f.name if f.is_relation else None, f) for f in fields
    ]


def _refusal_of(exc: DatabaseError) -> Exception | None:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) != "P0001":  # RAISE EXCEPTION in the function
        return None
    diag = cause.diag  # type: ignore[union-attr]
    try:
        return payment_refusal(diag.message_primary or "", diag.message_detail)
    except KeyError:
        return None
