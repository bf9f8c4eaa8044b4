"""Panel modalities keep each visit's own questionnaire scores (omics/panel.py)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("anndata")

from gutbrain.omics.panel import bundle_modalities, panel_obs


def test_two_visits_on_one_day_keep_their_own_scores() -> None:
    """A screening and a baseline visit on the same day: each obs gets its own PHQ-9 score, not
    the mean of both (joining on the day would mix them)."""
    visits = pd.DataFrame(
        {
            "participant": ["p1", "p1", "p1"],
            "visit": ["screen", "base", "week4"],
            "day": [0, 0, 28],
            "instrument": ["PHQ-9", "PHQ-9", "PHQ-9"],
            "score": [20.0, 2.0, 5.0],
        }
    )
    obs = panel_obs(visits)
    q = bundle_modalities(obs, visits=visits)["questionnaires"]
    got = dict(zip(q.obs_names, q[:, "PHQ-9"].X.ravel(), strict=True))
    assert got == {"p1:screen": 20.0, "p1:base": 2.0, "p1:week4": 5.0}
