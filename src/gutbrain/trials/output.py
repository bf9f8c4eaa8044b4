"""Write a trial straight to a bundle folder, chunk by chunk, in constant memory.

Each chunk of blocks is checked (:func:`gutbrain.io.validate_bundle`) and appended as one
Parquet row group to ``<table>.parquet``; memory holds one chunk at a time, whatever ``n``.
"""

from __future__ import annotations

import shutil
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
) -> TrialRun:
    """Run a design and write its bundle to ``out`` (Parquet, one row group per chunk).

    Same randomness as :func:`gutbrain.trials.run.run_trial`: the tables equal those of an
    in-memory run with the same seed, locally or on Dask.
    """
    path = None if isinstance(design, TrialDesign) else str(design)
    d = design if isinstance(design, TrialDesign) else load_design(design)
    target = Path(out)
    check_out(target, "trial", overwrite=overwrite)  # before any work
    plan = plan_trial(d, seed)
    meta = study_meta(plan, path)
    tmp = target.with_name(target.name + ".partial")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        mark(tmp, "trial")
    except OSError as exc:
        raise DataError(f"output {target}: cannot create ({exc.strerror or exc})") from exc
    writers: dict[str, pq.ParquetWriter] = {}
    rows: dict[str, int] = {}
    arms: dict[str, int] = {}
    completed = 0
    try:
        try:
            for chunk in iter_chunks(plan, chunk_blocks, scheduler, progress):
                validate_bundle(StudyBundle(study=meta, **chunk))
                for name, df in chunk.items():
                    table = pa.Table.from_pandas(df, preserve_index=False)
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(tmp / f"{name}.parquet", table.schema)
                    writers[name].write_table(table.cast(writers[name].schema))
                    rows[name] = rows.get(name, 0) + len(df)
                col = "arm" if d.design == "parallel" else "sequence"
                for k, v in chunk["participants"][col].value_counts().items():
                    arms[str(k)] = arms.get(str(k), 0) + int(v)
                completed += int(chunk["participants"]["withdrawn_day"].isna().sum())
        finally:
            for w in writers.values():
                w.close()
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
