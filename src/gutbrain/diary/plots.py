"""Small server-rendered SVG line charts (no JavaScript, readable by screen readers).

Each series has its own colour and dash pattern, so the chart does not rely on colour alone
(WCAG 1.4.1); the ``<title>`` and ``<desc>`` elements describe it in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

__all__ = ["Series", "line_chart"]

PALETTE = ("#1b4f9c", "#b3261e", "#1e7a3c", "#7a4fa0", "#8a5a00", "#00707a")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]


#: Fewer days than this give a sentence instead of a chart (one day is one dot per series).
MIN_CHART_DAYS = 2
#: Text sizes in SVG units; the charts are drawn 480 units wide, so on a phone (about 360 px
#: of content width) 13 units show as about 10 px, and on a wide screen (at most 36rem wide)
#: as about 14 px.
FONT, FONT_SMALL = 13, 12


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_range: tuple[float, float] = (0.0, 100.0),
    x_label: str = "study day",
    y_label: str = "",
    width: int = 480,
    plot_height: int = 170,
) -> Markup:
    """An SVG line chart of ``series`` as markup safe to put in a template.

    With data on fewer than :data:`MIN_CHART_DAYS` days it returns a sentence with the values
    instead. A legend, in as many rows as its labels need, is drawn only for two or more series.
    """
    days = sorted({x for s in series for x, _ in s.points})
    if len(days) < MIN_CHART_DAYS:
        return _too_few_days(series, title, days)
    left, right, top = 44, 12, 12
    x0, x1 = days[0], days[-1]
    y0, y1 = y_range
    pw, ph = width - left - right, plot_height
    legend = _legend_rows(series, width - left) if len(series) > 1 else []
    height = top + ph + 42 + 18 * len(legend)

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    desc = "; ".join(
        f"{s.label}: {len(s.points)} points"
        + (f", last {s.points[-1][1]:.0f} on day {s.points[-1][0]:.0f}" if s.points else "")
        for s in series
    )
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fff" stroke="#767676"/>',
    ]
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        yv = y0 + frac * (y1 - y0)
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{sy(yv):.1f}" y2="{sy(yv):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{sy(yv) + 4:.1f}" font-size="{FONT_SMALL}" '
            f'text-anchor="end" fill="#333">{yv:g}</text>'
        )
    step = max(1, round((x1 - x0) / 6))
    xv = x0
    while xv <= x1:
        out.append(
            f'<text x="{sx(xv):.1f}" y="{top + ph + 16}" font-size="{FONT_SMALL}" '
            f'text-anchor="middle" fill="#333">{xv:g}</text>'
        )
        xv += step
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{top + ph + 34}" font-size="{FONT}" '
        f'text-anchor="middle" fill="#333">{escape(x_label)}</text>'
    )
    if y_label:
        out.append(
            f'<text x="12" y="{top + ph / 2:.1f}" font-size="{FONT_SMALL}" text-anchor="middle" '
            f'fill="#333" transform="rotate(-90 12 {top + ph / 2:.1f})">{escape(y_label)}</text>'
        )
    for i, s in enumerate(series):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        # A line joins consecutive days only: a gap (a missed day, another phase) breaks it.
        runs: list[list[tuple[float, float]]] = []
        for x, y in s.points:
            if runs and x - runs[-1][-1][0] <= 1:
                runs[-1].append((x, y))
            else:
                runs.append([(x, y)])
        for run in runs:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in run)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"'
                f"{dash_attr}/>"
            )
        for x, y in s.points:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{color}"/>')
    for row, entries in enumerate(legend):
        ly = top + ph + 58 + 18 * row
        for i, lx in entries:
            color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{left + lx}" x2="{left + lx + 22}" y1="{ly - 4}" y2="{ly - 4}" '
                f'stroke="{color}" stroke-width="2"{dash_attr}/>'
                f'<text x="{left + lx + 26}" y="{ly}" font-size="{FONT_SMALL}" '
                f'fill="#222">{escape(series[i].label)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))


def _legend_rows(series: Sequence[Series], room: float) -> list[list[tuple[int, float]]]:
    """Legend entries ``(series index, x offset)`` in rows no wider than ``room`` units."""
    rows: list[list[tuple[int, float]]] = [[]]
    x = 0.0
    for i, s in enumerate(series):
        need = 34 + 0.6 * FONT_SMALL * len(s.label)  # a line sample and the label's rough width
        if rows[-1] and x + need > room:
            rows.append([])
            x = 0.0
        rows[-1].append((i, x))
        x += need
    return rows


def _too_few_days(series: Sequence[Series], title: str, days: list[float]) -> Markup:
    if not days:
        return Markup(f'<p class="muted chart-note">{escape(title)}: no entries yet.</p>')
    values = ", ".join(f"{s.label} {s.points[0][1]:.0f}" for s in series if s.points)
    return Markup(
        f'<p class="muted chart-note">{escape(title)}, day {days[0]:g}: {escape(values)}. '
        f"The chart appears once there are entries on {MIN_CHART_DAYS} days.</p>"
    )
