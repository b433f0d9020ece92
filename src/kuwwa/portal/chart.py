"""The consumption chart: an inline SVG drawn on the server (no script, no chart library).

Bars run in reading order: oldest on the left in English, on the right in Arabic. Each bar
carries its value in a <title>; the page also gives the numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kuwwa.collection.inquiry import ConsumptionPoint
from kuwwa.core.digits import to_arabic_digits

WIDTH, HEIGHT = 360, 190
TOP, BOTTOM, SIDE = 24, 30, 4
SLOTS = 12
MIN_SLOTS = 6  # a few cycles still get slim bars, placed where the reading starts


def _num(value: int, lang: str) -> str:
    text = f"{value:,}"
    return to_arabic_digits(text.replace(",", "٬")) if lang == "ar" else text


def cycle_short(code: str, lang: str) -> str:
    """ "2026-06" → "06/26" (month/year), in the language's digits."""
    year, _sep, month = code.partition("-")
    text = f"{month}/{year[-2:]}" if month else code
    return to_arabic_digits(text) if lang == "ar" else text


def consumption_svg(
    points: Sequence[ConsumptionPoint], *, lang: str, title: str, unit: str
) -> SafeString:
    """Bars of kWh per cycle; estimated cycles striped. Empty string without points."""
    points = list(points)[-SLOTS:]
    if not points:
        return mark_safe("")
    top = max(max(p.kwh for p in points), 1)
    total = max(len(points), MIN_SLOTS)
    slot = (WIDTH - 2 * SIDE) / total
    bar = slot * 0.62
    plot = HEIGHT - TOP - BOTTOM
    parts = [
        # direction="ltr": coordinates and text anchors stay physical inside an RTL page.
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}"'
        ' focusable="false" direction="ltr">',
        '<defs><pattern id="est" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="3" height="6" fill="#0b5d4b"/></pattern></defs>',
        f'<line x1="{SIDE}" y1="{TOP + plot}" x2="{WIDTH - SIDE}" y2="{TOP + plot}"'
        ' stroke="#56606b"/>',
        f'<text x="{WIDTH - SIDE if lang == "ar" else SIDE}" y="15" font-size="13"'
        f' text-anchor="{"end" if lang == "ar" else "start"}" fill="#1b1f24">'
        f"{escape(_num(top, lang))} {escape(unit)}</text>",
    ]
    for i, point in enumerate(points):
        position = total - 1 - i if lang == "ar" else i
        x = SIDE + slot * position + (slot - bar) / 2
        height = max(point.kwh, 0) * plot / top
        y = TOP + plot - height
        fill = "url(#est)" if point.estimated else "#0b5d4b"
        label = f"{cycle_short(point.cycle, lang)}: {_num(point.kwh, lang)} {unit}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" fill="{fill}"'
            f' stroke="#0b5d4b"><title>{escape(label)}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 9}" font-size="{12 if total <= 8 else 10}"'
            ' text-anchor="middle"'
            f' fill="#1b1f24">{escape(cycle_short(point.cycle, lang))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
