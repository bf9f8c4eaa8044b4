"""gutbrain.analysis.format: the one way p-values and intervals are written."""

from __future__ import annotations

import doctest
import math

import pytest

import gutbrain.analysis.format
from gutbrain.analysis.format import format_ci, format_number, format_p


@pytest.mark.parametrize(
    ("p", "cell", "text", "metafor_cell", "metafor_text"),
    [
        (0.01234, "0.0123", "p = 0.0123", "0.0123", "p-val = 0.0123"),
        (0.5, "0.5000", "p = 0.5000", "0.5000", "p-val = 0.5000"),
        (1.0, "1.0000", "p = 1.0000", "1.0000", "p-val = 1.0000"),
        (1e-4, "0.0001", "p = 0.0001", "0.0001", "p-val = 0.0001"),
        (9.9e-5, "< 0.0001", "p < 0.0001", "<.0001", "p-val < .0001"),
        (0.0, "< 0.0001", "p < 0.0001", "<.0001", "p-val < .0001"),
        (None, "NA", "p = NA", "NA", "p-val = NA"),
        (math.nan, "NA", "p = NA", "NA", "p-val = NA"),
    ],
)
def test_format_p(
    p: float | None, cell: str, text: str, metafor_cell: str, metafor_text: str
) -> None:
    assert format_p(p) == cell
    assert format_p(p, label="p") == text
    assert format_p(p, style="metafor") == metafor_cell
    assert format_p(p, label="p-val", style="metafor") == metafor_text


def test_format_p_takes_any_label() -> None:
    assert format_p(3e-9, label="Welch p") == "Welch p < 0.0001"
    assert format_p(0.25, label="one-sided p") == "one-sided p = 0.2500"


def test_format_number_and_ci() -> None:
    assert format_number(-0.71449, 4) == "-0.7145"
    assert format_number(None) == format_number(math.inf) == format_number(math.nan) == "NA"
    assert format_number(-0.30001, 3, significant=True) == "-0.3"
    assert format_ci(-1.0669, -0.3622) == "-1.07 to -0.36"
    assert format_ci(7, 21, 0) == "7 to 21"
    assert format_ci(-1.0669, None, 4) == "-1.0669 to NA"
    assert format_ci(-1.0669, -0.3622, style="bracket") == "[-1.07, -0.36]"
    assert format_ci(-1.11823, 0.09741, 4, style="comma") == "-1.1182, 0.0974"
    assert format_ci(-9.6213, -0.30001, 3, significant=True) == "-9.62 to -0.3"


def test_docstring_examples() -> None:
    result = doctest.testmod(gutbrain.analysis.format)
    assert result.attempted > 0 and result.failed == 0
