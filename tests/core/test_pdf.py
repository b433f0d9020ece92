"""PDF rendering: our own font embedded, Arabic shaped in logical order, nothing fetched."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from kuwwa.core.pdf import (
    BASE_URL,
    FONT_DIR,
    FONT_FAMILIES,
    FONT_FILES,
    FONT_POSTSCRIPT_NAMES,
    PRINT_CSS,
    STATIC_DIR,
    html_to_pdf,
    static_only_fetcher,
)
from kuwwa.core.qr import qr_data_uri, qr_modules, qr_svg


def embedded_fonts(pdf: bytes) -> dict[str, str]:
    """{PDF font name without subset tag: PostScript name inside the embedded program}."""
    found: dict[str, str] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            descendant = font["/DescendantFonts"][0].get_object()
            program = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            found[name] = TTFont(io.BytesIO(program))["name"].getDebugName(6)
    return found


def page_html(body: str, *, lang: str = "ar") -> str:
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f'<html lang="{lang}" dir="{direction}"><head>'
        f'<link rel="stylesheet" href="{PRINT_CSS}"></head>'
        f'<body class="doc">{body}</body></html>'
    )


@pytest.fixture(scope="module")
def arabic_pdf() -> bytes:
    return html_to_pdf(page_html("<p>فاتورة الكهرباء للمشترك محمد علي الحسن</p><p>Amount 123</p>"))


def test_pdf_bytes_and_one_page(arabic_pdf: bytes) -> None:
    assert arabic_pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(arabic_pdf)).pages) == 1


def test_arabic_words_come_out_shaped_in_logical_order(arabic_pdf: bytes) -> None:
    text = PdfReader(io.BytesIO(arabic_pdf)).pages[0].extract_text()
    for word in ("فاتورة", "الكهرباء", "للمشترك", "محمد", "علي", "الحسن"):
        assert word in text
    assert "Amount" in text


def test_only_the_vendored_fonts_are_embedded(arabic_pdf: bytes) -> None:
    fonts = embedded_fonts(arabic_pdf)
    assert fonts, "no font embedded"
    assert all(name.startswith("Kuwwa-") for name in fonts), fonts
    assert set(fonts.values()) <= FONT_POSTSCRIPT_NAMES
    assert "NotoSansArabic-Regular" in fonts.values()
    assert "NotoSans-Regular" in fonts.values()  # the Latin word
    assert b"DejaVu" not in arabic_pdf


def test_font_files_are_vendored_small_and_licensed() -> None:
    sizes = [(FONT_DIR / name).stat().st_size for name in FONT_FILES]
    assert sum(sizes) < 1_000_000
    licence = (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    css = (STATIC_DIR / PRINT_CSS).read_text(encoding="utf-8")
    for name in FONT_FILES:
        assert f'url("fonts/{name}")' in css
    for family in FONT_FAMILIES:
        assert f'font-family: "{family}"' in css
    assert "http:" not in css and "https:" not in css
    for name in FONT_FILES:
        assert TTFont(FONT_DIR / name)["name"].getDebugName(6) in FONT_POSTSCRIPT_NAMES


def test_fetcher_serves_static_files_and_data_uris_only() -> None:
    fetcher = static_only_fetcher()
    response = fetcher.fetch(BASE_URL + PRINT_CSS)
    assert b"@font-face" in response.read()
    response.close()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        "file:///etc/passwd",
        BASE_URL + "../settings.py",
        BASE_URL + "kuwwa/missing.css",
        "http://127.0.0.1:9/print.css",
        "https://fonts.example/font.ttf",
        "ftp://127.0.0.1/x",
    ):
        with pytest.raises(ValueError, match="packaged static files"):
            fetcher.fetch(url)


def test_a_page_pointing_outside_still_renders_without_fetching(caplog) -> None:
    html = page_html(
        '<p>نص</p><img src="http://127.0.0.1:9/logo.png"><img src="file:///etc/hostname">'
    )
    assert html_to_pdf(html).startswith(b"%PDF-")
    assert "packaged static files" in caplog.text


def test_qr_helpers_make_a_small_full_qr_code() -> None:
    text = "010000012345*012026060000123*39000000"
    assert qr_modules(text) <= 29  # version 3 at most: big modules on an 80 mm slip
    svg = qr_svg(text)
    assert svg.startswith("<svg") and 'class="qr"' in svg and "<?xml" not in svg
    uri = qr_data_uri(text)
    assert uri.startswith("data:image/svg+xml")
    assert not re.search(r"[\s\"'<>]", uri)  # safe inside an HTML attribute as it is
    with pytest.raises(ValueError):
        qr_svg("")
