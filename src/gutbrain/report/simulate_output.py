"""Write a scenario run's outputs (``gutbrain simulate``) chunk by chunk, atomically.

Each unit of the run (one arm for one chunk of people, :mod:`gutbrain.model.run`) is written as
a Parquet row group as soon as it is simulated, so memory holds one unit, not the run. The axis
figure and the optional daily summary are accumulated unit by unit
(:class:`gutbrain.model.summary.DailySummary`). Files:

- ``trajectories.parquet``: one row per person-day and arm, every state and output, or only the
  ``states`` asked for (not written with ``summary``);
- ``summary.parquet`` (``summary``): per arm, day and quantity, mean, SD and quantiles;
- ``trajectories.csv`` / ``summary.csv`` (``csv``): the same tables as CSV;
- ``axis.png`` and ``manifest.json`` (which lists the files written).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gutbrain._outdir import atomic_dir, check_out
from gutbrain.model.run import ScenarioPlan, iter_units, plan_scenario
from gutbrain.model.scenario import Scenario, load_scenario
from gutbrain.model.summary import DailySummary, check_quantities, values
from gutbrain.model.trajectory import Trajectory
from gutbrain.report._output import sha256
from gutbrain.report.axis_plot import PANELS, plot_axis

__all__ = ["run_manifest", "simulate_scenario"]

_PLOTTED = tuple(dict.fromkeys(n for _, names in PANELS for n in names))


@contextmanager
def _table_writer(
    folder: Path, stem: str, csv: bool, written: list[str]
) -> Iterator[Callable[[pa.Table], None]]:
    """A function appending a table to ``stem.parquet`` (one row group per call) and, with
    ``csv``, to ``stem.csv``; both are opened on the first call and closed on leaving."""
    with ExitStack() as stack:
        writers: list[Any] = []

        def write(table: pa.Table) -> None:
            if not writers:
                writers.append(
                    stack.enter_context(pq.ParquetWriter(folder / f"{stem}.parquet", table.schema))
                )
                written.append(f"{stem}.parquet")
                if csv:
                    # Arrow's writer: 0.34 s against DataFrame.to_csv's 5.45 s for 73,200 rows
                    # x 33 columns, and the same values read back (tests/model/test_cli.py).
                    writers.append(
                        stack.enter_context(pacsv.CSVWriter(folder / f"{stem}.csv", table.schema))
                    )
                    written.append(f"{stem}.csv")
            for w in writers:
                w.write_table(table)

        yield write


def _unit_table(traj: Trajectory, states: Sequence[str] | None, first_person: int) -> pa.Table:
    """One unit's rows: ``participant`` (the person's id in the whole run, the same in every
    arm), ``arm``, ``day`` and every state and output (:meth:`Trajectory.to_frame`) or the
    ``states`` asked for."""
    if states is None:
        frame = traj.to_frame()
        frame["participant"] += first_person
        return pa.Table.from_pandas(frame, preserve_index=False)
    n, d = traj.n_people, traj.n_days
    cols: dict[str, Any] = {
        "participant": np.repeat(np.arange(first_person, first_person + n), d),
        "arm": np.full(n * d, traj.group_names[0], dtype=object),
        "day": np.tile(np.arange(d), n),
    }
    cols.update((k, v.ravel()) for k, v in values(traj, states).items())
    return pa.table(cols)


def _write_units(
    plan: ScenarioPlan,
    tmp: Path,
    *,
    states: tuple[str, ...] | None,
    summary: tuple[str, ...] | None,
    csv: bool,
    written: list[str],
    scheduler: Any,
    progress: Callable[[int, int], None] | None,
) -> DailySummary:
    """Simulate and write every unit in order; return the summary of the plotted and
    summarised quantities."""
    s = plan.scenario
    names = _PLOTTED + tuple(n for n in summary or () if n not in _PLOTTED)
    acc = DailySummary(names, s.arm_names, s.days)
    units = plan.units()
    done = len(plan.bounds)  # progress: the chunks' set-up, then each unit written
    if progress is not None:
        progress(0, plan.n_steps)
    runs = iter_units(plan, scheduler=scheduler, progress=progress)
    with _table_writer(tmp, "trajectories", csv, written) as write:
        for (arm, chunk), traj in zip(units, runs, strict=True):
            acc.add(traj, arm)
            if summary is None:
                write(_unit_table(traj, states, plan.bounds[chunk][0]))
            done += 1
            if progress is not None:
                progress(done, plan.n_steps)
    if summary is not None:
        with _table_writer(tmp, "summary", csv, written) as write:
            write(pa.Table.from_pandas(acc.to_frame(summary), preserve_index=False))
    return acc


def run_manifest(
    path: str | Path, scenario: Scenario, people: int, seed: int, noise: bool
) -> dict[str, object]:
    """The entries every ``gutbrain simulate`` manifest starts with: version, scenario file
    and its SHA-256, name, people, seed, noise, days and arms."""
    from gutbrain._version import __version__

    return {
        "gutbrain_version": __version__,
        "scenario": str(path),
        "scenario_sha256": sha256(Path(path)),
        "name": scenario.name,
        "people": people,
        "seed": seed,
        "noise": noise,
        "days": scenario.days,
        "arms": list(scenario.arm_names),
    }


def simulate_scenario(
    path: str | Path,
    out: str | Path,
    *,
    people: int = 100,
    seed: int = 0,
    noise: bool = True,
    states: Sequence[str] | None = None,
    summary: bool = False,
    csv: bool = False,
    chunk_people: int | None = None,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Run a scenario file and write its outputs into ``out`` (written atomically).

    Parameters
    ----------
    states
        Write only these states and outputs (default: every one); see
        :data:`gutbrain.model.summary.QUANTITIES` for the names.
    summary
        Write ``summary.parquet`` (per arm, day and quantity: mean, SD, quantiles) of
        ``states`` (default: the axis figure's quantities) instead of the trajectories.
    csv
        Also write each table as CSV.
    chunk_people
        People per unit (memory grows with it; results do not).
    scheduler
        ``None`` for a local run, or a ``dask.distributed.Client`` / scheduler address: the
        units then run on the cluster, with identical files.
    progress
        Called with (steps done, steps) after each chunk's set-up and after each unit is
        simulated and written.
    """
    chosen = None if states is None else check_quantities(states, "--states")
    scenario = load_scenario(path)
    out = Path(out)
    check_out(out, "simulate", overwrite=overwrite)  # before the run, and again when done
    plan = plan_scenario(scenario, people, seed, noise=noise, chunk_people=chunk_people)
    written: list[str] = []
    with atomic_dir(out, "simulate", overwrite=overwrite) as tmp:
        acc = _write_units(
            plan,
            tmp,
            states=None if summary else chosen,
            summary=(chosen or _PLOTTED) if summary else None,
            csv=csv,
            written=written,
            scheduler=scheduler,
            progress=progress,
        )
        plot_axis(acc, tmp / "axis.png", title=scenario.name)
        written.append("axis.png")
        manifest = {
            **run_manifest(path, scenario, people, seed, noise),
            "states": "all" if chosen is None and not summary else list(chosen or _PLOTTED),
            "summary": summary,
            "files": written,
            "disclaimer": "Research and teaching simulation; not medical advice.",
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest
