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


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_range: tuple[float, float] = (0.0, 100.0),
    x_label: str = "study day",
    y_label: str = "",
    width: int = 640,
    height: int = 260,
) -> Markup:
    """An SVG line chart of ``series`` as markup safe to put in a template."""
    left, right, top, bottom = 44, 12, 12, 56
    pts = [x for s in series for x, _ in s.points]
    x0, x1 = (min(pts), max(pts)) if pts else (0.0, 1.0)
    if x1 == x0:
        x1 = x0 + 1
    y0, y1 = y_range
    pw, ph = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    desc = (
        "; ".join(
            f"{s.label}: {len(s.points)} points"
            + (f", last {s.points[-1][1]:.0f} on day {s.points[-1][0]:.0f}" if s.points else "")
            for s in series
        )
        or "no data yet"
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
            f'<text x="{left - 6}" y="{sy(yv) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#333">{yv:g}</text>'
        )
    step = max(1, round((x1 - x0) / 8))
    xv = x0
    while xv <= x1:
        out.append(
            f'<text x="{sx(xv):.1f}" y="{top + ph + 16}" font-size="11" text-anchor="middle" '
            f'fill="#333">{xv:g}</text>'
        )
        xv += step
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{top + ph + 32}" font-size="12" text-anchor="middle" '
        f'fill="#333">{escape(x_label)}</text>'
    )
    if y_label:
        out.append(
            f'<text x="12" y="{top + ph / 2:.1f}" font-size="12" text-anchor="middle" fill="#333" '
            f'transform="rotate(-90 12 {top + ph / 2:.1f})">{escape(y_label)}</text>'
        )
    lx = left
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
        ly = height - 10
        out.append(
            f'<line x1="{lx}" x2="{lx + 22}" y1="{ly - 4}" y2="{ly - 4}" stroke="{color}" '
            f'stroke-width="2"{dash_attr}/>'
            f'<text x="{lx + 26}" y="{ly}" font-size="12" fill="#222">{escape(s.label)}</text>'
        )
        lx += 34 + 7 * len(s.label)
    out.append("</svg>")
    return Markup("".join(out))
