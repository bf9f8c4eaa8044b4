"""Summaries of the course of a trial's arms on a rating scale: change, response, remission.

These read a study bundle's ``visits`` table only, so they apply to simulated and real bundles
alike. Response is a fall of at least half of the baseline score (PLAC2003, FURUKAWA2016);
remission is a score at or below a cut-off (HAMD-17 <= 7, the usual definition). Participants
without both visits are left out (a completer analysis).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gutbrain.errors import DataError
from gutbrain.io import StudyBundle

__all__ = ["arm_scores", "hedges_g", "remitted_share", "responder_share"]


def arm_scores(bundle: StudyBundle, instrument: str, first: str, last: str) -> pd.DataFrame:
    """One row per participant with both visits: ``arm``, ``first``, ``last`` and ``change``
    (``last - first``) on ``instrument``."""
    v = bundle.visits
    if v is None or not len(v):
        raise DataError(f"study '{bundle.study.name}': no visits table; expected {instrument}")
    v = v[v["instrument"] == instrument]
    missing = {first, last} - set(v["visit"])
    if missing:
        raise DataError(
            f"visits: no {instrument} scores at visit(s) {sorted(missing)}; "
            f"expected visits named {first!r} and {last!r}"
        )
    w = v.pivot_table(index="participant", columns="visit", values="score")[[first, last]]
    w = w.dropna().rename(columns={first: "first", last: "last"})
    w["change"] = w["last"] - w["first"]
    arms = bundle.participants.set_index("participant")["arm"]
    return w.join(arms).reset_index()


def responder_share(scores: pd.DataFrame) -> float:
    """Share of rows whose score fell by at least half of the first score (response)."""
    return float(np.mean(scores["last"] <= 0.5 * scores["first"]))


def remitted_share(scores: pd.DataFrame, cutoff: float) -> float:
    """Share of rows whose last score is at or below ``cutoff`` (remission)."""
    return float(np.mean(scores["last"] <= cutoff))


def hedges_g(treat: np.ndarray, control: np.ndarray) -> tuple[float, float]:
    """Hedges' g of improvement (control change - treatment change) and its standard error.

    g = J (m_c - m_t) / s_pooled, J = 1 - 3 / (4 (n_t + n_c) - 9);
    var(g) = (n_t + n_c) / (n_t n_c) + g^2 / (2 (n_t + n_c)) (Borenstein et al. 2009, ch. 4).
    """
    nt, nc = len(treat), len(control)
    sp = np.sqrt(((nt - 1) * treat.var(ddof=1) + (nc - 1) * control.var(ddof=1)) / (nt + nc - 2))
    j = 1 - 3 / (4 * (nt + nc) - 9)
    g = j * (control.mean() - treat.mean()) / sp
    se = np.sqrt((nt + nc) / (nt * nc) + g**2 / (2 * (nt + nc)))
    return float(g), float(se)
