"""Shared builders of latent trajectories for the observation-model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

HEALTHY = {
    "negative_affect": 7.0,  # KUP2010: healthy students' momentary NA about 7 on 0-100
    "positive_affect": 60.0,  # KUP2010: happy 58.6, relaxed 61.5
    "depression_severity": 0.1,
    "anxiety_severity": 0.1,
    "perceived_stress": 0.1,
    "acth": 1.0,
    "cortisol": 1.0,
    "inflammation": 1.0,
    "butyrate": 1.0,
    "butyrate_producers": 0.3,
    "bifidobacteria_lab": 0.1,
    "bacteroides_prevotella": 0.4,
    "pathobionts": 0.1,
    "akkermansia": 0.1,
    "probiotic": 0.0,
}


def make_latent(n_people: int, days: range | np.ndarray, **overrides: object) -> pd.DataFrame:
    """A constant latent frame (healthy defaults), one row per person-day.

    Each override may be a scalar or an array of length ``n_people * len(days)``.
    """
    days = np.asarray(days, dtype=np.int64)
    ids = [f"p{i:05d}" for i in range(n_people)]
    frame = pd.DataFrame({"participant": np.repeat(ids, len(days)), "day": np.tile(days, n_people)})
    for col, value in {**HEALTHY, **overrides}.items():
        frame[col] = value
    return frame


@pytest.fixture
def latent():
    """The :func:`make_latent` builder, as a fixture."""
    return make_latent
