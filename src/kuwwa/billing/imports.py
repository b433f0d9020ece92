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
from kuwwa.billing.models import MeterReading
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

    @property
    def status_label(self) -> str:
        """The status in the reader's language."""
        return str(MeterReading.Status(self.status).label)


def _parse_date(text: str) -> dt.date:
    value = to_latin_digits(text.strip())
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def reading_enter(
    *,
    actor: Any,
    account_number: str,
    reading: str,
    read_on: str,
    source: str,
    company_id: int | None,
    note: str = "",
    line: int = 1,
) -> RowReport:
    """One reading as people type it (a round's CSV row, or a clerk at the office): the
    account's number, the dial's value and the date as text, Arabic digits allowed. Checked
    and recorded through `reading_submit`; the report says what became of it. `company_id`
    keeps company staff to their own company's accounts."""
    number_text = account_number.strip()
    try:
        parsed = parse_account_number(number_text)
    except ApplicationError as exc:
        return RowReport(line, number_text, False, "rejected", str(exc))
    account = Account.objects.filter(number=parsed.compact).first()
    if account is None or (company_id is not None and account.company_id != company_id):
        return RowReport(line, number_text, False, "rejected", _("No account has this number."))
    try:
        value = int(to_latin_digits(reading.strip()))
    except ValueError:
        return RowReport(line, number_text, False, "rejected", _("The reading is not a number."))
    try:
        day = _parse_date(read_on)
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
                read_on=day,
                source=source,
                note=note[:100],
            )
    except ApplicationError as exc:
        return RowReport(line, number_text, False, "rejected", str(exc))
    recorded = outcome.reading
    if not outcome.created:
        message = _("Already recorded.")
    elif recorded.status == "rejected":
        message = "; ".join(reading_messages(recorded))
    else:
        message = "; ".join(reading_messages(recorded)) or _("Accepted.")
    return RowReport(
        line, number_text, recorded.status != "rejected", recorded.status, message, recorded.pk
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
        reports.append(
            reading_enter(
                actor=actor,
                account_number=row.get("account_number") or "",
                reading=row.get("reading") or "",
                read_on=row.get("read_on") or "",
                source="reader",
                company_id=company_id,
                note=row.get("reader") or "",
                line=index,
            )
        )
    return reports
