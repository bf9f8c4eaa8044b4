"""Write a trial straight to a bundle folder, chunk by chunk, in constant memory.

Each chunk of blocks is checked (:func:`gutbrain.io.validate_bundle`) and appended as one
Parquet row group to ``<table>.parquet``; memory holds one chunk at a time, whatever ``n``.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import tomli_w

from gutbrain._outdir import check_out, mark, swap_dir
from gutbrain.errors import DataError
from gutbrain.io import StudyBundle, validate_bundle
from gutbrain.trials.design import TrialDesign, load_design
from gutbrain.trials.run import ProgressFn, iter_chunks, plan_trial, study_meta

__all__ = ["TrialRun", "demo_design_path", "write_trial"]


@dataclass(frozen=True)
class TrialRun:
    """What :func:`write_trial` wrote: the folder, the rows per table and per-arm counts."""

    out: Path
    name: str
    seed: int
    rows: dict[str, int]
    arms: dict[str, int] = field(default_factory=dict)
    completed: int = 0

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"table": list(self.rows), "rows": list(self.rows.values())})

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "name": self.name,
            "seed": self.seed,
            "rows": dict(self.rows),
            "arms": dict(self.arms),
            "completed": self.completed,
        }

    def __repr__(self) -> str:
        return f"TrialRun(name={self.name!r}, out={str(self.out)!r}, arms={self.arms})"


class _Writers:
    """One Parquet writer per table, each chunk appended as a row group on a background thread:
    Arrow encodes and writes a chunk (without holding the GIL) while the next is computed. One
    chunk is in flight at a time, so memory stays bounded; a failed write raises on the next
    :meth:`submit` or :meth:`wait`."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gutbrain-write")
        self._pending: Future[None] | None = None

    def submit(self, tables: dict[str, pa.Table]) -> None:
        """Write ``tables`` (one chunk) once the previous chunk is written."""
        self.wait()
        self._pending = self._pool.submit(self._write, tables)

    def wait(self) -> None:
        """Wait for the chunk in flight; raise its error, if any."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Let the chunk in flight finish (its error, if any, is left to :meth:`wait`) and close
        the files."""
        self._pool.shutdown(wait=True)
        for w in self._writers.values():
            w.close()

    def _write(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            if name not in self._writers:
                self._writers[name] = pq.ParquetWriter(
                    self._folder / f"{name}.parquet", table.schema
                )
            writer = self._writers[name]
            writer.write_table(table.cast(writer.schema))


def demo_design_path() -> str:
    """The packaged copy of ``examples/trials/js2025.toml``."""
    return str(files("gutbrain.trials").joinpath("designs/js2025.toml"))


def write_trial(
    design: TrialDesign | str | Path,
    out: str | Path,
    seed: int | None = None,
    *,
    chunk_blocks: int = 4,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
    member: Mapping[str, float] | None = None,
    provenance: Mapping[str, Any] | None = None,
    panel: bool = False,
) -> TrialRun:
    """Run a design and write its bundle to ``out`` (Parquet, one row group per chunk).

    Same randomness as :func:`gutbrain.trials.run.run_trial`: the tables equal those of an
    in-memory run with the same seed, locally or on Dask. ``member``: an ensemble member's
    parameter values (:func:`gutbrain.trials.run.plan_trial`); ``provenance``: extra entries
    for ``study.toml``'s ``[provenance]`` (the member's name and source); ``panel``: also write
    the multi-omics panel ``panel.h5mu`` (:mod:`gutbrain.trials.panel`; the ``omics`` extra),
    leaving every table as without it.
    """
    path = None if isinstance(design, TrialDesign) else str(design)
    d = design if isinstance(design, TrialDesign) else load_design(design)
    target = Path(out)
    check_out(target, "trial", overwrite=overwrite)  # before any work
    plan = plan_trial(d, seed, member)
    meta = study_meta(plan, path, provenance)
    tmp = target.with_name(target.name + ".partial")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        mark(tmp, "trial")
    except OSError as exc:
        raise DataError(f"output {target}: cannot create ({exc.strerror or exc})") from exc
    writers = _Writers(tmp)
    rows: dict[str, int] = {}
    arms: dict[str, int] = {}
    completed = 0
    try:
        try:
            for chunk in iter_chunks(plan, chunk_blocks, scheduler, progress):
                validate_bundle(StudyBundle(study=meta, **chunk))
                writers.submit(
                    {n: pa.Table.from_pandas(df, preserve_index=False) for n, df in chunk.items()}
                )
                for name, df in chunk.items():
                    rows[name] = rows.get(name, 0) + len(df)
                col = "arm" if d.design == "parallel" else "sequence"
                for k, v in chunk["participants"][col].value_counts().items():
                    arms[str(k)] = arms.get(str(k), 0) + int(v)
                completed += int(chunk["participants"]["withdrawn_day"].isna().sum())
            writers.wait()
        finally:
            writers.close()
        if panel:
            from gutbrain.trials.panel import write_trial_panel  # anndata/mudata only on request

            meta = dataclasses.replace(meta, panel=write_trial_panel(tmp, plan.seed).name)
        (tmp / "study.toml").write_text(tomli_w.dumps(meta.to_dict()), encoding="utf-8")
    except BaseException:
        # a failed run leaves nothing behind, and an existing bundle at ``out`` untouched
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        check_out(target, "trial", overwrite=overwrite)  # files may have appeared meanwhile
        swap_dir(tmp, target)  # overwrite: the old bundle goes only once the new one is in place
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(f"output {target}: cannot write ({exc.strerror or exc})") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return TrialRun(target, d.name, plan.seed, rows, arms, completed)
