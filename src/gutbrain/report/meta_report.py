"""``gutbrain meta``: analyse an EFFECTS table and write results.json, report.html and plots.

:func:`run_meta` reads and validates the table, fits the model (and, if asked, a subgroup
analysis, a meta-regression, trim-and-fill and the influence diagnostics), runs Egger's and the
rank-correlation test, draws the forest and funnel plots, and writes

- ``results.json``: every estimate with its interval and test, and a manifest (gutbrain version,
  input file with its SHA-256, options);
- ``report.html``: one self-contained page, the plots embedded as base64 PNG;
- ``forest.png`` and ``funnel.png``.

Everything is written into a temporary folder beside ``out`` and renamed into place at the end,
so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gutbrain.analysis.meta.bias import EggerTest, RankTest, ranktest, regtest
from gutbrain.analysis.meta.influence import Influence, LeaveOneOut, influence, leave1out
from gutbrain.analysis.meta.model import MetaResult, rma
from gutbrain.analysis.meta.reader import read_effects
from gutbrain.analysis.meta.subgroup import SubgroupResult, subgroup_analysis
from gutbrain.analysis.meta.tau2 import METHODS
from gutbrain.analysis.meta.trimfill import ESTIMATORS as FILL_ESTIMATORS
from gutbrain.analysis.meta.trimfill import SIDES, TrimFill, trimfill
from gutbrain.errors import DataError, ParameterError
from gutbrain.report._output import check_out, jsonable, sha256, write_atomic
from gutbrain.report._render import render_page

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
    rank: RankTest | None = None
    trimfill: TrimFill | None = None
    influence: Influence | None = None
    leave1out: LeaveOneOut | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        """Paths of the files written."""
        return tuple(self.out / name for name in OUTPUT_FILES)

    def __repr__(self) -> str:
        return f"MetaRun(out={str(self.out)!r}, k={self.model.k}, method={self.model.method!r})"


_T = TypeVar("_T")


def _attempt(test: Callable[[MetaResult], _T], model: MetaResult) -> tuple[_T | None, str | None]:
    """Run a funnel-asymmetry test; (None, the reason) when the data do not allow it."""
    try:
        return test(model), None
    except DataError as exc:
        return None, str(exc)


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
    overwrite: bool = False,
    fill: str | None = None,
    fill_side: str = "auto",
    diagnostics: bool = False,
) -> MetaRun:
    """Analyse an EFFECTS table and write results.json, report.html, forest.png, funnel.png.

    Parameters
    ----------
    effects
        Path of the EFFECTS table (see :func:`gutbrain.analysis.meta.read_effects`).
    out
        Output folder: new or empty, or with ``overwrite`` an earlier ``gutbrain meta`` output
        (see :func:`gutbrain._outdir.check_out`).
    method, knha, level
        As for :func:`gutbrain.analysis.meta.rma`.
    subgroup
        Column for a subgroup analysis (each subgroup pooled on its own, and the test of
        subgroup differences).
    mods
        Columns for a meta-regression (mixed-effects model, same tau^2 method).
    measure
        How to get the effect sizes (see ``read_effects``).
    fill, fill_side
        Trim-and-fill with this estimator (``"L0"`` or ``"R0"``) on this side (``"auto"``,
        ``"left"``, ``"right"``); None (default) skips it.
    diagnostics
        Also compute the influence diagnostics and the leave-one-out estimates.

    Raises
    ------
    DataError, ParameterError
        Bad input; nothing is written.
    """
    if method not in METHODS:
        raise ParameterError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    if fill is not None and fill not in FILL_ESTIMATORS:
        raise ParameterError(
            f"--trimfill-estimator {fill!r}: expected one of {', '.join(FILL_ESTIMATORS)}"
        )
    if fill_side not in SIDES:
        raise ParameterError(f"--trimfill-side {fill_side!r}: expected one of {', '.join(SIDES)}")
    out = Path(out)
    check_out(out, "meta", overwrite=overwrite)
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
    egger, egger_skipped = _attempt(regtest, model)
    rank, rank_skipped = _attempt(ranktest, model)
    filled = None if fill is None else trimfill(model, estimator=fill, side=fill_side)
    infl = influence(model) if diagnostics else None
    l1o = leave1out(model) if diagnostics else None

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
            "trimfill": None if fill is None else {"estimator": fill, "side": fill_side},
            "influence": diagnostics,
        },
        "effect_source": table.source,
        "validated_against": VALIDATED_AGAINST,
    }
    results: dict[str, object] = {
        "manifest": manifest,
        "model": model.to_dict(),
        "egger": egger.to_dict() if egger is not None else {"skipped": egger_skipped},
        "ranktest": rank.to_dict() if rank is not None else {"skipped": rank_skipped},
        "trimfill": filled.to_dict() if filled is not None else None,
        "influence": infl.to_dict() if infl is not None else None,
        "leave1out": l1o.to_dict() if l1o is not None else None,
        "subgroups": sub.to_dict() if sub is not None else None,
        "meta_regression": mr.to_dict() if mr is not None else None,
    }
    results = jsonable(results)  # type: ignore[assignment]
    run = MetaRun(
        out=out,
        model=model,
        subgroups=sub,
        meta_regression=mr,
        egger=egger,
        results=results,
        rank=rank,
        trimfill=filled,
        influence=infl,
        leave1out=l1o,
    )

    # matplotlib is imported only once the input has been validated: errors come back fast.
    from gutbrain.report.meta_plots import figure_png, forest_plot, funnel_plot, measure_label

    forest = figure_png(forest_plot(model, subgroups=sub))
    funnel = figure_png(funnel_plot(model))
    page = render_page(
        "meta.html",
        manifest,
        res=model,
        pred=model.predict(),
        het_ci=model.confint() if model.random else None,
        subgroups=sub,
        meta_regression=mr,
        egger=egger,
        egger_skipped=egger_skipped,
        rank=rank,
        rank_skipped=rank_skipped,
        back=model.back_transformed(),
        filled=filled,
        infl=infl,
        l1o=l1o,
        input_name=Path(effects).name,
        effect_source=table.source,
        measure=measure_label(model.measure),
        forest=forest,
        funnel=funnel,
    )
    write_atomic(
        out,
        {
            "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
            "report.html": page,
            "forest.png": forest,
            "funnel.png": funnel,
        },
        "meta",
        overwrite=overwrite,
    )
    return run
