r"""N-of-1 trials: per-person Bayesian analysis with AR(1) errors, randomisation test, pooling.

Model (one participant; days after the wash-in of each phase; :func:`nof1_posterior`)
-------------------------------------------------------------------------------------

.. math::

    y_t = \mu + \delta\,B_t + e_t,\qquad \mathrm{cov}(e_s, e_t) = \sigma^2\phi^{|s-t|},

with :math:`B_t = 1` in treatment (B) phases, so :math:`\delta < 0` means B lowers negative
affect (NA, 0-100). Days are the bundle's diary days, so missed and dropped days are gaps in
continuous time (the CAR(1) of :func:`gutbrain.analysis.lmm.lmm`). The first ``wash_in`` days
of every phase are dropped: the treatment (or its withdrawal) is not assumed to act at once.

Priors (:class:`Nof1Prior`): conjugate normal-inverse-gamma given :math:`\phi`,

.. math::

    (\mu, \delta)\mid\sigma^2 \sim N\big((m_\mu, m_\delta),\ \sigma^2\,\mathrm{diag}(v_\mu,
    v_\delta)\big),\qquad \sigma^2 \sim \mathrm{IG}(a_0, b_0),

defaults :math:`m_\mu = 50, v_\mu = 100` (the level within +-10 residual SDs of mid-scale),
:math:`m_\delta = 0, v_\delta = 1` (a standardised effect :math:`\delta/\sigma \sim N(0, 1)`),
:math:`a_0 = 0.5, b_0 = 12.5` (half a pseudo-observation of residual SD 5 points); and
:math:`\phi` uniform on a grid of 96 values in :math:`[0, 0.95]`.

Computation is exact up to the :math:`\phi` grid: for each :math:`\phi` the series is
prewhitened (:math:`\tilde y_1 = y_1`, :math:`\tilde y_j = (y_j - r_j y_{j-1})/\sqrt{1-r_j^2}`,
:math:`r_j = \phi^{t_j - t_{j-1}}`), which turns the model into an ordinary regression; the
normal-inverse-gamma update then gives the marginal likelihood :math:`p(y\mid\phi)` and a
Student-t posterior of :math:`\delta` in closed form (e.g. Gelman et al., *Bayesian Data
Analysis*, 3rd ed., sec. 14.8), and the posterior of :math:`\delta` is the
:math:`p(\phi\mid y)`-weighted mixture of these t distributions. Validated against brute-force
numerical integration over :math:`(\mu, \delta, \sigma^2, \phi)` with the dense covariance
matrix (``tests/analysis/test_nof1.py``), and for coverage by simulation.

Randomisation test (:func:`randomisation_test`)
-----------------------------------------------
Statistic: mean NA in B minus mean NA in A (after wash-in). Its distribution is enumerated
exactly over the allowed randomisation set: ``"pairs"`` (each consecutive pair of blocks is AB or
BA, :math:`2^{k/2}` sequences, the usual ABAB design) or ``"balanced"`` (every arrangement of the
observed block labels). One-sided p-value: the share of allowed sequences whose statistic is at
most the observed one (Edgington & Onghena, *Randomization Tests*, 4th ed., 2007).

Pooling (:func:`nof1_series`)
-----------------------------
Each person's posterior mean and variance of :math:`\delta` enter a random-effects
meta-analysis (:func:`gutbrain.analysis.meta.rma`, REML): a normal approximation to each
posterior, as in aggregated N-of-1 analyses (Zucker et al. 1997, J Clin Epidemiol 50:401).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from gutbrain.analysis._levels import check_level
from gutbrain.analysis.format import format_ci, format_p
from gutbrain.analysis.meta import MetaResult, rma
from gutbrain.errors import DataError, DesignError, ParameterError
from gutbrain.io import StudyBundle

__all__ = [
    "Nof1Data",
    "Nof1Posterior",
    "Nof1Prior",
    "Nof1SeriesResult",
    "RandomisationTest",
    "allowed_sequences",
    "nof1_data",
    "nof1_posterior",
    "nof1_series",
    "randomisation_test",
]


@dataclass(frozen=True)
class Nof1Prior:
    """Priors of the per-person model (see the module docstring); variances in sigma^2 units."""

    mu_mean: float = 50.0
    mu_var: float = 100.0
    delta_mean: float = 0.0
    delta_var: float = 1.0
    a0: float = 0.5
    b0: float = 12.5
    phi_grid: tuple[float, ...] = field(default_factory=lambda: tuple(np.linspace(0, 0.95, 96)))

    def __post_init__(self) -> None:
        for name in ("mu_var", "delta_var", "a0", "b0"):
            if not getattr(self, name) > 0:
                raise ParameterError(f"Nof1Prior.{name} = {getattr(self, name)!r}; must be > 0")
        g = np.asarray(self.phi_grid, dtype=float)
        if g.ndim != 1 or g.size < 1 or g.min() < 0 or g.max() >= 1:
            raise ParameterError("Nof1Prior.phi_grid: expected values in [0, 1)")

    def to_dict(self) -> dict[str, Any]:
        g = self.phi_grid
        return {
            "mu": f"N({self.mu_mean:g}, {self.mu_var:g} sigma^2)",
            "delta": f"N({self.delta_mean:g}, {self.delta_var:g} sigma^2)",
            "sigma2": f"IG({self.a0:g}, {self.b0:g})",
            "phi": f"uniform on {len(g)} grid points in [{min(g):g}, {max(g):g}]",
        }


@dataclass(frozen=True, repr=False)
class Nof1Data:
    """One participant's analysed days: day, NA, treatment indicator, phase and block."""

    participant: str
    sequence: str
    day: np.ndarray
    y: np.ndarray
    treated: np.ndarray
    block: np.ndarray
    n_wash_in: int
    n_missing: int

    def __repr__(self) -> str:
        return (
            f"Nof1Data({self.participant!r} {self.sequence}: {self.day.size} days analysed, "
            f"{self.n_wash_in} wash-in dropped, {self.n_missing} missing NA)"
        )


@dataclass(frozen=True, repr=False)
class Nof1Posterior:
    """Posterior of the treatment effect delta (B - A, NA points) for one participant."""

    participant: str
    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    prob_lower: float
    prob_mid: float
    mid: float
    phi_mean: float
    sigma_mean: float
    conf_level: float
    phi_grid: np.ndarray = field(repr=False)
    phi_weights: np.ndarray = field(repr=False)
    locs: np.ndarray = field(repr=False)
    scales: np.ndarray = field(repr=False)
    dof: float = field(repr=False)

    def cdf(self, x: float) -> float:
        """Posterior P(delta <= x): a p(phi | y)-weighted mixture of Student t CDFs."""
        return float(self.phi_weights @ special.stdtr(self.dof, (x - self.locs) / self.scales))

    def summary(self) -> pd.DataFrame:
        keys = ("participant", "n", "mean", "sd", "ci_low", "ci_high", "prob_lower", "prob_mid",
                "mid", "phi_mean", "sigma_mean")  # fmt: skip
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {str(k): v for k, v in self.summary().iloc[0].items()}
        d["conf_level"] = self.conf_level
        return d

    def __repr__(self) -> str:
        return (
            f"Nof1Posterior({self.participant!r}: delta {self.mean:.3g} "
            f"({format_ci(self.ci_low, self.ci_high, 3, significant=True)}), "
            f"P(delta < 0) = {self.prob_lower:.3f}, "
            f"P(delta < -{self.mid:g}) = {self.prob_mid:.3f}; n = {self.n})"
        )


@dataclass(frozen=True, repr=False)
class RandomisationTest:
    """Exact randomisation test of B lowering NA for one participant."""

    participant: str
    statistic: float
    p: float
    n_sequences: int
    scheme: str
    distribution: np.ndarray = field(repr=False)

    @property
    def min_p(self) -> float:
        """The smallest p this design can give, whatever the effect: 1 / the number of allowed
        sequences (0.25 for two AB/BA pairs)."""
        return 1.0 / self.n_sequences

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "statistic": self.statistic,
            "p": self.p,
            "min_p": self.min_p,
            "n_sequences": self.n_sequences,
            "scheme": self.scheme,
        }

    def __repr__(self) -> str:
        return (
            f"RandomisationTest({self.participant!r}: mean B - A {self.statistic:.3g}, "
            f"{format_p(self.p, label='one-sided p')} over {self.n_sequences} sequences of the "
            f"{self.scheme!r} scheme; p cannot go below {self.min_p:.3g})"
        )


@dataclass(frozen=True, repr=False)
class Nof1SeriesResult:
    """A series of N-of-1 trials: per-person posteriors and tests, and the pooled effect."""

    study: str
    control: str
    treatment: str
    block_days: int
    wash_in: int
    mid: float
    prior: Nof1Prior
    data: dict[str, Nof1Data]
    posteriors: dict[str, Nof1Posterior]
    tests: dict[str, RandomisationTest]
    pooled: MetaResult | None
    #: Participants left out because their data cannot support an estimate, with the reason
    #: (e.g. fewer than 3 analysed days in a phase: a pilot, or an early dropout).
    not_estimable: dict[str, str] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per participant: posterior and randomisation test."""
        rows = []
        for pid, post in self.posteriors.items():
            row = post.to_dict()
            t = self.tests.get(pid)
            row["randomisation_p"] = t.p if t is not None else np.nan
            row["randomisation_min_p"] = t.min_p if t is not None else np.nan
            row["sequence"] = self.data[pid].sequence
            rows.append(row)
        return pd.DataFrame(rows)

    def pooled_dict(self) -> dict[str, Any] | None:
        if self.pooled is None:
            return None
        m = self.pooled
        pr = m.predict()
        return {
            "method": "random-effects meta-analysis of posterior means (REML)",
            "k": m.k,
            "estimate": float(m.beta[0]),
            "se": float(m.se[0]),
            "ci_low": float(m.ci_lb[0]),
            "ci_high": float(m.ci_ub[0]),
            "p": float(m.pval[0]),
            "tau2": float(m.tau2),
            "I2": float(m.I2),
            "pi_low": None if pr.pi_lb is None else float(pr.pi_lb[0]),
            "pi_high": None if pr.pi_ub is None else float(pr.pi_ub[0]),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "contrast": f"{self.treatment} - {self.control} (NA points)",
            "block_days": self.block_days,
            "wash_in_days": self.wash_in,
            "mid": self.mid,
            "prior": self.prior.to_dict(),
            "participants": self.summary().to_dict(orient="records"),
            "not_estimable": [
                {"participant": pid, "reason": why} for pid, why in self.not_estimable.items()
            ],
            "pooled": self.pooled_dict(),
        }

    def __repr__(self) -> str:
        pooled = self.pooled_dict()
        tail = (
            f"pooled {pooled['estimate']:.3g} "
            f"({format_ci(pooled['ci_low'], pooled['ci_high'], 3, significant=True)})"
            if pooled
            else "not pooled"
        )
        return f"Nof1SeriesResult({self.study!r}: {len(self.posteriors)} participants; {tail})"


# ---------------------------------------------------------------------------------- data
def _phase_days(
    sequence: str, block_days: int, wash_in: int, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block index, phase label and wash-in flag of each day under ``sequence``."""
    block = day // block_days
    labels = np.array(list(sequence))[block]
    run_start = np.zeros(len(sequence), dtype=int)
    for b in range(1, len(sequence)):
        run_start[b] = b if sequence[b] != sequence[b - 1] else run_start[b - 1]
    since = day - run_start[block] * block_days
    return block, labels, since < wash_in


def nof1_data(
    diary: pd.DataFrame,
    participant: str,
    sequence: str,
    *,
    block_days: int,
    wash_in: int,
    control: str = "A",
    treatment: str = "B",
    outcome: str = "negative_affect",
) -> Nof1Data:
    """One participant's analysed days: within the sequence's blocks, wash-in days dropped.

    Raises
    ------
    DataError
        A day given twice, an infinite score, or fewer than 3 analysed days in either phase.
    """
    d = diary[(diary["participant"] == participant) & (diary["day"] >= 0)]
    d = d[d["day"] < block_days * len(sequence)].sort_values("day")
    day_all = d["day"].to_numpy(dtype=np.int64)
    y_all = d[outcome].to_numpy(dtype=float)
    dup = np.flatnonzero(np.diff(day_all) == 0)
    if dup.size:
        k = int(day_all[dup[0]])
        raise DataError(
            f"diary, participant {participant!r}, day {k}: {int((day_all == k).sum())} rows; "
            "expected one row per day"
        )
    inf = np.flatnonzero(np.isinf(y_all))
    if inf.size:
        k = int(inf[0])
        raise DataError(
            f"diary, participant {participant!r}, day {int(day_all[k])}: {outcome} = "
            f"{y_all[k]}; expected a finite score (or a missing value)"
        )
    block, labels, wash = _phase_days(sequence, block_days, wash_in, day_all)
    if "phase" in d.columns:
        given = d["phase"].to_numpy(dtype=object)
        bad = np.flatnonzero(pd.notna(given) & (given.astype(str) != labels))
        if bad.size:
            k = int(bad[0])
            raise DataError(
                f"diary, participant {participant!r}, day {int(day_all[k])}: phase "
                f"{str(given[k])!r} but sequence {sequence} with {block_days}-day blocks gives "
                f"{str(labels[k])!r}; check [nof1] block_days or the sequence"
            )
    miss = np.isnan(y_all)
    use = ~wash & ~miss & np.isin(labels, [control, treatment])
    treated = (labels == treatment)[use]
    for lab, count in ((control, int((~treated).sum())), (treatment, int(treated.sum()))):
        if count < 3:
            raise DataError(
                f"diary, participant {participant!r} (sequence {sequence}): {count} analysed days "
                f"in phase {lab!r} after dropping {wash_in} wash-in day(s) per phase; need >= 3"
            )
    return Nof1Data(
        participant=participant,
        sequence=sequence,
        day=day_all[use].astype(float),
        y=y_all[use],
        treated=treated.astype(float),
        block=block[use],
        n_wash_in=int((wash & ~miss).sum()),
        n_missing=int(miss.sum()),
    )


# ---------------------------------------------------------------------------------- posterior
def _whiten(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Prewhiten rows of ``x`` (n, ...) for every phi: r has shape (n_phi, n - 1)."""
    scale = 1.0 / np.sqrt(1.0 - r**2)
    out = np.empty((r.shape[0], *x.shape))
    out[:, 0] = x[0]
    shape = (r.shape[0], r.shape[1]) + (1,) * (x.ndim - 1)
    out[:, 1:] = (x[1:][None] - r.reshape(shape) * x[:-1][None]) * scale.reshape(shape)
    return out


def nof1_posterior(
    data: Nof1Data,
    *,
    mid: float = 5.0,
    prior: Nof1Prior | None = None,
    conf_level: float = 0.95,
) -> Nof1Posterior:
    r"""Posterior of delta for one participant (model, priors, method: module docstring).

    Parameters
    ----------
    data
        From :func:`nof1_data`.
    mid
        Minimal important difference (NA points, > 0): reports P(delta < -mid).
    prior
        :class:`Nof1Prior` (defaults documented there).
    conf_level
        Level of the equal-tailed credible interval.

    Examples
    --------
    >>> import numpy as np
    >>> day = np.arange(40.0)
    >>> b = ((day // 10) % 2).astype(float)
    >>> y = 30 - 5 * b + np.random.default_rng(0).normal(0, 3, 40)
    >>> d = Nof1Data("p1", "ABAB", day, y, b, (day // 10).astype(int), 0, 0)
    >>> post = nof1_posterior(d, mid=2)
    >>> round(post.prob_lower, 3)
    1.0
    """
    if not mid > 0:
        raise ParameterError(
            f"--mid {mid!r}: the minimal important difference must be > 0 points (mid= in Python)"
        )
    check_level(conf_level, "conf_level", "a level")
    prior = prior or Nof1Prior()
    phi = np.asarray(prior.phi_grid, dtype=float)
    y, t = data.y, data.day
    n = y.size
    x = np.column_stack([np.ones(n), data.treated])
    gaps = np.diff(t)
    r = phi[:, None] ** gaps[None, :]  # 0 ** gap = 0 for phi = 0
    yw = _whiten(y, r)  # (G, n)
    xw = _whiten(x, r)  # (G, n, 2)
    m0 = np.array([prior.mu_mean, prior.delta_mean])
    v0inv = np.diag([1.0 / prior.mu_var, 1.0 / prior.delta_var])
    prec = v0inv[None] + np.einsum("gni,gnj->gij", xw, xw)
    vn = np.linalg.inv(prec)
    rhs = (v0inv @ m0)[None] + np.einsum("gni,gn->gi", xw, yw)
    mn = np.einsum("gij,gj->gi", vn, rhs)
    an = prior.a0 + n / 2.0
    bn = prior.b0 + 0.5 * (
        np.einsum("gn,gn->g", yw, yw) + m0 @ v0inv @ m0 - np.einsum("gi,gij,gj->g", mn, prec, mn)
    )
    _, logdet_vn = np.linalg.slogdet(vn)
    logml = (
        -0.5 * np.sum(np.log1p(-(r**2)), axis=1)
        + 0.5 * (logdet_vn - np.log(prior.mu_var * prior.delta_var))
        + prior.a0 * np.log(prior.b0)
        - an * np.log(bn)
    )  # constants common to every phi dropped
    w = np.exp(logml - logml.max())
    w /= w.sum()
    dof = 2.0 * an
    locs = mn[:, 1]
    scales = np.sqrt(bn / an * vn[:, 1, 1])
    mean = float(w @ locs)
    var = float(w @ (scales**2 * dof / (dof - 2.0) + locs**2)) - mean**2
    sd = float(np.sqrt(max(var, 0.0)))

    def cdf(v: float) -> float:
        return float(w @ special.stdtr(dof, (v - locs) / scales))

    def quantile(q: float) -> float:
        lo, hi = mean - 50 * sd - 1.0, mean + 50 * sd + 1.0
        return float(optimize.brentq(lambda v: cdf(v) - q, lo, hi, xtol=1e-10))

    tail = (1.0 - conf_level) / 2.0
    sigma_mean = float(w @ (np.sqrt(bn / (an - 1.0)) if an > 1 else np.sqrt(bn / an)))
    return Nof1Posterior(
        participant=data.participant,
        n=n,
        mean=mean,
        sd=sd,
        ci_low=quantile(tail),
        ci_high=quantile(1.0 - tail),
        prob_lower=cdf(0.0),
        prob_mid=cdf(-mid),
        mid=mid,
        phi_mean=float(w @ phi),
        sigma_mean=sigma_mean,
        conf_level=conf_level,
        phi_grid=phi,
        phi_weights=w,
        locs=locs,
        scales=scales,
        dof=dof,
    )


# ---------------------------------------------------------------------------------- randomisation
def _arrangements(sequence: str) -> list[str]:
    """Distinct arrangements of the labels of ``sequence`` (a multiset permutation)."""
    counts = {lab: sequence.count(lab) for lab in sorted(set(sequence))}
    out: list[str] = []

    def grow(prefix: str) -> None:
        if len(prefix) == len(sequence):
            out.append(prefix)
            return
        for lab, left in counts.items():
            if left:
                counts[lab] -= 1
                grow(prefix + lab)
                counts[lab] += 1

    grow("")
    return out


def allowed_sequences(sequence: str, scheme: str = "pairs") -> list[str]:
    """The randomisation set a block sequence was drawn from.

    ``"pairs"``: consecutive block pairs each in either order (needs an even number of blocks,
    each pair holding two different labels); ``"balanced"``: every distinct arrangement of the
    labels.

    Raises
    ------
    DesignError
        Unknown scheme, or a sequence that cannot come from the scheme.
    """
    if scheme == "pairs":
        if len(sequence) % 2 or any(
            sequence[i] == sequence[i + 1] for i in range(0, len(sequence), 2)
        ):
            raise DesignError(
                f"sequence {sequence!r}: the 'pairs' randomisation needs pairs of different "
                "phases (AB or BA, e.g. ABBA); use the 'balanced' scheme (--scheme balanced)"
            )
        pairs = [sequence[i : i + 2] for i in range(0, len(sequence), 2)]
        return [
            "".join(p if keep else p[::-1] for p, keep in zip(pairs, flips, strict=True))
            for flips in itertools.product((True, False), repeat=len(pairs))
        ]
    if scheme == "balanced":
        return sorted(_arrangements(sequence))
    raise DesignError(f"randomisation scheme {scheme!r}: expected 'pairs' or 'balanced'")


def randomisation_test(
    diary: pd.DataFrame,
    participant: str,
    sequence: str,
    *,
    block_days: int,
    wash_in: int,
    control: str = "A",
    treatment: str = "B",
    scheme: str = "pairs",
    outcome: str = "negative_affect",
) -> RandomisationTest:
    """Exact one-sided randomisation test that the treatment lowers ``outcome``.

    For every sequence in :func:`allowed_sequences`, the days are re-labelled (and the wash-in
    days re-chosen) as that sequence would have made them, and the statistic mean(B) - mean(A)
    recomputed; ``p = #{s : T(s) <= T(observed)} / #sequences``.
    """
    seqs = allowed_sequences(sequence, scheme)
    d = diary[(diary["participant"] == participant) & (diary["day"] >= 0)]
    d = d[d["day"] < block_days * len(sequence)].dropna(subset=[outcome])
    day = d["day"].to_numpy(dtype=np.int64)
    y = d[outcome].to_numpy(dtype=float)

    def stat(seq: str) -> float:
        _, labels, wash = _phase_days(seq, block_days, wash_in, day)
        b = y[(labels == treatment) & ~wash]
        a = y[(labels == control) & ~wash]
        if a.size == 0 or b.size == 0:
            return float("nan")
        return float(b.mean() - a.mean())

    obs = stat(sequence)
    if not np.isfinite(obs):
        raise DataError(f"diary, participant {participant!r}: no analysed days in one phase")
    dist = np.array([stat(s) for s in seqs])
    dist = dist[np.isfinite(dist)]
    # A tolerance for ties that differ only by rounding of the means.
    p = float(np.mean(dist <= obs + 1e-9 * max(1.0, abs(obs))))
    return RandomisationTest(participant, obs, p, int(dist.size), scheme, dist)


# ---------------------------------------------------------------------------------- series
def nof1_series(
    bundle: StudyBundle,
    *,
    control: str | None = None,
    treatment: str | None = None,
    block_days: int | None = None,
    wash_in: int | None = None,
    mid: float = 5.0,
    prior: Nof1Prior | None = None,
    scheme: str = "pairs",
    conf_level: float = 0.95,
    participants: Sequence[str] | None = None,
) -> Nof1SeriesResult:
    """Analyse every participant of an N-of-1 bundle, and pool them.

    Parameters
    ----------
    bundle
        ``design = "nof1"``; participants carry a ``sequence`` of phase labels, one per block.
    control, treatment
        Phase labels; default the first and second ``[[phases]]``.
    block_days, wash_in
        Days per block and wash-in days dropped at the start of each phase; default from the
        ``[nof1]`` table of ``study.toml`` (wash-in 0 if absent there).
    mid
        Minimal important difference in NA points.
    prior, conf_level
        As :func:`nof1_posterior`.
    scheme
        Randomisation set of :func:`randomisation_test`; a sequence that does not fit
        ``"pairs"`` is tested with ``"balanced"`` (reported per participant).

    Raises
    ------
    DesignError
        Not an N-of-1 design, or no block length.
    DataError
        When no participant has enough analysed days (3 per phase); the message names each
        participant and what is missing. Participants with too few days among others who have
        enough are left out and listed in ``not_estimable``.
    """
    study = bundle.study
    if study.design != "nof1":
        raise DesignError(
            f'study {study.name!r}: nof1 analysis needs design = "nof1", not {study.design!r}'
        )
    if scheme not in ("pairs", "balanced"):
        raise ParameterError(f"scheme = {scheme!r}: expected 'pairs' or 'balanced'")
    check_level(conf_level, what="a credible-interval level")
    labels = list(study.labels)
    control = control if control is not None else labels[0]
    treatment = treatment if treatment is not None else labels[1]
    for role, lab in (("control", control), ("treatment", treatment)):
        if lab not in labels:
            raise DesignError(
                f"{role} phase {lab!r} is not a phase of the study ({', '.join(labels)})"
            )
    cfg = study.nof1 or {}
    # where each value came from, as the user wrote it: an option or a study.toml key
    block_from = "--block-days" if block_days is not None else "study.toml [nof1] block_days ="
    wash_from = "--wash-in" if wash_in is not None else "study.toml [nof1] wash_in_days ="
    block_days = block_days if block_days is not None else cfg.get("block_days")
    if block_days is None:
        raise DesignError(
            f"study {study.name!r}: the block length is unknown; add [nof1] block_days = ... to "
            "study.toml or pass --block-days (block_days= in Python)"
        )
    if block_days < 1:
        raise ParameterError(f"{block_from} {block_days}: expected a whole number of days >= 1")
    wash_in = wash_in if wash_in is not None else int(cfg.get("wash_in_days", 0))
    if wash_in < 0 or wash_in >= block_days:
        raise ParameterError(
            f"{wash_from} {wash_in}: expected 0 to {block_days - 1} wash-in days, fewer than "
            f"the {block_days}-day block"
        )
    prior = prior or Nof1Prior()
    seqs = bundle.participants.set_index("participant")["sequence"]
    if participants is not None:
        seqs = seqs.loc[list(participants)]
    data, posts, tests, skipped = {}, {}, {}, {}
    for pid, seq in seqs.items():
        pid, seq = str(pid), str(seq)
        try:
            data[pid] = nof1_data(bundle.diary, pid, seq, block_days=block_days,
                                  wash_in=wash_in, control=control,
                                  treatment=treatment)  # fmt: skip
        except DataError as exc:  # too few days: a fact about this person's data, not an error
            skipped[pid] = str(exc)
            continue
        posts[pid] = nof1_posterior(data[pid], mid=mid, prior=prior, conf_level=conf_level)
        try:
            allowed_sequences(seq, scheme)
            sch = scheme
        except DesignError:
            sch = "balanced"
        tests[pid] = randomisation_test(bundle.diary, pid, seq, block_days=block_days,
                                        wash_in=wash_in, control=control, treatment=treatment,
                                        scheme=sch)  # fmt: skip
    if not posts:
        raise DataError(
            f"study {study.name!r}: no participant has enough diary days for an N-of-1 estimate "
            "(3 analysed days per phase): " + "; ".join(skipped.values())
        )
    pooled = None
    if len(posts) >= 2:
        ids = list(posts)
        pooled = rma(
            np.array([posts[i].mean for i in ids]),
            np.array([posts[i].sd ** 2 for i in ids]),
            method="REML",
            level=conf_level,
            labels=ids,
        )
    return Nof1SeriesResult(
        study=study.name,
        control=control,
        treatment=treatment,
        block_days=int(block_days),
        wash_in=wash_in,
        mid=mid,
        prior=prior,
        data=data,
        posteriors=posts,
        tests=tests,
        pooled=pooled,
        not_estimable=skipped,
    )
