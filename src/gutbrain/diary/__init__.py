"""gutbrain.diary: the daily-diary web app for real participants (``gutbrain serve``).

FastAPI + SQLAlchemy 2 + Alembic, server-rendered pages. Start it with :func:`serve`, or build the
ASGI app with :func:`create_app`. See ``docs/diary.md``.
"""

from __future__ import annotations

from gutbrain.diary.server import create_admin as create_admin
from gutbrain.diary.server import serve as serve

__all__ = ["create_admin", "serve"]
