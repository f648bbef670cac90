"""Small vector bar charts for the trends section, written as SVG by hand.

A few dozen lines of SVG are enough for three bars a year, and writing them directly keeps the
output byte-stable (no plotting library, no embedded dates or random ids) and identical in the
HTML and the PDF. Text is XML-escaped here, so the SVG can be inlined into the HTML as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 260, 150
_TOP, _BOTTOM, _LEFT, _RIGHT = 30, 22, 8, 8
_BAR = "#2f6f5e"
_LATEST = "#1b4d3e"
_FONT = "Libertinus Serif, serif"


def bar_chart(title: str, unit: str, points: Sequence[tuple[str, float, str]]) -> str:
    """Bars for (label, value, value as the reader's locale writes it); empty input gives no bars."""
    plot_h = HEIGHT - _TOP - _BOTTOM
    plot_w = WIDTH - _LEFT - _RIGHT
    top = max((v for _, v, _ in points), default=0.0) or 1.0
    slot = plot_w / max(len(points), 1)
    bar_w = min(slot * 0.6, 56.0)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{_FONT}" role="img" '
            f'aria-label="{escape(title, {chr(34): "&quot;"})}">'
        ),
        f'<text x="{_LEFT}" y="13" font-size="11" font-weight="bold" fill="#1a1a1a">{escape(title)}</text>',
        f'<text x="{_LEFT}" y="25" font-size="9" fill="#555555">{escape(unit)}</text>',
        (
            f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{WIDTH - _RIGHT}" y2="{_TOP + plot_h}" '
            'stroke="#888888" stroke-width="0.8"/>'
        ),
    ]
    for n, (label, value, shown) in enumerate(points):
        h = max(plot_h * max(value, 0.0) / top, 0.5) * 0.85
        x = _LEFT + slot * n + (slot - bar_w) / 2
        y = _TOP + plot_h - h
        cx = x + bar_w / 2
        fill = _LATEST if n == len(points) - 1 else _BAR
        parts += [
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar_w:.2f}" height="{h:.2f}" fill="{fill}"/>',
            (
                f'<text x="{cx:.2f}" y="{y - 3:.2f}" font-size="9" text-anchor="middle" fill="#1a1a1a">'
                f"{escape(shown)}</text>"
            ),
            (
                f'<text x="{cx:.2f}" y="{HEIGHT - 8}" font-size="9" text-anchor="middle" fill="#333333">'
                f"{escape(label)}</text>"
            ),
        ]
    parts.append("</svg>")
    return "".join(parts)
