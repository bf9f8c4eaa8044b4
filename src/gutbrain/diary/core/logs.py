"""Logging without personal data.

Access logs would otherwise hold personal-link tokens (``/p/<token>``) and client addresses.
:class:`RedactFilter` rewrites any token in a log record to ``/p/<redacted>``; the access log
format used by ``gutbrain serve`` leaves out the client address.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["LOG_CONFIG", "RedactFilter", "redact"]

_TOKEN_PATH = re.compile(r"/p/[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    return _TOKEN_PATH.sub("/p/<redacted>", text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "gutbrain.diary.core.logs.RedactFilter"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "access": {
            "()": "uvicorn.logging.AccessFormatter",
            # no %(client_addr)s: an IP address is personal data
            "fmt": '%(asctime)s access "%(request_line)s" %(status_code)s',
            "use_colors": False,
        },
    },
    "handlers": {
        "default": {
            "class": "logging.StreamHandler",
            "formatter": "default",
            "filters": ["redact"],
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "filters": ["redact"],
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "gutbrain.diary": {"handlers": ["default"], "level": "INFO", "propagate": False},
    },
}
