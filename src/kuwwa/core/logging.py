"""Structured logs: one JSON object per line, for the log shipper."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


_ACCOUNT = re.compile(r"(?<!\d)(\d{2})\d{6}(\d{4})(?!\d)")  # 12-digit national account numbers
_PHONE = re.compile(r"(?<!\d)(09\d)\d{5}(\d{2})(?!\d)")  # Syrian mobile numbers


def redact(text: str) -> str:
    """Keep enough of a number to trace a case, not enough to identify a person."""
    text = _ACCOUNT.sub(r"\1******\2", text)
    return _PHONE.sub(r"\1*****\2", text)


class RedactPersonalData(logging.Filter):
    """Masks account and phone numbers in every log line (request paths carry them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
