"""Write a scenario run's outputs (``gutbrain simulate``): trajectories as Parquet and CSV, the
axis figure and a manifest, atomically."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gutbrain._outdir import atomic_dir, check_out
from gutbrain.model.run import run_scenario
from gutbrain.model.scenario import load_scenario
from gutbrain.report.axis_plot import plot_axis

__all__ = ["OUTPUT_FILES", "simulate_scenario"]

OUTPUT_FILES = ("trajectories.parquet", "trajectories.csv", "axis.png", "manifest.json")


def simulate_scenario(
    path: str | Path,
    out: str | Path,
    *,
    people: int = 100,
    seed: int = 0,
    noise: bool = True,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Run a scenario file and write ``trajectories.parquet``, ``trajectories.csv``,
    ``axis.png`` and ``manifest.json`` into ``out`` (written atomically)."""
    from gutbrain._version import __version__

    scenario = load_scenario(path)
    out = Path(out)
    check_out(out, "simulate", overwrite=overwrite)  # before the run, and again when done
    traj = run_scenario(scenario, people, seed, noise=noise, progress=progress)
    with atomic_dir(out, "simulate", overwrite=overwrite) as tmp:
        table = pa.Table.from_pandas(traj.to_frame(), preserve_index=False)
        pq.write_table(table, tmp / "trajectories.parquet")
        # Arrow's writer: 0.34 s against DataFrame.to_csv's 5.45 s for 73,200 rows x 33
        # columns, and the same values read back (tests/model/test_cli.py).
        pacsv.write_csv(table, tmp / "trajectories.csv")
        plot_axis(traj, tmp / "axis.png", title=scenario.name)
        manifest = {
            "gutbrain_version": __version__,
            "scenario": str(path),
            "name": scenario.name,
            "people": people,
            "seed": seed,
            "noise": noise,
            "days": scenario.days,
            "arms": list(scenario.arm_names),
            "files": [f for f in OUTPUT_FILES if f != "manifest.json"],
            "disclaimer": "Research and teaching simulation; not medical advice.",
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest
