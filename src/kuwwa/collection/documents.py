"""A receipt as a document: HTML for the screen and 80 mm printers, PDF for A5 paper.

Same shape as kuwwa.billing.documents: `ReceiptDocument` is a frozen view-model filled from the
stored rows (a reprint shows exactly what was issued, plus a REVERSED mark if it was undone),
and everything shown is formatted here in the language asked for, so templates hold labels
only. Channel, tender and status are kept as codes and translated when rendered, so one
document prints in Arabic and in English.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kuwwa.accounts.selectors import mask_name
from kuwwa.collection.models import Allocation, Channel, Payment, Receipt, Tender
from kuwwa.collection.receipts import receipt_canonical, receipt_qr_url, receipt_sign
from kuwwa.core.formatting import document_date as _date
from kuwwa.core.formatting import document_language as _lang
from kuwwa.core.formatting import keep_ltr as _ltr
from kuwwa.core.formatting import localized_digits as _digits
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import format_amount
from kuwwa.core.pdf import PRINT_CSS, render_pdf
from kuwwa.core.qr import qr_data_uri
from kuwwa.organizations.models import CollectionCenter, Company

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Damascus")
ReceiptStatus = Literal["valid", "reversed"]


@dataclass(frozen=True)
class ReceiptAllocationDoc:
    """The part of the payment applied to one bill."""

    bill_number: str
    cycle_label: str
    amount: int  # minor units


@dataclass(frozen=True)
class ReceiptDocument:
    """Everything a printed receipt shows; money in minor units."""

    number: str
    issued_at: dt.datetime  # aware; shown in Asia/Damascus time
    collector_code: str
    collector_name_ar: str
    collector_name_en: str
    center_code: str
    center_name_ar: str
    center_name_en: str
    owner_code: str
    owner_name_ar: str
    owner_name_en: str
    account_number: str  # 12-digit compact form
    holder_name: str  # as given: masked or full, the caller decides
    amount: int
    allocations: tuple[ReceiptAllocationDoc, ...]
    to_credit: int
    channel: str  # Channel code, translated when rendered
    tender: str  # Tender code, translated when rendered
    cashier: str  # username, "" for a partner channel
    partner_name_ar: str
    partner_name_en: str
    status: ReceiptStatus
    qr_text: str  # the verification URL of receipt_qr_url

    def __post_init__(self) -> None:
        if not isinstance(self.allocations, tuple) or any(
            not isinstance(a, ReceiptAllocationDoc) for a in self.allocations
        ):
            parts = tuple(
                a if isinstance(a, ReceiptAllocationDoc) else ReceiptAllocationDoc(*a)
                for a in self.allocations
            )
            object.__setattr__(self, "allocations", parts)
        for minor in [self.amount, self.to_credit, *(a.amount for a in self.allocations)]:
            if not isinstance(minor, int) or isinstance(minor, bool):
                raise TypeError("money is an int of minor units")
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware")
        if self.status not in ("valid", "reversed"):
            raise ValueError("status is valid or reversed")
        if not self.qr_text:
            raise ValueError("a receipt needs its QR text")

    @property
    def cross_company(self) -> bool:
        """Collected by one company for an account of another."""
        return self.collector_code != self.owner_code


def receipt_document(*, receipt: Receipt, holder: str | None = None) -> ReceiptDocument:
    """The document of a stored receipt; without `holder` the name is masked (safe default)."""
    payment = Payment.objects.select_related("account", "cashier", "partner").get(
        company_id=receipt.owner_company_id, pk=receipt.payment_id
    )
    companies = Company.objects.in_bulk([receipt.company_id, receipt.owner_company_id])
    collector, owner = companies[receipt.company_id], companies[receipt.owner_company_id]
    center = CollectionCenter.objects.get(pk=receipt.center_id)
    allocations = (
        Allocation.objects.filter(company_id=payment.company_id, payment=payment)
        .select_related("bill__cycle")
        .order_by("bill__cycle__period_start", "bill_id")
    )
    canonical = receipt_canonical(
        number=receipt.number,
        account_number=receipt.account_number,
        amount=receipt.amount,
        issued_at=receipt.issued_at,
        owner_code=owner.code,
    )
    return ReceiptDocument(
        number=receipt.number,
        issued_at=receipt.issued_at,
        collector_code=collector.code,
        collector_name_ar=collector.name_ar,
        collector_name_en=collector.name_en,
        center_code=center.code,
        center_name_ar=center.name_ar,
        center_name_en=center.name_en,
        owner_code=owner.code,
        owner_name_ar=owner.name_ar,
        owner_name_en=owner.name_en,
        account_number=receipt.account_number,
        holder_name=mask_name(payment.account.holder_name) if holder is None else holder,
        amount=receipt.amount,
        allocations=tuple(
            ReceiptAllocationDoc(a.bill.number, a.bill.cycle.code, a.amount) for a in allocations
        ),
        to_credit=payment.to_credit,
        channel=receipt.channel,
        tender=payment.tender,
        cashier=payment.cashier.get_username() if payment.cashier else "",
        partner_name_ar=payment.partner.name_ar if payment.partner else "",
        partner_name_en=payment.partner.name_en if payment.partner else "",
        status="reversed" if receipt.status == Receipt.Status.REVERSED else "valid",
        qr_text=receipt_qr_url(canonical, receipt.signature or receipt_sign(canonical)),
    )


def receipt_holder_name(receipt: Receipt) -> str:
    """The account holder's full name: only for users whose scope sees it (the caller checks)."""
    name = (
        Payment.objects.filter(company_id=receipt.owner_company_id, pk=receipt.payment_id)
        .values_list("account__holder_name", flat=True)
        .first()
    )
    return name or ""


def format_moment(value: dt.datetime, lang: str) -> str:
    """Local Damascus time, day first: ٣١/٠٧/٢٠٢٦ ١٤:٠٥ or 31 Jul 2026 14:05."""
    local = value.astimezone(LOCAL_TZ)
    return f"{_date(local.date(), lang)} {_digits(local.strftime('%H:%M'), lang)}"


def format_number(text: str, lang: str) -> str:
    """A dashed number (receipt, account) in the language's digits, kept left to right."""
    return _ltr(_digits(text, lang))


def _label(choices: Any, code: str) -> str:
    return str(choices(code).label) if code in choices.values else code


def _pick(lang: str, ar: str, en: str) -> str:
    return ar if lang == "ar" or not en else en


def _context(doc: ReceiptDocument, lang: str) -> dict[str, Any]:
    """Must run inside translation.override(lang): the labels are translated here."""

    def money(minor: int) -> str:
        return format_amount(minor, language=lang)

    other = "en" if lang == "ar" else "ar"
    return {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "other_lang": other,
        "number": format_number(doc.number, lang),
        "issued_at": format_moment(doc.issued_at, lang),
        "collector_name": _pick(lang, doc.collector_name_ar, doc.collector_name_en),
        "collector_name_other": _pick(other, doc.collector_name_ar, doc.collector_name_en),
        "owner_name": _pick(lang, doc.owner_name_ar, doc.owner_name_en),
        "cross_company": doc.cross_company,
        "center": " ".join(
            (_digits(doc.center_code, lang), _pick(lang, doc.center_name_ar, doc.center_name_en))
        ),
        "account_number": format_number(format_account_number(doc.account_number), lang),
        "holder_name": doc.holder_name,
        "amount": money(doc.amount),
        "allocations": [
            {
                "bill_number": format_number(a.bill_number, lang),
                "cycle": format_number(a.cycle_label, lang),
                "amount": money(a.amount),
            }
            for a in doc.allocations
        ],
        "to_credit": money(doc.to_credit) if doc.to_credit else "",
        "channel": _label(Channel, doc.channel),
        "tender": _label(Tender, doc.tender),
        "cashier": doc.cashier,
        "partner": _pick(lang, doc.partner_name_ar, doc.partner_name_en),
        "reversed": doc.status == "reversed",
        "qr_uri": qr_data_uri(doc.qr_text),
        "verify_url": f"\u200e{settings.KUWWA_PUBLIC_URL}/verify/\u200e",
        "print_css": PRINT_CSS,
    }


def _render(template: str, doc: ReceiptDocument, language: str) -> str:
    lang = _lang(language)
    with translation.override(lang):
        return render_to_string(template, {"pdf": False, **_context(doc, lang)})


def receipt_html(doc: ReceiptDocument, *, language: str) -> str:
    """The receipt as a web page (A5 when printed from a browser)."""
    return _render("collection/receipt.html", doc, language)


def receipt_thermal_html(doc: ReceiptDocument, *, language: str) -> str:
    """The receipt for an 80 mm thermal printer (72 mm printable), printed from the browser."""
    return _render("collection/receipt_thermal.html", doc, language)


def receipt_pdf(doc: ReceiptDocument, *, language: str) -> bytes:
    """The receipt as A5 PDF bytes, with the vendored font embedded."""
    lang = _lang(language)
    with translation.override(lang):
        context = _context(doc, lang)
    return render_pdf("collection/receipt.html", context, language=lang)
