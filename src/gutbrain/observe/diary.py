r"""Daily diary: what a participant reports on the NA and PA sliders, and on which days.

The reported value of affect item :math:`a \in \{NA, PA\}` for person :math:`i` on day :math:`t`
is built on the logit scale of the 0-100 visual analogue scale (VAS):

.. math::

    z_{it} = \operatorname{logit}\!\left(\frac{L_{it}}{100}\right) + u_i + e_{it}, \qquad
    u_i \sim N(0, \sigma_T^2), \qquad
    e_{it} = \phi^{\Delta} e_{i,t-\Delta} + \sigma_S \sqrt{1 - \phi^{2\Delta}}\,\varepsilon_{it}

where :math:`L_{it}` is the latent affect, :math:`u_i` a stable reporting offset (trait),
:math:`e_{it}` stationary AR(1) day-level noise with lag-1 autocorrelation :math:`\phi` over a
gap of :math:`\Delta` days, and :math:`\varepsilon_{it} \sim N(0, 1)`. The report is

.. math::

    v_{it} = \operatorname{round}\bigl(100\,\operatorname{expit}(z_{it})\bigr), \quad
    v_{it} := 0 \text{ if } 100\,\operatorname{expit}(z_{it}) < f

with floor threshold :math:`f`. Noise on the logit scale shrinks near the ends of the scale
(a person at NA 7 cannot swing by 15 points downwards), and the floor piles reports up at 0, as
in experience-sampling data where healthy NA sits near the bottom (KUP2010: NA means about 7 on
0-100). :math:`\sigma_S` is calibrated so that the *reported* daily affect of healthy people,
the latent's own day-to-day swings included, is half trait, half state, as daily PANAS variance
is (MR2011, ICC about 0.5): NA 0.25 and PA 0.44 logit against :math:`\sigma_T` 0.5 (assumed);
:math:`\phi` is 0.235 for NA and 0.30 for PA, the midpoints of KUP2010's lag-1
autocorrelations.

Compliance: person :math:`i` submits on a day with probability

.. math::

    \operatorname{logit} p_{it} = \operatorname{logit} c_i - \beta\,
    \frac{L^{NA}_{it} - \bar L^{NA}_i}{10}, \qquad c_i \sim \text{Beta}(\text{mean } 0.79,
    \text{SD } s)

(WN2023: 79% mean compliance). :math:`\beta > 0` makes entries missing not at random: a person
skips more on their own worse days. :math:`\beta = 0` is missing completely at random. Days
without an entry are absent rows, as the study bundle requires.

All defaults live in ``parameters.csv`` (``diary.*``), with sources.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from gutbrain.errors import ParameterError
from gutbrain.observe.latent import index_latent
from gutbrain.observe.tables import parameter

__all__ = ["AffectReporting", "DiaryModel", "likert_from_vas", "observe_diary"]

#: Probabilities are kept this far from 0 and 1 before a logit, so that a person drawn with
#: compliance exactly 0 or 1 keeps finite log-odds (a numerical guard, not a model parameter).
_PROB_GUARD = 1e-9

#: The MNAR slope is expressed per this many VAS points of latent NA.
_MNAR_UNIT = 10.0

VAS_MAX = 100.0


@dataclass(frozen=True)
class AffectReporting:
    """How one affect item is reported on the 0-100 VAS.

    Attributes
    ----------
    trait_sd
        SD of the person-level reporting offset :math:`\\sigma_T` (logit units).
    state_sd
        SD of the stationary day-level noise :math:`\\sigma_S` (logit units).
    ar1
        Lag-1 (one day) autocorrelation :math:`\\phi` of the day-level noise, in [0, 1).
    floor
        Reports below this many VAS points are given as 0.
    """

    trait_sd: float
    state_sd: float
    ar1: float
    floor: float

    def __post_init__(self) -> None:
        for name in ("trait_sd", "state_sd", "floor"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ParameterError(f"AffectReporting.{name} = {value!r}; expected >= 0")
        if not 0.0 <= self.ar1 < 1.0:
            raise ParameterError(f"AffectReporting.ar1 = {self.ar1!r}; expected 0 <= ar1 < 1")
        if self.floor > VAS_MAX:
            raise ParameterError(f"AffectReporting.floor = {self.floor!r}; expected <= 100")

    @classmethod
    def default(cls, item: str) -> AffectReporting:
        """Defaults for ``item`` ``"na"`` or ``"pa"`` from ``parameters.csv``."""
        if item not in ("na", "pa"):
            raise ParameterError(f"affect item {item!r}; expected 'na' or 'pa'")
        return cls(
            trait_sd=parameter(f"diary.{item}_trait_sd"),
            state_sd=parameter(f"diary.{item}_state_sd"),
            ar1=parameter(f"diary.{item}_ar1"),
            floor=parameter(f"diary.{item}_floor"),
        )


@dataclass(frozen=True)
class DiaryModel:
    """Parameters of the daily-diary observation model (see the module docstring).

    Build the defaults with ``DiaryModel()`` and change them with
    ``dataclasses.replace(model, mnar_log_odds_per_10=0.0)`` or :meth:`with_`.

    Attributes
    ----------
    na, pa
        Reporting models of the two affect items.
    compliance_mean, compliance_sd
        Mean and between-person SD of the probability of submitting on a day (WN2023: 0.79).
    mnar_log_odds_per_10
        :math:`\\beta`: rise in the log-odds of skipping a day per 10 points of latent NA above
        the person's own mean. 0 means missing completely at random.
    item_skip_prob
        Probability that a submitted entry leaves an affect item empty (NaN).
    likert_points
        If set, add ``na_likert`` and ``pa_likert`` columns with this many points (1..k).
    logit_eps
        Latent values are clipped to ``[eps, 1 - eps]`` of the scale before the logit.
    """

    na: AffectReporting = field(default_factory=lambda: AffectReporting.default("na"))
    pa: AffectReporting = field(default_factory=lambda: AffectReporting.default("pa"))
    compliance_mean: float = field(default_factory=lambda: parameter("diary.compliance_mean"))
    compliance_sd: float = field(default_factory=lambda: parameter("diary.compliance_sd"))
    mnar_log_odds_per_10: float = field(
        default_factory=lambda: parameter("diary.mnar_log_odds_per_10")
    )
    item_skip_prob: float = field(default_factory=lambda: parameter("diary.item_skip_prob"))
    likert_points: int | None = None
    logit_eps: float = field(default_factory=lambda: parameter("latent.logit_eps"))

    def __post_init__(self) -> None:
        m, s = self.compliance_mean, self.compliance_sd
        if not 0.0 < m <= 1.0:
            raise ParameterError(f"DiaryModel.compliance_mean = {m!r}; expected 0 < mean <= 1")
        if s < 0 or (s > 0 and s**2 >= m * (1 - m)):
            raise ParameterError(
                f"DiaryModel.compliance_sd = {s!r}; expected 0 <= sd < sqrt(mean*(1-mean)) "
                f"= {np.sqrt(m * (1 - m)):.3f} for a Beta distribution"
            )
        if not np.isfinite(self.mnar_log_odds_per_10):
            raise ParameterError(
                f"DiaryModel.mnar_log_odds_per_10 = {self.mnar_log_odds_per_10!r}; expected finite"
            )
        if not 0.0 <= self.item_skip_prob <= 1.0:
            raise ParameterError(
                f"DiaryModel.item_skip_prob = {self.item_skip_prob!r}; expected 0..1"
            )
        if self.likert_points is not None and (
            int(self.likert_points) != self.likert_points or self.likert_points < 2
        ):
            raise ParameterError(
                f"DiaryModel.likert_points = {self.likert_points!r}; expected an integer >= 2"
            )
        if not 0.0 < self.logit_eps < 0.5:
            raise ParameterError(f"DiaryModel.logit_eps = {self.logit_eps!r}; expected 0..0.5")

    def with_(self, **changes: Any) -> DiaryModel:
        """Return a copy with ``changes`` applied (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


def likert_from_vas(vas: np.ndarray | pd.Series, points: int) -> np.ndarray:
    r"""Map 0-100 VAS values to a ``points``-point Likert item with equal-width bins.

    .. math:: k = 1 + \min\bigl(K - 1, \lfloor v K / 100 \rfloor\bigr)

    so 0 maps to 1 and 100 to :math:`K`. NaN stays NaN (a skipped item).

    Examples
    --------
    >>> likert_from_vas(np.array([0.0, 19.0, 20.0, 100.0, np.nan]), 5).tolist()
    [1.0, 1.0, 2.0, 5.0, nan]
    """
    if int(points) != points or points < 2:
        raise ParameterError(f"likert points = {points!r}; expected an integer >= 2")
    v = np.asarray(vas, dtype=float)
    return np.where(np.isnan(v), np.nan, 1.0 + np.minimum(points - 1, np.floor(v * points / 100)))


def _beta_draws(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """Draw ``n`` Beta variates with the given mean and SD (constant if ``sd == 0``)."""
    if sd == 0 or mean >= 1.0:
        return np.full(n, mean)
    concentration = mean * (1 - mean) / sd**2 - 1
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=n)


def _ar1_noise(
    eps: np.ndarray,
    position: np.ndarray,
    day: np.ndarray,
    sd: float,
    phi: float,
) -> np.ndarray:
    """Stationary AR(1) noise per person along sorted rows, allowing gaps between days.

    The loop runs over the position within a person (at most the number of days), each step
    vectorised over all people.
    """
    noise = sd * eps
    if phi == 0.0 or len(eps) == 0:
        return noise
    order = np.argsort(position, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(position))])
    for k in range(1, len(bounds) - 1):
        rows = order[bounds[k] : bounds[k + 1]]
        gap = day[rows] - day[rows - 1]
        decay = phi ** gap.astype(float)
        noise[rows] = decay * noise[rows - 1] + np.sqrt(1 - decay**2) * sd * eps[rows]
    return noise


def _report(
    latent_value: np.ndarray,
    offset: np.ndarray,
    noise: np.ndarray,
    floor: float,
    eps: float,
) -> np.ndarray:
    """Latent 0-100 value + logit-scale offset and noise -> integer VAS report."""
    z = logit(np.clip(latent_value / VAS_MAX, eps, 1 - eps)) + offset + noise
    vas = VAS_MAX * expit(z)
    vas = np.where(vas < floor, 0.0, vas)
    return np.rint(vas)


def observe_diary(
    latent: pd.DataFrame, rng: np.random.Generator, model: DiaryModel | None = None
) -> pd.DataFrame:
    """Simulate the daily diary a study would receive from latent affect trajectories.

    Parameters
    ----------
    latent
        One row per person-day with ``participant``, ``day``, ``negative_affect`` and
        ``positive_affect`` (0-100). Every row is a day on which the diary was due.
    rng
        The only source of randomness.
    model
        Observation parameters; ``DiaryModel()`` (the table defaults) if omitted.

    Returns
    -------
    pandas.DataFrame
        The bundle's ``diary`` table: ``participant, day, negative_affect, positive_affect``
        (integer values 0-100 as floats, NaN for a skipped item), plus ``na_likert`` and
        ``pa_likert`` (1..k) when ``model.likert_points`` is set. Only submitted days appear.

    Notes
    -----
    Draws are made in a fixed order (trait offsets, compliance, day noise, missingness), so the
    same frame and seed always give the same diary. Validated by tests that recover the AR(1)
    coefficient, the ICC of the reporting noise and the 79% compliance on simulated data.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> latent = pd.DataFrame({"participant": ["p1"] * 3, "day": [0, 1, 2],
    ...                        "negative_affect": [7.0, 7.0, 30.0],
    ...                        "positive_affect": [60.0, 60.0, 40.0]})
    >>> diary = observe_diary(latent, np.random.default_rng(1))
    >>> list(diary.columns)
    ['participant', 'day', 'negative_affect', 'positive_affect']
    """
    model = DiaryModel() if model is None else model
    frame, index = index_latent(latent, ["negative_affect", "positive_affect"])
    codes, position = index.codes, index.position
    n_rows = len(frame)
    n_people = int(codes.max()) + 1 if n_rows else 0
    day = frame["day"].to_numpy(np.int64)
    na_latent = frame["negative_affect"].to_numpy(float)
    pa_latent = frame["positive_affect"].to_numpy(float)

    # Fixed draw order: person-level first, then row-level.
    u_na = rng.normal(0.0, model.na.trait_sd, n_people)
    u_pa = rng.normal(0.0, model.pa.trait_sd, n_people)
    compliance = _beta_draws(rng, model.compliance_mean, model.compliance_sd, n_people)
    eps_na = rng.standard_normal(n_rows)
    eps_pa = rng.standard_normal(n_rows)
    u_submit = rng.random(n_rows)
    u_skip = rng.random((n_rows, 2))

    e_na = _ar1_noise(eps_na, position, day, model.na.state_sd, model.na.ar1)
    e_pa = _ar1_noise(eps_pa, position, day, model.pa.state_sd, model.pa.ar1)
    na = _report(na_latent, u_na[codes], e_na, model.na.floor, model.logit_eps)
    pa = _report(pa_latent, u_pa[codes], e_pa, model.pa.floor, model.logit_eps)

    # Missing not at random: worse-than-usual days are skipped more (beta > 0).
    person_mean_na = np.bincount(codes, weights=na_latent, minlength=n_people) / np.maximum(
        np.bincount(codes, minlength=n_people), 1
    )
    log_odds = logit(np.clip(compliance, _PROB_GUARD, 1 - _PROB_GUARD))[codes]
    log_odds = log_odds - model.mnar_log_odds_per_10 * (
        (na_latent - person_mean_na[codes]) / _MNAR_UNIT
    )
    submitted = u_submit < expit(log_odds)

    na = np.where(u_skip[:, 0] < model.item_skip_prob, np.nan, na)
    pa = np.where(u_skip[:, 1] < model.item_skip_prob, np.nan, pa)

    out = pd.DataFrame(
        {
            "participant": frame["participant"].to_numpy(),
            "day": day,
            "negative_affect": na,
            "positive_affect": pa,
        }
    )
    if model.likert_points is not None:
        out["na_likert"] = likert_from_vas(na, int(model.likert_points))
        out["pa_likert"] = likert_from_vas(pa, int(model.likert_points))
    return out.loc[submitted].reset_index(drop=True)
