"""Fast linear mixed models for intensive longitudinal (daily-diary) data.

Exact ML and REML; random intercepts and slopes with an unstructured covariance for one grouping
factor; continuous- and discrete-time AR(1) residuals (nlme's ``corCAR1`` and ``corAR1``); Wald t
and type III F tests with Satterthwaite degrees of freedom (as lmerTest); predictions for new
rows; profile intervals of variance components; likelihood-ratio tests of nested fits; crossed
and nested random intercepts (:func:`lmm_crossed`). Validated against lme4, lmerTest and nlme
(``tests/analysis/test_lmm_reference.py``, ``test_lmm_parity.py``, ``test_lmm_crossed.py``).

Modules: :mod:`~gutbrain.analysis.lmm.fit` (the :func:`lmm` and :func:`lrt` entry points),
:mod:`~gutbrain.analysis.lmm.prepare` (checking the inputs, building the designs),
:mod:`~gutbrain.analysis.lmm.scale` (the internal scale and the way back),
:mod:`~gutbrain.analysis.lmm.likelihood` (the profiled likelihood and its gradient),
:mod:`~gutbrain.analysis.lmm.kernels` (compiled per-group loops),
:mod:`~gutbrain.analysis.lmm.optimise` (the optimiser), :mod:`~gutbrain.analysis.lmm.predict`,
:mod:`~gutbrain.analysis.lmm.anova` (type III hypotheses), :mod:`~gutbrain.analysis.lmm.profile`
(profile intervals), :mod:`~gutbrain.analysis.lmm.crossed` (crossed and nested intercepts),
:mod:`~gutbrain.analysis.lmm.inference` (Wald t tests, Satterthwaite df) and
:mod:`~gutbrain.analysis.lmm.result` (result objects)."""

from __future__ import annotations

from gutbrain.analysis.lmm.crossed import CrossedLMMResult as CrossedLMMResult
from gutbrain.analysis.lmm.crossed import lmm_crossed as lmm_crossed
from gutbrain.analysis.lmm.fit import lmm as lmm
from gutbrain.analysis.lmm.fit import lrt as lrt
from gutbrain.analysis.lmm.optimise import Convergence as Convergence
from gutbrain.analysis.lmm.result import ContrastResult as ContrastResult
from gutbrain.analysis.lmm.result import LMMResult as LMMResult
from gutbrain.analysis.lmm.result import LRTResult as LRTResult

__all__ = [
    "ContrastResult",
    "Convergence",
    "CrossedLMMResult",
    "LMMResult",
    "LRTResult",
    "lmm",
    "lmm_crossed",
    "lrt",
]
