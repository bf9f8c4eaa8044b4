"""The personal link as a QR code: an inline SVG drawn server-side by segno (no scripts, no
external images, so the page's Content-Security-Policy stays strict)."""

from __future__ import annotations

import segno
from markupsafe import Markup

__all__ = ["qr_svg"]

#: Pixels per QR module: 5 draws a 43-character link (version 4, 33 modules plus the 4-module
#: quiet zone on each side) at 205 px, readable from a phone screen or paper.
SCALE = 5


def qr_svg(text: str, *, title: str) -> Markup:
    """``text`` as a QR code (error correction M), an ``<svg>`` element titled ``title``."""
    code = segno.make_qr(text, error="m")
    return Markup(code.svg_inline(scale=SCALE, title=title, svgclass="qr"))
