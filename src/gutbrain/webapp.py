"""The web app of ``gutbrain serve``: the diary with the model explorer beside it.

This factory sits above both :mod:`gutbrain.diary` (which never imports the model) and
:mod:`gutbrain.explorer` (which runs it), and joins them in one FastAPI app: the diary's pages at
``/``, the explorer at ``/explorer``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from gutbrain.diary.core.settings import Settings
from gutbrain.diary.main import create_app as create_diary_app
from gutbrain.explorer import add_explorer

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, **diary_options: Any) -> FastAPI:
    """The diary app (:func:`gutbrain.diary.main.create_app` with ``settings`` and
    ``diary_options``) with the explorer added."""
    app = create_diary_app(settings, **diary_options)
    add_explorer(app)
    return app
