"""``gutbrain analyze``: analyse a study bundle and write results.json and report.html.

:func:`run_analyze` reads and validates the bundle and, by its design,

- ``parallel``: the daily-diary trial analysis (:func:`gutbrain.analysis.diary_trial.diary_trial`:
  NA and PA per week and smooth, effect onset, standardised effects, pre/post ANCOVA, and the
  diary-vs-pre/post comparison), with plots of the daily means by arm, the effect over time with
  its onset, and the questionnaires pre and post;
- ``nof1``: the N-of-1 series analysis (as ``gutbrain nof1``), with per-participant panels.

Output is written atomically (:mod:`gutbrain.report._output`): ``results.json`` (every estimate
with its interval, and a manifest of gutbrain version, the bundle's files with SHA-256, and
options) and a self-contained ``report.html``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain.analysis.diary_trial import DiaryTrialResult, diary_trial
from gutbrain.analysis.nof1 import Nof1SeriesResult, nof1_series
from gutbrain.errors import DesignError
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
from gutbrain.report.nof1_report import nof1_html_parts

__all__ = ["OUTPUT_FILES", "AnalyzeRun", "run_analyze"]

OUTPUT_FILES = ("results.json", "report.html")


@dataclass(frozen=True)
class AnalyzeRun:
    """What :func:`run_analyze` produced."""

    out: Path
    design: str
    trial: DiaryTrialResult | None
    nof1: Nof1SeriesResult | None
    results: dict[str, Any]

    def __repr__(self) -> str:
        inner = self.trial if self.trial is not None else self.nof1
        return f"AnalyzeRun(out={str(self.out)!r}, design={self.design!r},\n  {inner!r})"


def _p(p: float) -> str:
    """A p-value for a table cell."""
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def _pt(p: float) -> str:
    """A p-value in running text: ``p < 0.0001`` or ``p = 0.0123``."""
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.4f}"


def _trial_parts(res: DiaryTrialResult, bundle: StudyBundle) -> list[str]:
    from gutbrain.report.meta_plots import figure_png
    from gutbrain.report.trial_plots import effect_curve_plot, mean_by_arm_plot, prepost_plot

    lvl = f"{100 * res.conf_level:g}%"
    arms = bundle.participants.set_index("participant")["arm"]
    parts = [
        f"<p>Contrast: {html.escape(res.treatment)} minus {html.escape(res.control)} "
        f"({res.n_participants[res.treatment]} and {res.n_participants[res.control]} "
        "participants). Mixed models with a random intercept per participant (plus a random "
        "slope in day where it converges) and continuous-time AR(1) residuals on day; "
        "standardised effects divide by the SD of one daily rating between people, "
        "sqrt(var(intercept) + sigma^2).</p>",
        "<h2>Daily means by arm</h2>",
        img_tag(
            figure_png(mean_by_arm_plot(bundle.diary, arms, (res.control, res.treatment))),
            "daily means by arm",
        ),
        "<h2>Effect over time</h2>",
        img_tag(figure_png(effect_curve_plot(res)), "effect over time"),
    ]
    for outcome, eff in res.outcomes.items():
        rows = [
            [
                str(r["week"]),
                fmt(r["estimate"], 2),
                f"{fmt(r['ci_low'], 2)} to {fmt(r['ci_high'], 2)}",
                _p(r["p"]),
                f"{fmt(r['smd'], 2)} ({fmt(r['smd_low'], 2)} to {fmt(r['smd_high'], 2)})",
            ]
            for r in eff.summary().to_dict(orient="records")
        ]
        on = eff.onset
        if on.day is None:
            onset = (
                f"No arm effect on {outcome.replace('_', ' ')} (likelihood-ratio test of arm x "
                f"week, {_pt(on.effect_test['p'])}); no onset estimated."
            )
        else:
            onset = (
                f"Onset: day {on.day} ({lvl} profile-likelihood interval {on.ci_low} to "
                f"{on.ci_high}); shape {on.shape}: "
                + (
                    f"difference after onset {fmt(on.change, 2)}"
                    if on.shape == "step"
                    else f"difference grows by {fmt(on.change, 3)} per day"
                )
                + f" ({fmt(on.change_ci_low, 3)} to {fmt(on.change_ci_high, 3)}). First day the "
                f"smooth curve's pointwise {lvl} interval excludes 0: {on.detection_day}. Arm "
                f"effect test {_pt(on.effect_test['p'])}."
            )
        parts += [
            f"<h3>{html.escape(outcome.replace('_', ' ').capitalize())}</h3>",
            table(["week", "difference", f"{lvl} CI", "p", "SMD (CI)"], rows),
            f"<p>{html.escape(onset)}</p>",
        ]
    if res.prepost is not None and res.prepost.results:
        rows = [
            [
                r.instrument,
                str(r.n),
                fmt(r.estimate, 2),
                f"{fmt(r.ci_low, 2)} to {fmt(r.ci_high, 2)}",
                _p(r.p),
                fmt(r.smd, 2),
            ]
            for r in res.prepost.results.values()
        ]
        parts += [
            "<h2>Questionnaires pre and post (ANCOVA: post ~ baseline + arm)</h2>",
            table(["instrument", "n", "difference", f"{lvl} CI", "p", "SMD"], rows),
            img_tag(figure_png(prepost_plot(res.prepost)), "questionnaires pre and post"),
        ]
    cmp_rows = [
        [
            str(r["construct"]),
            f"{fmt(r['diary_estimate'], 2)} (SMD {fmt(r['diary_smd'], 2)}), {_pt(r['diary_p'])}",
            "yes" if r["diary_detects"] else "no",
            str(r["instrument"] or "none"),
            "NA"
            if r["instrument"] is None
            else f"{fmt(r['prepost_estimate'], 2)} (SMD {fmt(r['prepost_smd'], 2)}), "
            f"{_pt(r['prepost_p'])}",
            "NA" if r["prepost_detects"] is None else ("yes" if r["prepost_detects"] else "no"),
        ]
        for r in res.comparison.table.to_dict(orient="records")
    ]
    parts += [
        "<h2>What the daily diary detects vs what pre/post detects</h2>",
        f"<p>Diary: last-week difference; pre/post: ANCOVA difference; 'detects' means "
        f"p &lt; {res.comparison.alpha:g}.</p>",
        table(["construct", "diary", "detects", "questionnaire", "pre/post", "detects"], cmp_rows),
    ]
    return parts


def run_analyze(
    bundle: str | Path,
    out: str | Path,
    *,
    control: str | None = None,
    treatment: str | None = None,
    level: float = 0.95,
    alpha: float = 0.05,
    mid: float = 5.0,
    onset_shape: str = "step",
) -> AnalyzeRun:
    """Analyse a bundle by its design and write results.json and report.html into ``out``.

    ``control``, ``treatment``: arms (parallel) or phases (nof1); ``level``: interval level;
    ``alpha`` and ``onset_shape``: see :func:`gutbrain.analysis.diary_trial.diary_trial`;
    ``mid``: see :func:`gutbrain.analysis.nof1.nof1_series`.

    Raises
    ------
    DataError, DesignError, ParameterError
        Bad bundle or options, or a design not analysed yet (crossover, observational);
        nothing is written.
    """
    out = Path(out)
    check_out(out, OUTPUT_FILES)
    path = Path(bundle)
    b = read_bundle(path)
    design = b.study.design
    options = {"control": control, "treatment": treatment, "level": level, "alpha": alpha,
               "mid": mid, "onset_shape": onset_shape}  # fmt: skip
    manifest = manifest_for("analyze", path, options, b)
    head = [
        f"<h1>Study analysis: {html.escape(b.study.name)}</h1>",
        f"<p class='note'>{DISCLAIMER}</p>",
        f"<p>Design: {html.escape(design)}.</p>",
    ]
    trial = series = None
    if design == "parallel":
        trial = diary_trial(
            b, control=control, treatment=treatment, onset_shape=onset_shape, conf_level=level,
            alpha=alpha,
        )  # fmt: skip
        body = _trial_parts(trial, b)
        analysis = {"diary_trial": trial.to_dict()}
    elif design == "nof1":
        series = nof1_series(b, control=control, treatment=treatment, mid=mid, conf_level=level)
        body = nof1_html_parts(series, b)
        analysis = {"nof1": series.to_dict()}
    else:
        raise DesignError(
            f"study {b.study.name!r}: design {design!r} is not analysed yet; gutbrain analyze "
            "handles parallel and nof1 designs"
        )
    results: dict[str, Any] = jsonable({"manifest": manifest, "design": design, **analysis})  # type: ignore[assignment]
    parts = [
        *head,
        *body,
        "<h2>Manifest</h2>",
        f"<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>",
    ]
    write_atomic(
        out,
        {
            "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
            "report.html": html_page("gutbrain study analysis", parts),
        },
        OUTPUT_FILES,
    )
    return AnalyzeRun(out=out, design=design, trial=trial, nof1=series, results=results)
