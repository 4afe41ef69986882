"""Server-side SVG charts for the dashboard: no script, no CDN, every bar and point a link to its rows.

Colours and sizes are SVG presentation attributes (the console's content security policy forbids inline
styles). Each chart carries ``data-total`` (the sum of what it draws) so that tests and screen readers can
read the figure without parsing shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1f6fb2", "#e07b39", "#3a9d5d", "#c0392b", "#8e6bbf", "#7f8c8d", "#d4ac0d", "#16a085")


@dataclass(frozen=True)
class Bar:
    """One bar: label, value and the page listing the rows behind it."""

    label: str
    value: float
    href: str = ""
    text: str = ""  # shown after the bar instead of the value


def _link(href: str, inner: str, title: str) -> str:
    body = f"<title>{escape(title)}</title>{inner}"
    return f'<a href="{escape(href)}">{body}</a>' if href else f"<g>{body}</g>"


def bar_chart(bars: Sequence[Bar], *, chart_id: str, width: int = 560, label_width: int = 190) -> Markup:
    """Horizontal bars, longest first as given."""
    row = 26
    height = max(row * len(bars) + 10, 40)
    top = max((b.value for b in bars), default=0) or 1
    span = width - label_width - 70
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" data-total="{sum(b.value for b in bars):g}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    if not bars:
        parts.append('<text x="8" y="24" fill="#6b7785" font-size="14">（所选范围内没有数据）</text>')
    for i, bar in enumerate(bars):
        y = 5 + i * row
        length = max(1.0, span * bar.value / top) if bar.value else 0
        shape = (
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" font-size="13" fill="#1d2733">'
            f"{escape(bar.label[:18])}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="18" rx="2" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 17}" font-size="13" fill="#1d2733">'
            f"{escape(bar.text or f'{bar.value:g}')}</text>"
        )
        parts.append(_link(bar.href, shape, f"{bar.label}：{bar.text or f'{bar.value:g}'}（点击查看明细）"))
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Series:
    """A named line or stack layer: one value per x position, each with its link."""

    name: str
    values: Sequence[float]
    hrefs: Sequence[str] = ()


def _legend(series: Sequence[Series], y: int) -> list[str]:
    out, x = [], 50
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        out.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y}" font-size="12" fill="#1d2733">{escape(s.name)}</text>'
        )
        x += 28 + 13 * len(s.name)
    return out


def _axis(labels: Sequence[str], top: float, width: int, height: int, left: int, bottom: int) -> list[str]:
    out = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#8a99ab"/>',
        f'<text x="{left - 6}" y="{34}" text-anchor="end" font-size="11" fill="#5b6876">{top:g}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" font-size="11" fill="#5b6876">0</text>',
    ]
    n = len(labels)
    step = max(1, n // 8)
    for i in range(0, n, step):
        x = left + (i + 0.5) * (width - left - 10) / max(n, 1)
        out.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" fill="#5b6876">'
            f"{escape(labels[i][5:] if len(labels[i]) == 10 else labels[i])}</text>"
        )
    return out


def _frame(
    labels: Sequence[str],
    series: Sequence[Series],
    chart_id: str,
    total: float,
    top: float,
    box: tuple[int, int, int, int],
) -> list[str]:
    """The opening ``<svg>`` (its total for tests and screen readers), legend, axis, or the no-data note."""
    width, height, left, bottom = box
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" data-total="{total:g}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">',
        *_legend(series, 14),
    ]
    if not labels:
        parts.append(
            f'<text x="{left}" y="{height / 2:.0f}" fill="#6b7785" font-size="14">（所选范围内没有数据）</text>'
        )
    return parts + _axis(labels, top, width, height, left, bottom)


def line_chart(
    labels: Sequence[str], series: Sequence[Series], *, chart_id: str, width: int = 640, height: int = 230
) -> Markup:
    """Lines over ``labels`` (days or weeks); every point links to its rows."""
    left, bottom = 50, 26
    top = max((v for s in series for v in s.values), default=0) or 1
    total = sum(v for s in series for v in s.values)
    plot_w, plot_h = width - left - 10, height - bottom - 34
    parts = _frame(labels, series, chart_id, total, top, (width, height, left, bottom))
    n = len(labels)
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [
            (left + (i + 0.5) * plot_w / max(n, 1), height - bottom - plot_h * v / top) for i, v in enumerate(s.values)
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, (x, y) in enumerate(points):
            href = s.hrefs[i] if i < len(s.hrefs) else ""
            dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{4 if n < 60 else 2.5}" fill="{colour}"/>'
            parts.append(_link(href, dot, f"{labels[i]} {s.name}：{s.values[i]:g}"))
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(
    labels: Sequence[str], series: Sequence[Series], *, chart_id: str, width: int = 640, height: int = 230
) -> Markup:
    """Vertical bars over ``labels`` stacked by series (e.g. weeks × status); every segment links to its rows."""
    left, bottom = 50, 26
    n = len(labels)
    sums = [sum(s.values[i] for s in series) for i in range(n)]
    top = max(sums, default=0) or 1
    plot_w, plot_h = width - left - 10, height - bottom - 34
    parts = _frame(labels, series, chart_id, sum(sums), top, (width, height, left, bottom))
    slot = plot_w / max(n, 1)
    bar_w = max(2.0, slot * 0.7)
    for i in range(n):
        y: float = height - bottom
        for k, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            rect = (
                f'<rect x="{left + i * slot + (slot - bar_w) / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}"/>'
            )
            href = s.hrefs[i] if i < len(s.hrefs) else ""
            parts.append(_link(href, rect, f"{labels[i]} {s.name}：{value:g}"))
    parts.append("</svg>")
    return Markup("".join(parts))
