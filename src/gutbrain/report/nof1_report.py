"""``gutbrain nof1``: analyse an N-of-1 bundle and write results.json and report.html.

:func:`run_nof1` reads and validates the bundle, runs :func:`gutbrain.analysis.nof1.nof1_series`
(per-person Bayesian posterior with AR(1) errors and wash-in, exact randomisation test, pooled
random-effects estimate), and writes, atomically (see :mod:`gutbrain.report._output`):

- ``results.json``: every estimate with its interval, and a manifest (gutbrain version, the
  bundle's files with SHA-256, options);
- ``report.html``: a self-contained page with the per-participant panels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain.analysis.nof1 import Nof1Prior, Nof1SeriesResult, nof1_series
from gutbrain.io import StudyBundle, read_bundle
from gutbrain.report._output import check_out, jsonable, manifest_for, write_atomic
from gutbrain.report._render import render_page

__all__ = ["OUTPUT_FILES", "Nof1Run", "nof1_context", "run_nof1"]

OUTPUT_FILES = ("results.json", "report.html")


@dataclass(frozen=True)
class Nof1Run:
    """What :func:`run_nof1` produced: the output folder, the analysis and the JSON."""

    out: Path
    series: Nof1SeriesResult
    results: dict[str, Any]

    def __repr__(self) -> str:
        return f"Nof1Run(out={str(self.out)!r}, {self.series!r})"


def nof1_context(series: Nof1SeriesResult, bundle: StudyBundle) -> dict[str, Any]:
    """What ``templates/_nof1.html`` needs: the series and its per-participant panels (PNG)."""
    from gutbrain.report.meta_plots import figure_png
    from gutbrain.report.trial_plots import nof1_panels

    return {"series": series, "panels": figure_png(nof1_panels(series, bundle.diary))}


def run_nof1(
    bundle: str | Path,
    out: str | Path,
    *,
    mid: float = 5.0,
    wash_in: int | None = None,
    block_days: int | None = None,
    scheme: str = "pairs",
    level: float = 0.95,
    overwrite: bool = False,
) -> Nof1Run:
    """Analyse an N-of-1 bundle and write results.json and report.html into ``out``.

    Parameters are those of :func:`gutbrain.analysis.nof1.nof1_series` (``level`` is its
    ``conf_level``).

    Raises
    ------
    DataError, DesignError, ParameterError
        Bad bundle or options; nothing is written.
    """
    out = Path(out)
    check_out(out, "nof1", overwrite=overwrite)
    path = Path(bundle)
    b = read_bundle(path)
    prior = Nof1Prior()
    series = nof1_series(
        b, mid=mid, wash_in=wash_in, block_days=block_days, scheme=scheme, prior=prior,
        conf_level=level,
    )  # fmt: skip
    options = {"mid": mid, "wash_in": wash_in, "block_days": block_days, "scheme": scheme,
               "level": level}  # fmt: skip
    manifest = manifest_for("nof1", path, options, b)
    results: dict[str, Any] = jsonable({"manifest": manifest, "nof1": series.to_dict()})  # type: ignore[assignment]
    page = render_page("nof1.html", manifest, study=b.study.name, **nof1_context(series, b))
    write_atomic(
        out,
        {
            "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
            "report.html": page,
        },
        "nof1",
        overwrite=overwrite,
    )
    return Nof1Run(out=out, series=series, results=results)
