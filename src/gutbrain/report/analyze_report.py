"""``gutbrain analyze``: analyse a study bundle and write results.json and report.html.

:func:`run_analyze` reads and validates the bundle and, by its design,

- ``parallel`` with visits but no diary entries (questionnaire-only and clinician-rated trials):
  :func:`gutbrain.analysis.questionnaire_trial.questionnaire_trial` (pre/post ANCOVA, MMRM over
  visits, responder and remission analyses);
- ``parallel`` with a diary: the daily-diary trial analysis
  (:func:`gutbrain.analysis.diary_trial.diary_trial`: NA and PA per week and smooth, effect
  onset, standardised effects, pre/post ANCOVA, and the diary-vs-pre/post comparison), with
  plots of the daily means by arm, the effect over time with its onset, and the questionnaires
  pre and post;
- ``nof1``: the N-of-1 series analysis (as ``gutbrain nof1``), with per-participant panels;
- ``crossover``: the two-period AB/BA analysis (:func:`gutbrain.analysis.crossover.crossover`:
  treatment and period effects on NA and PA from within-person period differences).

Output is written atomically (:mod:`gutbrain.report._output`): ``results.json`` (every estimate
with its interval, and a manifest of gutbrain version, the bundle's files with SHA-256, and
options) and a self-contained ``report.html``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain.analysis.crossover import CrossoverResult, crossover
from gutbrain.analysis.diary_trial import DiaryTrialResult, diary_trial
from gutbrain.analysis.nof1 import Nof1SeriesResult, nof1_series
from gutbrain.analysis.questionnaire_trial import QuestionnaireTrialResult, questionnaire_trial
from gutbrain.analysis.responder import REMISSION_CUTOFFS
from gutbrain.analysis.trial_tables import TrialTables, trial_tables
from gutbrain.errors import DesignError
from gutbrain.io import StudyBundle, read_bundle
from gutbrain.report._output import check_out, jsonable, manifest_for, write_atomic
from gutbrain.report._render import render_page
from gutbrain.report.nof1_report import nof1_context

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
    crossover: CrossoverResult | None = None
    questionnaire: QuestionnaireTrialResult | None = None
    tables: TrialTables | None = None

    def __repr__(self) -> str:
        inner = next(
            r for r in (self.trial, self.nof1, self.crossover, self.questionnaire) if r is not None
        )
        return f"AnalyzeRun(out={str(self.out)!r}, design={self.design!r},\n  {inner!r})"


def _trial_context(res: DiaryTrialResult, bundle: StudyBundle) -> dict[str, Any]:
    """What ``templates/_trial.html`` needs: the result, its tables as rows, the figures (PNG)."""
    from gutbrain.report.meta_plots import figure_png
    from gutbrain.report.trial_plots import effect_curve_plot, mean_by_arm_plot, prepost_plot

    arms = bundle.participants.set_index("participant")["arm"]
    means = mean_by_arm_plot(bundle.diary, arms, (res.control, res.treatment))
    return {
        "trial": res,
        "weeks": {o: e.summary().to_dict(orient="records") for o, e in res.outcomes.items()},
        "comparison": res.comparison.table.to_dict(orient="records"),
        "means_png": figure_png(means),
        "effect_png": figure_png(effect_curve_plot(res)),
        "prepost_png": (
            figure_png(prepost_plot(res.prepost))
            if res.prepost is not None and res.prepost.results
            else None
        ),
    }


def _questionnaire_context(res: QuestionnaireTrialResult) -> dict[str, Any]:
    """What ``templates/_questionnaire.html`` needs: per instrument and visit, the adjusted
    mean change in each arm beside the difference."""
    rows = {}
    for inst, m in res.mmrm.items():
        means = m.means.set_index(["visit", "arm"])["estimate"]
        rows[inst] = [
            {**e, "control": means[(e["visit"], res.control)],
             "treatment": means[(e["visit"], res.treatment)]}
            for e in m.effects.to_dict(orient="records")
        ]  # fmt: skip
    cutoffs = {k: v for k, v in REMISSION_CUTOFFS.items() if k in res.binary}
    return {"qt": res, "mmrm_rows": rows, "cutoffs": cutoffs}


# The default primary outcome of a daily-diary trial when none is declared (JS2025's diary outcome).
DEFAULT_DIARY_PRIMARY = "negative_affect"


def _primary(option: str | None, declared: str | None, default: str, what: str) -> tuple[str, str]:
    """The primary outcome and where it was declared: option, study.toml, or the default
    (``what`` says what the default is)."""
    if option is not None:
        return option, "declared by the --primary option"
    if declared is not None:
        return declared, "declared in study.toml"
    return default, f"not declared; the default ({what})"


def _diary_tests(res: DiaryTrialResult) -> list[dict[str, Any]]:
    """The diary trial's outcome tests: each diary outcome over the intervention weeks, and
    each questionnaire's pre/post ANCOVA."""
    keys = ("estimate", "ci_low", "ci_high", "p")
    tests = [
        {"outcome": o, "analysis": "mixed model: mean difference over the intervention weeks",
         **{k: e.overall[k] for k in keys}}
        for o, e in res.outcomes.items()
    ]  # fmt: skip
    if res.prepost is not None:
        tests += [
            {"outcome": i, "analysis": "pre/post ANCOVA", **{k: getattr(r, k) for k in keys}}
            for i, r in res.prepost.results.items()
        ]
    return tests


def _questionnaire_tests(res: QuestionnaireTrialResult) -> list[dict[str, Any]]:
    """Each instrument's MMRM difference at its last visit."""
    out = []
    for inst, m in res.mmrm.items():
        e = m.last()
        out.append({"outcome": inst, "analysis": f"MMRM: change from baseline at {e['visit']}",
                    **{k: e[k] for k in ("estimate", "ci_low", "ci_high", "p")}})  # fmt: skip
    return out


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
    primary: str | None = None,
    overwrite: bool = False,
) -> AnalyzeRun:
    """Analyse a bundle by its design and write results.json and report.html into ``out``.

    ``control``, ``treatment``: arms (parallel) or phases (nof1); ``level``: interval level;
    ``alpha`` and ``onset_shape``: see :func:`gutbrain.analysis.diary_trial.diary_trial`;
    ``mid``: see :func:`gutbrain.analysis.nof1.nof1_series`; ``primary``: the primary outcome
    of a parallel trial (default: ``study.toml``'s ``primary``, else daily negative affect for a
    diary trial and the first instrument for a questionnaire-only trial), tested at ``alpha``
    while the secondary outcomes are Holm-adjusted (:mod:`gutbrain.analysis.trial_tables`).

    Raises
    ------
    DataError, DesignError, ParameterError
        Bad bundle or options, or a design not analysed yet (crossover, observational);
        nothing is written.
    """
    out = Path(out)
    check_out(out, "analyze", overwrite=overwrite)
    path = Path(bundle)
    b = read_bundle(path)
    design = b.study.design
    options = {"control": control, "treatment": treatment, "level": level, "alpha": alpha,
               "mid": mid, "onset_shape": onset_shape, "primary": primary}  # fmt: skip
    manifest = manifest_for("analyze", path, options, b)
    trial = series = cross = quest = tables = None
    if design == "parallel" and not len(b.diary) and b.visits is not None and len(b.visits):
        first = next((i for i in b.study.instruments if i != "diary"), "")
        prim, source = _primary(
            primary, b.study.primary, first, "the first instrument in study.toml"
        )
        quest = questionnaire_trial(
            b, control=control, treatment=treatment, conf_level=level, primary=prim
        )
        tables = trial_tables(
            b, control=quest.control, treatment=quest.treatment, tests=_questionnaire_tests(quest),
            primary=quest.primary, primary_source=source, alpha=alpha, conf_level=level,
        )  # fmt: skip
        context = {"trial": None, "crossover": None, **_questionnaire_context(quest)}
        analysis = {"questionnaire_trial": quest.to_dict(), "trial_tables": tables.to_dict()}
    elif design == "parallel":
        trial = diary_trial(
            b, control=control, treatment=treatment, onset_shape=onset_shape, conf_level=level,
            alpha=alpha,
        )  # fmt: skip
        prim, source = _primary(
            primary, b.study.primary, DEFAULT_DIARY_PRIMARY, "daily negative affect"
        )
        tables = trial_tables(
            b, control=trial.control, treatment=trial.treatment, tests=_diary_tests(trial),
            primary=prim, primary_source=source, alpha=alpha, conf_level=level,
        )  # fmt: skip
        context = {"crossover": None, "qt": None, **_trial_context(trial, b)}
        analysis = {"diary_trial": trial.to_dict(), "trial_tables": tables.to_dict()}
    elif design == "nof1":
        series = nof1_series(b, control=control, treatment=treatment, mid=mid, conf_level=level)
        context = {"trial": None, "crossover": None, "qt": None, **nof1_context(series, b)}
        analysis = {"nof1": series.to_dict()}
    elif design == "crossover":
        cross = crossover(b, control=control, treatment=treatment, conf_level=level)
        context = {"trial": None, "crossover": cross, "qt": None}
        analysis = {"crossover": cross.to_dict()}
    else:
        raise DesignError(
            f"study {b.study.name!r}: design {design!r} is not analysed yet; gutbrain analyze "
            "handles parallel, crossover and nof1 designs"
        )
    results: dict[str, Any] = jsonable({"manifest": manifest, "design": design, **analysis})  # type: ignore[assignment]
    page = render_page(
        "analyze.html", manifest, study=b.study.name, design=design, tables=tables, **context
    )
    write_atomic(
        out,
        {
            "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
            "report.html": page,
        },
        "analyze",
        overwrite=overwrite,
    )
    return AnalyzeRun(
        out=out, design=design, trial=trial, nof1=series, results=results, crossover=cross,
        questionnaire=quest, tables=tables,
    )  # fmt: skip
