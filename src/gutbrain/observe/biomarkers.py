r"""Biomarkers: ACTH; plasma, salivary and urinary cortisol; CRP, IL-6, TNF-alpha; faecal butyrate.

Each marker :math:`m` reads one latent relative value :math:`x` (``acth``, ``cortisol``,
``inflammation`` or ``butyrate``; 1 = healthy) and is measured as

.. math::

    y = R_m\, r_m\, x^{\beta_m}\, B_i\, O_{it}\, A_{it}, \qquad
    \log B, \log O, \log A \sim N\!\left(-\tfrac{s^2}{2}, s^2\right),\;
    s^2 = \log(1 + CV^2)

with :math:`R_m` the healthy mean level (in the marker's unit) published at a reference time,
:math:`r_m` the diurnal factor that moves it to the marker's sampling time (1 for markers without
a rhythm; :mod:`gutbrain.observe.diurnal`), :math:`\beta_m` the exponent of the mapping, and
three unit-mean log-normal factors: a stable person-level factor :math:`B_i`, an occasion factor
:math:`O_{it}` (day-to-day biology) and an assay factor :math:`A_{it}` (analytical CV). Because
every factor has mean 1, :math:`E[y] = R_m r_m x^{\beta_m}`.

**Skewed between-person distributions.** One sample from each of many healthy people is then
log-normal with log-variance :math:`s_B^2 + s_O^2 + s_A^2`. Where ``biomarkers.csv`` gives the
published population spread of one sample (``population_sd_log``, :math:`\sigma`), the
person-level variance is what remains after the day-to-day and assay variances:
:math:`s_B^2 = \sigma^2 - s_O^2 - s_A^2`. So the simulated population has the published mean
:math:`R_m` and median :math:`R_m e^{-\sigma^2/2}` (e.g. CRP: NHANES mean 4.3, median 2.1 mg/L).

For IL-6 and TNF-alpha the exponent is solved so that DOW2010's depressed-minus-control
difference :math:`\Delta_m` appears at the latent inflammation :math:`x_D` documented for moderate
depression (``biomarkers.depression_inflammation`` in ``parameters.csv``):

.. math:: R_m x_D^{\beta_m} - R_m = \Delta_m \;\Rightarrow\;
          \beta_m = \frac{\log(1 + \Delta_m / R_m)}{\log x_D}

CRP shares IL-6's exponent (CRP is the liver's response to IL-6). Names, units and sampling times
are the instrument registry's (:data:`gutbrain.instruments.MARKERS`). :func:`biomarker_mappings`
returns the resulting table with sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gutbrain.errors import DataError, ParameterError
from gutbrain.instruments import MARKERS
from gutbrain.observe.diurnal import cortisol_rhythm
from gutbrain.observe.latent import check_latent, latent_rows, person_codes
from gutbrain.observe.tables import biomarker_table, parameter

__all__ = ["BiomarkerMapping", "biomarker_mappings", "mapping_summary", "measure_biomarkers"]

_LATENT_DRIVERS = ("acth", "cortisol", "inflammation", "butyrate")


@dataclass(frozen=True)
class BiomarkerMapping:
    """How one biomarker is generated from a latent relative value.

    Attributes
    ----------
    marker, unit
        Bundle marker name and unit (e.g. ``"il6"``, ``"pg/mL"``), the registry's.
    latent
        Latent column read: ``acth``, ``cortisol``, ``inflammation`` or ``butyrate``.
    reference
        Healthy mean level :math:`R_m` (marker unit) at the time it was published.
    rhythm
        Diurnal factor :math:`r_m` from the reference time to the sampling time (1 if none).
    exponent
        :math:`\\beta_m` in :math:`R_m x^{\\beta_m}`.
    person_cv, occasion_cv, assay_cv
        Coefficients of variation of the three unit-mean log-normal noise factors (the person
        CV solved from the published population spread where ``biomarkers.csv`` gives one).
    target_difference
        DOW2010 depressed-minus-control difference the exponent was solved for (NaN if none).
    source
        Reference, mapping and noise sources joined by " | ".
    """

    marker: str
    unit: str
    latent: str
    reference: float
    rhythm: float
    exponent: float
    person_cv: float
    occasion_cv: float
    assay_cv: float
    target_difference: float
    source: str

    def __post_init__(self) -> None:
        if self.latent not in _LATENT_DRIVERS:
            raise ParameterError(
                f"biomarker {self.marker}: latent {self.latent!r}; expected one of "
                f"{_LATENT_DRIVERS}"
            )
        if not (self.reference > 0 and self.rhythm > 0 and np.isfinite(self.exponent)):
            raise ParameterError(
                f"biomarker {self.marker}: reference {self.reference} and rhythm {self.rhythm} "
                f"must be > 0 and exponent {self.exponent} finite"
            )
        for name in ("person_cv", "occasion_cv", "assay_cv"):
            if getattr(self, name) < 0:
                raise ParameterError(
                    f"biomarker {self.marker}: {name} = {getattr(self, name)}; expected >= 0"
                )

    def expected(self, x: np.ndarray | float) -> np.ndarray:
        """Mean measured level :math:`R_m r_m x^{\\beta_m}` at latent value ``x``."""
        return self.reference * self.rhythm * np.power(np.asarray(x, dtype=float), self.exponent)

    def population_sd_log(self) -> float:
        """Log-SD of one sample across healthy people (person, occasion and assay together)."""
        cvs = (self.person_cv, self.occasion_cv, self.assay_cv)
        return float(np.sqrt(sum(np.log1p(cv**2) for cv in cvs)))


def _solve_exponent(reference: float, difference: float, level: float, marker: str) -> float:
    if level <= 1.0:
        raise ParameterError(
            f"biomarkers.depression_inflammation = {level}; expected > 1 to solve the {marker} "
            "exponent"
        )
    return float(np.log1p(difference / reference) / np.log(level))


def _rhythm(marker: str, reference_hours: float) -> float:
    """:math:`g(h_{sample}) / g(h_{reference})`; 1 where the reference is the sampling time's."""
    if pd.isna(reference_hours):
        return 1.0
    sample = MARKERS[marker].hours_after_waking
    if sample is None:
        raise ParameterError(
            f"biomarkers.csv: {marker} has reference_hours {reference_hours} but the registry "
            "gives no hours_after_waking for it (instruments.toml); expected both or neither"
        )
    return float(cortisol_rhythm(sample) / cortisol_rhythm(reference_hours))


def _person_cv(row: pd.Series) -> float:
    """The person CV as given, or solved from the published population spread of one sample."""
    name, sd, given = row["marker"], row["population_sd_log"], row["person_cv"]
    if pd.isna(sd) == pd.isna(given):
        raise ParameterError(
            f"biomarkers.csv: {name} gives population_sd_log {sd} and person_cv {given}; "
            "expected exactly one of them"
        )
    if pd.notna(given):
        return float(given)
    rest = float(sd) ** 2 - np.log1p(row["occasion_cv"] ** 2) - np.log1p(row["assay_cv"] ** 2)
    if rest < 0:
        raise ParameterError(
            f"biomarkers.csv: {name} population_sd_log {sd} is below the day-to-day and assay "
            "spread alone; expected a larger population spread or smaller occasion_cv/assay_cv"
        )
    return float(np.sqrt(np.expm1(rest)))


def biomarker_mappings(depression_inflammation: float | None = None) -> dict[str, BiomarkerMapping]:
    """Build every marker's mapping from ``biomarkers.csv``.

    Parameters
    ----------
    depression_inflammation
        Latent inflammation taken as moderate depression, :math:`x_D`; defaults to
        ``biomarkers.depression_inflammation`` in ``parameters.csv``. Set it to the level the
        mechanistic model actually produces for moderate MDD to recalibrate IL-6, TNF-alpha and
        CRP.

    Returns
    -------
    dict
        Marker name to :class:`BiomarkerMapping`.
    """
    level = (
        parameter("biomarkers.depression_inflammation")
        if depression_inflammation is None
        else float(depression_inflammation)
    )
    table = biomarker_table().set_index("marker", drop=False)
    unregistered = [m for m in table.index if m not in MARKERS]
    if unregistered:
        raise ParameterError(
            f"biomarkers.csv: marker(s) {unregistered} are not in the instrument registry "
            f"(instruments.toml [marker.NAME]); expected some of {list(MARKERS)}"
        )
    exponents: dict[str, float] = {}
    for marker, row in table.iterrows():
        if pd.notna(row["target_difference"]):
            exponents[str(marker)] = _solve_exponent(
                float(row["reference"]), float(row["target_difference"]), level, str(marker)
            )
        elif pd.notna(row["exponent"]):
            exponents[str(marker)] = float(row["exponent"])
    out: dict[str, BiomarkerMapping] = {}
    for marker, row in table.iterrows():
        name = str(marker)
        if name not in exponents:
            other = row["shares_exponent_with"]
            if pd.isna(other) or str(other) not in exponents:
                raise ParameterError(
                    f"biomarkers.csv: {name} has no exponent, target_difference or a valid "
                    f"shares_exponent_with (got {other!r})"
                )
            exponents[name] = exponents[str(other)]
        out[name] = BiomarkerMapping(
            marker=name,
            unit=MARKERS[name].unit,
            latent=str(row["latent"]),
            reference=float(row["reference"]),
            rhythm=_rhythm(name, row["reference_hours"]),
            exponent=exponents[name],
            person_cv=_person_cv(row),
            occasion_cv=float(row["occasion_cv"]),
            assay_cv=float(row["assay_cv"]),
            target_difference=float(row["target_difference"]),
            source=" | ".join(
                str(row[c]) for c in ("reference_source", "mapping_source", "noise_source")
            ),
        )
    return out


def mapping_summary(mappings: Mapping[str, BiomarkerMapping] | None = None) -> pd.DataFrame:
    """The mapping parameters as a small table (one row per marker) with their sources."""
    mappings = biomarker_mappings() if mappings is None else mappings
    return pd.DataFrame([vars(m) for m in mappings.values()])


def _unit_mean_lognormal(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    """Log-normal factors with mean 1 and coefficient of variation ``cv``."""
    s2 = np.log1p(cv**2)
    return np.exp(rng.normal(-s2 / 2, np.sqrt(s2), size))


def _schedule_frame(schedule: pd.DataFrame | Sequence[int], frame: pd.DataFrame) -> pd.DataFrame:
    if isinstance(schedule, pd.DataFrame):
        missing = [c for c in ("participant", "day") if c not in schedule.columns]
        if missing:
            raise DataError(f"biomarker schedule: missing column(s) {missing}")
        if not pd.api.types.is_integer_dtype(schedule["day"]):
            raise DataError(
                f"biomarker schedule: column 'day' must hold integers, got {schedule['day'].dtype}"
            )
        return pd.DataFrame(
            {
                "participant": schedule["participant"].astype(str).to_numpy(),
                "day": schedule["day"].to_numpy(np.int64),
            }
        )
    days = [int(d) for d in schedule]
    people = frame["participant"].unique()
    return pd.DataFrame(
        {
            "participant": np.repeat(people, len(days)),
            "day": np.tile(np.asarray(days, dtype=np.int64), len(people)),
        }
    )


def measure_biomarkers(
    latent: pd.DataFrame,
    schedule: pd.DataFrame | Sequence[int],
    rng: np.random.Generator,
    markers: Sequence[str] | None = None,
    mappings: Mapping[str, BiomarkerMapping] | None = None,
) -> pd.DataFrame:
    """Measure biomarkers on sampling days and return the bundle's ``biomarkers`` table.

    Parameters
    ----------
    latent
        Latent daily trajectories with ``acth``, ``cortisol``, ``inflammation`` and ``butyrate``
        as the requested markers need.
    schedule
        A DataFrame with ``participant, day`` (one row per sampling occasion), or a sequence of
        days sampled for every participant. Each sampling day must be a latent day.
    rng
        The only source of randomness. Draws per marker in the order given: person factors
        (one per participant in sorted order), then occasion and assay factors per sample.
    markers
        Marker names (default: every marker in the table).
    mappings
        Mappings to use (default: :func:`biomarker_mappings`).

    Returns
    -------
    pandas.DataFrame
        ``participant, day, marker, value, unit``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> latent = pd.DataFrame({"participant": "p1", "day": [0, 28], "cortisol": 1.0,
    ...                        "inflammation": 1.0, "butyrate": 1.0})
    >>> table = measure_biomarkers(latent, [0, 28], np.random.default_rng(0), ["il6"])
    >>> table[["day", "marker", "unit"]].values.tolist()
    [[0, 'il6', 'pg/mL'], [28, 'il6', 'pg/mL']]
    """
    mappings = biomarker_mappings() if mappings is None else mappings
    names = list(mappings) if markers is None else list(dict.fromkeys(markers))
    unknown = [m for m in names if m not in mappings]
    if unknown:
        raise ParameterError(f"unknown biomarker(s) {unknown}; expected some of {list(mappings)}")
    frame = check_latent(latent, sorted({mappings[m].latent for m in names}))
    samples = _schedule_frame(schedule, frame)
    rows = latent_rows(frame, samples, "biomarker schedule")
    codes, _ = person_codes(frame)
    n_people = int(codes.max()) + 1 if len(frame) else 0
    sample_person = codes[rows]
    parts = []
    for name in names:
        m = mappings[name]
        person = _unit_mean_lognormal(rng, m.person_cv, n_people)
        occasion = _unit_mean_lognormal(rng, m.occasion_cv, len(rows))
        assay = _unit_mean_lognormal(rng, m.assay_cv, len(rows))
        x = frame[m.latent].to_numpy(float)[rows]
        value = m.expected(x) * person[sample_person] * occasion * assay
        parts.append(samples.assign(marker=name, value=value, unit=m.unit))
    if not parts:
        return pd.DataFrame(columns=["participant", "day", "marker", "value", "unit"])
    return pd.concat(parts, ignore_index=True)
