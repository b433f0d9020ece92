"""The partner REST API under /api/v1/partner/: thin handlers over the partner services.

Every operation is signed (kuwwa.partners.auth). Errors are {code, message, message_ar,
message_en}; the codes are listed in docs/partner-api.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.params import HeaderEx, P, PathEx, QueryEx

from kuwwa.collection.models import Payment
from kuwwa.partners.auth import (
    PartnerContext,
    nonce_settle,
    partner_auth,
    partner_auth_folded,
    rate_per_minute,
)
from kuwwa.partners.errors import ReconciliationNotFound, UnsupportedMediaType
from kuwwa.partners.idempotency import idempotency_key_check
from kuwwa.partners.models import ReconciliationLine, ReconciliationRun
from kuwwa.partners.payments import PaymentInput, partner_payment_create, partner_payment_reverse
from kuwwa.partners.reconciliation import parse_csv, parse_json, reconciliation_run
from kuwwa.partners.schemas import (
    ErrorOut,
    InquiryOut,
    MeOut,
    PaymentIn,
    PaymentOut,
    ReconciliationOut,
    ReversalIn,
    error_examples,
)
from kuwwa.partners.selectors import (
    account_inquiry,
    local_iso,
    payment_for_partner,
    payment_view,
)

router = Router(tags=["partners"], auth=partner_auth)

REFERENCE_PATTERN = r"^[A-Za-z0-9_.:\-]{1,48}$"
REFERENCE = "BNK-20261128-000042"
ACCOUNT = "030000000145"
AUTH_ERRORS = (
    ("SIGNATURE_INVALID", "توقيع الطلب غير مطابق.", "The request signature does not match."),
    (
        "KEY_UNKNOWN",
        "مفتاح الواجهة هذا غير معروف أو أُلغي.",
        "This API key is unknown or has been revoked.",
    ),
)


def _responses(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    """The success shape and the error shape for every status the operation can give."""
    return {**ok, **{code: ErrorOut for code in sorted({400, 401, 403, 413, 422, 429, *codes})}}


def _examples(status: int, *codes: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "responses": {
            status: {"content": {"application/json": {"examples": error_examples(*codes)}}}
        }
    }


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {"responses": {}}
    for part in parts:
        for key, value in part.items():
            if key == "responses":
                merged["responses"].update(value)
            else:
                merged[key] = value
    return merged


def _ctx(request: HttpRequest) -> PartnerContext:
    return request.auth  # type: ignore[attr-defined]


def _rendered(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    """The body as the API renders JSON, without validating it again through its schema.

    For the two calls on every payment's path (inquiry and payment): their bodies are built
    field by field by the selectors, and re-validating them cost about a tenth of a request
    (ADR 0011). The schema still documents them, and the schemathesis tests check that what
    is sent matches it.
    """
    from kuwwa.api import api  # the API this router is mounted on (it imports this module)

    nonce_settle(request)  # their statements ran the nonce check; never answer without it
    return api.create_response(request, body, status=status)


@router.get(
    "/me",
    response=_responses({200: MeOut}),
    summary="Who am I (check your signing) | من أنا (للتحقق من التوقيع)",
    description="Returns your partner, key and the server's clock. Use it to test signing.",
    operation_id="partner_me",
    openapi_extra=_examples(401, *AUTH_ERRORS),
)
def partner_me(request: HttpRequest) -> MeOut:
    ctx = _ctx(request)
    return MeOut(
        partner=ctx.partner.code,
        name_ar=ctx.partner.name_ar,
        name_en=ctx.partner.name_en,
        channel=ctx.partner.kind,
        key_id=ctx.key.key_id,
        server_time=int(dt.datetime.now(dt.UTC).timestamp()),
        rate_limit_per_minute=rate_per_minute(),
    )


@router.get(
    "/accounts/{number}",
    response=_responses({200: InquiryOut}, 404),
    summary="Bill inquiry | الاستعلام عن الذمة",
    description=(
        "Owner company, masked holder name, open bills, amount due and the amounts the owner "
        "accepts. | الشركة صاحبة الحساب، اسم المشترك مقنّعاً، الفواتير غير المسددة، المبلغ "
        "المستحق، والمبالغ المقبولة."
    ),
    operation_id="partner_inquiry",
    auth=partner_auth_folded,
    openapi_extra=_merge(
        _examples(
            400,
            (
                "INVALID_ACCOUNT_NUMBER",
                "لا تطابق خانتا التحقق: ربما أُدخل رقم خطأً.",
                "The check digits do not match: a digit may have been mistyped.",
            ),
        ),
        _examples(
            404, ("ACCOUNT_NOT_FOUND", "لا يوجد حساب بهذا الرقم.", "No account has this number.")
        ),
    ),
)
def partner_inquiry(
    request: HttpRequest,
    number: PathEx[
        str,
        P(max_length=40, description="National account number (12 digits)", examples=[ACCOUNT]),
    ],
) -> HttpResponse:
    return _rendered(request, 200, account_inquiry(number=number, nonce=_ctx(request).nonce))


@router.post(
    "/payments",
    response=_responses({201: PaymentOut}, 404, 409),
    summary="Pay | تسديد",
    description=(
        "Pays once per Idempotency-Key (which is also your reference). Same key and body "
        "again: the stored response, with the header Idempotent-Replayed: true. Same key, "
        "other body: 422 IDEMPOTENCY_KEY_REUSED. First request still running: 409 "
        "REQUEST_IN_FLIGHT with Retry-After. A refused payment does not use up the key. | "
        "يُنفَّذ التسديد مرة واحدة لكل مفتاح عدم تكرار، وهو مرجعك أيضاً."
    ),
    operation_id="partner_payment_create",
    auth=partner_auth_folded,
    openapi_extra=_merge(
        _examples(
            409,
            ("BILL_ALREADY_PAID", "هذه الفاتورة مسددة.", "This bill is already paid."),
            (
                "REQUEST_IN_FLIGHT",
                "طلب بمفتاح عدم التكرار نفسه قيد التنفيذ: أعد المحاولة بعد لحظة.",
                "A request with this Idempotency-Key is still being processed: retry in a moment.",
            ),
        ),
        _examples(
            422,
            (
                "AMOUNT_NOT_ALLOWED",
                "لا تقبل هذه الشركة إلا المبلغ المستحق كاملاً: ٣٥٥٬٠٠٠ ل.س.",
                "This company accepts only the exact amount due: SYP 355,000.",
            ),
            (
                "IDEMPOTENCY_KEY_REUSED",
                "استُخدم هذا المرجع من قبل لتسديد مختلف.",
                "This reference was already used for a different payment.",
            ),
        ),
    ),
)
def partner_payment(
    request: HttpRequest,
    payload: PaymentIn,
    idempotency_key: HeaderEx[
        str,
        P(
            alias="Idempotency-Key",
            pattern=REFERENCE_PATTERN,
            description="Your unique reference of this payment (1-48: letters, digits, - _ . :)",
            examples=[REFERENCE],
        ),
    ],
) -> HttpResponse:
    key = idempotency_key_check(idempotency_key)
    outcome = partner_payment_create(
        ctx=_ctx(request),
        key=key,
        data=PaymentInput(
            account_number=payload.account_number,
            amount=payload.amount,
            bill_number=payload.bill_number,
            to_credit=payload.to_credit,
        ),
    )
    response = _rendered(request, outcome.status_code, outcome.body)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.get(
    "/payments/{reference}",
    response=_responses({200: PaymentOut}, 404),
    summary="Payment status | حالة التسديد",
    description="Your payment by your reference (the Idempotency-Key you sent).",
    operation_id="partner_payment_status",
    openapi_extra=_examples(
        404,
        (
            "PAYMENT_NOT_FOUND",
            "لا يوجد لديك تسديد بهذا المرجع.",
            "You have no payment with this reference.",
        ),
    ),
)
def partner_payment_status(
    request: HttpRequest,
    reference: PathEx[
        str, P(pattern=REFERENCE_PATTERN, description="Your reference", examples=[REFERENCE])
    ],
) -> dict[str, Any]:
    return payment_view(payment_for_partner(partner=_ctx(request).partner, reference=reference))


@router.post(
    "/payments/{reference}/reversal",
    response=_responses({200: PaymentOut}, 404, 409),
    summary="Reverse a payment | إلغاء تسديد",
    description=(
        "Only your own payment, only on its business day and before the day is settled. "
        "Idempotent: an already reversed payment is returned as it is. | إلغاء تسديدك في يوم "
        "العمل نفسه وقبل التسوية فقط."
    ),
    operation_id="partner_payment_reverse",
    openapi_extra=_examples(
        409,
        (
            "REVERSAL_REFUSED",
            "لا يمكن للشريك إلغاء تسديد إلا في يوم عمله؛ بعد ذلك اطلب استرداداً من الكوة.",
            "A partner may reverse a payment only on its business day; after that, ask Kuwwa "
            "for a refund.",
        ),
    ),
)
def partner_reversal(
    request: HttpRequest,
    reference: PathEx[
        str, P(pattern=REFERENCE_PATTERN, description="Your reference", examples=[REFERENCE])
    ],
    payload: ReversalIn,
) -> dict[str, Any]:
    payment: Payment = partner_payment_reverse(
        ctx=_ctx(request), reference=reference, reason=payload.reason, note=payload.note
    )
    return payment_view(payment)


RECONCILIATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["payments"],
                    "properties": {
                        "payments": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["reference", "account_number", "amount"],
                                "properties": {
                                    "reference": {"type": "string", "pattern": REFERENCE_PATTERN},
                                    "account_number": {"type": "string", "maxLength": 32},
                                    "amount": {"type": "integer", "minimum": 1},
                                    "paid_at": {"type": "string", "format": "date-time"},
                                },
                            },
                        }
                    },
                },
                "example": {
                    "payments": [
                        {
                            "reference": "BNK-20261128-000042",
                            "account_number": "030000000145",
                            "amount": 35500000,
                            "paid_at": "2026-11-28T10:15:00+03:00",
                        }
                    ]
                },
            },
            "text/csv": {
                "schema": {"type": "string"},
                "example": (
                    "reference,account_number,amount,paid_at\n"
                    "BNK-20261128-000042,030000000145,35500000,2026-11-28T10:15:00+03:00\n"
                ),
            },
        },
    }
}


def _reconciliation_out(run: ReconciliationRun) -> dict[str, Any]:
    lines = run.lines.filter(company_id=run.company_id).exclude(
        status=ReconciliationLine.Status.MATCHED
    )
    return {
        "id": run.pk,
        "business_date": run.business_date,
        "created_at": local_iso(run.created_at),
        "partner_count": run.partner_count,
        "partner_total": run.partner_total,
        "kuwwa_count": run.kuwwa_count,
        "kuwwa_total": run.kuwwa_total,
        "matched": run.matched,
        "missing_here": run.missing_here,
        "missing_there": run.missing_there,
        "amount_mismatch": run.amount_mismatch,
        "account_mismatch": run.account_mismatch,
        "exceptions": [
            {
                "reference": line.reference,
                "status": line.status,
                "line": line.line_no,
                "partner_account": line.partner_account or None,
                "partner_amount": line.partner_amount,
                "kuwwa_account": line.kuwwa_account or None,
                "kuwwa_amount": line.kuwwa_amount,
                "receipt_number": line.receipt_number or None,
                "note": line.note or None,
            }
            for line in lines.order_by("pk")
        ],
    }


@router.post(
    "/reconciliations",
    response=_responses({201: ReconciliationOut}, 415),
    summary="Daily reconciliation | المطابقة اليومية",
    description=(
        "Upload your list of the business day's payments (CSV with the header "
        "reference,account_number,amount,paid_at, or JSON). Each reference is classified: "
        "matched, missing_here, missing_there, amount_mismatch, account_mismatch. | ارفع "
        "قائمة تسديدات يوم العمل لتُطابق مع سجلات الكوة."
    ),
    operation_id="partner_reconciliation_create",
    openapi_extra=RECONCILIATION_BODY,
)
def partner_reconciliation(
    request: HttpRequest,
    business_date: QueryEx[dt.date, P(description="The business day, YYYY-MM-DD")],
) -> Status[dict[str, Any]]:
    media = (request.content_type or "").lower()
    if media == "text/csv":
        lines, source = parse_csv(request.body), ReconciliationRun.Format.CSV
    elif media == "application/json" or media.endswith("+json"):
        lines, source = parse_json(request.body), ReconciliationRun.Format.JSON
    else:
        raise UnsupportedMediaType()
    run = reconciliation_run(
        ctx=_ctx(request), day=business_date, lines=lines, source_format=source
    )
    return Status(201, _reconciliation_out(run))


@router.get(
    "/reconciliations/{run_id}",
    response=_responses({200: ReconciliationOut}, 404),
    summary="A reconciliation's result | نتيجة مطابقة",
    operation_id="partner_reconciliation_get",
)
def partner_reconciliation_get(
    request: HttpRequest, run_id: PathEx[int, P(ge=1, le=2**62, examples=[1])]
) -> dict[str, Any]:
    ctx = _ctx(request)
    run = ReconciliationRun.objects.filter(
        company_id=ctx.company_id, partner=ctx.partner, pk=run_id
    ).first()
    if run is None:
        raise ReconciliationNotFound()
    return _reconciliation_out(run)
