r"""The statistical generator: simulated diary data from a linear mixed model.

For participant :math:`i` on day :math:`t = 1, \dots, T` (PowerAnalysisIL's model family,
Lafit et al. 2021, Adv Methods Pract Psychol Sci 4(1)),

.. math::

    y_{it} = \beta_0 + \beta_Z Z_i + \beta_W W_i + (\beta_X + u_{1i}) X_{it}
             + \beta_{ZX} Z_i X_{it} + \beta_{WX} W_i X_{it} + u_{0i} + \varepsilon_{it},

with ``Z`` the arm (0/1, the first half of the participants in arm 0), ``W`` a level-2
predictor :math:`N(\mu_W, \sigma_W)` (centred at its sample mean if asked), ``X`` a level-1
predictor :math:`N(\mu_X, \sigma_X)` (centred within person if asked), random intercept and
slope :math:`(u_0, u_1)` with SDs and correlation given, and AR(1) residuals of marginal SD
``sd_within`` and lag-1 correlation ``ar1`` (as PowerAnalysisIL's ``Sim.Data.IL``). The series
is drawn on the full daily grid, so the days that remain after missingness have CAR(1)
residuals (correlation :math:`\rho^{|t-s|}`).

Missing diary days: each day is kept with probability ``compliance`` (missing at random), or,
with ``missing = "mood"``, with log-odds ``logit(compliance) - mood_effect * z`` where ``z`` is
the day's outcome standardised over all days (worse mood, higher ``y``, fewer entries). Dropout
is monotone loss: a fraction ``dropout`` of the participants stops at a day drawn uniformly from
2 to T and gives no data from that day on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import signal, special

__all__ = ["COLUMNS", "EFFECT_TERMS", "Generator", "simulate"]

#: The columns of a simulated study (all floats).
COLUMNS = ("participant", "day", "y", "Z", "W", "X")

#: The effects the generator knows, named as the analysis formula's columns.
EFFECT_TERMS = ("Z", "W", "X", "Z:X", "W:X")


@dataclass(frozen=True)
class Generator:
    """The parameters of the statistical generator (see the module docstring)."""

    intercept: float = 0.0
    effects: dict[str, float] = field(default_factory=dict)
    sd_within: float = 1.0
    ar1: float = 0.0
    sd_intercept: float = 0.0
    sd_slope: float = 0.0
    corr_intercept_slope: float = 0.0
    w_mean: float = 0.0
    w_sd: float = 1.0
    w_centre: bool = True
    x_mean: float = 0.0
    x_sd: float = 1.0
    x_centre: bool = True
    compliance: float = 1.0
    missing: str = "random"
    mood_effect: float = 0.0
    dropout: float = 0.0

    def with_settings(
        self, *, term: str, effect: float | None, compliance: float | None, dropout: float | None
    ) -> Generator:
        """This generator with the effect of ``term``, the compliance or the dropout replaced
        (None keeps the generator's own)."""
        new = self
        if effect is not None:
            new = replace(new, effects={**new.effects, term: effect})
        if compliance is not None:
            new = replace(new, compliance=compliance)
        if dropout is not None:
            new = replace(new, dropout=dropout)
        return new

    def re_cov(self) -> np.ndarray:
        """Covariance of (random intercept, random slope of X)."""
        c = self.corr_intercept_slope * self.sd_intercept * self.sd_slope
        return np.array([[self.sd_intercept**2, c], [c, self.sd_slope**2]])


def _ar1_errors(rng: np.random.Generator, n: int, days: int, sd: float, rho: float) -> np.ndarray:
    """(n, days) stationary AR(1) series of marginal SD ``sd`` and lag-1 correlation ``rho``."""
    innov = rng.standard_normal((n, days)) * (sd * np.sqrt(1.0 - rho**2))
    innov[:, 0] = innov[:, 0] / np.sqrt(1.0 - rho**2)
    return signal.lfilter([1.0], [1.0, -rho], innov, axis=1)


def simulate(
    gen: Generator, participants: int, days: int, rng: np.random.Generator
) -> pd.DataFrame:
    """One simulated study: the :data:`COLUMNS` ``participant``, ``day``, ``y``, ``Z``, ``W``,
    ``X``, one row per kept diary day, sorted by participant and day."""
    n, t = participants, days
    b = gen.effects
    z = (np.arange(n) >= n // 2).astype(float)
    w = rng.normal(gen.w_mean, gen.w_sd, n)
    if gen.w_centre:
        w = w - w.mean()
    x = rng.normal(gen.x_mean, gen.x_sd, (n, t))
    if gen.x_centre:
        x = x - x.mean(axis=1, keepdims=True)
    zu = rng.standard_normal((n, 2))
    rho_u = gen.corr_intercept_slope
    u = np.column_stack(
        [
            gen.sd_intercept * zu[:, 0],
            gen.sd_slope * (rho_u * zu[:, 0] + np.sqrt(1.0 - rho_u**2) * zu[:, 1]),
        ]
    )
    e = _ar1_errors(rng, n, t, gen.sd_within, gen.ar1)
    zc, wc = z[:, None], w[:, None]
    y = (
        gen.intercept
        + b.get("Z", 0.0) * zc
        + b.get("W", 0.0) * wc
        + (b.get("X", 0.0) + u[:, 1:2]) * x
        + b.get("Z:X", 0.0) * zc * x
        + b.get("W:X", 0.0) * wc * x
        + u[:, 0:1]
        + e
    )
    keep = _kept_days(gen, y, rng)
    pid = np.repeat(np.arange(n, dtype=float), t).reshape(n, t)
    day = np.tile(np.arange(1.0, t + 1.0), (n, 1))
    cols = [pid, day, y, np.broadcast_to(zc, (n, t)), np.broadcast_to(wc, (n, t)), x]
    # One float block: a DataFrame from a 2-D array is built far faster than from columns.
    table = np.column_stack([c.ravel() for c in cols])
    return pd.DataFrame(table if keep is None else table[keep.ravel()], columns=COLUMNS, copy=False)


def _kept_days(gen: Generator, y: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """(n, days) mask of the diary days entered: compliance, then dropout (None: all days,
    and no random numbers drawn)."""
    n, t = y.shape
    if gen.compliance >= 1.0 and gen.dropout <= 0.0:
        return None
    u = rng.random((n, t))
    if gen.missing == "mood" and gen.compliance < 1.0:
        zs = (y - y.mean()) / max(float(y.std()), 1e-300)
        p = special.expit(special.logit(gen.compliance) - gen.mood_effect * zs)
    else:
        p = np.full((n, t), gen.compliance)
    keep = np.asarray(u < p)
    drops = np.asarray(rng.random(n) < gen.dropout)
    stop = rng.integers(2, max(t, 2) + 1, n)  # first day missed, uniform on 2..T
    keep &= ~(drops[:, None] & (np.arange(1, t + 1)[None, :] >= stop[:, None]))
    return keep
