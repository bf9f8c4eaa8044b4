"""``gutbrain nof1``: analyse an N-of-1 bundle and write results.json and report.html.

:func:`run_nof1` reads and validates the bundle, runs :func:`gutbrain.analysis.nof1.nof1_series`
(per-person Bayesian posterior with AR(1) errors and wash-in, exact randomisation test, pooled
random-effects estimate), and writes, atomically (see :mod:`gutbrain.report._output`):

- ``results.json``: every estimate with its interval, and a manifest (gutbrain version, the
  bundle's files with SHA-256, options);
- ``report.html``: a self-contained page with the per-participant panels.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain.analysis.nof1 import Nof1Prior, Nof1SeriesResult, nof1_series
from gutbrain.io import StudyBundle, read_bundle
from gutbrain.report._output import (
    DISCLAIMER,
    check_out,
    fmt,
    html_page,
    img_tag,
    jsonable,
    manifest_for,
    table,
    write_atomic,
)

__all__ = ["OUTPUT_FILES", "Nof1Run", "nof1_html_parts", "run_nof1"]

OUTPUT_FILES = ("results.json", "report.html")


@dataclass(frozen=True)
class Nof1Run:
    """What :func:`run_nof1` produced: the output folder, the analysis and the JSON."""

    out: Path
    series: Nof1SeriesResult
    results: dict[str, Any]

    def __repr__(self) -> str:
        return f"Nof1Run(out={str(self.out)!r}, {self.series!r})"


def nof1_html_parts(series: Nof1SeriesResult, bundle: StudyBundle) -> list[str]:
    """The N-of-1 sections of a report: per-person table, pooled estimate, panels."""
    from gutbrain.report.meta_plots import figure_png
    from gutbrain.report.trial_plots import nof1_panels

    rows = []
    for pid, post in series.posteriors.items():
        test = series.tests[pid]
        rows.append(
            [
                pid,
                series.data[pid].sequence,
                str(post.n),
                fmt(post.mean, 2),
                f"{fmt(post.ci_low, 2)} to {fmt(post.ci_high, 2)}",
                fmt(post.prob_lower, 3),
                fmt(post.prob_mid, 3),
                fmt(post.phi_mean, 2),
                f"{fmt(test.p, 4)} ({test.n_sequences} {test.scheme})",
            ]
        )
    level = f"{100 * next(iter(series.posteriors.values())).conf_level:g}%"
    parts = [
        "<h2>N-of-1: per-participant posteriors</h2>",
        f"<p>Effect: mean negative affect in {html.escape(series.treatment)} minus "
        f"{html.escape(series.control)} (points on 0-100; negative = lower NA). Blocks of "
        f"{series.block_days} days; the first {series.wash_in} day(s) of each phase dropped. "
        "AR(1) errors in continuous time; priors: "
        + html.escape("; ".join(f"{k} ~ {v}" for k, v in series.prior.to_dict().items()))
        + ".</p>",
        table(
            [
                "participant",
                "sequence",
                "days",
                "posterior mean",
                f"{level} CrI",
                "P(lower)",
                f"P(< -{series.mid:g})",
                "phi",
                "randomisation p (one-sided)",
            ],
            rows,
        ),
    ]
    if series.not_estimable:
        parts.append(
            "<p>Not estimable (left out): "
            + "; ".join(html.escape(why) for why in series.not_estimable.values())
            + ".</p>"
        )
    pooled = series.pooled_dict()
    if pooled is not None:
        parts.append(
            f"<p>Pooled across {pooled['k']} participants ({html.escape(pooled['method'])}): "
            f"{fmt(pooled['estimate'], 2)} ({fmt(pooled['ci_low'], 2)} to "
            f"{fmt(pooled['ci_high'], 2)}), tau^2 = {fmt(pooled['tau2'], 3)}, prediction interval "
            f"{fmt(pooled['pi_low'], 2)} to {fmt(pooled['pi_high'], 2)}.</p>"
        )
    parts.append(img_tag(figure_png(nof1_panels(series, bundle.diary)), "N-of-1 panels"))
    return parts


def run_nof1(
    bundle: str | Path,
    out: str | Path,
    *,
    mid: float = 5.0,
    wash_in: int | None = None,
    block_days: int | None = None,
    scheme: str = "pairs",
    level: float = 0.95,
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
    check_out(out, OUTPUT_FILES)
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
    parts = [
        f"<h1>N-of-1 analysis: {html.escape(b.study.name)}</h1>",
        f"<p class='note'>{DISCLAIMER}</p>",
        *nof1_html_parts(series, b),
        "<h2>Manifest</h2>",
        f"<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>",
    ]
    write_atomic(
        out,
        {
            "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
            "report.html": html_page("gutbrain N-of-1 analysis", parts),
        },
        OUTPUT_FILES,
    )
    return Nof1Run(out=out, series=series, results=results)
