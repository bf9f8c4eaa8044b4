r"""Questionnaires and rating scales at study visits.

Each instrument reads a latent *construct*, a weighted sum of latent columns averaged over the
instrument's recall window (PHQ-9: depression severity over the 14 days before the visit;
PANAS-NA: NA over the past week; STAI-state: NA and PA on the visit day; STAI-trait and PSWQ:
up to 90 days, i.e. mostly trait):

.. math::

    c_{iv} = \text{offset} + \frac{1}{|W_v|}\sum_{t \in W_v} \Bigl(
        w_D D_{it} + w_A A_{it} + w_S S_{it} + w_N \frac{NA_{it}}{100}
        + w_P \frac{PA_{it}}{100}\Bigr)

Self-reports that ask about the past weeks or about oneself "in general" are not a plain average
of what was lived: people answer partly from memory of the period and partly from what they
believe about themselves (Robinson & Clore 2002; Barrett 1997 found retrospective ratings track
momentary reports but lean towards the person's self-description). The reported construct blends
the two,

.. math::

    \tilde c_{iv} = w\,c_{iv} + (1 - w)\,c_{i v_0}

where :math:`v_0` is the person's first visit in the schedule (their self-view going into the
study, formed before it) and :math:`w` the instrument's ``experience_weight``: 1 for 'right now'
items and clinician interviews, 0.5 for self-reports of the past weeks, 0.25 for trait
questionnaires (all assumed; ``response_models.csv``). A change in the latent state between visits
moves the score by :math:`w` times the change. The self-view does not update during a study,
which suits trials of weeks to a few months.

A straight line through two documented anchor points maps the construct to the instrument's
true score, :math:`T = a + b\,c`, e.g. PHQ-9 3 at depression severity 0.1 (general-population
mean, Kocalevent 2013) and 20 at 0.8 (Kroenke 2001's "severe" cut-off). The observed score is

.. math::

    X = \operatorname{clip}\bigl(\operatorname{round}(T + \sigma_e \varepsilon), lo, hi\bigr),
    \qquad \sigma_e = SD_{ref}\sqrt{1 - r}

the classical standard error of measurement: :math:`r` is the published test-retest reliability
and :math:`SD_{ref}` the score SD of a reference sample. In a population whose true scores have
variance :math:`r\,SD_{ref}^2`, two administrations with an unchanged latent state correlate
:math:`r` (before rounding and clipping), which the tests check. The error lumps together item
sampling, response error and occasion-specific state that the latent trajectory does not carry;
when the model's latent trajectories themselves fluctuate from day to day, retest correlations of
state instruments come out lower than the published figure.

People also differ stably in how they describe themselves (response style, trait affectivity),
far more than the model's latent states differ between them: simulated healthy adults' latent
PANAS-NA true scores have an SD of about 1.4 points, against 5.9 in the norms. The true score
therefore carries a stable person offset,

.. math::

    T = a + b\,\tilde c_{iv} + \tau z_i, \qquad z_i \sim N(0, 1)

the same at every visit, with :math:`\tau` (``person_sd``) calibrated so that the instrument's
reference cohort has true-score variance :math:`r\,SD_{ref}^2`
(:mod:`gutbrain.trials.instrument_calibration`). The :math:`z_i` of a group of people form a
*respondent* table (:func:`draw_respondents`): one row per participant, one column per
instrument. A person's offsets on different instruments are independent (a simplification: trait
negative affectivity would correlate them).

The score range and the test-retest reliability are the instrument registry's
(:mod:`gutbrain.instruments`); every other number lives in ``response_models.csv`` with its
source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gutbrain.errors import DataError, ParameterError
from gutbrain.instruments import INSTRUMENTS, Instrument
from gutbrain.observe.latent import PersonDays, index_latent
from gutbrain.observe.tables import response_model_table

__all__ = [
    "RESPONSE_MODELS",
    "ResponseModel",
    "administer",
    "draw_respondents",
    "response_model",
    "true_scores",
]

#: Latent column read by each construct weight, and the divisor that puts it on a 0-1 scale.
_WEIGHT_COLUMNS: dict[str, tuple[str, float]] = {
    "w_depression": ("depression_severity", 1.0),
    "w_anxiety": ("anxiety_severity", 1.0),
    "w_stress": ("perceived_stress", 1.0),
    "w_na": ("negative_affect", 100.0),
    "w_pa": ("positive_affect", 100.0),
}


@dataclass(frozen=True)
class ResponseModel:
    """How a simulated respondent's latent state becomes one instrument's score (a row of
    ``response_models.csv``).

    Attributes
    ----------
    instrument
        The registry's instrument: name, score range and test-retest reliability.
    recall_days
        Days averaged up to and including the visit day.
    weights
        Construct weights by latent column (NA and PA are divided by 100 first).
    offset
        Constant added to the construct.
    slope, intercept
        True score :math:`T = \\text{intercept} + \\text{slope}\\cdot c`, from the two anchors.
    ref_mean, ref_sd
        Observed score mean and SD of the reference population (the reliability sample).
    anchor_source, reference_source
        Where the anchors and the reference mean and SD come from.
    experience_weight
        :math:`w`: the share of the reported construct that comes from the recall window; the
        rest is the person's self-view at their first visit (1 = no self-view blend).
    experience_source
        Why :math:`w` has its value.
    person_sd
        :math:`\\tau`: SD of the stable person offset (score points).
    person_sd_cohort
        The cohort :math:`\\tau` is calibrated in (the nearest to the reference sample).
    person_sd_source
        How :math:`\\tau` was obtained.
    """

    instrument: Instrument
    recall_days: int
    weights: tuple[tuple[str, float], ...]
    offset: float
    slope: float
    intercept: float
    ref_mean: float
    ref_sd: float
    anchor_source: str
    reference_source: str
    experience_weight: float
    experience_source: str
    person_sd: float
    person_sd_cohort: str
    person_sd_source: str

    def __post_init__(self) -> None:
        if self.recall_days < 1:
            raise ParameterError(
                f"instrument {self.name}: recall_days = {self.recall_days}; expected >= 1"
            )
        if self.ref_sd <= 0:
            raise ParameterError(f"instrument {self.name}: ref_sd = {self.ref_sd}; expected > 0")
        if not 0.0 < self.experience_weight <= 1.0:
            raise ParameterError(
                f"instrument {self.name}: experience_weight = {self.experience_weight}; "
                "expected 0 < w <= 1"
            )
        if not self.person_sd >= 0.0:
            raise ParameterError(
                f"instrument {self.name}: person_sd = {self.person_sd}; expected >= 0"
            )

    @property
    def name(self) -> str:
        """The instrument's bundle name, e.g. ``"PHQ-9"``."""
        return self.instrument.name

    @property
    def error_sd(self) -> float:
        r"""Standard error of measurement :math:`SD_{ref}\sqrt{1 - r}` (score points)."""
        return float(self.ref_sd * np.sqrt(1.0 - self.instrument.retest_r))

    @property
    def columns(self) -> list[str]:
        """Latent columns this instrument reads."""
        return [col for col, _ in self.weights]

    def construct_for_score(self, score: float | np.ndarray) -> float | np.ndarray:
        """Invert the anchor line: the construct value whose true score is ``score``."""
        return (np.asarray(score, dtype=float) - self.intercept) / self.slope

    def daily_construct(self, frame: pd.DataFrame) -> np.ndarray:
        """Per-row construct :math:`c` (before window averaging) for a checked latent frame."""
        value = np.full(len(frame), self.offset, dtype=float)
        for col, weight in self.weights:
            scale = dict(_WEIGHT_COLUMNS.values())[col]
            value += weight * frame[col].to_numpy(float) / scale
        return value

    def observed_scores(self, true_score: np.ndarray, z: np.ndarray) -> np.ndarray:
        r"""Observed scores :math:`\operatorname{clip}(\operatorname{round}(T + \sigma_e z))`
        inside the instrument's range, for true scores :math:`T` and standard-normal ``z``."""
        noisy = true_score + self.error_sd * z
        return np.clip(np.rint(noisy), self.instrument.min, self.instrument.max)


def _build(row: pd.Series) -> ResponseModel:
    name = str(row["instrument"])
    if name not in INSTRUMENTS:
        raise ParameterError(
            f"response_models.csv: instrument {name!r} is not in the instrument registry; "
            f"expected one of {', '.join(INSTRUMENTS)}"
        )
    weights = tuple(
        (col, float(row[key])) for key, (col, _) in _WEIGHT_COLUMNS.items() if float(row[key]) != 0
    )
    x1, y1 = float(row["anchor1_latent"]), float(row["anchor1_score"])
    x2, y2 = float(row["anchor2_latent"]), float(row["anchor2_score"])
    if x1 == x2:
        raise ParameterError(
            f"response_models.csv: {name} has two anchors at the same latent value {x1}"
        )
    slope = (y2 - y1) / (x2 - x1)
    return ResponseModel(
        instrument=INSTRUMENTS[name],
        recall_days=int(row["recall_days"]),
        weights=weights,
        offset=float(row["offset"]),
        slope=slope,
        intercept=y1 - slope * x1,
        ref_mean=float(row["ref_mean"]),
        ref_sd=float(row["ref_sd"]),
        anchor_source=str(row["anchor_source"]),
        reference_source=str(row["reference_source"]),
        experience_weight=float(row["experience_weight"]),
        experience_source=str(row["experience_source"]),
        person_sd=float(row["person_sd"]),
        person_sd_cohort=str(row["person_sd_cohort"]),
        person_sd_source=str(row["person_sd_source"]),
    )


def _load() -> dict[str, ResponseModel]:
    models = {str(row["instrument"]): _build(row) for _, row in response_model_table().iterrows()}
    missing = [name for name in INSTRUMENTS if name not in models]
    if missing:
        raise ParameterError(
            f"response_models.csv: no row for instrument(s) {missing}; expected one row for "
            "every instrument of the registry"
        )
    return models


#: Every instrument's response model, by bundle name (all of the registry's instruments).
RESPONSE_MODELS: Mapping[str, ResponseModel] = _load()


def response_model(name: str) -> ResponseModel:
    """Return the :class:`ResponseModel` of the instrument called ``name`` (e.g. ``"PHQ-9"``).

    Raises
    ------
    ParameterError
        If the name is unknown; the message lists the known names.
    """
    if name not in RESPONSE_MODELS:
        raise ParameterError(
            f"unknown instrument {name!r}; expected one of {', '.join(RESPONSE_MODELS)}"
        )
    return RESPONSE_MODELS[name]


def _schedule_frame(
    schedule: pd.DataFrame | Mapping[str, int], frame: pd.DataFrame
) -> pd.DataFrame:
    """Normalise a visit schedule to columns participant, visit, day."""
    if isinstance(schedule, Mapping):
        people = frame["participant"].unique()
        rows = [(p, str(v), int(d)) for v, d in schedule.items() for p in people]
        return pd.DataFrame(rows, columns=["participant", "visit", "day"])
    if not isinstance(schedule, pd.DataFrame):
        raise DataError(
            f"visit schedule: expected a DataFrame (participant, visit, day) or a mapping "
            f"visit -> day, got {type(schedule).__name__}"
        )
    missing = [c for c in ("participant", "visit", "day") if c not in schedule.columns]
    if missing:
        raise DataError(f"visit schedule: missing column(s) {missing}")
    if not pd.api.types.is_integer_dtype(schedule["day"]):
        raise DataError(
            f"visit schedule: column 'day' must hold integers, got {schedule['day'].dtype}"
        )
    out = schedule.loc[:, ["participant", "visit", "day"]].copy()
    out["participant"] = out["participant"].astype(str)
    out["visit"] = out["visit"].astype(str)
    return out.reset_index(drop=True)


def _window_constructs(
    index: PersonDays,
    daily: np.ndarray,
    visits: pd.DataFrame,
    codes: np.ndarray,
    days: np.ndarray,
    inst: ResponseModel,
    what: str,
) -> np.ndarray:
    """Mean construct over the recall window ending on ``days`` (one per visit row, whose
    people have ``codes`` in ``index``); a window without a latent day is an error naming the
    visit."""
    means, counts = index.window_means(daily, codes, days, inst.recall_days)
    if (counts == 0).any():
        row = int(np.flatnonzero(counts == 0)[0])
        raise DataError(
            f"visit schedule row {row}: participant {visits.at[row, 'participant']!r}, "
            f"visit {visits.at[row, 'visit']!r}: no latent day in the {inst.name} recall window "
            f"of {what} ({inst.recall_days} days up to day {days[row]}); give latent days there"
        )
    return means


def _constructs(
    frame: pd.DataFrame,
    index: PersonDays,
    visits: pd.DataFrame,
    codes: np.ndarray,
    inst: ResponseModel,
    first: np.ndarray,
) -> np.ndarray:
    daily = inst.daily_construct(frame)
    days = visits["day"].to_numpy(np.int64)
    means = _window_constructs(index, daily, visits, codes, days, inst, "the visit")
    w = inst.experience_weight
    if w < 1.0:
        # the self-view: the same recall window at the person's first visit
        self_view = _window_constructs(index, daily, visits, codes, first, inst, "the first visit")
        means = w * means + (1.0 - w) * self_view
    return means


def draw_respondents(
    participants: Sequence[str],
    rng: np.random.Generator | Sequence[np.random.Generator],
) -> pd.DataFrame:
    """Each participant's stable person offsets :math:`z_i` (standard normal), one per instrument.

    Parameters
    ----------
    participants
        Participant ids (the table's index).
    rng
        One Generator for everyone (an ``n x k`` block, person by person), or one Generator per
        participant, each drawing ``k`` numbers: then a person's offsets do not depend on who
        else is drawn. ``k`` is the number of instruments, in the order of :data:`RESPONSE_MODELS`.

    Returns
    -------
    pandas.DataFrame
        Index ``participant``; one float column per instrument in :data:`RESPONSE_MODELS`.
    """
    ids = pd.Index([str(p) for p in participants], name="participant")
    k = len(RESPONSE_MODELS)
    if isinstance(rng, np.random.Generator):
        z = rng.standard_normal((len(ids), k))
    else:
        gens = list(rng)
        if len(gens) != len(ids):
            raise ParameterError(
                f"draw_respondents: {len(gens)} generators for {len(ids)} participants; "
                "expected one each"
            )
        z = np.array([g.standard_normal(k) for g in gens]).reshape(len(ids), k)
    return pd.DataFrame(z, index=ids, columns=list(RESPONSE_MODELS))


def _person_offsets(
    visits: pd.DataFrame, inst: ResponseModel, respondent: pd.DataFrame | None
) -> np.ndarray:
    r""":math:`\tau z_i` for each visit row (zero without a respondent table)."""
    if respondent is None or inst.person_sd == 0.0:
        return np.zeros(len(visits))
    if inst.name not in respondent.columns:
        raise DataError(
            f"respondent table: no column {inst.name!r}; expected one column per instrument "
            "(see draw_respondents)"
        )
    z = respondent[inst.name].reindex(visits["participant"]).to_numpy(float)
    bad = ~np.isfinite(z)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        who = visits["participant"].iat[row]
        raise DataError(
            f"respondent table: participant {who!r}, column {inst.name!r}: no finite offset "
            f"(got {respondent[inst.name].get(who, 'no row')}); expected a standard-normal z"
        )
    return inst.person_sd * z


def _truth(
    latent: pd.DataFrame,
    schedule: pd.DataFrame | Mapping[str, int],
    instruments: Sequence[str],
    self_view_day: int | None,
    respondent: pd.DataFrame | None,
    rng: np.random.Generator | None,
) -> tuple[pd.DataFrame, list[ResponseModel], list[np.ndarray]]:
    """The visit schedule, the instruments (each once, in order) and each one's true scores."""
    insts = [response_model(name) for name in dict.fromkeys(instruments)]
    needed = [c for inst in insts for c in inst.columns]
    frame, index = index_latent(latent, needed)
    visits = _schedule_frame(schedule, frame)
    if respondent is None and rng is not None:
        respondent = draw_respondents(list(pd.unique(visits["participant"])), rng)
    if respondent is not None and not respondent.index.is_unique:
        dup = respondent.index[respondent.index.duplicated()][0]
        raise DataError(
            f"respondent table: participant {dup!r} appears twice; expected one row each"
        )
    codes = index.lookup(visits["participant"])
    if self_view_day is None:
        first = visits.groupby("participant")["day"].transform("min").to_numpy(np.int64)
    else:
        first = np.full(len(visits), self_view_day, dtype=np.int64)
    scores = []
    for inst in insts:
        c = _constructs(frame, index, visits, codes, inst, first)
        scores.append(inst.intercept + inst.slope * c + _person_offsets(visits, inst, respondent))
    return visits, insts, scores


def _by_instrument(
    visits: pd.DataFrame, insts: list[ResponseModel], column: str, values: list[np.ndarray]
) -> pd.DataFrame:
    """One row per visit and instrument, instrument by instrument, with ``values`` as
    ``column``."""
    if not insts:
        return pd.DataFrame(columns=["participant", "visit", "day", "instrument", column])
    out = visits.iloc[np.tile(np.arange(len(visits)), len(insts))].reset_index(drop=True)
    out["instrument"] = np.repeat(np.array([i.name for i in insts], dtype=object), len(visits))
    out[column] = np.concatenate(values)
    return out


def true_scores(
    latent: pd.DataFrame,
    schedule: pd.DataFrame | Mapping[str, int],
    instruments: Sequence[str],
    self_view_day: int | None = None,
    respondent: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """True scores :math:`T` (floats, unclipped) for each visit and instrument.

    Same arguments as :func:`administer`; returns its columns with a float ``true_score``
    instead of ``score``. Without ``respondent`` the stable person offsets are left out (the
    part of the true score that the latent states carry). Useful for screening on latent
    severity and for tests.
    """
    visits, insts, scores = _truth(latent, schedule, instruments, self_view_day, respondent, None)
    return _by_instrument(visits, insts, "true_score", scores)


def administer(
    latent: pd.DataFrame,
    schedule: pd.DataFrame | Mapping[str, int],
    instruments: Sequence[str],
    rng: np.random.Generator,
    self_view_day: int | None = None,
    respondent: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Administer questionnaires at visits and return the bundle's ``visits`` table.

    Parameters
    ----------
    latent
        Latent daily trajectories (one row per person-day) with the columns the instruments
        read: ``depression_severity``, ``anxiety_severity``, ``perceived_stress``,
        ``negative_affect``, ``positive_affect`` as needed.
    schedule
        Either a DataFrame with ``participant, visit, day`` (one row per visit), or a mapping
        ``{visit: day}`` applied to every participant in ``latent``.
    instruments
        Instrument names (see :data:`RESPONSE_MODELS`), e.g. ``["PANAS-NA", "STAI-state"]``.
    rng
        The only source of randomness: the respondent table if none is given
        (:func:`draw_respondents` for the schedule's participants in order of first
        appearance), then one normal draw per visit and instrument, instrument by instrument in
        the order given.
    self_view_day
        The day of every person's first visit, whose recall window forms the self-view that
        self-reports blend in (see the module docstring). ``None``: each person's first visit
        in ``schedule``. Give it when visits are administered one at a time.
    respondent
        Each participant's stable person offsets (:func:`draw_respondents`). ``None``: drawn
        from ``rng``. Give the same table to every call when visits are administered one at a
        time, or a person's offset changes between visits.

    Returns
    -------
    pandas.DataFrame
        ``participant, visit, day, instrument, score`` with integer scores inside each
        instrument's range.

    Raises
    ------
    DataError
        If a visit has no latent day inside an instrument's recall window, or the respondent
        table lacks a participant or an instrument.
    ParameterError
        If an instrument name is unknown.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> latent = pd.DataFrame({"participant": "p1", "day": range(14),
    ...                        "depression_severity": 0.5})
    >>> administer(latent, {"baseline": 13}, ["PHQ-9"], np.random.default_rng(0)).columns.tolist()
    ['participant', 'visit', 'day', 'instrument', 'score']
    """
    visits, insts, truth = _truth(latent, schedule, instruments, self_view_day, respondent, rng)
    scores = [
        inst.observed_scores(t, rng.standard_normal(len(t))).astype(np.int64)
        for inst, t in zip(insts, truth, strict=True)
    ]
    return _by_instrument(visits, insts, "score", scores).astype({"score": np.int64})
