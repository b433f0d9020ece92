"""Request and response shapes of the partner API, with examples in Arabic and English.

Amounts are integers in the currency's minor unit (SYP: 1 pound = 100 minor units): strict
integers, so 1500.5, "1500" or 1e3 are refused rather than rounded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt

from kuwwa.core.money import MAX_MINOR

MONEY = "Integer, minor units (SYP: 1 pound = 100). | عدد صحيح بأصغر وحدة نقدية (١ ل.س = ١٠٠)."
ACCOUNT_EXAMPLE = "030000000145"
REASONS = Literal["wrong_account", "wrong_amount", "duplicate", "customer_request", "other"]


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str = Field(
        description="Stable machine-readable code (docs/partner-api.md). | رمز ثابت للبرامج.",
        examples=["AMOUNT_NOT_ALLOWED"],
    )
    message: str = Field(description="In the request's language (Accept-Language).")
    message_ar: str = Field(examples=["لا تقبل هذه الشركة إلا المبلغ المستحق كاملاً: ٣٥٥٬٠٠٠ ل.س."])
    message_en: str = Field(
        examples=["This company accepts only the exact amount due: SYP 355,000."]
    )
    errors: list[FieldErrorOut] | None = Field(
        default=None, description="With VALIDATION_FAILED from the request's shape: per field."
    )


class CompanyOut(Schema):
    code: str = Field(examples=["03"])
    name_ar: str = Field(examples=["الشركة العامة لكهرباء حلب"])
    name_en: str = Field(examples=["Aleppo Electricity Company"])


class MeOut(Schema):
    partner: str = Field(examples=["sandbox-bank"])
    name_ar: str = Field(examples=["البنك التجريبي (للاختبار)"])
    name_en: str = Field(examples=["Sandbox Test Bank"])
    channel: str = Field(examples=["bank"])
    key_id: str = Field(examples=["pk_3f9a0c1b2d4e5f6a7b8c9d0e"])
    server_time: int = Field(description="Unix seconds: compare with your clock.")
    rate_limit_per_minute: int = Field(examples=[600])


class BillOut(Schema):
    number: str = Field(examples=["032026080000534"])
    cycle: str = Field(examples=["2026-08"])
    issue_date: dt.date
    due_date: dt.date
    total: int = Field(description=MONEY, examples=[35500000])
    outstanding: int = Field(description=MONEY, examples=[35500000])
    overdue: bool


class AllowedAmountsOut(Schema):
    policy: Literal["any", "minimum", "exact"] = Field(
        description=(
            "The owning company's rule for partial payments: any amount, at least `minimum`, "
            "or exactly the amount due. | قاعدة الشركة للتسديد الجزئي: أي مبلغ، أو حد أدنى، أو "
            "المبلغ المستحق بالضبط."
        )
    )
    minimum: int = Field(description=MONEY, examples=[35500000])
    maximum: int | None = Field(
        description="null: no limit, the excess becomes the subscriber's credit.",
        examples=[35500000],
    )
    to_credit_only: bool = Field(
        description="Nothing is due: only a payment with to_credit=true (advance) is accepted."
    )


class InquiryOut(Schema):
    account_number: str = Field(examples=[ACCOUNT_EXAMPLE])
    account_number_formatted: str = Field(examples=["03-00000145-42"])
    status: Literal["active", "suspended", "closed"]
    payable: bool = Field(description="False for a closed account.")
    holder_masked: str = Field(
        description="First name and initials only. | الاسم الأول والأحرف الأولى فقط.",
        examples=["محمد ع*** ا***"],
    )
    owner_company: CompanyOut
    currency: str = Field(examples=["SYP"])
    amount_due: int = Field(description="Sum of the open bills. " + MONEY, examples=[35500000])
    credit: int = Field(description="Subscriber's credit. " + MONEY, examples=[0])
    open_bills: list[BillOut]
    allowed_amounts: AllowedAmountsOut


class PaymentIn(Schema):
    """A payment. Send the Idempotency-Key header too: it is also your reference."""

    model_config = ConfigDict(extra="forbid")

    account_number: str = Field(
        min_length=1,
        max_length=40,
        description="National account number; dashes, spaces, Arabic-Indic digits accepted.",
        examples=[ACCOUNT_EXAMPLE, "٠٣-٠٠٠٠٠١٤٥-٤٢"],
    )
    amount: StrictInt = Field(gt=0, le=MAX_MINOR, description=MONEY, examples=[35500000])
    bill_number: str | None = Field(
        default=None,
        max_length=20,
        pattern=r"^[0-9]{1,20}$",
        description="Pay this bill first (then the oldest). | سدّد هذه الفاتورة أولاً.",
        examples=["032026080000534"],
    )
    to_credit: StrictBool = Field(
        default=False,
        description="Pay in advance / to credit even if a bill is paid. | تسديد مقدم.",
    )


class AllocationOut(Schema):
    bill_number: str
    amount: int = Field(description=MONEY)


class PaymentOut(Schema):
    reference: str = Field(
        description="Your Idempotency-Key. | مرجعك (مفتاح عدم التكرار).",
        examples=["BNK-20261128-000042"],
    )
    status: Literal["posted", "reversed"]
    receipt_number: str = Field(examples=["00-9001-2026-000042"])
    receipt_verify_url: str = Field(
        examples=["http://127.0.0.1:8000/verify/?number=00-9001-2026-000042"]
    )
    account_number: str = Field(examples=[ACCOUNT_EXAMPLE])
    owner_company: CompanyOut
    amount: int = Field(description=MONEY, examples=[35500000])
    to_credit: int = Field(description="Part that went to credit. " + MONEY, examples=[0])
    currency: str = Field(examples=["SYP"])
    allocations: list[AllocationOut]
    business_date: dt.date
    received_at: dt.datetime = Field(description="Asia/Damascus local time with its offset.")
    reversed_at: dt.datetime | None = None
    reversal_reason: str | None = None


class ReversalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: REASONS = Field(
        description=(
            "wrong_account, wrong_amount, duplicate, customer_request, other. | سبب الإلغاء: "
            "حساب خاطئ، مبلغ خاطئ، تسديد مكرر، طلب الزبون، آخر."
        ),
        examples=["wrong_account"],
    )
    note: str = Field(
        default="", max_length=300, examples=["الزبون أخطأ في رقم الحساب", "customer typo"]
    )


class ReconciliationLineOut(Schema):
    reference: str
    status: Literal[
        "matched", "missing_here", "missing_there", "amount_mismatch", "account_mismatch"
    ]
    line: int | None = Field(description="Line of your upload (CSV: the header is line 1).")
    partner_account: str | None
    partner_amount: int | None
    kuwwa_account: str | None
    kuwwa_amount: int | None
    receipt_number: str | None
    note: str | None


class ReconciliationOut(Schema):
    id: int
    business_date: dt.date
    created_at: dt.datetime
    partner_count: int
    partner_total: int = Field(description=MONEY)
    kuwwa_count: int
    kuwwa_total: int = Field(description=MONEY)
    matched: int
    missing_here: int
    missing_there: int
    amount_mismatch: int
    account_mismatch: int
    exceptions: list[ReconciliationLineOut] = Field(
        description="Every line that is not matched. | كل سطر غير مطابق."
    )


def error_examples(*codes: tuple[str, str, str]) -> dict[str, Any]:
    """OpenAPI `examples` for an error response: (code, Arabic, English) each."""
    return {
        code.lower(): {
            "summary": code,
            "value": {"code": code, "message": en, "message_ar": ar, "message_en": en},
        }
        for code, ar, en in codes
    }
