"""How a trial unfolds for each person: timelines, allocation, schedules, adherence, dropout.

Randomness: allocation draws from ``SeedSequence([seed, 1])`` once for the whole trial (permuted
blocks, so every consecutive block of participants is balanced); adherence and dropout draw
from each person's own stream, so no result depends on chunking.
"""

from __future__ import annotations

import numpy as np

from gutbrain.model.schedule import Schedule
from gutbrain.trials.design import Treatment, TrialDesign

__all__ = ["allocate", "build_schedule", "conduct", "phase_days"]


def allocate(design: TrialDesign, seed: int) -> list[str]:
    """Each participant's arm label (parallel) or phase sequence (crossover, nof1).

    Parallel: permuted blocks of ``block_multiple * sum(ratio)``. Crossover: permuted blocks of
    the sequences. N-of-1: each pair of blocks is AB or BA with probability 1/2.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 1]))
    n = design.n
    if design.design == "nof1":
        a, b = design.labels
        flips = rng.random((n, design.pairs)) < 0.5
        return ["".join(b + a if f else a + b for f in row) for row in flips]
    if design.design == "crossover":
        unit = list(design.sequences)
    else:
        unit = [
            t.label for t, r in zip(design.treatments, design.ratio, strict=True) for _ in range(r)
        ]
        unit = unit * design.allocation_block
    out: list[str] = []
    while len(out) < n:
        out += [unit[i] for i in rng.permutation(len(unit))]
    return out[:n]


def phase_days(design: TrialDesign, sequence: str) -> list[tuple[int, int, str]]:
    """Treatment segments ``(start, end, label)`` in study days (end exclusive)."""
    if design.design == "parallel":
        return [(0, design.treatment_days, sequence)]
    if design.design == "crossover":
        step = design.period_days + design.washout_days
        return [(k * step, k * step + design.period_days, s) for k, s in enumerate(sequence)]
    bd = design.block_days
    return [(k * bd, (k + 1) * bd, s) for k, s in enumerate(sequence)]


def _expectancy(design: TrialDesign, t: Treatment) -> float:
    """The arm's expectancy level while treated.

    Blinded (single or double) arms all get the design's ``expectancy``: nobody knows what they
    take. Open label: a no-treatment arm gets 0, an open-label placebo the blinded level, and a
    known active treatment the design's ``open_expectancy`` (a participant sure of receiving
    the treatment, not one with an even chance).
    """
    if t.expectancy is not None:
        return t.expectancy
    if design.blinding != "open" or t.placebo:
        return design.expectancy
    return design.open_expectancy if t.active else 0.0


def build_schedule(design: TrialDesign, sequence: str, baseline: dict[str, float]) -> Schedule:
    """The exposure schedule of everyone with this arm label or phase sequence.

    Index 0 of the schedule is study day ``-run_in_days``.
    """
    by_label = {t.label: t for t in design.treatments}
    off = design.run_in_days
    s = Schedule.constant(design.total_days, design.source, **baseline)
    if baseline.get("episode", 0.0) > 0.0:
        # enrolment starts the episode's natural course: its load is lifted and wanes at each
        # person's own rate (gamma_episode); screening saw it held
        s = s.set("episode", 0.0, 0, design.total_days, f"{design.source}: natural course")
    for start, end, label in phase_days(design, sequence):
        t = by_label[label]
        lo, hi = start + off, end + off
        where = f"{design.source}: {label}"
        s = s.set("expectancy", _expectancy(design, t), lo, hi, where)
        for name, value in t.exposures.items():
            s = s.set(name, value, lo, hi, where)
        if t.probiotic is not None:
            s = s.with_probiotic(t.probiotic[0], t.probiotic[1], lo, hi, where)
        if t.fmt is not None:
            s = s.with_fmt(lo + t.fmt[0], t.fmt[1], t.fmt[2], where)
    return s


def conduct(design: TrialDesign, gens: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray]:
    r"""Adherence array (n, days) and withdrawal day per person (``-1`` = completed).

    Person :math:`i` takes each day's dose with probability :math:`p_i \sim Beta(m, s)` on
    treatment days (days before 0 and follow-up are 1: nothing extra to take) and stops taking
    anything after withdrawal; withdrawal day ~ Geometric(``rate_per_week / 7``) from day 0.
    """
    n, days = len(gens), design.total_days
    adh = np.ones((n, days))
    withdrawn = np.full(n, -1, dtype=np.int64)
    m, sd = design.adherence.mean, design.adherence.sd
    hazard = design.dropout.rate_per_week / 7.0
    lo, hi = design.run_in_days, design.run_in_days + design.treatment_days
    for i, g in enumerate(gens):
        if sd > 0 and m < 1:
            c = m * (1 - m) / sd**2 - 1
            p = g.beta(m * c, (1 - m) * c)
        else:
            p = m
        if p < 1:
            adh[i, lo:hi] = (g.random(hi - lo) < p).astype(float)
        if hazard > 0:
            w = int(g.geometric(hazard)) - 1
            if w < design.treatment_days + design.follow_up_days:
                withdrawn[i] = w
                adh[i, lo + w :] = 0.0
    return adh, withdrawn
