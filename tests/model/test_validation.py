"""Every credibility check of ``gutbrain validate`` as a test.

The checks listed in KNOWN_FAILING do not pass yet. They are marked strict-xfail with the reason,
so an unexpected pass is reported; they are not dropped, and ``gutbrain validate`` still prints
them as failing.
"""

import pytest

from gutbrain.model.validation import CHECKS

KNOWN_FAILING: dict[str, str] = {}


@pytest.mark.parametrize("check_id", list(CHECKS))
def test_check(check_id):
    result = CHECKS[check_id]()
    assert result.id == check_id
    if check_id in KNOWN_FAILING:
        if result.passed:
            pytest.fail(f"{check_id} now passes; remove it from KNOWN_FAILING ({result.simulated})")
        pytest.xfail(f"{KNOWN_FAILING[check_id]}: {result.simulated}")
    assert result.passed, (
        f"{result.description}: expected {result.expected}; got {result.simulated}"
    )
