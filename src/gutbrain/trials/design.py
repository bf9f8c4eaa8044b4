"""Trial designs: a declarative TOML file parsed into frozen, checked objects.

A design names the cohort and inclusion criteria, the sample size and allocation, the arms (or,
for crossover and N-of-1 designs, the phases), the timeline (run-in, treatment, washout,
follow-up), the visits with their instruments, the daily diary, biomarkers, adherence, dropout
and blinding. See ``docs/trials.md`` and ``examples/trials/`` for complete files.

Every problem raises :class:`~gutbrain.errors.DesignError` naming the file, the key and the
value, e.g. ``js2025.toml: arms[2].probiotic.product = 'foo' is not a product; expected one of
...``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gutbrain.errors import DesignError, GutbrainError
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

DESIGNS = ("parallel", "crossover", "nof1")
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


class _Where:
    """Builds error messages naming the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, value: Any, expected: str) -> DesignError:
        return DesignError(f"{self.source}: {key} = {value!r}; expected {expected}")

    def only(self, d: Mapping[str, Any], path: str, keys: tuple[str, ...], note: str = "") -> None:
        """Refuse a key of table ``path`` that is not in ``keys`` (a typo would be ignored)."""
        unknown = [k for k in d if k not in keys]
        if unknown:
            raise self.fail(
                f"{path}.{unknown[0]}", d[unknown[0]], f"only the keys {', '.join(keys)}{note}"
            )

    def get(
        self,
        d: Mapping[str, Any],
        key: str,
        path: str,
        kind: type | tuple[type, ...],
        expected: str,
        default: Any = ...,
    ) -> Any:
        full = f"{path}.{key}" if path else key
        if key not in d:
            if default is ...:
                raise DesignError(f"{self.source}: missing key {full!r}; expected {expected}")
            return default
        v = d[key]
        if isinstance(v, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(full, v, expected)
        if not isinstance(v, kind):
            raise self.fail(full, v, expected)
        return v

    def number(
        self,
        d: Mapping[str, Any],
        key: str,
        path: str,
        lo: float,
        hi: float,
        default: Any = ...,
        integer: bool = False,
    ) -> Any:
        kind: type | tuple[type, ...] = int if integer else (int, float)
        what = "an integer" if integer else "a number"
        expected = f"{what} in [{lo:g}, {hi:g}]"
        v = self.get(d, key, path, kind, expected, default)
        if v is None:
            return v
        if not lo <= v <= hi:
            raise self.fail(f"{path}.{key}" if path else key, v, expected)
        return v


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


def _treatment(w: _Where, d: Any, path: str) -> Treatment:
    from gutbrain.model.catalogues import donors, strains

    if not isinstance(d, Mapping):
        raise w.fail(path, d, "a table with label = ...")
    unknown = [k for k in d if k not in _TREATMENT_KEYS]
    if unknown:
        raise w.fail(f"{path}.{unknown[0]}", d[unknown[0]], f"one of the keys {_TREATMENT_KEYS}")
    label = w.get(d, "label", path, str, "a string label")
    exposures: dict[str, float] = {}
    probiotic = None
    if "probiotic" in d:
        pb = w.get(d, "probiotic", path, dict, "a table {product = ..., cfu_per_day = ...}")
        w.only(pb, f"{path}.probiotic", ("product", "cfu_per_day"))
        product = w.get(pb, "product", f"{path}.probiotic", str, "a product name")
        if product not in strains():
            raise w.fail(
                f"{path}.probiotic.product",
                product,
                f"a product in strains.toml: {', '.join(strains())}",
            )
        cfu = w.number(pb, "cfu_per_day", f"{path}.probiotic", 0.0, 1e13)
        probiotic = (product, float(cfu))
    for key in ("prebiotic_g", "ssri_dose"):
        if key in d:
            exposures[key] = float(w.number(d, key, path, 0.0, 1e9))
    for key in ("diet", "exposures"):
        table = w.get(d, key, path, dict, "a table of exposures", {})
        for name, value in table.items():
            if name not in PUBLIC_EXPOSURES or name == "expectancy":
                raise w.fail(
                    f"{path}.{key}.{name}",
                    value,
                    f"a public exposure: {', '.join(PUBLIC_EXPOSURES)}",
                )
            exposures[name] = float(w.number(table, name, f"{path}.{key}", -1e9, 1e9))
    fmt = None
    if "fmt" in d:
        f = w.get(d, "fmt", path, dict, "a table {day = 0, donor = 'healthy', engraftment = 0.5}")
        w.only(f, f"{path}.fmt", ("day", "donor", "engraftment"))
        donor = w.get(f, "donor", f"{path}.fmt", str, "a donor name", "healthy")
        if donor not in donors():
            raise w.fail(f"{path}.fmt.donor", donor, f"one of {', '.join(donors())}")
        fmt = (
            int(w.number(f, "day", f"{path}.fmt", 0, 10_000, 0, integer=True)),
            donor,
            float(w.number(f, "engraftment", f"{path}.fmt", 0.0, 1.0, 0.5)),
        )
    exp = w.number(d, "expectancy", path, 0.0, 1.0, None)
    return Treatment(
        label=label,
        description=w.get(d, "description", path, str, "a string", ""),
        placebo=w.get(d, "placebo", path, bool, "true or false", False),
        probiotic=probiotic,
        exposures=exposures,
        fmt=fmt,
        expectancy=None if exp is None else float(exp),
    )


def _criteria(w: _Where, items: Any, path: str) -> tuple[Criterion, ...]:
    from gutbrain.observe import INSTRUMENTS

    if not isinstance(items, list):
        raise w.fail(path, items, 'an array such as [{ instrument = "PHQ-9", min = 10 }]')
    out = []
    for i, c in enumerate(items, start=1):
        p = f"{path}[{i}]"
        if not isinstance(c, Mapping):
            raise w.fail(p, c, "a table { instrument = ..., min = ... }")
        w.only(c, p, ("instrument", "min", "max"))
        name = w.get(c, "instrument", p, str, "an instrument name")
        if name not in INSTRUMENTS:
            raise w.fail(f"{p}.instrument", name, f"one of {', '.join(INSTRUMENTS)}")
        lo = w.number(c, "min", p, -1e9, 1e9, None)
        hi = w.number(c, "max", p, -1e9, 1e9, None)
        if lo is None and hi is None:
            raise DesignError(f"{w.source}: {p} needs min and/or max")
        out.append(Criterion(name, lo, hi))
    return tuple(out)


def _visits(w: _Where, items: Any, first: int, last: int) -> tuple[Visit, ...]:
    from gutbrain.observe import INSTRUMENTS

    if not isinstance(items, list):
        raise w.fail("visits", items, "an array of tables [[visits]]")
    out = []
    for i, v in enumerate(items, start=1):
        p = f"visits[{i}]"
        if not isinstance(v, Mapping):
            raise w.fail(p, v, "a table with name, day, instruments")
        w.only(v, p, ("name", "day", "instruments"))
        name = w.get(v, "name", p, str, "a visit name such as 'baseline'")
        day = w.number(v, "day", p, first, last, integer=True)
        insts = w.get(v, "instruments", p, list, 'an array such as ["PANAS-NA"]')
        for j, inst in enumerate(insts, start=1):
            if inst not in INSTRUMENTS:
                raise w.fail(f"{p}.instruments[{j}]", inst, f"one of {', '.join(INSTRUMENTS)}")
        out.append(Visit(name, int(day), tuple(insts)))
    return tuple(out)


def parse_design(d: Mapping[str, Any], source: str = "design") -> TrialDesign:
    """Build a :class:`TrialDesign` from a parsed TOML mapping; errors name ``source``."""
    from gutbrain.population.cohorts import cohorts

    w = _Where(source)
    unknown = [k for k in d if k not in _TOP]
    if unknown:
        raise w.fail(unknown[0], d[unknown[0]], f"only the keys {', '.join(_TOP)}")
    name = w.get(d, "name", "", str, "a string")
    design = w.get(d, "design", "", str, f"one of {', '.join(DESIGNS)}")
    if design not in DESIGNS:
        raise w.fail("design", design, f"one of {', '.join(DESIGNS)}")
    cohort = w.get(d, "cohort", "", str, "a cohort name")
    if cohort not in cohorts():
        raise w.fail("cohort", cohort, f"one of {', '.join(cohorts())}")
    n = w.number(d, "n", "", 1, 10**9, integer=True)
    start = w.get(d, "start", "", dt.date, "a TOML date such as 2026-01-05", dt.date(2026, 1, 5))
    seed = w.number(d, "seed", "", 0, 2**63 - 1, 0, integer=True)
    tl = w.get(d, "timeline", "", dict, "a table [timeline]", {})
    if design == "parallel":
        w.only(tl, "timeline", ("run_in_days", "treatment_days", "follow_up_days"))
    else:
        w.only(tl, "timeline", ("run_in_days", "follow_up_days"), f" ({design} derives the rest)")
    run_in = w.number(tl, "run_in_days", "timeline", 0, 3650, 0, integer=True)
    follow = w.number(tl, "follow_up_days", "timeline", 0, 3650, 0, integer=True)

    kw: dict[str, Any] = {}
    if design == "parallel":
        arms = w.get(d, "arms", "", list, "an array of tables [[arms]] (at least two)")
        if len(arms) < 2:
            raise w.fail("arms", f"{len(arms)} arm(s)", "at least two [[arms]]")
        treatments = tuple(_treatment(w, a, f"arms[{i}]") for i, a in enumerate(arms, start=1))
        treat_days = w.number(tl, "treatment_days", "timeline", 1, 3650, integer=True)
        al = w.get(d, "allocation", "", dict, "a table [allocation]", {})
        w.only(al, "allocation", ("ratio", "block_multiple"))
        ratio = w.get(al, "ratio", "allocation", list, "an array of integers", [1] * len(arms))
        if len(ratio) != len(arms) or not all(isinstance(r, int) and r > 0 for r in ratio):
            raise w.fail("allocation.ratio", ratio, f"{len(arms)} positive integers")
        kw["ratio"] = tuple(ratio)
        kw["allocation_block"] = int(
            w.number(al, "block_multiple", "allocation", 1, 1000, 2, integer=True)
        )
    else:
        phases = w.get(d, "phases", "", list, "an array of tables [[phases]] (at least two)")
        if len(phases) < 2:
            raise w.fail("phases", f"{len(phases)} phase(s)", "at least two [[phases]]")
        treatments = tuple(_treatment(w, a, f"phases[{i}]") for i, a in enumerate(phases, start=1))
        for i, t in enumerate(treatments, start=1):
            if len(t.label) != 1:
                raise w.fail(f"phases[{i}].label", t.label, "a one-character label such as 'A'")
        labels = "".join(t.label for t in treatments)
        if design == "crossover":
            c = w.get(d, "crossover", "", dict, "a table [crossover]")
            w.only(c, "crossover", ("sequences", "period_days", "washout_days"))
            seqs = w.get(c, "sequences", "crossover", list, 'an array such as ["AB", "BA"]')
            for i, s in enumerate(seqs, start=1):
                if not isinstance(s, str) or not s or any(ch not in labels for ch in s):
                    raise w.fail(f"crossover.sequences[{i}]", s, f"a string of {labels}")
            if len({len(s) for s in seqs}) != 1:
                raise w.fail("crossover.sequences", seqs, "sequences of equal length")
            kw["sequences"] = tuple(seqs)
            kw["period_days"] = int(w.number(c, "period_days", "crossover", 1, 3650, integer=True))
            kw["washout_days"] = int(
                w.number(c, "washout_days", "crossover", 0, 3650, 0, integer=True)
            )
            periods = len(seqs[0])
            treat_days = periods * kw["period_days"] + (periods - 1) * kw["washout_days"]
        else:
            if len(treatments) != 2:
                raise w.fail("phases", labels, "exactly two phases (A and B) for nof1")
            c = w.get(d, "nof1", "", dict, "a table [nof1]")
            w.only(c, "nof1", ("block_days", "pairs", "wash_in_days"))
            kw["block_days"] = int(w.number(c, "block_days", "nof1", 1, 3650, integer=True))
            kw["pairs"] = int(w.number(c, "pairs", "nof1", 1, 100, integer=True))
            kw["wash_in_days"] = int(w.number(c, "wash_in_days", "nof1", 0, 3650, 0, integer=True))
            treat_days = 2 * kw["pairs"] * kw["block_days"]
    if len(set(t.label for t in treatments)) != len(treatments):
        raise w.fail("labels", [t.label for t in treatments], "unique labels")

    last = treat_days + follow - 1
    bl = w.get(d, "blinding", "", dict, "a table [blinding]", {})
    w.only(bl, "blinding", ("level", "expectancy"))
    blinding = w.get(bl, "level", "blinding", str, f"one of {BLINDING}", "double")
    if blinding not in BLINDING:
        raise w.fail("blinding.level", blinding, f"one of {', '.join(BLINDING)}")
    inclusion = _criteria(w, d["inclusion"], "inclusion") if "inclusion" in d else None
    di = w.get(d, "diary", "", dict, "a table [diary]", {})
    model = {
        k: float(w.number(di, k, "diary", 0.0 if k != "mnar_log_odds_per_10" else -10.0, 10.0))
        for k in ("compliance_mean", "compliance_sd", "mnar_log_odds_per_10", "item_skip_prob")
        if k in di
    }
    bad = [k for k in di if k not in ("enabled", "first_day", "last_day", *model)]
    if bad:
        raise w.fail(f"diary.{bad[0]}", di[bad[0]], "enabled, first_day, last_day or model keys")
    diary = DiaryPlan(
        enabled=w.get(di, "enabled", "diary", bool, "true or false", True),
        first_day=w.number(di, "first_day", "diary", -run_in, last, None, integer=True),
        last_day=w.number(di, "last_day", "diary", -run_in, last, None, integer=True),
        model=model,
    )
    bm = w.get(d, "biomarkers", "", dict, "a table [biomarkers]", {})
    w.only(bm, "biomarkers", ("days", "markers"))
    days = w.get(bm, "days", "biomarkers", list, "an array of study days", [])
    for i, x in enumerate(days, start=1):
        if not isinstance(x, int) or not -run_in <= x <= last:
            raise w.fail(f"biomarkers.days[{i}]", x, f"an integer day in [{-run_in}, {last}]")
    markers = w.get(bm, "markers", "biomarkers", list, "an array of marker names", [])
    from gutbrain.observe import biomarker_mappings

    known = biomarker_mappings()
    for i, m in enumerate(markers, start=1):
        if m not in known:
            raise w.fail(f"biomarkers.markers[{i}]", m, f"one of {', '.join(known)}")
    ad = w.get(d, "adherence", "", dict, "a table [adherence]", {})
    w.only(ad, "adherence", ("mean", "sd"))
    mean = float(w.number(ad, "mean", "adherence", 0.0, 1.0, 1.0))
    sd = float(w.number(ad, "sd", "adherence", 0.0, 0.5, 0.0))
    if sd > 0 and sd**2 >= mean * (1 - mean):
        raise w.fail(
            "adherence.sd", sd, f"< sqrt(mean (1 - mean)) = {(mean * (1 - mean)) ** 0.5:.3f}"
        )
    do = w.get(d, "dropout", "", dict, "a table [dropout]", {})
    w.only(do, "dropout", ("rate_per_week",))
    cb = w.get(d, "cohort_baseline", "", dict, "a table of public exposures", {})
    for k, v in cb.items():
        if k not in PUBLIC_EXPOSURES:
            raise w.fail(
                f"cohort_baseline.{k}", v, f"a public exposure: {', '.join(PUBLIC_EXPOSURES)}"
            )
        w.number(cb, k, "cohort_baseline", EXPOSURES[k].lower, EXPOSURES[k].upper)
    return TrialDesign(
        name=name,
        design=design,
        cohort=cohort,
        n=int(n),
        start=start,
        treatments=treatments,
        run_in_days=int(run_in),
        treatment_days=int(treat_days),
        follow_up_days=int(follow),
        visits=_visits(w, d.get("visits", []), -int(run_in), last),
        diary=diary,
        seed=int(seed),
        inclusion=inclusion,
        screening_days=int(w.number(d, "screening_days", "", 1, 365, 14, integer=True)),
        cohort_baseline={k: float(v) for k, v in cb.items()},
        blinding=blinding,
        expectancy=float(w.number(bl, "expectancy", "blinding", 0.0, 1.0, 0.3)),
        biomarker_days=tuple(days),
        markers=tuple(markers),
        adherence=Adherence(mean, sd),
        dropout=Dropout(float(w.number(do, "rate_per_week", "dropout", 0.0, 1.0, 0.0))),
        block_size=int(w.number(d, "block_size", "", 1, 10**6, 256, integer=True)),
        source=source,
        **kw,
    )


def load_design(path: str | Path) -> TrialDesign:
    """Read and check a design TOML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DesignError(f"{p}: cannot read the design file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise DesignError(
            f"{p}: is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from exc
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DesignError(f"{p}: not valid TOML ({exc})") from exc
    try:
        return parse_design(d, p.name)
    except GutbrainError:
        raise
