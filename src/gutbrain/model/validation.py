"""The model's credibility checks: behaviours B1-B12 of MODEL.md and the EVIDENCE.md targets
that concern the model. Each check simulates, compares with an expectation stated in advance,
and reports what it found. ``gutbrain validate`` prints them; each is also a pytest test.

Expectations are directions, timings and null results where the source is qualitative, and
numbers only where the source gives one. Nothing here is tuned to pass: a failing check is
reported as failing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass

import numpy as np

from gutbrain.model.parameters import Parameters, draw_ensemble
from gutbrain.model.person import Cohort, cohort
from gutbrain.model.schedule import Schedule
from gutbrain.model.simulate import simulate
from gutbrain.model.trajectory import Trajectory

__all__ = ["CHECKS", "CheckResult", "effect_onset", "member_parameters", "run_checks"]


@dataclass(frozen=True)
class CheckResult:
    """One row of the credibility table."""

    id: str
    description: str
    expected: str
    simulated: str
    passed: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "passed", bool(self.passed))  # numpy bools are not JSON

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


#: The parameter set the checks' people start from (an ensemble member), or None: table values.
_MEMBER: ContextVar[Parameters | None] = ContextVar("validation_member", default=None)


@contextmanager
def member_parameters(params: Parameters | None) -> Iterator[None]:
    """Within the block, every check's people start from ``params`` (one person's parameters,
    e.g. :meth:`gutbrain.model.ensemble.Ensemble.parameters`) instead of the table values; the
    archetypes still set their traits."""
    token = _MEMBER.set(params)
    try:
        yield
    finally:
        _MEMBER.reset(token)


#: Within :func:`run_checks`: the cohorts built so far, by archetype and size (a cohort is
#: deterministic, and several checks start from the same one).
_COHORTS: ContextVar[dict[tuple[str, int], Cohort] | None] = ContextVar(
    "validation_cohorts", default=None
)


def _cohort(archetype: str, n: int = 1, params: Parameters | None = None) -> Cohort:
    """:func:`cohort` from the current member's parameters (:func:`member_parameters`), built
    once per :func:`run_checks` call."""
    if params is not None:
        return cohort(archetype, n=n, params=params)
    cache, key = _COHORTS.get(), (archetype, n)
    if cache is not None and key in cache:
        return cache[key]
    member = _MEMBER.get()
    base = None if member is None else member.take(np.zeros(n, dtype=np.int64))
    made = cohort(archetype, n=n, params=base)
    if cache is not None:
        cache[key] = made
    return made


def _run(c: Cohort, build: Callable[[Schedule], Schedule], days: int) -> Trajectory:
    return simulate(c.params, build(c.schedule(days)), y0=c.y0)


def _pair(
    c: Cohort,
    build: Callable[[Schedule], Schedule],
    days: int,
    control: Callable[[Schedule], Schedule] = lambda s: s,
) -> tuple[Trajectory, Trajectory]:
    return _run(c, control, days), _run(c, build, days)


def effect_onset(effect: np.ndarray, ref_day: int, fraction: float = 0.5) -> int:
    """First day on which ``effect`` reaches ``fraction`` of its value on ``ref_day``."""
    target = fraction * effect[ref_day]
    hit = np.nonzero(effect[: ref_day + 1] >= target)[0] if target > 0 else np.array([])
    return int(hit[0]) if hit.size else -1


# ----------------------------------------------------------------------------------------------
def b1_homeostasis() -> CheckResult:
    c = _cohort("healthy")
    tr = _run(c, lambda s: s, 731)
    drift = float(np.max(np.abs(tr.states[0, -1] - tr.states[0, 0])))
    return CheckResult(
        "B1",
        "Homeostasis: healthy person at default inputs for two years",
        "max |state(day 730) - state(day 0)| < 1e-9",
        f"{drift:.2e}",
        drift < 1e-9,
    )


def _stress(arch: str, days: int = 260) -> Trajectory:
    return _run(_cohort(arch), lambda s: s.set("stress", 0.6, 0, 56), days)


def b2_vicious_circle() -> CheckResult:
    tr = _stress("healthy")
    d = {
        k: tr[k][0, 56] - tr[k][0, 0]
        for k in (
            "cortisol",
            "pathobionts",
            "permeability",
            "inflammation",
            "negative_affect",
            "butyrate_producers",
        )
    }
    ok = all(d[k] > 0 for k in d if k != "butyrate_producers") and d["butyrate_producers"] < 0
    sim = ", ".join(f"{k} {v:+.3g}" for k, v in d.items())
    return CheckResult(
        "B2a",
        "Vicious circle: 8 weeks of high stress (0.6) in a healthy person",
        "cortisol, pathobionts, permeability, inflammation, NA up; butyrate producers down",
        sim,
        ok,
    )


def b2_resilient_recovery() -> CheckResult:
    tr = _stress("healthy")
    na = tr["negative_affect"][0]
    peak = na[56] - na[0]
    left_2w = (na[70] - na[0]) / peak
    left_8w = (na[112] - na[0]) / peak
    ok = left_2w > 0.25 and left_8w < 0.25
    return CheckResult(
        "B2b",
        "Resilient person recovers within weeks, on the gland-mass timescale",
        "NA excess left 2 weeks after stress > 25 %, 8 weeks after < 25 %",
        f"{left_2w:.0%} after 2 weeks, {left_8w:.0%} after 8 weeks",
        ok,
    )


def b2_vulnerable_hysteresis() -> CheckResult:
    tr = _stress("vulnerable")
    na = tr["negative_affect"][0]
    left = (na[56 + 140] - na[0]) / (na[56] - na[0])
    return CheckResult(
        "B2c",
        "Vulnerable person stays dysregulated after the stress ends (hysteresis)",
        "NA excess 20 weeks after stress >= 50 % of its peak",
        f"{left:.0%}",
        left >= 0.5,
    )


def b3_antibiotics() -> CheckResult:
    c = _cohort("healthy")
    ctl, tr = _pair(c, lambda s: s.with_antibiotic("broad", 0, 7), 60)
    div7 = tr["diversity"][0, 7] / ctl["diversity"][0, 7]
    but7 = tr["butyrate_producers"][0, 7] / ctl["butyrate_producers"][0, 7]
    rec = (tr["diversity"][0, 56] - tr["diversity"][0, 7]) / (1.0 - tr["diversity"][0, 7])
    ok = div7 < 0.7 and but7 < 0.6 and 0.2 < rec < 0.9
    return CheckResult(
        "B3a",
        "7-day broad-spectrum antibiotic: sharp drop, partial recovery at 8 weeks",
        "day 7: diversity < 70 %, butyrate producers < 60 % of control; "
        "day 56: 20-90 % of the diversity loss recovered",
        f"diversity {div7:.0%}, butyrate producers {but7:.0%}, recovered {rec:.0%}",
        ok,
    )


def b3_antibiotic_mood() -> CheckResult:
    c = _cohort("vulnerable")
    ctl, tr = _pair(c, lambda s: s.with_antibiotic("broad", 0, 7), 120)
    d = tr["negative_affect"][0] - ctl["negative_affect"][0]
    peak_day = int(np.argmax(d[:60]))
    ok = d[peak_day] > 1.0 and d[119] < 0.5 * d[peak_day]
    return CheckResult(
        "B3b",
        "Antibiotics raise NA briefly in vulnerable people",
        "NA rise > 1 point within 8 weeks, halved by day 120",
        f"peak +{d[peak_day]:.2f} on day {peak_day}, +{d[119]:.2f} on day 120",
        ok,
    )


MEDITERRANEAN = {
    "fibre_g": 35.0,
    "polyphenols_mg": 1500.0,
    "ultraprocessed_share": 0.2,
    "added_sugar_g": 30.0,
    "mediterranean": 11.0,
}


def _diet(s: Schedule) -> Schedule:
    for k, v in MEDITERRANEAN.items():
        s = s.set(k, v)
    return s


def b4_diet_gut() -> CheckResult:
    c = _cohort("healthy")
    ctl, tr = _pair(c, _diet, 57)
    d = {
        k: tr[k][0, 56] - ctl[k][0, 56] for k in ("butyrate_producers", "butyrate", "inflammation")
    }
    ok = d["butyrate_producers"] > 0 and d["butyrate"] > 0 and d["inflammation"] < 0
    return CheckResult(
        "B4a",
        "Fibre-rich Mediterranean diet for 8 weeks (healthy)",
        "butyrate producers and butyrate up, inflammation down",
        ", ".join(f"{k} {v:+.3g}" for k, v in d.items()),
        ok,
    )


def b4_diet_depression() -> CheckResult:
    c = _cohort("depressed")
    ctl, tr = _pair(c, _diet, 85)
    d = tr["depression_severity"][0, 84] - ctl["depression_severity"][0, 84]
    return CheckResult(
        "B4b",
        "Mediterranean diet lowers depressive symptoms over 12 weeks (depressed)",
        "depression severity lower than control at week 12",
        f"{d:+.3f}",
        d < 0,
    )


def _probiotic_healthy() -> tuple[Trajectory, Trajectory]:
    c = _cohort("healthy")
    return _pair(c, lambda s: s.with_probiotic("ecologic_barrier", 5e9, 0, 28), 57)


def b5_probiotic_onset() -> CheckResult:
    ctl, tr = _probiotic_healthy()
    eff = ctl["negative_affect"][0] - tr["negative_affect"][0]
    onset = effect_onset(eff, 28)
    # "no clear effect before day 10" (MODEL B5): through day 9 the effect stays below a fifth
    # of its day-28 size
    early = float(eff[:10].max() / eff[28])
    ok = 10 <= onset <= 16 and early < 0.2
    return CheckResult(
        "B5a",
        "Multispecies probiotic (JS2025 dose, 28 days) lowers NA from about day 14",
        "half of the day-28 NA effect reached on day 10-16; effect through day 9 < 20 % of day 28",
        f"NA effect {eff[28]:.2f} points; half reached day {onset}; "
        f"largest effect by day 9 at {early:.0%}",
        ok,
    )


def b5_probiotic_specificity() -> CheckResult:
    ctl, tr = _probiotic_healthy()
    dna = ctl["negative_affect"][0, 28] - tr["negative_affect"][0, 28]
    dpa = abs(tr["positive_affect"][0, :29] - ctl["positive_affect"][0, :29]).max()
    dc = tr["cortisol"][0, 28] / ctl["cortisol"][0, 28] - 1.0
    ok = dpa <= 0.25 * dna and -0.15 <= dc <= -0.02
    return CheckResult(
        "B5b",
        "Probiotic leaves PA unchanged and modestly lowers cortisol (JS2025, MES2011)",
        "max |PA change| <= 25 % of the NA effect; cortisol 2-15 % lower at day 28",
        f"NA -{dna:.2f}, max |PA change| {dpa:.2f}, cortisol {dc:+.1%}",
        ok,
    )


def b5_probiotic_offset() -> CheckResult:
    ctl, tr = _probiotic_healthy()
    eff = ctl["negative_affect"][0] - tr["negative_affect"][0]
    left = eff[42] / eff[28]
    return CheckResult(
        "B5c",
        "The probiotic's effect fades within about 2 weeks of stopping",
        "NA effect 14 days after the last dose <= 60 % of its day-28 value; <= 20 % after 4 weeks",
        f"{left:.0%} after 2 weeks, {eff[56] / eff[28]:.0%} after 4 weeks",
        left <= 0.6 and eff[56] / eff[28] <= 0.2,
    )


def _depression_arms(
    arms: dict[str, Callable[[Schedule], Schedule]], arch: str = "depressed", days: int = 57
) -> dict[str, Trajectory]:
    c = _cohort(arch)
    return {k: _run(c, f, days) for k, f in arms.items()}


def _ssri(s: Schedule) -> Schedule:
    return s.set("ssri_dose", 1.0)


def _biokult(s: Schedule) -> Schedule:
    return s.with_probiotic("biokult_advanced", 8e9)


def b6_adjunct() -> CheckResult:
    r = _depression_arms(
        {
            "none": lambda s: s,
            "ssri": _ssri,
            "adjunct": lambda s: _biokult(_ssri(s)),
            "alone": _biokult,
        }
    )
    dep = {k: v["depression_severity"][0, 56] for k, v in r.items()}
    adj = dep["ssri"] - dep["adjunct"]
    alone = dep["none"] - dep["alone"]
    ok = adj > 0.05 and abs(alone) < 0.25 * adj
    return CheckResult(
        "B6a",
        "Depression: probiotic + SSRI beats SSRI alone; probiotic alone about null (NIK2021)",
        "week 8 severity: SSRI minus adjunct > 0.05; |none minus probiotic alone| < 25 % of that",
        f"adjunct gain {adj:.3f}; probiotic-alone gain {alone:.3f}",
        ok,
    )


def b6_ssri_blunting() -> CheckResult:
    c = _cohort("healthy")
    ctl, tr = _pair(c, _ssri, 57)
    dna = tr["negative_affect"][0] - ctl["negative_affect"][0]
    dpa = tr["positive_affect"][0] - ctl["positive_affect"][0]
    onset = effect_onset(-dna, 56)
    ok = dna[56] < 0 and dpa[56] < 0 and 14 <= onset <= 28
    return CheckResult(
        "B6b",
        "SSRIs lower both NA and PA (blunting) with a 2-4 week onset",
        "week 8: NA and PA both lower; half of the NA effect reached on day 14-28",
        f"NA {dna[56]:+.2f}, PA {dpa[56]:+.2f}, half-effect day {onset}",
        ok,
    )


def b7_complementarity() -> CheckResult:
    r = _depression_arms(
        {
            "ssri": _ssri,
            "da": lambda s: _ssri(s).with_probiotic("bacillus_da_na", 1e10),
            "gaba": lambda s: _ssri(s).with_probiotic("lbrevis_gaba", 1e10),
        }
    )
    dep = {k: v["depression_severity"][0, 56] for k, v in r.items()}
    ok = dep["da"] < dep["gaba"] < dep["ssri"] + 1e-12
    return CheckResult(
        "B7",
        "As SSRI adjunct, a dopamine/noradrenaline strain helps more than a GABA strain",
        "week 8 severity: DA/NA adjunct < GABA adjunct <= SSRI alone",
        f"DA {dep['da']:.3f}, GABA {dep['gaba']:.3f}, SSRI {dep['ssri']:.3f}",
        ok,
    )


def _fmt_benefit(arch: str, n: int = 1, rng: np.random.Generator | None = None) -> np.ndarray:
    params = draw_ensemble(rng, n, base=_MEMBER.get()) if rng is not None else None
    c = _cohort(arch, n=n, params=params)
    ctl, tr = _pair(c, lambda s: s.with_fmt(0, "healthy", 0.5), 29)
    return ctl["negative_affect"][:, 28] - tr["negative_affect"][:, 28]


def b8_fmt() -> CheckResult:
    c = _cohort("dysbiotic")
    tr = _run(c, lambda s: s.with_fmt(0, "healthy", 0.5), 2)
    from gutbrain.model.catalogues import donors

    donor = np.array(list(donors()["healthy"].composition.values()))
    before = np.abs(c.y0[0, :5] - donor).sum()
    after = np.abs(tr.states[0, 0, :5] - donor).sum()
    dys = float(_fmt_benefit("dysbiotic")[0])
    eub = float(_fmt_benefit("healthy")[0])
    spread = _fmt_benefit("dysbiotic", 100, np.random.default_rng(8))
    cv = float(spread.std() / abs(spread.mean()))
    ok = after < before and dys > 1.0 and abs(eub) < 0.2 * dys and cv > 0.2
    return CheckResult(
        "B8",
        "FMT: composition moves to the donor; large benefit if dysbiotic, none if eubiotic",
        "distance to donor falls; NA benefit at 4 weeks > 1 point (dysbiotic) and < 20 % of "
        "that (eubiotic); benefit varies between people (CV > 0.2)",
        f"distance {before:.2f} -> {after:.2f}; benefit {dys:.2f} vs {eub:.2f}; CV {cv:.2f}",
        ok,
    )


def b9_leaky_gut() -> CheckResult:
    c = _cohort("healthy")
    ctl, tr = _pair(c, lambda s: s.set("barrier_insult", 0.2, 0, 28), 29)
    d = {
        k: tr[k][0, 28] - ctl[k][0, 28]
        for k in ("lps", "inflammation", "cortisol", "negative_affect")
    }
    return CheckResult(
        "B9",
        "Lowering barrier integrity alone raises LPS, inflammation, cortisol and NA",
        "all four higher after 4 weeks",
        ", ".join(f"{k} {v:+.3g}" for k, v in d.items()),
        all(v > 0 for v in d.values()),
    )


def b10_lifestyle() -> CheckResult:
    c = _cohort("healthy")

    def stressed(sleep: float) -> Callable[[Schedule], Schedule]:
        return lambda s: s.set("sleep_hours", sleep).set("stress", 0.6, 14, 28)

    rested = _run(c, stressed(7.5), 28)
    short = _run(c, stressed(5.0), 28)
    react = [(t["cortisol"][0, 27] - t["cortisol"][0, 13]) for t in (rested, short)]
    ctl, ex = _pair(c, lambda s: s.set("exercise_min", 60), 57)
    _, mind = _pair(c, lambda s: s.set("mindfulness_min", 30), 57)
    dbut = ex["butyrate_producers"][0, 56] - ctl["butyrate_producers"][0, 56]
    dpa = ex["positive_affect"][0, 56] - ctl["positive_affect"][0, 56]
    dps = mind["perceived_stress"][0, 56] - ctl["perceived_stress"][0, 56]
    ok = react[1] > react[0] and dbut > 0 and dpa > 0 and dps < 0
    return CheckResult(
        "B10",
        "Sleep loss raises stress reactivity; exercise raises SCFA producers and PA; "
        "mindfulness lowers perceived stress",
        "cortisol rise to stress larger at 5 h sleep; exercise: producers and PA up; "
        "mindfulness: perceived stress down",
        f"cortisol rise {react[0]:.3f} vs {react[1]:.3f}; producers {dbut:+.3g}, PA {dpa:+.3g}; "
        f"perceived stress {dps:+.3g}",
        ok,
    )


def b11_vagus() -> CheckResult:
    c = _cohort("healthy")

    def effect(vag: float) -> tuple[float, float]:
        ctl, tr = _pair(
            c,
            lambda s: s.set("vagotomy", vag).with_probiotic("lrhamnosus_jb1", 1e9),
            29,
            control=lambda s: s.set("vagotomy", vag),
        )
        return (
            ctl["negative_affect"][0, 28] - tr["negative_affect"][0, 28],
            tr["gaba"][0, 28] - ctl["gaba"][0, 28],
        )

    (na_i, gut_i), (na_v, gut_v) = effect(0.0), effect(1.0)
    ok = na_v < 0.2 * na_i and gut_v > 0.8 * gut_i
    return CheckResult(
        "B11",
        "Vagotomy removes JB-1's anxiolytic effect but not its gut effect (BRA2011)",
        "NA effect after vagotomy < 20 % of intact; gut GABA effect > 80 % of intact",
        f"NA effect {na_i:.2f} -> {na_v:.2f}; gut GABA effect {gut_i:.3f} -> {gut_v:.3f}",
        ok,
    )


def b12_transfer() -> CheckResult:
    c = _cohort("healthy")
    base = lambda s: s.with_antibiotic("broad", 0, 7)  # noqa: E731 - mouse protocols deplete first
    ctl = _run(c, lambda s: base(s).with_fmt(7, "healthy", 0.7), 43)
    tr = _run(c, lambda s: base(s).with_fmt(7, "depressed_dysbiotic", 0.7), 43)
    di = tr["inflammation"][0, 35] - ctl["inflammation"][0, 35]
    dna = tr["negative_affect"][0, 35] - ctl["negative_affect"][0, 35]
    return CheckResult(
        "B12",
        "Microbiota from a depressed, dysbiotic donor raises inflammation and NA",
        "4 weeks after transfer: inflammation and NA higher than after a healthy donor's",
        f"inflammation {di:+.3f}, NA {dna:+.2f}",
        di > 0 and dna > 0,
    )


def karin_cortisol_set_by_u() -> CheckResult:
    c = _cohort("healthy")
    y0 = c.y0.copy()
    from gutbrain.model.states import S

    y0[0, S.adrenal] = 0.7
    tr = simulate(c.params, c.schedule(241), y0=y0)
    cort = tr["cortisol"][0]
    dip, late = float(cort.min()), float(cort[240])
    ok = dip < 0.9 and abs(late - 1.0) < 0.02
    return CheckResult(
        "KARIN2020",
        "Adrenal-level perturbation gives only a transient cortisol dip",
        "cortisol dips below 0.9 after a 30 % adrenal loss, back within 2 % by day 240",
        f"minimum {dip:.3f}, day 240 {late:.3f}",
        ok,
    )


def miz_prolonged_vs_acute() -> CheckResult:
    c = _cohort("vulnerable")
    acute = _run(c, lambda s: s.set("stress", 0.6, 0, 7), 200)
    long = _run(c, lambda s: s.set("stress", 0.6, 0, 56), 200)
    n_a, n_l = acute["neuroplasticity"][0, 199], long["neuroplasticity"][0, 199]
    ok = n_a > 0.9 and n_l < 0.5
    return CheckResult(
        "MIZ2023",
        "Prolonged, not acute, stress flips a vulnerable person (weeks timescale)",
        "neuroplasticity on day 200: > 0.9 after 1 week of stress, < 0.5 after 8 weeks",
        f"{n_a:.2f} after 1 week, {n_l:.2f} after 8 weeks",
        ok,
    )


def mes2011_cortisol() -> CheckResult:
    c = _cohort("healthy")
    ctl, tr = _pair(c, lambda s: s.with_probiotic("helveticus_r0052_longum_r0175", 3e9, 0, 30), 31)
    dc = tr["cortisol"][0, 30] / ctl["cortisol"][0, 30] - 1.0
    dna = tr["negative_affect"][0, 30] - ctl["negative_affect"][0, 30]
    return CheckResult(
        "MES2011",
        "L. helveticus R0052 + B. longum R0175 for 30 days (healthy)",
        "cortisol and negative affect lower than placebo",
        f"cortisol {dc:+.1%}, NA {dna:+.2f}",
        dc < 0 and dna < 0,
    )


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "B1": b1_homeostasis,
    "B2a": b2_vicious_circle,
    "B2b": b2_resilient_recovery,
    "B2c": b2_vulnerable_hysteresis,
    "B3a": b3_antibiotics,
    "B3b": b3_antibiotic_mood,
    "B4a": b4_diet_gut,
    "B4b": b4_diet_depression,
    "B5a": b5_probiotic_onset,
    "B5b": b5_probiotic_specificity,
    "B5c": b5_probiotic_offset,
    "B6a": b6_adjunct,
    "B6b": b6_ssri_blunting,
    "B7": b7_complementarity,
    "B8": b8_fmt,
    "B9": b9_leaky_gut,
    "B10": b10_lifestyle,
    "B11": b11_vagus,
    "B12": b12_transfer,
    "KARIN2020": karin_cortisol_set_by_u,
    "MIZ2023": miz_prolonged_vs_acute,
    "MES2011": mes2011_cortisol,
}


def run_checks(ids: list[str] | None = None) -> list[CheckResult]:
    """Run the named checks (default: all) and return their results in order."""
    token = _COHORTS.set({})
    try:
        return [CHECKS[k]() for k in (ids or list(CHECKS))]
    finally:
        _COHORTS.reset(token)
