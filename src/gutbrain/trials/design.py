"""Trial designs: a declarative TOML file parsed into frozen, checked objects.

A design names the cohort and inclusion criteria, the sample size and allocation, the arms (or,
for crossover and N-of-1 designs, the phases), the timeline (run-in, treatment, washout,
follow-up), the visits with their instruments, the daily diary, biomarkers, adherence, dropout
and blinding. See ``docs/trials.md`` and ``examples/trials/`` for complete files.

Every problem raises :class:`~gutbrain.errors.DesignError` naming the file, the key and the
value, in the format of every reader (:mod:`gutbrain._config`), e.g. ``js2025.toml:
arms[2].probiotic.product = 'foo'; expected a product in strains.toml: ...``. Arm and phase labels,
the start date and instrument names follow the study bundle's rules (:mod:`gutbrain.io.meta`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gutbrain._config import Where, read_toml
from gutbrain.errors import DesignError
from gutbrain.io.meta import DESIGNS as STUDY_DESIGNS
from gutbrain.io.meta import NOF1_MIN, check_groups, check_instrument, check_labels, check_start
from gutbrain.model.exposures import EXPOSURES, PUBLIC_EXPOSURES

__all__ = [
    "Adherence",
    "Criterion",
    "DiaryPlan",
    "Dropout",
    "Treatment",
    "TrialDesign",
    "Visit",
    "load_design",
    "parse_design",
]

#: The study designs a trial simulates: the bundle's, less ``observational``.
DESIGNS = tuple(d for d in STUDY_DESIGNS if d != "observational")
BLINDING = ("open", "single", "double")
_TOP = (
    "name",
    "design",
    "cohort",
    "n",
    "start",
    "seed",
    "inclusion",
    "screening_days",
    "cohort_baseline",
    "timeline",
    "allocation",
    "blinding",
    "arms",
    "phases",
    "crossover",
    "nof1",
    "visits",
    "diary",
    "biomarkers",
    "adherence",
    "dropout",
    "block_size",
)
_TREATMENT_KEYS = (
    "label",
    "description",
    "placebo",
    "probiotic",
    "prebiotic_g",
    "ssri_dose",
    "diet",
    "exposures",
    "fmt",
    "expectancy",
)
_TREATMENT_EXPOSURES = tuple(e for e in PUBLIC_EXPOSURES if e not in ("expectancy", "episode"))
_DIARY_MODEL = ("compliance_mean", "compliance_sd", "mnar_log_odds_per_10", "item_skip_prob")
_START = dt.date(2026, 1, 5)


@dataclass(frozen=True)
class Criterion:
    """An inclusion criterion at screening: ``min <= score <= max`` on an instrument."""

    instrument: str
    min: float | None = None
    max: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Treatment:
    """What an arm or phase receives during its treatment days.

    ``probiotic`` is ``(product, cfu_per_day)``; ``exposures`` holds public exposure values
    (prebiotic, SSRI dose, diet items); ``fmt`` is ``(day offset, donor, engraftment)``;
    ``expectancy`` is the placebo/expectancy level 0-1 while treated (None: from blinding).
    """

    label: str
    description: str = ""
    placebo: bool = False
    probiotic: tuple[str, float] | None = None
    exposures: Mapping[str, float] = field(default_factory=dict)
    fmt: tuple[int, str, float] | None = None
    expectancy: float | None = None

    @property
    def active(self) -> bool:
        return self.probiotic is not None or bool(self.exposures) or self.fmt is not None


@dataclass(frozen=True)
class Visit:
    """A study visit: name, study day and the instruments administered."""

    name: str
    day: int
    instruments: tuple[str, ...]


@dataclass(frozen=True)
class DiaryPlan:
    """The daily diary: on or off, the days it runs, and observation-model overrides."""

    enabled: bool = True
    first_day: int | None = None
    last_day: int | None = None
    model: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Adherence:
    r"""Dose-taking: person rate :math:`p_i \sim Beta(m, s)`, each day Bernoulli(:math:`p_i`)."""

    mean: float = 1.0
    sd: float = 0.0


@dataclass(frozen=True)
class Dropout:
    """Withdrawal as a constant daily hazard ``rate_per_week / 7`` from day 0."""

    rate_per_week: float = 0.0


@dataclass(frozen=True)
class TrialDesign:
    """A parsed, checked trial design (see the module docstring)."""

    name: str
    design: str
    cohort: str
    n: int
    start: dt.date
    treatments: tuple[Treatment, ...]
    run_in_days: int
    treatment_days: int
    follow_up_days: int
    visits: tuple[Visit, ...]
    diary: DiaryPlan
    seed: int = 0
    inclusion: tuple[Criterion, ...] | None = None
    screening_days: int = 14
    cohort_baseline: Mapping[str, float] = field(default_factory=dict)
    ratio: tuple[int, ...] = ()
    allocation_block: int = 4
    blinding: str = "double"
    expectancy: float = 0.3
    open_expectancy: float = 0.6
    sequences: tuple[str, ...] = ()
    period_days: int = 0
    washout_days: int = 0
    block_days: int = 0
    pairs: int = 0
    wash_in_days: int = 0
    biomarker_days: tuple[int, ...] = ()
    markers: tuple[str, ...] = ()
    adherence: Adherence = field(default_factory=Adherence)
    dropout: Dropout = field(default_factory=Dropout)
    block_size: int = 256
    source: str = "design"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(t.label for t in self.treatments)

    @property
    def total_days(self) -> int:
        """Simulated days: run-in + treatment timeline + follow-up."""
        return self.run_in_days + self.treatment_days + self.follow_up_days

    @property
    def first_day(self) -> int:
        return -self.run_in_days

    @property
    def instruments(self) -> tuple[str, ...]:
        out = ["diary"] if self.diary.enabled else []
        for v in self.visits:
            out += [i for i in v.instruments if i not in out]
        return tuple(out)

    def summary(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "label": t.label,
                    "description": t.description,
                    "probiotic": t.probiotic[0] if t.probiotic else "",
                    "exposures": dict(t.exposures),
                    "fmt": bool(t.fmt),
                }
                for t in self.treatments
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "design": self.design,
            "cohort": self.cohort,
            "n": self.n,
            "labels": list(self.labels),
            "days": [self.first_day, self.treatment_days + self.follow_up_days - 1],
        }

    def __repr__(self) -> str:
        return (
            f"TrialDesign(name={self.name!r}, design={self.design!r}, cohort={self.cohort!r}, "
            f"n={self.n}, arms={list(self.labels)})"
        )


def _treatment(at: Where, d: Any) -> Treatment:
    """One ``[[arms]]`` or ``[[phases]]`` table (``at`` is its place)."""
    d = at.table(d, "a table with label = ...")
    at.keys(d, _TREATMENT_KEYS)
    exposures: dict[str, float] = {}
    for key in ("prebiotic_g", "ssri_dose"):
        if key in d:
            exposures[key] = float(at.number(d, key, 0.0, 1e9))
    for key in ("diet", "exposures"):
        table = at.get(d, key, dict, "a table of exposures", {})
        at.key(key).keys(table, _TREATMENT_EXPOSURES, note=" (public exposures)")
        for name in table:
            exposures[name] = float(at.key(key).number(table, name, -1e9, 1e9))
    exp = at.number(d, "expectancy", 0.0, 1.0, None)
    return Treatment(
        label=at.get(d, "label", str, "a string label"),
        description=at.get(d, "description", str, "a string", ""),
        placebo=at.get(d, "placebo", bool, "true or false", False),
        probiotic=_probiotic(at, d),
        exposures=exposures,
        fmt=_fmt(at, d),
        expectancy=None if exp is None else float(exp),
    )


def _probiotic(at: Where, d: Mapping[str, Any]) -> tuple[str, float] | None:
    from gutbrain.model.catalogues import strains

    if "probiotic" not in d:
        return None
    pb = at.get(d, "probiotic", dict, "a table {product = ..., cfu_per_day = ...}")
    at = at.key("probiotic")
    at.keys(pb, ("product", "cfu_per_day"))
    product = at.get(pb, "product", str, "a product name")
    at.key("product").among(product, strains(), "a product in strains.toml")
    return product, float(at.number(pb, "cfu_per_day", 0.0, 1e13))


def _fmt(at: Where, d: Mapping[str, Any]) -> tuple[int, str, float] | None:
    from gutbrain.model.catalogues import donors

    if "fmt" not in d:
        return None
    f = at.get(d, "fmt", dict, "a table {day = 0, donor = 'healthy', engraftment = 0.5}")
    at = at.key("fmt")
    at.keys(f, ("day", "donor", "engraftment"))
    donor = at.choice(f, "donor", donors(), "healthy")
    return (
        at.number(f, "day", 0, 10_000, 0, integer=True),
        donor,
        float(at.number(f, "engraftment", 0.0, 1.0, 0.5)),
    )


def _criteria(at: Where, d: Mapping[str, Any]) -> tuple[Criterion, ...] | None:
    from gutbrain.observe import INSTRUMENTS

    if "inclusion" not in d:
        return None
    out = []
    for w, c in at.array(d, "inclusion", 'an array such as [{ instrument = "PHQ-9", min = 10 }]'):
        c = w.table(c, "a table { instrument = ..., min = ... }")
        w.keys(c, ("instrument", "min", "max"), {"instrument": "an instrument name"})
        name = check_instrument(w.key("instrument"), c["instrument"], INSTRUMENTS)
        lo = w.number(c, "min", -1e9, 1e9, None)
        hi = w.number(c, "max", -1e9, 1e9, None)
        if lo is None and hi is None:
            raise w.problem("needs min and/or max")
        out.append(Criterion(name, lo, hi))
    return tuple(out)


def _visits(at: Where, d: Mapping[str, Any], first: int, last: int) -> tuple[Visit, ...]:
    from gutbrain.observe import INSTRUMENTS

    out = []
    for w, v in at.array(d, "visits", "an array of tables [[visits]]", []):
        v = w.table(v, "a table with name, day, instruments")
        w.keys(v, ("name", "day", "instruments"))
        name = w.get(v, "name", str, "a visit name such as 'baseline'")
        day = w.number(v, "day", first, last, integer=True)
        insts = w.array(v, "instruments", 'an array such as ["PANAS-NA"]')
        out.append(Visit(name, day, tuple(check_instrument(i, x, INSTRUMENTS) for i, x in insts)))
    return tuple(out)


def _treatments(at: Where, d: Mapping[str, Any], design: str) -> tuple[Treatment, ...]:
    """The arms (parallel) or the phases (crossover, nof1), with the bundle's label rules.

    The other of the two keys is not read (a design file may keep both, and switch ``design``).
    """
    key = "arms" if design == "parallel" else "phases"
    groups = at.array(d, key, f"an array of tables [[{key}]] (at least two)", [])
    arms, phases = (len(groups), 0) if key == "arms" else (0, len(groups))
    check_groups(at, design, arms, phases)
    treatments = tuple(_treatment(w, t) for w, t in groups)
    check_labels(at.key(key), [t.label for t in treatments], phases=key == "phases")
    return treatments


def _parallel(
    at: Where, d: Mapping[str, Any], n_arms: int, timeline: Mapping[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Treatment days and allocation of a parallel design."""
    treat_days = at.key("timeline").number(timeline, "treatment_days", 1, 3650, integer=True)
    al = at.get(d, "allocation", dict, "a table [allocation]", {})
    at = at.key("allocation")
    at.keys(al, ("ratio", "block_multiple"))
    ratio = at.get(al, "ratio", list, "an array of integers", [1] * n_arms)
    if len(ratio) != n_arms or not all(isinstance(r, int) and r > 0 for r in ratio):
        raise at.key("ratio").bad(ratio, f"{n_arms} positive integers")
    block = at.number(al, "block_multiple", 1, 1000, 2, integer=True)
    return treat_days, {"ratio": tuple(ratio), "allocation_block": block}


def _crossover(at: Where, d: Mapping[str, Any], labels: str) -> tuple[int, dict[str, Any]]:
    """Treatment days, sequences, periods and washouts of a crossover design."""
    c = at.get(d, "crossover", dict, "a table [crossover]")
    at = at.key("crossover")
    at.keys(c, ("sequences", "period_days", "washout_days"))
    seqs = at.get(c, "sequences", list, 'an array such as ["AB", "BA"]')
    for i, s in enumerate(seqs, start=1):
        if not isinstance(s, str) or not s or any(ch not in labels for ch in s):
            raise at.key("sequences").item(i).bad(s, f"a string of {labels}")
    if len({len(s) for s in seqs}) != 1:
        raise at.key("sequences").bad(seqs, "sequences of equal length")
    period = at.number(c, "period_days", 1, 3650, integer=True)
    washout = at.number(c, "washout_days", 0, 3650, 0, integer=True)
    periods = len(seqs[0])
    treat_days = periods * period + (periods - 1) * washout
    return treat_days, {"sequences": tuple(seqs), "period_days": period, "washout_days": washout}


def _nof1(at: Where, d: Mapping[str, Any], labels: str) -> tuple[int, dict[str, Any]]:
    """Treatment days and block structure of an N-of-1 design."""
    if len(labels) != 2:
        raise at.key("phases").bad(labels, "exactly two phases (A and B) for nof1")
    c = at.get(d, "nof1", dict, "a table [nof1]")
    at = at.key("nof1")
    at.keys(c, ("block_days", "pairs", "wash_in_days"))
    kw = {
        "block_days": at.number(c, "block_days", NOF1_MIN["block_days"], 3650, integer=True),
        "pairs": at.number(c, "pairs", 1, 100, integer=True),
        "wash_in_days": at.number(
            c, "wash_in_days", NOF1_MIN["wash_in_days"], 3650, 0, integer=True
        ),
    }
    return 2 * kw["pairs"] * kw["block_days"], kw


def _diary(at: Where, d: Mapping[str, Any], first: int, last: int) -> DiaryPlan:
    di = at.get(d, "diary", dict, "a table [diary]", {})
    at = at.key("diary")
    model = {
        k: float(at.number(di, k, 0.0 if k != "mnar_log_odds_per_10" else -10.0, 10.0))
        for k in _DIARY_MODEL
        if k in di
    }
    at.keys(di, ("enabled", "first_day", "last_day", *_DIARY_MODEL))
    return DiaryPlan(
        enabled=at.get(di, "enabled", bool, "true or false", True),
        first_day=at.number(di, "first_day", first, last, None, integer=True),
        last_day=at.number(di, "last_day", first, last, None, integer=True),
        model=model,
    )


def _biomarkers(at: Where, d: Mapping[str, Any], first: int, last: int) -> dict[str, Any]:
    from gutbrain.observe import biomarker_mappings

    bm = at.get(d, "biomarkers", dict, "a table [biomarkers]", {})
    at = at.key("biomarkers")
    at.keys(bm, ("days", "markers"))
    days = [
        w.within(x, first, last, integer=True)
        for w, x in at.array(bm, "days", "an array of study days", [])
    ]
    known = biomarker_mappings()
    markers = [
        w.among(m, known) for w, m in at.array(bm, "markers", "an array of marker names", [])
    ]
    return {"biomarker_days": tuple(days), "markers": tuple(markers)}


def _adherence(at: Where, d: Mapping[str, Any]) -> Adherence:
    ad = at.get(d, "adherence", dict, "a table [adherence]", {})
    at = at.key("adherence")
    at.keys(ad, ("mean", "sd"))
    mean = float(at.number(ad, "mean", 0.0, 1.0, 1.0))
    sd = float(at.number(ad, "sd", 0.0, 0.5, 0.0))
    if sd > 0 and sd**2 >= mean * (1 - mean):
        raise at.key("sd").bad(sd, f"< sqrt(mean (1 - mean)) = {(mean * (1 - mean)) ** 0.5:.3f}")
    return Adherence(mean, sd)


def _cohort_baseline(at: Where, d: Mapping[str, Any]) -> dict[str, float]:
    cb = at.get(d, "cohort_baseline", dict, "a table of public exposures", {})
    at = at.key("cohort_baseline")
    at.keys(cb, PUBLIC_EXPOSURES, note=" (public exposures)")
    for k in cb:
        at.number(cb, k, EXPOSURES[k].lower, EXPOSURES[k].upper)
    return {k: float(v) for k, v in cb.items()}


def parse_design(d: Mapping[str, Any], source: str = "design") -> TrialDesign:
    """Build a :class:`TrialDesign` from a parsed TOML mapping; errors name ``source``."""
    from gutbrain.population.cohorts import cohorts

    at = Where(source, DesignError)
    at.keys(d, _TOP)
    design = at.choice(d, "design", DESIGNS)
    tl = at.get(d, "timeline", dict, "a table [timeline]", {})
    if design == "parallel":
        at.key("timeline").keys(tl, ("run_in_days", "treatment_days", "follow_up_days"))
    else:
        note = f" ({design} derives the rest)"
        at.key("timeline").keys(tl, ("run_in_days", "follow_up_days"), note=note)
    run_in = at.key("timeline").number(tl, "run_in_days", 0, 3650, 0, integer=True)
    follow = at.key("timeline").number(tl, "follow_up_days", 0, 3650, 0, integer=True)
    treatments = _treatments(at, d, design)
    labels = "".join(t.label for t in treatments)
    if design == "parallel":
        treat_days, kw = _parallel(at, d, len(treatments), tl)
    elif design == "crossover":
        treat_days, kw = _crossover(at, d, labels)
    else:
        treat_days, kw = _nof1(at, d, labels)
    last = treat_days + follow - 1
    bl = at.get(d, "blinding", dict, "a table [blinding]", {})
    at.key("blinding").keys(bl, ("level", "expectancy", "open_expectancy"))
    expectancy = float(at.key("blinding").number(bl, "expectancy", 0.0, 1.0, 0.3))
    do = at.get(d, "dropout", dict, "a table [dropout]", {})
    at.key("dropout").keys(do, ("rate_per_week",))
    return TrialDesign(
        name=at.get(d, "name", str, "a string"),
        design=design,
        cohort=at.choice(d, "cohort", cohorts()),
        n=at.number(d, "n", 1, 10**9, integer=True),
        start=check_start(at.key("start"), d["start"]) if "start" in d else _START,
        treatments=treatments,
        run_in_days=run_in,
        treatment_days=treat_days,
        follow_up_days=follow,
        visits=_visits(at, d, -run_in, last),
        diary=_diary(at, d, -run_in, last),
        seed=at.number(d, "seed", 0, 2**63 - 1, 0, integer=True),
        inclusion=_criteria(at, d),
        screening_days=at.number(d, "screening_days", 1, 365, 14, integer=True),
        cohort_baseline=_cohort_baseline(at, d),
        blinding=at.key("blinding").choice(bl, "level", BLINDING, "double"),
        expectancy=expectancy,
        open_expectancy=float(
            at.key("blinding").number(bl, "open_expectancy", 0.0, 1.0, min(1.0, 2 * expectancy))
        ),
        adherence=_adherence(at, d),
        dropout=Dropout(float(at.key("dropout").number(do, "rate_per_week", 0.0, 1.0, 0.0))),
        block_size=at.number(d, "block_size", 1, 10**6, 256, integer=True),
        source=source,
        **_biomarkers(at, d, -run_in, last),
        **kw,
    )


def load_design(path: str | Path) -> TrialDesign:
    """Read and check a design TOML file."""
    p = Path(path)
    return parse_design(read_toml(p, DesignError, str(p)), p.name)
