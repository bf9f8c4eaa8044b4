"""Synthetic study bundles with known effects, built through gutbrain.io (imported by tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gutbrain.io import StudyBundle, StudyMeta, validate_bundle


def ar1_noise(rng: np.random.Generator, n: int, days: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) series, one row per person, marginal SD ``sd``."""
    e = np.empty((n, days))
    e[:, 0] = rng.normal(0, sd, n)
    innov = sd * np.sqrt(1 - phi**2)
    for t in range(1, days):
        e[:, t] = phi * e[:, t - 1] + rng.normal(0, innov, n)
    return e


def parallel_bundle(
    seed: int = 1,
    *,
    n: int = 88,
    days: int = 28,
    na_effect: float = -6.0,
    onset: int = 14,
    pa_effect: float = 0.0,
    prepost_effect: float = 0.0,
    skip: float = 0.2,
    ramp_days: int = 0,
) -> StudyBundle:
    """A JS2025-like parallel trial: NA falls by ``na_effect`` from day ``onset`` on.

    With ``ramp_days > 0`` the fall is gradual: linear from 0 on day ``onset`` to ``na_effect``
    on day ``onset + ramp_days``, then flat.

    Daily NA/PA: person intercept SD 8, AR(1) residual phi 0.4 SD 7; a fraction ``skip`` of days
    missing at random. Visits: PANAS-NA, PANAS-PA, STAI-state at baseline (day -1) and post
    (day 28), correlated with the person's level; ``prepost_effect`` added to post PANAS-NA.
    """
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(n)]
    arm = np.where(np.arange(n) % 2 == 0, "placebo", "probiotic")
    trt = (arm == "probiotic").astype(float)
    dd = np.arange(days)
    u_na = rng.normal(0, 8, n)
    u_pa = rng.normal(0, 8, n)
    na = 30 + u_na[:, None] + ar1_noise(rng, n, days, 0.4, 7)
    if ramp_days > 0:
        shape = np.clip((dd - onset) / ramp_days, 0.0, 1.0)
    else:
        shape = (dd >= onset).astype(float)
    na += na_effect * trt[:, None] * shape[None, :]
    pa = 55 + u_pa[:, None] + ar1_noise(rng, n, days, 0.4, 7) + pa_effect * trt[:, None]
    keep = rng.random((n, days)) >= skip
    pid, day = np.nonzero(keep)
    diary = pd.DataFrame(
        {
            "participant": pd.array([ids[i] for i in pid], dtype="str"),
            "day": day.astype("int64"),
            "negative_affect": np.clip(na[pid, day], 0, 100),
            "positive_affect": np.clip(pa[pid, day], 0, 100),
        }
    )
    rows = []
    for i in range(n):
        base_na = 22 + 0.4 * u_na[i] + rng.normal(0, 4)
        base_pa = 32 + 0.4 * u_pa[i] + rng.normal(0, 4)
        base_st = 40 + 0.6 * u_na[i] + rng.normal(0, 6)
        post_na = 0.7 * base_na + 6.6 + rng.normal(0, 4) + prepost_effect * trt[i]
        post_pa = 0.7 * base_pa + 9.6 + rng.normal(0, 4)
        post_st = 0.7 * base_st + 12 + rng.normal(0, 6)
        for visit, vday, scores in (
            ("baseline", -1, (base_na, base_pa, base_st)),
            ("post", days, (post_na, post_pa, post_st)),
        ):
            for inst, s, lo, hi in zip(
                ("PANAS-NA", "PANAS-PA", "STAI-state"), scores, (10, 10, 20), (50, 50, 80),
                strict=True,
            ):  # fmt: skip
                rows.append((ids[i], visit, vday, inst, float(np.clip(round(s), lo, hi))))
    visits = pd.DataFrame(rows, columns=["participant", "visit", "day", "instrument", "score"])
    study = StudyMeta.from_dict(
        {
            "name": "synthetic parallel",
            "design": "parallel",
            "start": dt.date(2026, 1, 5),
            "day0": "first intervention day",
            "instruments": ["diary", "PANAS-NA", "PANAS-PA", "STAI-state"],
            "arms": [{"label": "placebo"}, {"label": "probiotic"}],
        }
    )
    participants = pd.DataFrame({"participant": ids, "arm": arm})
    bundle = StudyBundle(study=study, participants=participants, diary=diary, visits=visits)
    validate_bundle(bundle)
    return bundle


def nof1_bundle(
    seed: int = 2,
    *,
    n: int = 6,
    sequences: tuple[str, ...] = ("ABAB", "BABA", "ABBA", "BAAB"),
    block_days: int = 14,
    wash_in: int = 3,
    effect: float = -6.0,
    phi: float = 0.4,
    sd: float = 6.0,
) -> StudyBundle:
    """A series of N-of-1 trials: B lowers NA by ``effect`` after ``wash_in`` days of a phase."""
    rng = np.random.default_rng(seed)
    rows = []
    parts = []
    for i in range(n):
        seq = sequences[i % len(sequences)]
        days = block_days * len(seq)
        e = ar1_noise(rng, 1, days, phi, sd)[0]
        level = 35 + rng.normal(0, 8)
        for t in range(days):
            lab = seq[t // block_days]
            y = level + e[t] + (effect if lab == "B" else 0.0)
            rows.append((f"N{i:02d}", t, float(np.clip(y, 0, 100)), 50.0, lab))
        parts.append((f"N{i:02d}", seq))
    diary = pd.DataFrame(
        rows, columns=["participant", "day", "negative_affect", "positive_affect", "phase"]
    )
    study = StudyMeta.from_dict(
        {
            "name": "synthetic n-of-1",
            "design": "nof1",
            "start": dt.date(2026, 1, 5),
            "day0": "first day of block 1",
            "instruments": ["diary"],
            "phases": [{"label": "A", "description": "placebo"}, {"label": "B"}],
            "nof1": {"block_days": block_days, "wash_in_days": wash_in},
        }
    )
    participants = pd.DataFrame(parts, columns=["participant", "sequence"])
    bundle = StudyBundle(study=study, participants=participants, diary=diary)
    validate_bundle(bundle)
    return bundle
