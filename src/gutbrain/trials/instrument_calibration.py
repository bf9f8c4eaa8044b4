r"""Calibrate each instrument's stable person component to its published reference sample.

The model's latent states vary little between people in ways a questionnaire sees: in simulated
healthy young adults the SD of PANAS-NA true scores driven by the latent is about 1.4 points,
against 5.9 in Crawford & Henry 2004's norms. Real people differ in how they describe themselves
(response style, trait affectivity), and that stable component is what makes PANAS-NA retest at
0.81 over a week and PSWQ at 0.92 over ten weeks. Each instrument therefore adds a stable person
offset :math:`\tau_k z_{ik}` (``person_sd`` in observe's ``response_models.csv``) whose size
closes the gap in its reference population:

.. math::

    \tau_k^2 = \max\bigl(0,\; r_k\,SD_{ref,k}^2 - \operatorname{Var}(T^{latent}_{ik})\bigr)

where :math:`T^{latent}` is the true score the latent states give in the instrument's reference
cohort (``person_sd_cohort``): people sampled from that cohort, warmed up with daily-life noise and
life events, then living 90 baseline days; the instrument is read on the last day. Cohort
inclusion criteria are not applied (the screening instrument would itself depend on
:math:`\tau`). With :math:`\tau_k` the reference cohort's observed scores have SD
:math:`SD_{ref}` and retest correlation :math:`r` when the latent does not change.

``python -m gutbrain.trials.instrument_calibration`` prints the table to paste into
observe's ``response_models.csv``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gutbrain.model.simulate import noisy_steady_state, simulate
from gutbrain.observe import RESPONSE_MODELS, response_model, true_scores
from gutbrain.population.cohorts import (
    STREAM_MODEL,
    STREAM_WARMUP,
    sample_population,
    stream_generators,
)
from gutbrain.trials.run import build_schedule_baseline, latent_frame

__all__ = ["REFERENCE_DAYS", "calibrate_person_sd", "calibration_table", "latent_true_scores"]

#: Baseline days lived after the warm-up; the longest recall window (90 days) fits inside.
REFERENCE_DAYS = 90


def latent_true_scores(cohort: str, names: list[str], n: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Latent-driven true scores (no person offset) of ``n`` people from ``cohort``.

    Returns one row per person with one column per instrument.
    """
    idx = np.arange(n)
    root = [seed, 0]
    pop = sample_population(cohort, idx, root)
    y = noisy_steady_state(
        pop.params,
        build_schedule_baseline(pop, 1),
        pop.y0,
        stream_generators(root, idx, STREAM_WARMUP),
    )
    traj = simulate(
        pop.params,
        build_schedule_baseline(pop, REFERENCE_DAYS),
        y0=y,
        rng=stream_generators(root, idx, STREAM_MODEL),
    )
    latent = latent_frame(traj, [str(k) for k in idx], 0)
    t = true_scores(latent, {"reference": REFERENCE_DAYS - 1}, names)
    return t.pivot(index="participant", columns="instrument", values="true_score")[names]


def _tau(name: str, sd_latent: float) -> float:
    model = response_model(name)
    return math.sqrt(max(0.0, model.instrument.retest_r * model.ref_sd**2 - sd_latent**2))


def calibrate_person_sd(name: str, n: int = 4000, seed: int = 0) -> float:
    """:math:`\\tau` for one instrument, in its reference cohort (see the module docstring)."""
    cohort = response_model(name).person_sd_cohort
    return _tau(name, float(latent_true_scores(cohort, [name], n, seed)[name].std()))


def calibration_table(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    """:math:`\\tau` for every instrument, with the latent SD it was computed from."""
    rows = []
    cohorts = sorted({m.person_sd_cohort for m in RESPONSE_MODELS.values()})
    for cohort in cohorts:
        names = [k for k, m in RESPONSE_MODELS.items() if m.person_sd_cohort == cohort]
        scores = latent_true_scores(cohort, names, n, seed)
        for name in names:
            m = RESPONSE_MODELS[name]
            sd = float(scores[name].std())
            r = m.instrument.retest_r
            rows.append((name, cohort, sd, m.ref_sd, r, _tau(name, sd), m.person_sd))
    cols = ["instrument", "cohort", "latent_sd", "ref_sd", "retest_r", "person_sd", "committed"]
    return pd.DataFrame(rows, columns=cols).set_index("instrument").loc[list(RESPONSE_MODELS)]


if __name__ == "__main__":  # pragma: no cover - a maintenance script
    with pd.option_context("display.width", 120, "display.max_columns", 10, "display.precision", 3):
        print(calibration_table())
