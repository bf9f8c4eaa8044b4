"""The runnable examples in the observation and atlas docstrings pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gutbrain.observe.diary",
    "gutbrain.observe.questionnaires",
    "gutbrain.observe.biomarkers",
    "gutbrain.observe.diurnal",
    "gutbrain.observe.sequencing",
    "gutbrain.population.atlas",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
