"""QR codes for printed documents, drawn by segno as SVG so they stay sharp at any size.

Documents embed the code as a data URI (or inline SVG), never as a link to an image, so a page
prints the same from a browser, from a saved file, or through WeasyPrint with no web server.
Always a full QR code (never Micro QR, which counter scanners often cannot read), with the
standard quiet zone of four modules. The SVG keeps a small intrinsic size (WeasyPrint 70
fails on a sizeless SVG image in RTL text); CSS sets the size on paper.
"""

from __future__ import annotations

import segno

# Medium error correction (~15%) survives a smudged thermal print and keeps the code small.
ERROR_LEVEL = "m"
QUIET_ZONE = 4


def _make(text: str) -> segno.QRCode:
    if not text:
        raise ValueError("a QR code needs some text")
    return segno.make_qr(text, error=ERROR_LEVEL, boost_error=False)


def qr_svg(text: str) -> str:
    """The QR code as an inline <svg> element (no XML declaration, no fixed size)."""
    svg: str = _make(text).svg_inline(border=QUIET_ZONE, svgclass="qr")
    return svg


def qr_data_uri(text: str) -> str:
    """The QR code as a data:image/svg+xml URI, for an <img src> that needs no other file."""
    uri: str = _make(text).svg_data_uri(border=QUIET_ZONE, svgclass="qr")
    return uri


def qr_modules(text: str) -> int:
    """Modules per side, without the quiet zone: lets tests and layouts check printability."""
    return int(_make(text).symbol_size(scale=1, border=0)[0])
