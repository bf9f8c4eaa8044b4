"""The web app of ``gutbrain serve``: the diary with the model explorer beside it.

This factory sits above both :mod:`gutbrain.diary` (which never imports the model) and
:mod:`gutbrain.explorer` (which runs it), and joins them in one FastAPI app: the diary's pages at
``/``, the explorer at ``/explorer``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from gutbrain.diary.core.settings import Settings
from gutbrain.diary.main import create_app as create_diary_app

__all__ = ["create_app"]

log = logging.getLogger("gutbrain.webapp")


def create_app(settings: Settings | None = None, **diary_options: Any) -> FastAPI:
    """The diary app (:func:`gutbrain.diary.main.create_app` with ``settings`` and
    ``diary_options``) with the explorer added, or the diary alone (one log line) when the
    explorer's packages are not installed (``pip install 'gutbrain[diary]'`` has no plotly)."""
    app = create_diary_app(settings, **diary_options)
    try:
        from gutbrain.explorer import add_explorer
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("gutbrain"):
            raise
        log.warning(
            "model explorer off: %s is not installed (pip install 'gutbrain[explorer]')", exc.name
        )
        return app
    add_explorer(app)
    return app
