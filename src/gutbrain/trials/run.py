"""Run a trial design: recruit and screen, allocate, simulate, observe, and assemble a bundle.

Work is split into *blocks* of ``design.block_size`` consecutive participants. A block is fully
determined by the design, the seed and its index:

- person ``k`` (candidate index) draws traits, microbiota, daily-life noise, screening error,
  adherence and dropout, and their stable questionnaire offsets from
  ``SeedSequence([seed, 0], spawn_key=(k,))``, so screening and the study visits see the same
  respondent;
- allocation comes from ``SeedSequence([seed, 1])`` for the whole trial;
- the observation models (diary, visits, biomarkers) of block ``b`` draw from
  ``SeedSequence([seed, 2], spawn_key=(b,))``.

Chunks are groups of whole blocks, so a chunked run, a Dask run and a single in-memory run give
identical tables; changing ``block_size`` changes the observation noise streams (it is recorded
in ``study.toml`` provenance).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gutbrain._runner import run_ordered
from gutbrain.errors import DesignError
from gutbrain.io import StudyBundle, StudyMeta
from gutbrain.model.simulate import noisy_steady_state, simulate
from gutbrain.model.trajectory import derived_outputs
from gutbrain.observe import (
    DiaryModel,
    administer,
    draw_respondents,
    measure_biomarkers,
    observe_diary,
    response_model,
    true_scores,
)
from gutbrain.population.cohorts import (
    STREAM_CONDUCT,
    STREAM_MODEL,
    STREAM_RESPONDENT,
    STREAM_SCREEN,
    STREAM_WARMUP,
    Population,
    cohort_spec,
    sample_population,
    stream_generators,
)
from gutbrain.trials.conduct import allocate, build_schedule, conduct, phase_days
from gutbrain.trials.design import Criterion, TrialDesign, load_design

__all__ = [
    "LATENT_COLUMNS",
    "TrialPlan",
    "latent_frame",
    "plan_trial",
    "recruit",
    "run_blocks",
    "run_trial",
]

LATENT_COLUMNS = (
    "negative_affect",
    "positive_affect",
    "depression_severity",
    "anxiety_severity",
    "perceived_stress",
    "acth",
    "cortisol",
    "inflammation",
    "butyrate",
    "butyrate_producers",
    "bifidobacteria_lab",
    "bacteroides_prevotella",
    "pathobionts",
    "akkermansia",
    "probiotic",
)
ProgressFn = Callable[[int, int], None]
#: An ensemble member's parameter values, ``(name, value)`` pairs
#: (:meth:`gutbrain.model.ensemble.Ensemble.overrides`).
Overrides = tuple[tuple[str, float], ...]
_DIARY_COLUMNS = ("participant", "day", "negative_affect", "positive_affect")


def _gens(seed: int, idx: np.ndarray, stream: int) -> list[np.random.Generator]:
    return stream_generators([seed, 0], idx, stream)


def _respondents(seed: int, idx: np.ndarray, ids: Sequence[str]) -> pd.DataFrame:
    """Each candidate's stable questionnaire offsets, from their own stream."""
    return draw_respondents(ids, _gens(seed, idx, STREAM_RESPONDENT))


def _criteria(design: TrialDesign) -> tuple[Criterion, ...]:
    if design.inclusion is not None:
        return design.inclusion
    spec = cohort_spec(design.cohort, f"{design.source}: cohort")
    return tuple(Criterion(c["instrument"], c.get("min"), c.get("max")) for c in spec.inclusion)


def _population(
    design: TrialDesign, seed: int, idx: np.ndarray, member: Overrides = ()
) -> Population:
    """Candidates ``idx``; ``member``'s parameter values replace the table's (the cohort still
    sets the traits and the reference composition, which no member sets)."""
    return sample_population(
        cohort_spec(design.cohort),
        idx,
        [seed, 0],
        parameters=dict(member),
        baseline=dict(design.cohort_baseline),
    )


def latent_frame(traj: Any, ids: Sequence[str], first_day: int) -> pd.DataFrame:
    """The observation models' latent frame (:data:`LATENT_COLUMNS`) of a trajectory: one row
    per person-day, person ``ids`` in order, days numbered from ``first_day``."""
    n, d = traj.n_people, traj.n_days
    cols: dict[str, Any] = {
        "participant": np.repeat(np.asarray(ids, dtype=object), d),
        "day": np.tile(np.arange(d, dtype=np.int64) + first_day, n),
    }
    derived = derived_outputs(traj.states, traj.params.values)  # all at once, not one by one
    for c in LATENT_COLUMNS:
        cols[c] = np.asarray(derived[c] if c in derived else traj[c]).ravel()
    out = pd.DataFrame(cols)
    out["participant"] = out["participant"].astype(str)
    return out


def _screen(design: TrialDesign, seed: int, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Pass mask and end-of-screening states for a batch of candidates (after the warm-up)."""
    idx = pop.people["candidate"].to_numpy()
    y_warm = noisy_steady_state(
        pop.params, build_schedule_baseline(pop, 1), pop.y0, _gens(seed, idx, STREAM_WARMUP)
    )
    crit = _criteria(design)
    if not crit:
        return np.ones(len(pop), dtype=bool), y_warm
    gens = _gens(seed, idx, STREAM_SCREEN)
    days = design.screening_days
    sched = build_schedule_baseline(pop, days)
    traj = simulate(pop.params, sched, y0=y_warm, rng=gens)
    ids = [str(k) for k in idx]
    latent = latent_frame(traj, ids, 0)
    resp = _respondents(seed, idx, ids)
    truth = true_scores(latent, {"screening": days - 1}, [c.instrument for c in crit], None, resp)
    ok = np.ones(len(pop), dtype=bool)
    z = np.array([g.standard_normal(len(crit)) for g in gens])
    for j, c in enumerate(crit):
        t = truth.loc[truth["instrument"] == c.instrument].set_index("participant")["true_score"]
        score = response_model(c.instrument).observed_scores(t.loc[ids].to_numpy(), z[:, j])
        if c.min is not None:
            ok &= score >= c.min
        if c.max is not None:
            ok &= score <= c.max
    return ok, traj.states[:, -1].copy()


def build_schedule_baseline(pop: Population, days: int) -> Any:
    from gutbrain.model.schedule import Schedule

    return Schedule.constant(days, "screening", **pop.baseline)


def recruit(
    design: TrialDesign, seed: int, max_screened: int | None = None, member: Overrides = ()
) -> np.ndarray:
    """Candidate indices of the ``n`` enrolled people: the first who pass screening (with
    ``member``'s parameters, :func:`_population`).

    Candidates are screened in batches (oversampling by the pass rate seen so far) until ``n``
    pass; the result does not depend on the batch sizes.
    """
    if not _criteria(design):
        return np.arange(design.n)
    limit = max_screened if max_screened is not None else 50 * design.n + 1000
    passed: list[np.ndarray] = []
    got, nxt = 0, 0
    while got < design.n:
        rate = max(got / nxt, 0.05) if nxt else 0.5
        size = min(max(int((design.n - got) / rate * 1.2) + 8, 32), 4 * design.block_size + 64)
        idx = np.arange(nxt, nxt + size)
        ok, _ = _screen(design, seed, _population(design, seed, idx, member))
        passed.append(idx[ok])
        got += int(ok.sum())
        nxt += size
        if nxt >= limit and got < design.n:
            raise DesignError(
                f"{design.source}: inclusion criteria {[c.to_dict() for c in _criteria(design)]} "
                f"passed {got} of {nxt} screened candidates; cannot reach n = {design.n}"
            )
    return np.concatenate(passed)[: design.n]


@dataclass(frozen=True)
class TrialPlan:
    """Everything fixed before the blocks run: enrolled candidates, ids and allocation, and the
    ensemble member's parameter values (none: the table's)."""

    design: TrialDesign
    seed: int
    candidates: np.ndarray
    ids: tuple[str, ...]
    allocation: tuple[str, ...]
    member: Overrides = ()

    @property
    def n_blocks(self) -> int:
        return -(-self.design.n // self.design.block_size)


def plan_trial(
    design: TrialDesign, seed: int | None = None, member: Mapping[str, float] | None = None
) -> TrialPlan:
    """Recruit and allocate (the sequential part of a trial), with an ensemble ``member``'s
    parameter values (default: the table's)."""
    s = design.seed if seed is None else int(seed)
    over = tuple((member or {}).items())
    cand = recruit(design, s, member=over)
    width = max(4, len(str(design.n)))
    ids = tuple(f"P{j + 1:0{width}d}" for j in range(design.n))
    return TrialPlan(design, s, cand, ids, tuple(allocate(design, s)), over)


def _phase_column(
    design: TrialDesign, seqs: Sequence[str], days: np.ndarray, who: np.ndarray
) -> np.ndarray:
    out = np.full(len(days), "", dtype=object)
    for s in set(seqs):
        rows = np.flatnonzero(np.asarray(seqs, dtype=object)[who] == s)
        for start, end, label in phase_days(design, s):
            hit = rows[(days[rows] >= start) & (days[rows] < end)]
            out[hit] = label
    return out


def run_blocks(plan: TrialPlan, blocks: Sequence[int]) -> dict[str, pd.DataFrame]:
    """Simulate and observe whole blocks of participants; returns the bundle's tables."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for b in blocks:
        for k, v in _run_block(plan, int(b)).items():
            parts.setdefault(k, []).append(v)
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}


def _run_block(plan: TrialPlan, b: int) -> dict[str, pd.DataFrame]:
    d, seed = plan.design, plan.seed
    lo, hi = b * d.block_size, min((b + 1) * d.block_size, d.n)
    if lo >= hi:
        raise DesignError(f"block {b} is empty: the trial has {plan.n_blocks} blocks")
    idx = plan.candidates[lo:hi]
    ids = list(plan.ids[lo:hi])
    alloc = list(plan.allocation[lo:hi])
    pop = _population(d, seed, idx, plan.member)
    _, y0 = _screen(d, seed, pop)
    groups = sorted(set(alloc))
    schedules = [build_schedule(d, g, pop.baseline) for g in groups]
    grp = np.array([groups.index(a) for a in alloc])
    adh, withdrawn = conduct(d, _gens(seed, idx, STREAM_CONDUCT))
    traj = simulate(
        pop.params,
        schedules,
        group=grp,
        group_names=groups,
        y0=y0,
        rng=_gens(seed, idx, STREAM_MODEL),
        adherence=adh,
    )
    latent = latent_frame(traj, ids, d.first_day)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2], spawn_key=(b,)))
    last = d.treatment_days + d.follow_up_days
    # First day out of the study, per person; latent rows are person-major, day-minor.
    wd = np.where(withdrawn < 0, last, withdrawn)
    in_study = latent["day"].to_numpy() < np.repeat(wd, d.total_days)

    out: dict[str, pd.DataFrame] = {}
    seq_col = "sequence" if d.design != "parallel" else "arm"
    people = pop.people.drop(columns=["candidate", "atlas_sample"]).copy()
    people.insert(0, seq_col, alloc)
    people.insert(0, "participant", ids)
    people["enrolled"] = d.start - dt.timedelta(days=d.run_in_days)
    wcol = pd.array(withdrawn, dtype="Int64")
    wcol[withdrawn < 0] = pd.NA
    people["withdrawn_day"] = wcol
    people["adherence_rate"] = adh[:, d.run_in_days : d.run_in_days + d.treatment_days].mean(axis=1)
    out["participants"] = people

    if d.diary.enabled:
        days = latent["day"].to_numpy()
        first = d.first_day if d.diary.first_day is None else d.diary.first_day
        lastd = last - 1 if d.diary.last_day is None else d.diary.last_day
        due = in_study & (days >= first) & (days <= lastd)
        model = DiaryModel().with_(**d.diary.model)
        diary = observe_diary(latent.loc[due, list(_DIARY_COLUMNS)], rng, model)
    else:
        diary = pd.DataFrame(
            {
                "participant": pd.Series([], dtype=str),
                "day": pd.Series([], dtype=np.int64),
                "negative_affect": pd.Series([], dtype=float),
                "positive_affect": pd.Series([], dtype=float),
            }
        )
    if d.design != "parallel":
        who = pd.Index(ids).get_indexer(pd.Index(diary["participant"]))
        diary["phase"] = _phase_column(d, alloc, diary["day"].to_numpy(), who)
    out["diary"] = diary

    id_arr = np.asarray(ids, dtype=object)
    visit_parts = []
    first_visit = min((v.day for v in d.visits), default=0)
    respondent = _respondents(seed, idx, ids) if d.visits else None
    for v in d.visits:
        keep = id_arr[v.day < wd]
        if not len(keep):
            continue
        sched = pd.DataFrame({"participant": keep, "visit": v.name, "day": np.int64(v.day)})
        visit_parts.append(
            administer(latent, sched, list(v.instruments), rng, first_visit, respondent)
        )
    if visit_parts:
        out["visits"] = pd.concat(visit_parts, ignore_index=True)
    if d.biomarker_days and d.markers:
        bdays = np.asarray(d.biomarker_days, dtype=np.int64)
        hit = bdays[:, None] < wd[None, :]  # (sampling day, person), day-major like the rows
        if hit.any():
            sched = pd.DataFrame(
                {
                    "participant": np.broadcast_to(id_arr, hit.shape)[hit],
                    "day": np.broadcast_to(bdays[:, None], hit.shape)[hit],
                }
            )
            out["biomarkers"] = measure_biomarkers(latent, sched, rng, list(d.markers))
    out["truth_latent"] = latent
    return out


def study_meta(
    plan: TrialPlan, design_file: str | None = None, extra: Mapping[str, Any] | None = None
) -> StudyMeta:
    """The bundle's ``study.toml`` for a planned trial, with provenance (the design file and
    the SHA-256 of its bytes, when run from a file, and the ``extra`` entries, e.g. the
    ensemble member's)."""
    from gutbrain._version import __version__

    d = plan.design
    items = [{"label": t.label, "description": t.description or t.label} for t in d.treatments]
    prov: dict[str, Any] = {
        "seed": plan.seed,
        "gutbrain_version": __version__,
        "cohort": d.cohort,
        "block_size": d.block_size,
        "run_in_days": d.run_in_days,
    }
    if design_file:
        prov["design_file"] = design_file
        prov["design_sha256"] = hashlib.sha256(Path(design_file).read_bytes()).hexdigest()
    prov.update(extra or {})
    kw: dict[str, Any] = {"arms": items} if d.design == "parallel" else {"phases": items}
    if d.design == "nof1":
        kw["nof1"] = {"block_days": d.block_days, "wash_in_days": d.wash_in_days}
    return StudyMeta.from_dict(
        {
            "name": d.name,
            "design": d.design,
            "start": d.start,
            "day0": "first intervention day",
            "instruments": list(d.instruments),
            "days": [d.first_day, d.treatment_days + d.follow_up_days - 1],
            **kw,
            "provenance": prov,
        },
        source=d.source,
    )


def run_trial(
    design: TrialDesign | str | Path,
    seed: int | None = None,
    *,
    chunk_blocks: int = 4,
    scheduler: Any = None,
    progress: ProgressFn | None = None,
) -> StudyBundle:
    """Run a trial design in memory and return its study bundle.

    Parameters
    ----------
    design
        A :class:`TrialDesign` or the path of a design TOML file.
    seed
        Root seed (default: the design's ``seed``).
    chunk_blocks
        Blocks per chunk of work (memory grows with it; results do not depend on it).
    scheduler
        ``None`` for a local run, or a ``dask.distributed.Client`` / scheduler address: chunks
        then run on the cluster, with identical results.
    progress
        Called with (participants done, total) after each chunk.

    Returns
    -------
    StudyBundle
        participants, diary, visits, biomarkers, ``truth_latent`` and ``study.toml`` with
        provenance (seed, gutbrain version, design file).
    """
    path = None if isinstance(design, TrialDesign) else str(design)
    d = design if isinstance(design, TrialDesign) else load_design(design)
    plan = plan_trial(d, seed)
    tables: dict[str, list[pd.DataFrame]] = {}
    for chunk in iter_chunks(plan, chunk_blocks, scheduler, progress):
        for k, v in chunk.items():
            tables.setdefault(k, []).append(v)
    merged = {k: pd.concat(v, ignore_index=True) for k, v in tables.items()}
    return StudyBundle(study=study_meta(plan, path), **merged)


def _chunks(plan: TrialPlan, chunk_blocks: int) -> list[list[int]]:
    if chunk_blocks < 1:
        raise DesignError(f"chunk_blocks = {chunk_blocks!r}; expected >= 1")
    nb = plan.n_blocks
    return [list(range(i, min(i + chunk_blocks, nb))) for i in range(0, nb, chunk_blocks)]


def iter_chunks(
    plan: TrialPlan, chunk_blocks: int, scheduler: Any = None, progress: ProgressFn | None = None
) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield each chunk's tables in block order, locally or on a Dask cluster
    (:func:`gutbrain._runner.run_ordered`)."""
    chunks = _chunks(plan, chunk_blocks)
    runs = run_ordered(run_blocks, plan, chunks, scheduler=scheduler)
    for c, tables in zip(chunks, runs, strict=True):
        yield tables
        if progress is not None:
            progress(min(plan.design.n, (c[-1] + 1) * plan.design.block_size), plan.design.n)
