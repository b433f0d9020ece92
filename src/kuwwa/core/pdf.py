"""Render a Django template to PDF bytes with WeasyPrint, offline and with our own font.

Every document (bill, receipt, statement) comes through here so that one place knows the
font and where static files live. The HTML is resolved against the package's static folder
(base_url), and the fetcher refuses anything outside it except data: URIs: a PDF never
depends on a web server, the internet, or the fonts installed on the machine, and text from
a subscriber's record cannot make the renderer read other files or call out.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.template.loader import render_to_string
from django.utils import translation

import kuwwa

STATIC_DIR = (Path(kuwwa.__file__).parent / "static").resolve()
BASE_URL = STATIC_DIR.as_uri() + "/"
# The stylesheet every document links, relative to BASE_URL (and to STATIC_URL on screen).
PRINT_CSS = "kuwwa/print.css"

# WeasyPrint logs each rendering step at INFO: seven lines per receipt would flood the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONT_DIR = STATIC_DIR / "kuwwa" / "fonts"
# The vendored fonts (SIL OFL 1.1, fonts/OFL.txt) that print.css declares with @font-face as
# FONT_FAMILIES. Noto Sans Arabic has no Latin letters, hence a Latin subset of Noto Sans too.
FONT_FILES = (
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
)
FONT_FAMILIES = ("Kuwwa Arabic", "Kuwwa Latin")
# In a PDF, WeasyPrint names a font after its CSS family ("ABCDEF+Kuwwa-Arabic-Bold"); the
# embedded program keeps its own PostScript name, one of these.
FONT_POSTSCRIPT_NAMES = frozenset(name.removesuffix(".ttf") for name in FONT_FILES)


def static_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves data: URIs and files under STATIC_DIR only."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """Fetches data: URIs and files under STATIC_DIR; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(url2pathname(parts.path)).resolve()
                if path.is_relative_to(STATIC_DIR) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"documents may load only packaged static files, not {url!r}")

    return StaticOnlyFetcher()


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML string whose relative URLs point into the static folder."""
    # Imported here: WeasyPrint loads pango through cffi, which only document views need.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = static_only_fetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(font_config=FontConfiguration())
    return pdf


def render_pdf(template_name: str, context: dict[str, Any], *, language: str) -> bytes:
    """Render a template in a language with `pdf` set in its context, then to PDF bytes.

    Templates link the stylesheet as `{% if pdf %}PRINT_CSS{% else %}{% static %}{% endif %}`.
    """
    with translation.override(language):
        html = render_to_string(template_name, {**context, "pdf": True, "print_css": PRINT_CSS})
    return html_to_pdf(html)
