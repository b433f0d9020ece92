"""A bill as a document: HTML for the screen and 80 mm printers, PDF for A5/A4 paper.

`BillDocument` is a plain, frozen view-model, so the same printout comes from an issued bill,
a reprint or a test without touching the database. Everything shown is formatted here, in the
language asked for (amounts only through kuwwa.core.money), so templates hold labels only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils import translation

from kuwwa.billing.qr import bill_qr_text
from kuwwa.core.errors import InvalidAmount
from kuwwa.core.formatting import document_date as _date
from kuwwa.core.formatting import document_language as _lang
from kuwwa.core.formatting import keep_ltr as _ltr
from kuwwa.core.formatting import localized_digits as _digits
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import format_amount, from_major
from kuwwa.core.pdf import PRINT_CSS, render_pdf
from kuwwa.core.qr import qr_data_uri

Paper = Literal["A5", "A4"]


@dataclass(frozen=True)
class BillLineDoc:
    """One printed line: a tariff band (kWh at a price) or a fixed charge (no kWh, no price)."""

    label_ar: str
    label_en: str
    kwh: int | None
    unit_price: Decimal | None  # pounds (major units) per kWh, exactly as in the tariff
    amount: int  # minor units


@dataclass(frozen=True)
class BillDocument:
    """Everything a printed bill shows; money in minor units, labels already translated."""

    company_name_ar: str
    company_name_en: str
    company_code: str
    account_number: str  # 12-digit compact form
    holder_name: str
    address: str
    category_label: str
    bill_number: str  # digits only
    cycle_label: str  # e.g. "2026-06"
    period_start: dt.date
    period_end: dt.date
    issue_date: dt.date
    due_date: dt.date
    previous_reading: int | None
    current_reading: int | None
    consumption_kwh: int
    estimated: bool
    lines: tuple[BillLineDoc, ...]
    total: int
    previous_balance: int  # arrears carried from earlier bills
    credit: int  # account credit applied
    amount_due: int
    status_label: str

    def __post_init__(self) -> None:
        if not isinstance(self.lines, tuple):
            object.__setattr__(self, "lines", tuple(self.lines))
        amounts = [self.total, self.previous_balance, self.credit, self.amount_due]
        for minor in amounts + [line.amount for line in self.lines]:
            if not isinstance(minor, int) or isinstance(minor, bool):
                raise TypeError("money is an int of minor units")
        _ = self.qr_text  # refuses, at once, a bill whose QR code could not be printed

    @property
    def qr_text(self) -> str:
        """The QR payload: account, bill number and the amount due (docs/documents.md)."""
        return bill_qr_text(
            account_number=self.account_number,
            bill_number=self.bill_number,
            amount_minor=self.amount_due,
        )


def _count(value: int | None, lang: str, *, group: bool = True) -> str:
    if value is None:
        return "—"
    text = f"{value:,}" if group else str(value)
    return _digits(text.replace(",", "٬"), lang) if lang == "ar" else text


def _price(value: Decimal | None, lang: str) -> str:
    if value is None:
        return ""
    try:
        return format_amount(from_major(value), language=lang, symbol=False)
    except InvalidAmount:  # finer than the minor unit: shown exactly as the tariff has it
        text = format(value.normalize(), "f")
        return _digits(text.replace(".", "٫"), lang) if lang == "ar" else text


def _context(doc: BillDocument, lang: str) -> dict[str, Any]:
    def money(minor: int) -> str:
        return format_amount(minor, language=lang)

    return {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "company_name": doc.company_name_ar if lang == "ar" else doc.company_name_en,
        "company_name_other": doc.company_name_en if lang == "ar" else doc.company_name_ar,
        "other_lang": "en" if lang == "ar" else "ar",
        "account_number": _ltr(_digits(format_account_number(doc.account_number), lang)),
        "holder_name": doc.holder_name,
        "address": doc.address,
        "category": doc.category_label,
        "bill_number": _ltr(_digits(doc.bill_number, lang)),
        "cycle": _ltr(_digits(doc.cycle_label, lang)),
        "period_start": _date(doc.period_start, lang),
        "period_end": _date(doc.period_end, lang),
        "issue_date": _date(doc.issue_date, lang),
        "due_date": _date(doc.due_date, lang),
        "previous_reading": _count(doc.previous_reading, lang, group=False),
        "current_reading": _count(doc.current_reading, lang, group=False),
        "consumption": _count(doc.consumption_kwh, lang),
        "estimated": doc.estimated,
        "lines": [
            {
                "label": line.label_ar if lang == "ar" else line.label_en,
                "kwh": "" if line.kwh is None else _count(line.kwh, lang),
                "price": _price(line.unit_price, lang),
                "amount": money(line.amount),
            }
            for line in doc.lines
        ],
        "total": money(doc.total),
        "previous_balance": money(doc.previous_balance),
        "credit": money(-doc.credit),  # shown as the deduction it is
        "amount_due": money(doc.amount_due),
        "status": doc.status_label,
        "qr_text": _ltr(doc.qr_text),
        "qr_uri": qr_data_uri(doc.qr_text),
        "print_css": PRINT_CSS,
    }


def _render(template: str, doc: BillDocument, language: str, **extra: Any) -> str:
    lang = _lang(language)
    with translation.override(lang):
        return render_to_string(template, {"pdf": False, **_context(doc, lang), **extra})


def bill_html(doc: BillDocument, *, language: str, paper: Paper = "A5") -> str:
    """The bill as a web page (links the static print.css; prints on A5/A4 from a browser)."""
    return _render("billing/bill.html", doc, language, paper=paper.lower())


def bill_thermal_html(doc: BillDocument, *, language: str) -> str:
    """The bill for an 80 mm thermal printer (72 mm printable), printed from the browser."""
    return _render("billing/bill_thermal.html", doc, language)


def bill_pdf(doc: BillDocument, *, language: str, paper: Paper = "A5") -> bytes:
    """The bill as PDF bytes, with the vendored font embedded."""
    lang = _lang(language)
    context = {**_context(doc, lang), "paper": paper.lower()}
    return render_pdf("billing/bill.html", context, language=lang)
