"""Import meter readers' rounds from CSV: each row on its own, with a report per row.

A bad row never blocks the good ones and never half-writes: every row runs in its own
savepoint through the same `reading_submit` service as a clerk's entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kuwwa.accounts.models import Account
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.billing.readings import reading_messages, reading_submit
from kuwwa.core.digits import to_latin_digits
from kuwwa.core.errors import ApplicationError

COLUMNS = ("account_number", "reading", "read_on")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class RowReport:
    line: int
    account_number: str
    ok: bool
    status: str
    message: str
    reading_id: int | None = None


def _parse_date(text: str) -> dt.date:
    value = to_latin_digits(text.strip())
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _row(line: int, row: dict[str, str], *, actor: Any, company_id: int | None) -> RowReport:
    number_text = (row.get("account_number") or "").strip()
    try:
        parsed = parse_account_number(number_text)
    except ApplicationError as exc:
        return RowReport(line, number_text, False, "rejected", str(exc))
    account = Account.objects.filter(number=parsed.compact).first()
    if account is None or (company_id is not None and account.company_id != company_id):
        return RowReport(line, number_text, False, "rejected", _("No account has this number."))
    try:
        value = int(to_latin_digits((row.get("reading") or "").strip()))
    except ValueError:
        return RowReport(line, number_text, False, "rejected", _("The reading is not a number."))
    try:
        read_on = _parse_date(row.get("read_on") or "")
    except ValueError:
        return RowReport(
            line, number_text, False, "rejected", _("The date is not valid (use YYYY-MM-DD).")
        )
    try:
        with transaction.atomic():
            outcome = reading_submit(
                actor=actor,
                account=account,
                value=value,
                read_on=read_on,
                source="reader",
                note=(row.get("reader") or "")[:100],
            )
    except ApplicationError as exc:
        return RowReport(line, number_text, False, "rejected", str(exc))
    reading = outcome.reading
    if not outcome.created:
        message = _("Already imported.")
    elif reading.status == "rejected":
        message = "; ".join(reading_messages(reading))
    else:
        message = "; ".join(reading_messages(reading)) or _("Accepted.")
    return RowReport(
        line, number_text, reading.status != "rejected", reading.status, message, reading.pk
    )


def readings_import_csv(
    *, actor: Any, data: bytes | str, company_id: int | None = None
) -> list[RowReport]:
    """Import rows with columns account_number, reading, read_on (and optional reader)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [
            RowReport(
                1,
                "",
                False,
                "rejected",
                _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)},
            )
        ]
    reader.fieldnames = header
    reports = []
    for index, row in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            reports.append(RowReport(index, "", False, "rejected", _("Too many rows in one file.")))
            break
        reports.append(_row(index, row, actor=actor, company_id=company_id))
    return reports
