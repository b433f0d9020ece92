"""A company's settlement statement for a settled business day, as PDF and XLSX.

The statement lists, from the payment rows, every payment the company collected for other
companies and every payment others collected for it, with totals per counterparty and the
resulting net position. It is built from the payments, not copied from the settlement, and
says whether the two agree (they must: a settled day's payments can no longer be reversed), so
a company can check the transfer it makes or receives line by line.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuwwa.collection.documents import format_moment, format_number
from kuwwa.collection.models import Channel, Payment
from kuwwa.core.errors import NotFound
from kuwwa.core.formatting import document_date as _date
from kuwwa.core.formatting import document_language as _lang
from kuwwa.core.formatting import keep_ltr as _ltr
from kuwwa.core.formatting import localized_digits as _digits
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import currency, format_amount, to_major_decimal
from kuwwa.core.pdf import PRINT_CSS, render_pdf
from kuwwa.organizations.models import ESTABLISHMENT_CODE, CollectionCenter, Company
from kuwwa.settlement.models import BusinessDay, SettlementPosition, SettlementRun


@dataclass(frozen=True)
class StatementLine:
    """One payment between the company and a counterparty."""

    receipt_number: str
    received_at: dt.datetime
    account_number: str
    counterparty_code: str  # the owner (collected for others) or the collector (by others)
    center_code: str
    channel: str
    amount: int  # minor units


@dataclass(frozen=True)
class CounterpartyTotal:
    code: str
    name_ar: str
    name_en: str
    for_others_count: int
    for_others: int  # what the company collected for this counterparty
    by_others_count: int
    by_others: int  # what this counterparty collected for the company

    @property
    def net(self) -> int:
        return self.by_others - self.for_others


@dataclass(frozen=True)
class Statement:
    company_code: str
    company_name_ar: str
    company_name_en: str
    business_date: dt.date
    settled_at: dt.datetime | None
    for_others: tuple[StatementLine, ...]
    by_others: tuple[StatementLine, ...]
    counterparties: tuple[CounterpartyTotal, ...]
    position_for_others: int  # as recorded by the settlement run
    position_by_others: int
    position_net: int
    transfer_reference: str

    @property
    def collected_for_others(self) -> int:
        return sum(line.amount for line in self.for_others)

    @property
    def collected_by_others(self) -> int:
        return sum(line.amount for line in self.by_others)

    @property
    def net(self) -> int:
        """Positive: the company receives this from the clearing account; negative: it pays."""
        return self.collected_by_others - self.collected_for_others

    @property
    def matches_settlement(self) -> bool:
        return (
            self.collected_for_others == self.position_for_others
            and self.collected_by_others == self.position_by_others
            and self.net == self.position_net
        )


class DayNotSettled(NotFound):
    code = "DAY_NOT_SETTLED"
    default_message = gettext_lazy("This business day has not been settled.")


def settled_days(limit: int = 60) -> list[dt.date]:
    """The most recent settled business days, newest first."""
    return list(
        SettlementRun.objects.filter(company__code=ESTABLISHMENT_CODE)
        .order_by("-business_date")
        .values_list("business_date", flat=True)[:limit]
    )


def _lines(qs: Any, side: str, codes: dict[int, str], centers: dict[int, str]) -> list[Any]:
    return [
        StatementLine(
            receipt_number=p["receipt_number"],
            received_at=p["received_at"],
            account_number=p["account__number"],
            counterparty_code=codes[p[side]],
            center_code=centers.get(p["center_id"], ""),
            channel=p["channel"],
            amount=int(p["amount"]),
        )
        for p in qs.values(
            "receipt_number",
            "received_at",
            "account__number",
            "company_id",
            "collector_id",
            "center_id",
            "channel",
            "amount",
        ).order_by("received_at", "receipt_number")
    ]


def statement_build(*, company: Company, day: dt.date) -> Statement:
    """The statement of `company` for a settled `day` (DayNotSettled otherwise)."""
    run = SettlementRun.objects.filter(company__code=ESTABLISHMENT_CODE, business_date=day).first()
    if run is None:
        raise DayNotSettled()
    posted = Payment.objects.filter(business_date=day, status=Payment.Status.POSTED)
    companies = {c.pk: c for c in Company.objects.all()}
    codes = {pk: c.code for pk, c in companies.items()}
    centers = dict(CollectionCenter.objects.values_list("pk", "code"))
    for_others = _lines(
        posted.filter(collector=company).exclude(company=company), "company_id", codes, centers
    )
    by_others = _lines(
        posted.filter(company=company).exclude(collector=company), "collector_id", codes, centers
    )
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line in for_others:
        sums[line.counterparty_code][0] += 1
        sums[line.counterparty_code][1] += line.amount
    for line in by_others:
        sums[line.counterparty_code][2] += 1
        sums[line.counterparty_code][3] += line.amount
    by_code = {c.code: c for c in companies.values()}
    position = SettlementPosition.objects.filter(run=run, party=company).first()
    business_day = BusinessDay.objects.filter(company=run.company, date=day).first()
    return Statement(
        company_code=company.code,
        company_name_ar=company.name_ar,
        company_name_en=company.name_en,
        business_date=day,
        settled_at=(business_day.settled_at if business_day else None) or run.created_at,
        for_others=tuple(for_others),
        by_others=tuple(by_others),
        counterparties=tuple(
            CounterpartyTotal(
                code=code,
                name_ar=by_code[code].name_ar,
                name_en=by_code[code].name_en,
                for_others_count=v[0],
                for_others=v[1],
                by_others_count=v[2],
                by_others=v[3],
            )
            for code, v in sorted(sums.items())
        ),
        position_for_others=position.collected_for_others if position else 0,
        position_by_others=position.collected_by_others if position else 0,
        position_net=position.net if position else 0,
        transfer_reference=position.transfer_reference if position else "",
    )


# ---- PDF ---------------------------------------------------------------------------------


def _channel(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


def _context(st: Statement, lang: str) -> dict[str, Any]:
    """Must run inside translation.override(lang): labels are translated here."""

    def money(minor: int) -> str:
        return format_amount(minor, language=lang)

    def line(item: StatementLine) -> dict[str, str]:
        return {
            "receipt": format_number(item.receipt_number, lang),
            "time": format_moment(item.received_at, lang),
            "account": format_number(format_account_number(item.account_number), lang),
            "company": _digits(item.counterparty_code, lang),
            "center": _digits(item.center_code, lang),
            "channel": _channel(item.channel),
            "amount": money(item.amount),
        }

    other = "en" if lang == "ar" else "ar"
    net = st.net
    return {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "other_lang": other,
        "company_name": st.company_name_ar if lang == "ar" else st.company_name_en,
        "company_name_other": st.company_name_en if lang == "ar" else st.company_name_ar,
        "company_code": _digits(st.company_code, lang),
        "day": _date(st.business_date, lang),
        "day_iso": _ltr(_digits(st.business_date.isoformat(), lang)),
        "settled_at": format_moment(st.settled_at, lang) if st.settled_at else "—",
        "for_others": [line(i) for i in st.for_others],
        "by_others": [line(i) for i in st.by_others],
        "for_others_count": _digits(str(len(st.for_others)), lang),
        "by_others_count": _digits(str(len(st.by_others)), lang),
        "counterparties": [
            {
                "code": _digits(c.code, lang),
                "name": c.name_ar if lang == "ar" else c.name_en,
                "for_others": money(c.for_others),
                "by_others": money(c.by_others),
                "net": money(c.net),
            }
            for c in st.counterparties
        ],
        "collected_for_others": money(st.collected_for_others),
        "collected_by_others": money(st.collected_by_others),
        "net": money(abs(net)),
        "receives": net > 0,
        "pays": net < 0,
        "matches": st.matches_settlement,
        "transfer_reference": st.transfer_reference,
        "print_css": PRINT_CSS,
    }


def statement_pdf(st: Statement, *, language: str) -> bytes:
    """The statement as A4 PDF bytes (Arabic RTL or English), with the vendored fonts."""
    lang = _lang(language)
    with translation.override(lang):
        context = _context(st, lang)
    return render_pdf("settlement/statement.html", context, language=lang)


def statement_html(st: Statement, *, language: str) -> str:
    """The same document as a web page (links the static print.css)."""
    from django.template.loader import render_to_string

    lang = _lang(language)
    with translation.override(lang):
        return render_to_string("settlement/statement.html", {"pdf": False, **_context(st, lang)})


# ---- XLSX --------------------------------------------------------------------------------


def statement_xlsx(st: Statement, *, language: str) -> bytes:
    """Three sheets: the summary with totals per counterparty, then each list of payments.
    Amounts in major units as exact decimals (never floats)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    lang = _lang(language)
    code = currency().code
    money_format = "#,##0.00"
    bold = Font(bold=True)
    with translation.override(lang):
        book = Workbook()
        summary = book.active
        assert summary is not None
        summary.title = "summary"
        summary.sheet_view.rightToLeft = lang == "ar"
        name = st.company_name_ar if lang == "ar" else st.company_name_en
        summary.append([_("Settlement statement"), f"{st.company_code} {name}"])
        summary.append([_("Business day"), st.business_date])
        summary.append([])
        summary.append(
            [
                _("Company"),
                _("Code"),
                f"{_('Collected by us for this company')} ({code})",
                f"{_('Collected by this company for us')} ({code})",
                f"{_('Net')} ({code})",
            ]
        )
        for c in st.counterparties:
            summary.append(
                [
                    c.name_ar if lang == "ar" else c.name_en,
                    c.code,
                    to_major_decimal(c.for_others),
                    to_major_decimal(c.by_others),
                    to_major_decimal(c.net),
                ]
            )
        summary.append(
            [
                _("Total"),
                "",
                to_major_decimal(st.collected_for_others),
                to_major_decimal(st.collected_by_others),
                to_major_decimal(st.net),
            ]
        )
        for cell in summary[4] + summary[summary.max_row]:
            cell.font = bold
        summary.cell(row=2, column=2).number_format = "yyyy-mm-dd"
        for row in summary.iter_rows(min_row=5, min_col=3, max_col=5):
            for cell in row:
                cell.number_format = money_format
        sheets = (
            ("collected_for_others", _("Owning company"), st.for_others),
            ("collected_by_others", _("Collecting company"), st.by_others),
        )
        for title, side, lines in sheets:
            sheet = book.create_sheet(title)
            sheet.sheet_view.rightToLeft = lang == "ar"
            sheet.append(
                [
                    _("Receipt number"),
                    _("Date and time"),
                    _("Account number"),
                    side,
                    _("Collection center"),
                    _("Channel"),
                    f"{_('Amount')} ({code})",
                ]
            )
            for item in lines:
                sheet.append(
                    [
                        item.receipt_number,
                        format_moment(item.received_at, "en"),
                        item.account_number,
                        item.counterparty_code,
                        item.center_code,
                        _channel(item.channel),
                        to_major_decimal(item.amount),
                    ]
                )
            sheet.append(
                [_("Total"), "", "", "", "", "", to_major_decimal(sum(i.amount for i in lines))]
            )
            for cell in sheet[1] + sheet[sheet.max_row]:
                cell.font = bold
            for (cell,) in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
                cell.number_format = money_format
            for letter, width in zip("ABCDEFG", (22, 20, 16, 10, 10, 16, 16), strict=True):
                sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
