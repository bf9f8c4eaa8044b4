"""Reading a power design (DESIGN.toml; see docs/power.md and examples/power/).

A design has a name, a seed, the replicates per design point, the target power, a
``[generator]`` (the statistical generator's parameters, :mod:`gutbrain.power.generator`, given
or estimated from a pilot bundle, :mod:`gutbrain.power.pilot`), an
``[analysis]`` (:mod:`gutbrain.power.fitting`) and a ``[grid]`` whose lists are crossed:
participants, days, effect (of the tested term), compliance, dropout and alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain._config import Where, read_toml
from gutbrain.errors import DesignError
from gutbrain.power.fitting import Analysis
from gutbrain.power.generator import EFFECT_TERMS, Generator
from gutbrain.power.pilot import pilot_parameters

__all__ = ["Grid", "PowerDesign", "read_design"]

_INF = math.inf


@dataclass(frozen=True)
class Grid:
    """The crossed design settings; ``None`` in effect/compliance/dropout keeps the
    generator's own value."""

    participants: tuple[int, ...]
    days: tuple[int, ...]
    effect: tuple[float | None, ...] = (None,)
    compliance: tuple[float | None, ...] = (None,)
    dropout: tuple[float | None, ...] = (None,)
    alpha: tuple[float, ...] = (0.05,)


@dataclass(frozen=True)
class PowerDesign:
    """A power design: what to simulate, how to analyse it, and over which settings."""

    name: str
    seed: int
    reps: int
    target: float
    generator: Generator
    analysis: Analysis
    grid: Grid
    chunk: int = 50  # replicates per work item (on Dask: per task)


def _numbers(
    at: Where, table: dict[str, Any], key: str, lo: float, hi: float, *, integer: bool = False
) -> tuple[Any, ...] | None:
    if key not in table:
        return None
    values = table[key]
    if not isinstance(values, list) or not values:
        raise at.key(key).bad(values, "a non-empty list")
    return tuple(at.key(key).item(i).within(v, lo, hi, integer) for i, v in enumerate(values, 1))


def _generator(at: Where, t: dict[str, Any], folder: Path) -> Generator:
    at.keys(
        t,
        (
            "pilot",
            "pilot_outcome",
            "intercept",
            "sd_within",
            "ar1",
            "sd_intercept",
            "sd_slope",
            "corr_intercept_slope",
            "effects",
            "w",
            "x",
            "compliance",
            "missing",
            "mood_effect",
            "dropout",
        ),
        {} if "pilot" in t else {"sd_within": "the within-person SD, or a pilot bundle"},
    )
    if "pilot" in t:  # estimated from a pilot bundle; keys given in the design win
        pilot = folder / at.key("pilot").text(t["pilot"])
        outcome = at.key("pilot_outcome").text(t.get("pilot_outcome", "negative_affect"))
        t = pilot_parameters(pilot, outcome) | t
    effects_at = at.key("effects")
    effects = effects_at.table(t.get("effects", {}))
    for k, v in effects.items():
        effects_at.among(k, EFFECT_TERMS, "an effect term")
        effects_at.key(k).within(v)
    pred: dict[str, Any] = {}
    for name in ("w", "x"):
        sub_at = at.key(name)
        sub = sub_at.table(t.get(name, {}))
        sub_at.keys(sub, ("mean", "sd", "centre"))
        pred[f"{name}_mean"] = sub_at.number(sub, "mean", default=0.0)
        pred[f"{name}_sd"] = sub_at.number(sub, "sd", 1e-12, _INF, default=1.0)
        pred[f"{name}_centre"] = sub_at.get(sub, "centre", bool, "true or false", True)
    return Generator(
        intercept=at.number(t, "intercept", default=0.0),
        effects={k: float(v) for k, v in effects.items()},
        sd_within=at.number(t, "sd_within", 1e-12, _INF),
        ar1=at.number(t, "ar1", 0.0, 0.99, default=0.0),
        sd_intercept=at.number(t, "sd_intercept", 0.0, _INF, default=0.0),
        sd_slope=at.number(t, "sd_slope", 0.0, _INF, default=0.0),
        corr_intercept_slope=at.number(t, "corr_intercept_slope", -0.99, 0.99, default=0.0),
        compliance=at.number(t, "compliance", 0.01, 1.0, default=1.0),
        missing=at.choice(t, "missing", ("random", "mood"), "random"),
        mood_effect=at.number(t, "mood_effect", default=0.0),
        dropout=at.number(t, "dropout", 0.0, 1.0, default=0.0),
        **pred,
    )


def _analysis(at: Where, t: dict[str, Any]) -> Analysis:
    at.keys(
        t,
        ("kind", "formula", "test", "re", "ar1", "method", "df"),
        {"formula": "the analysis formula, e.g. 'y ~ W'", "test": "the tested coefficient"},
    )
    return Analysis(
        kind=at.choice(t, "kind", ("lmm", "ols"), "lmm"),
        formula=at.key("formula").text(t["formula"]),
        test=at.key("test").text(t["test"]),
        re=at.key("re").text(t.get("re", "~ 1")),
        ar1=at.get(t, "ar1", bool, "true or false", True) and t.get("kind") != "ols",
        method=at.choice(t, "method", ("REML", "ML"), "REML"),
        df=at.choice(t, "df", ("containment", "satterthwaite"), "containment"),
    )


def _grid(at: Where, t: dict[str, Any]) -> Grid:
    at.keys(
        t,
        ("participants", "days", "effect", "compliance", "dropout", "alpha"),
        {"participants": "a list of participant numbers", "days": "a list of diary days"},
    )
    participants = _numbers(at, t, "participants", 2, 10**6, integer=True)
    days = _numbers(at, t, "days", 1, 10**4, integer=True)
    assert participants is not None and days is not None  # required keys
    return Grid(
        participants=participants,
        days=days,
        effect=_numbers(at, t, "effect", -_INF, _INF) or (None,),
        compliance=_numbers(at, t, "compliance", 0.01, 1.0) or (None,),
        dropout=_numbers(at, t, "dropout", 0.0, 1.0) or (None,),
        alpha=_numbers(at, t, "alpha", 1e-6, 0.5) or (0.05,),
    )


def parse_design(data: dict[str, Any], source: str, folder: Path | None = None) -> PowerDesign:
    """A design from parsed TOML ``data``; errors name ``source`` and the key. A pilot bundle
    is looked for relative to ``folder`` (default: the working directory).

    Raises
    ------
    DesignError
        An unknown or missing key, or a value of the wrong kind or out of range.
    """
    at = Where(source, DesignError)
    at.keys(
        data,
        ("name", "seed", "reps", "target", "chunk", "generator", "analysis", "grid"),
        {
            "generator": "a [generator] table",
            "analysis": "an [analysis] table",
            "grid": "a [grid] table",
        },
    )
    analysis = _analysis(at.key("analysis"), at.key("analysis").table(data["analysis"]))
    grid = _grid(at.key("grid"), at.key("grid").table(data["grid"]))
    if grid.effect != (None,) and analysis.test not in EFFECT_TERMS:
        raise (
            at.key("analysis")
            .key("test")
            .bad(
                analysis.test,
                f"a generator effect term ({', '.join(EFFECT_TERMS)}) when grid.effect is given, "
                "so that the grid's effects are the tested term's",
            )
        )
    return PowerDesign(
        name=at.get(data, "name", str, "a string", Path(source).stem),
        seed=at.number(data, "seed", 0, 2**63 - 1, default=1, integer=True),
        reps=at.number(data, "reps", 1, 10**7, default=1000, integer=True),
        target=at.number(data, "target", 0.01, 0.999, default=0.8),
        generator=_generator(
            at.key("generator"), at.key("generator").table(data["generator"]), folder or Path()
        ),
        analysis=analysis,
        grid=grid,
        chunk=at.number(data, "chunk", 1, 10**6, default=50, integer=True),
    )


def read_design(path: str | Path) -> PowerDesign:
    """Read and check DESIGN.toml (see :func:`parse_design`)."""
    p = Path(path)
    return parse_design(read_toml(p, DesignError, if_missing=" (a power design)"), p.name, p.parent)
