"""The power grid: replicates of every design point, locally or on Dask.

Each work item is one chunk of replicates of one simulated design point (participants, days,
effect, compliance, dropout); its random numbers come from a stream fixed by the seed, the
point and the chunk (:class:`numpy.random.SeedSequence`), so a run on a Dask cluster gives the
numbers of a local run (:func:`gutbrain._runner.run_ordered`). Every alpha of the grid is
applied to the same replicates' p values.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from gutbrain._runner import run_ordered
from gutbrain.errors import DesignError, GutbrainError
from gutbrain.power.design import PowerDesign
from gutbrain.power.fitting import analyse
from gutbrain.power.generator import COLUMNS, simulate

__all__ = ["PowerResult", "local_scheduler", "run_power"]

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class _Item:
    point: int
    participants: int
    days: int
    effect: float | None
    compliance: float | None
    dropout: float | None
    chunk: int
    reps: int


@dataclass(frozen=True)
class _Chunk:
    p: np.ndarray  # nan where the fit failed
    converged: np.ndarray


def _run_chunk(design: PowerDesign, item: _Item) -> _Chunk:
    """The p values of one chunk of replicates (a module-level function, for Dask)."""
    gen = design.generator.with_settings(
        term=design.analysis.test,
        effect=item.effect,
        compliance=item.compliance,
        dropout=item.dropout,
    )
    seq = np.random.SeedSequence(design.seed, spawn_key=(item.point, item.chunk))
    rng = np.random.default_rng(seq)
    ps, conv = np.empty(item.reps), np.empty(item.reps, dtype=bool)
    for r in range(item.reps):
        out = analyse(design.analysis, simulate(gen, item.participants, item.days, rng), gen)
        ps[r], conv[r] = out.p, out.converged
    return _Chunk(ps, conv)


def _check_analysis(design: PowerDesign) -> None:
    """Analyse one replicate of the first design point, raising on any error: a formula naming
    an unknown column, or an unknown test coefficient, fails here and not in every replicate.
    Its random numbers are its own, so the run's replicates do not depend on it."""
    g = design.grid
    rng = np.random.default_rng(np.random.SeedSequence(design.seed, spawn_key=(2**32,)))
    data = simulate(design.generator, max(g.participants), max(g.days), rng)
    try:
        analyse(design.analysis, data, design.generator, strict=True)
    except GutbrainError as exc:
        raise DesignError(
            f"power design {design.name!r}: [analysis] fails on a simulated replicate "
            f"(columns {', '.join(COLUMNS)}): {exc}"
        ) from exc


@dataclass(frozen=True)
class PowerResult:
    """The power curve: one row per design point and alpha (see :meth:`rows`)."""

    design: PowerDesign
    curve: list[dict[str, Any]]
    smallest: list[dict[str, Any]]


def _items(design: PowerDesign) -> list[_Item]:
    g = design.grid
    points = itertools.product(g.participants, g.days, g.effect, g.compliance, g.dropout)
    items = []
    for k, (n, t, eff, comp, drop) in enumerate(points):
        for c, start in enumerate(range(0, design.reps, design.chunk)):
            reps = min(design.chunk, design.reps - start)
            items.append(_Item(k, n, t, eff, comp, drop, c, reps))
    return items


def _row(first: _Item, chunks: list[_Chunk], alpha: float, design: PowerDesign) -> dict[str, Any]:
    p = np.concatenate([c.p for c in chunks])
    conv = np.concatenate([c.converged for c in chunks])
    ok = ~np.isnan(p)
    n_ok = int(ok.sum())
    rej = int(np.sum(p[ok] < alpha))
    gen = design.generator
    row: dict[str, Any] = {
        "participants": first.participants,
        "days": first.days,
        "effect": first.effect
        if first.effect is not None
        else gen.effects.get(design.analysis.test, 0.0),
        "compliance": first.compliance if first.compliance is not None else gen.compliance,
        "dropout": first.dropout if first.dropout is not None else gen.dropout,
        "alpha": alpha,
        "reps": n_ok,
        "rejections": rej,
        "failed": int(p.size - n_ok),
        "nonconverged": int(np.sum(ok & ~conv)),
    }
    if n_ok:
        ci = stats.binomtest(rej, n_ok).proportion_ci(0.95, method="exact")
        row |= {
            "power": rej / n_ok,
            "mc_se": float(np.sqrt(rej / n_ok * (1 - rej / n_ok) / n_ok)),
            "ci_low": float(ci.low),
            "ci_high": float(ci.high),
        }
    else:
        row |= {"power": None, "mc_se": None, "ci_low": None, "ci_high": None}
    return row


def _smallest(curve: list[dict[str, Any]], target: float) -> list[dict[str, Any]]:
    """Per setting (effect, compliance, dropout, alpha): the design point with the fewest
    diary days in all (participants x days, then fewer participants) whose power reaches
    ``target``; ``participants`` and ``days`` are None where none does."""
    keys = ("effect", "compliance", "dropout", "alpha")
    out = []
    for setting in dict.fromkeys(tuple(r[k] for k in keys) for r in curve):
        rows = [r for r in curve if tuple(r[k] for k in keys) == setting]
        hits = [r for r in rows if r["power"] is not None and r["power"] >= target]
        best = min(
            hits, key=lambda r: (r["participants"] * r["days"], r["participants"]), default=None
        )
        out.append(
            dict(zip(keys, setting, strict=True))
            | {
                "participants": best["participants"] if best else None,
                "days": best["days"] if best else None,
                "power": best["power"] if best else None,
            }
        )
    return out


def run_power(
    design: PowerDesign, *, scheduler: Any = None, progress: ProgressFn | None = None
) -> PowerResult:
    """Simulate and analyse ``design.reps`` replicates at every design point.

    Parameters
    ----------
    scheduler
        None (this process), a ``dask.distributed.Client`` or a scheduler address; the same
        seed gives the same numbers on each.
    progress
        Called as ``progress(done, total)`` replicates after each chunk.
    """
    _check_analysis(design)
    items = _items(design)
    total = sum(it.reps for it in items)
    done = 0
    by_point: dict[int, list[_Chunk]] = {}
    first: dict[int, _Item] = {}
    for item, chunk in zip(
        items, run_ordered(_run_chunk, design, items, scheduler=scheduler), strict=True
    ):
        by_point.setdefault(item.point, []).append(chunk)
        first.setdefault(item.point, item)
        done += item.reps
        if progress is not None:
            progress(done, total)
    curve = [
        _row(first[k], by_point[k], alpha, design)
        for k in sorted(by_point)
        for alpha in design.grid.alpha
    ]
    return PowerResult(design, curve, _smallest(curve, design.target))


@contextlib.contextmanager
def local_scheduler(workers: int) -> Iterator[Any]:
    """A Dask client of a local cluster of ``workers`` one-thread processes (the default of
    ``gutbrain power``: the replicates' fits are single-threaded), or None (work in this
    process) for one worker or where Dask is not installed (the ``scale`` extra)."""
    if workers <= 1:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        yield None
        return
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client
