"""Fast linear mixed models for intensive longitudinal (daily-diary) data.

Exact ML and REML; random intercepts and slopes with an unstructured covariance for one grouping
factor; continuous-time AR(1) residuals (nlme's ``corCAR1``); Wald t tests with Satterthwaite
degrees of freedom (as lmerTest), for fixed effects and contrasts; likelihood-ratio tests of nested
fits. Validated against lme4, lmerTest and nlme (``tests/analysis/test_lmm_reference.py``).

Modules: :mod:`~gutbrain.analysis.lmm.fit` (the :func:`lmm` and :func:`lrt` entry points),
:mod:`~gutbrain.analysis.lmm.prepare` (checking the inputs, building the designs),
:mod:`~gutbrain.analysis.lmm.scale` (the internal scale and the way back),
:mod:`~gutbrain.analysis.lmm.likelihood` (the profiled likelihood and its gradient),
:mod:`~gutbrain.analysis.lmm.kernels` (compiled per-group loops),
:mod:`~gutbrain.analysis.lmm.optimise` (the optimiser), :mod:`~gutbrain.analysis.lmm.inference`
(Wald t tests, Satterthwaite df) and :mod:`~gutbrain.analysis.lmm.result` (result objects)."""

from __future__ import annotations

from gutbrain.analysis.lmm.fit import lmm as lmm
from gutbrain.analysis.lmm.fit import lrt as lrt
from gutbrain.analysis.lmm.optimise import Convergence as Convergence
from gutbrain.analysis.lmm.result import ContrastResult as ContrastResult
from gutbrain.analysis.lmm.result import LMMResult as LMMResult
from gutbrain.analysis.lmm.result import LRTResult as LRTResult

__all__ = ["ContrastResult", "Convergence", "LMMResult", "LRTResult", "lmm", "lrt"]
