"""``gutbrain meta``: analyse an EFFECTS table and write results.json, report.html and plots.

:func:`run_meta` reads and validates the table, fits the model (and, if asked, a subgroup
analysis and a meta-regression), runs Egger's test, draws the forest and funnel plots, and writes

- ``results.json``: every estimate with its interval and test, and a manifest (gutbrain version,
  input file with its SHA-256, options);
- ``report.html``: one self-contained page, the plots embedded as base64 PNG;
- ``forest.png`` and ``funnel.png``.

Everything is written into a temporary folder beside ``out`` and renamed into place at the end,
so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gutbrain.analysis.meta._format import fmt_p
from gutbrain.analysis.meta.bias import EggerTest, regtest
from gutbrain.analysis.meta.model import MetaResult, rma
from gutbrain.analysis.meta.reader import read_effects
from gutbrain.analysis.meta.subgroup import SubgroupResult, subgroup_analysis
from gutbrain.analysis.meta.tau2 import METHODS
from gutbrain.errors import DataError, ParameterError
from gutbrain.report._output import (
    check_out,
    html_page,
    jsonable,
    sha256,
    write_atomic,
)
from gutbrain.report._output import fmt as _f
from gutbrain.report._output import table as _table

__all__ = ["OUTPUT_FILES", "MetaRun", "run_meta"]

OUTPUT_FILES = ("results.json", "report.html", "forest.png", "funnel.png")
VALIDATED_AGAINST = "metafor 3.8-1 (R 4.2.2); see tests/reference/meta_metafor.R"


@dataclass(frozen=True)
class MetaRun:
    """What :func:`run_meta` produced: the output folder, the fitted objects and the JSON."""

    out: Path
    model: MetaResult
    subgroups: SubgroupResult | None
    meta_regression: MetaResult | None
    egger: EggerTest | None
    results: dict[str, object]

    @property
    def files(self) -> tuple[Path, ...]:
        """Paths of the files written."""
        return tuple(self.out / name for name in OUTPUT_FILES)

    def __repr__(self) -> str:
        return f"MetaRun(out={str(self.out)!r}, k={self.model.k}, method={self.model.method!r})"


def _p_text(p: float) -> str:
    """``p < .0001`` or ``p = 0.0123`` (plain text)."""
    text = fmt_p(p)
    return "p < .0001" if text.startswith("<") else f"p = {text}"


def _p(p: float) -> str:
    """:func:`_p_text`, escaped for running HTML text."""
    return html.escape(_p_text(p))


def _coef_rows(res: MetaResult) -> list[list[str]]:
    return [
        [n, _f(b, 4), _f(s, 4), _f(z, 3), fmt_p(p), f"{_f(lo, 4)} to {_f(hi, 4)}"]
        for n, b, s, z, p, lo, hi in zip(
            res.coef_names, res.beta, res.se, res.stat, res.pval, res.ci_lb, res.ci_ub, strict=True
        )
    ]


def _html(run: MetaRun, manifest: dict[str, object], forest: bytes, funnel: bytes) -> str:
    from gutbrain.report.meta_plots import measure_label

    res = run.model
    stat = "t" if res.knha else "z"
    parts = [
        "<h1>Meta-analysis</h1>",
        "<p class='note'>Research and teaching only; not medical advice.</p>",
        f"<p>Input: <code>{html.escape(str(manifest['input_name']))}</code> "
        f"(k = {res.k} studies; effect sizes: {html.escape(str(manifest['effect_source']))}; "
        f"{html.escape(measure_label(res.measure).lower())}). "
        f"Model: {html.escape(_describe(res))}.</p>",
        "<h2>Pooled estimate</h2>",
        _table(["", "estimate", "SE", stat, "p", f"{100 * res.level:g}% CI"], _coef_rows(res)),
    ]
    pr = res.predict()
    if pr.pi_lb is not None and pr.pi_ub is not None:
        parts.append(
            f"<p>{100 * res.level:g}% prediction interval for the effect in a new study: "
            f"{_f(pr.pi_lb[0], 4)} to {_f(pr.pi_ub[0], 4)}.</p>"
        )
    het_rows = [["Q", f"{_f(res.QE, 3)} (df = {res.QE_df}, {_p_text(res.QE_p)})", ""]]
    if res.random:
        ci = res.confint()
        het_rows += [
            ["tau^2", _f(ci.tau2[0], 4), f"{_f(ci.tau2[1], 4)} to {_f(ci.tau2[2], 4)}"],
            ["tau", _f(ci.tau[0], 4), f"{_f(ci.tau[1], 4)} to {_f(ci.tau[2], 4)}"],
            ["I^2 (%)", _f(ci.I2[0], 2), f"{_f(ci.I2[1], 2)} to {_f(ci.I2[2], 2)}"],
            ["H^2", _f(ci.H2[0], 3), f"{_f(ci.H2[1], 3)} to {_f(ci.H2[2], 3)}"],
        ]
    else:
        het_rows += [["I^2 (%)", _f(res.I2, 2), ""], ["H^2", _f(res.H2, 3), ""]]
    parts += [
        "<h2>Heterogeneity</h2>",
        _table(["", "estimate", f"{100 * res.level:g}% CI (Q-profile)"], het_rows),
        "<h2>Forest plot</h2>",
        f"<img alt='forest plot' src='data:image/png;base64,{base64.b64encode(forest).decode()}'>",
    ]
    if run.subgroups is not None:
        sg = run.subgroups
        rows = [
            [
                g,
                str(m.k),
                _f(m.beta[0], 4),
                f"{_f(m.ci_lb[0], 4)} to {_f(m.ci_ub[0], 4)}",
                _f(m.tau2, 4),
                _f(m.I2, 1),
            ]
            for g, m in sg.models.items()
        ]
        pooled = sg.pooled
        dist = "F" if pooled.knha else "QM"
        parts += [
            f"<h2>Subgroups by {html.escape(sg.variable)}</h2>",
            _table(
                ["subgroup", "k", "estimate", f"{100 * res.level:g}% CI", "tau^2", "I^2 (%)"], rows
            ),
            f"<p>Test for subgroup differences (separate tau^2): QM = {_f(sg.QM, 3)}, "
            f"df = {sg.QM_df}, {_p(sg.QM_p)}. With a common tau^2 (mixed-effects model): "
            f"{dist} = {_f(pooled.QM, 3)}, df = {pooled.QM_df[0]}"
            f"{'' if pooled.QM_df[1] is None else f', {pooled.QM_df[1]}'}, "
            f"{_p(pooled.QM_p)}.</p>",
        ]
    if run.meta_regression is not None:
        mr = run.meta_regression
        dist = "F" if mr.knha else "QM"
        parts += [
            "<h2>Meta-regression</h2>",
            _table(["", "estimate", "SE", stat, "p", f"{100 * res.level:g}% CI"], _coef_rows(mr)),
            f"<p>Test of moderators: {dist} = {_f(mr.QM, 3)} ({_p(mr.QM_p)}). "
            f"Residual heterogeneity: QE = {_f(mr.QE, 3)} (df = {mr.QE_df}, {_p(mr.QE_p)}), "
            f"tau^2 = {_f(mr.tau2, 4)}, I^2 = {_f(mr.I2, 1)}%"
            + (f", R^2 = {_f(mr.R2, 1)}%" if mr.R2 is not None else "")
            + ".</p>",
        ]
    parts.append("<h2>Funnel plot and Egger's test</h2>")
    parts.append(
        f"<img alt='funnel plot' src='data:image/png;base64,{base64.b64encode(funnel).decode()}'>"
    )
    if run.egger is not None:
        eg = run.egger
        parts.append(
            f"<p>Egger's regression test (predictor: standard error): {stat} = {_f(eg.stat, 3)}"
            f"{'' if eg.df is None else f' (df = {eg.df})'}, {_p(eg.pval)}; limit estimate "
            f"{_f(eg.limit_estimate, 4)} ({_f(eg.limit_ci_lb, 4)} to {_f(eg.limit_ci_ub, 4)}).</p>"
        )
    else:
        parts.append(f"<p>Egger's test not run: {html.escape(str(manifest['egger_skipped']))}</p>")
    parts += [
        "<h2>Manifest</h2>",
        f"<pre>{html.escape(json.dumps(manifest['manifest'], indent=2))}</pre>",
    ]
    return html_page("gutbrain meta-analysis", parts)


def _describe(res: MetaResult) -> str:
    if not res.random:
        text = "fixed-effect (inverse variance)"
    else:
        text = f"random-effects, tau^2 by {res.method}"
    if res.knha:
        text += ", Knapp-Hartung adjustment"
    return text


def run_meta(
    effects: str | Path,
    out: str | Path,
    *,
    method: str = "REML",
    knha: bool = False,
    subgroup: str | None = None,
    mods: Sequence[str] = (),
    measure: str | None = None,
    level: float = 0.95,
) -> MetaRun:
    """Analyse an EFFECTS table and write results.json, report.html, forest.png, funnel.png.

    Parameters
    ----------
    effects
        Path of the EFFECTS table (see :func:`gutbrain.analysis.meta.read_effects`).
    out
        Output folder; created, or replaced if it holds only files of an earlier run.
    method, knha, level
        As for :func:`gutbrain.analysis.meta.rma`.
    subgroup
        Column for a subgroup analysis (each subgroup pooled on its own, and the test of
        subgroup differences).
    mods
        Columns for a meta-regression (mixed-effects model, same tau^2 method).
    measure
        How to get the effect sizes (see ``read_effects``).

    Raises
    ------
    DataError, ParameterError
        Bad input; nothing is written.
    """
    if method not in METHODS:
        raise ParameterError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    out = Path(out)
    check_out(out, OUTPUT_FILES)
    table = read_effects(effects, measure=measure)
    labels = list(table.studies)
    model = rma(table.effects, method=method, knha=knha, level=level, labels=labels)
    sub = None
    if subgroup is not None:
        sub = subgroup_analysis(
            table.effects,
            None,
            table.column(subgroup),
            method=method,
            knha=knha,
            level=level,
            labels=labels,
            variable=subgroup,
        )
    mr = None
    if mods:
        mr = rma(
            table.effects,
            mods=table.moderators(list(mods)),
            method=method,
            knha=knha,
            level=level,
            labels=labels,
        )
    egger: EggerTest | None = None
    egger_skipped: str | None = None
    try:
        egger = regtest(model)
    except DataError as exc:
        egger_skipped = str(exc)

    from gutbrain._version import __version__

    manifest = {
        "gutbrain_version": __version__,
        "command": "meta",
        "inputs": [{"path": str(effects), "sha256": sha256(Path(effects))}],
        "options": {
            "method": method,
            "knha": knha,
            "subgroup": subgroup,
            "mods": list(mods),
            "measure": measure,
            "level": level,
        },
        "effect_source": table.source,
        "validated_against": VALIDATED_AGAINST,
    }
    results: dict[str, object] = {
        "manifest": manifest,
        "model": model.to_dict(),
        "egger": egger.to_dict() if egger is not None else {"skipped": egger_skipped},
        "subgroups": sub.to_dict() if sub is not None else None,
        "meta_regression": mr.to_dict() if mr is not None else None,
    }
    results = jsonable(results)  # type: ignore[assignment]
    run = MetaRun(
        out=out, model=model, subgroups=sub, meta_regression=mr, egger=egger, results=results
    )

    # matplotlib is imported only once the input has been validated: errors come back fast.
    from gutbrain.report.meta_plots import figure_png, forest_plot, funnel_plot

    forest = figure_png(forest_plot(model, subgroups=sub))
    funnel = figure_png(funnel_plot(model))
    page = _html(
        run,
        {
            "manifest": manifest,
            "input_name": Path(effects).name,
            "egger_skipped": egger_skipped,
            "effect_source": table.source,
        },
        forest,
        funnel,
    )
    write_atomic(
        out,
        {
            "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
            "report.html": page,
            "forest.png": forest,
            "funnel.png": funnel,
        },
        OUTPUT_FILES,
    )
    return run
