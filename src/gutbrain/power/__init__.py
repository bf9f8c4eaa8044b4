"""Power analysis by simulation: ``gutbrain power DESIGN.toml --out DIR``.

A layer above :mod:`gutbrain.analysis`: it simulates many trials from a statistical generator,
analyses each with the analysis the design names, and counts how often the test rejects.

Modules: :mod:`~gutbrain.power.design` (reading DESIGN.toml),
:mod:`~gutbrain.power.generator` (the statistical generator: a linear mixed model with random
intercept and slope, AR(1) residuals, compliance and dropout),
:mod:`~gutbrain.power.fitting` (the analysis of one replicate, reusing the design's structure),
:mod:`~gutbrain.power.analytic` (closed-form power for the checks),
:mod:`~gutbrain.power.run` (the grid over designs, locally or on Dask) and
:mod:`~gutbrain.power.output` (``results.json`` and the HTML report).
"""

from __future__ import annotations

from gutbrain.power.design import PowerDesign as PowerDesign
from gutbrain.power.design import read_design as read_design
from gutbrain.power.run import PowerResult as PowerResult
from gutbrain.power.run import run_power as run_power

__all__ = ["PowerDesign", "PowerResult", "read_design", "run_power"]
