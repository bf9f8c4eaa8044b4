"""Strict known gaps: a published target the model does not reproduce yet."""

from __future__ import annotations

import pytest


def known_gap(ok: bool, why: str) -> None:
    """Report an unmet target as XFAIL with its figures, and fail as soon as it is met, so the
    marker is removed (strict, not dropped). Call it before the test's own assertion."""
    if ok:
        pytest.fail(f"target now met; remove the known-gap marker ({why})")
    pytest.xfail(why)
