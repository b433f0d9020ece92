"""Arabic (RTL) first, English second; every string has an Arabic translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

import kuwwa

pytestmark = pytest.mark.django_db


def test_home_is_arabic_rtl_by_default() -> None:
    html = Client().get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "الشركة العامة لكهرباء حلب" in html


def test_language_switch_to_english_and_back() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Aleppo Electricity Company" in html
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert 'dir="rtl"' in client.get("/").content.decode()


def test_admin_is_in_arabic(make_user) -> None:
    client = Client()
    client.force_login(make_user(None))
    html = client.get("/admin/").content.decode()
    assert 'dir="rtl"' in html
    assert "الحسابات" in html or "حسابات المشتركين" in html


def _po_entries(text: str) -> list[dict[str, str]]:
    """A small .po reader: msgid, msgstr and flags of each entry (plural forms joined)."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, ""
        elif line.startswith("#,"):
            current["flags"] = line
        elif line.startswith("msgid "):
            key = "msgid"
            current[key] = line[6:].strip('"')
        elif line.startswith("msgid_plural "):
            key = "msgid_plural"
            current[key] = line[13:].strip('"')
        elif line.startswith("msgstr"):
            key = "msgstr"
            current[key] = current.get(key, "") + line.split(" ", 1)[1].strip('"')
        elif line.startswith('"') and key:
            current[key] += line.strip('"')
    return entries


def test_every_message_has_an_arabic_translation() -> None:
    po = Path(kuwwa.__file__).parent / "locale" / "ar" / "LC_MESSAGES" / "django.po"
    entries = [e for e in _po_entries(po.read_text(encoding="utf-8")) if e.get("msgid")]
    assert len(entries) > 50
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", "")]
    assert untranslated == [] and fuzzy == [], (untranslated[:5], fuzzy[:5])
    assert po.with_suffix(".mo").exists()
    with translation.override("ar"):
        assert gettext("Back office") == "المكتب الخلفي"
