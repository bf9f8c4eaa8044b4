"""The HTML of the report commands: Jinja templates in ``report/templates/``, autoescaped.

Every page extends ``base.html`` (title, the style sheet ``report.css``, the heading, the
research-and-teaching notice and the manifest). Templates write numbers, p-values and intervals
with the globals ``num``, ``p`` and ``ci``: :func:`gutbrain.analysis.format.format_number`,
:func:`~gutbrain.analysis.format.format_p` and :func:`~gutbrain.analysis.format.format_ci`.
Figures come in as PNG bytes and are embedded as base64 (filter ``b64``): a page is
self-contained.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

import jinja2

from gutbrain.analysis.format import format_ci, format_number, format_p

__all__ = ["DISCLAIMER", "render_page"]

DISCLAIMER = "Research and teaching software; not medical advice."


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gutbrain.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(num=format_number, p=format_p, ci=format_ci, disclaimer=DISCLAIMER)
    env.filters["b64"] = lambda png: base64.b64encode(png).decode()
    return env


def render_page(template: str, manifest: dict[str, Any], **context: Any) -> str:
    """A complete report page from ``template``; ``manifest`` is shown as JSON at its end."""
    page = _environment().get_template(template)
    return page.render(manifest_json=json.dumps(manifest, indent=2), **context)
