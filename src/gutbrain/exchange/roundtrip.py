"""Run an exported SBML model in libRoadRunner (CVODE), for checks against gutbrain's kernel."""

from __future__ import annotations

import numpy as np

from gutbrain.errors import ParameterError
from gutbrain.model.states import STATES

__all__ = ["run_roadrunner"]


def run_roadrunner(text: str, days: int, *, rtol: float = 1e-10, atol: float = 1e-12) -> np.ndarray:
    """The states of the SBML model ``text`` at the start of each of ``days`` days, shape
    ``(days, N_STATES)`` in the order of :data:`gutbrain.model.states.STATES`, integrated by
    CVODE with relative and absolute tolerances ``rtol`` and ``atol``."""
    try:
        import roadrunner
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ParameterError(
            "run_roadrunner needs libroadrunner: pip install 'gutbrain[sbml]'"
        ) from exc
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = rtol
    rr.integrator.absolute_tolerance = atol
    rr.timeCourseSelections = ["time"] + [s.name for s in STATES]
    out = rr.simulate(0.0, float(days - 1), days)
    return np.asarray(out)[:, 1:]
