"""Effect sizes and their sampling variances, as metafor's ``escalc`` computes them.

Each helper returns an :class:`EffectSizes` (``yi``, ``vi``) ready for :func:`~gutbrain.analysis.
meta.rma`. Names of arguments follow metafor (``m1i``, ``sd1i``, ``n1i``, ``ai`` ... ) so that a
metafor user can translate a call one to one. Group 1 is the treatment (e.g. probiotic) group and
group 2 the control (placebo) group; a positive SMD or MD means a larger mean under treatment.

Validated against metafor 3.8-1 ``escalc()`` on dat.normand1999 (SMD, MD), dat.bcg and
dat.nielweise2007 (OR, RR, RD, with zero cells) and dat.molloy2014 (ZCOR); see
``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from gutbrain.errors import DataError

__all__ = [
    "EffectSizes",
    "fisher_z",
    "hedges_correction",
    "log_odds_ratio",
    "log_risk_ratio",
    "mean_difference",
    "risk_difference",
    "smd",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class EffectSizes:
    """Observed effect sizes ``yi`` with sampling variances ``vi``.

    Attributes
    ----------
    yi, vi : ndarray
        Effect sizes and their sampling variances (``vi > 0``), one per study.
    measure : str
        ``"SMD"``, ``"MD"``, ``"RR"`` (log risk ratio), ``"OR"`` (log odds ratio), ``"RD"``
        (risk difference), ``"ZCOR"`` or ``"GEN"`` (given directly).
    """

    yi: FloatArray
    vi: FloatArray
    measure: str = "GEN"

    @property
    def sei(self) -> FloatArray:
        """Standard errors, ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.shape[0])

    def summary(self) -> pd.DataFrame:
        """One row per study: ``yi``, ``vi``, ``sei``."""
        return pd.DataFrame({"yi": self.yi, "vi": self.vi, "sei": self.sei})

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON."""
        return {"measure": self.measure, "yi": self.yi.tolist(), "vi": self.vi.tolist()}

    def __repr__(self) -> str:
        return f"EffectSizes(measure={self.measure!r}, k={self.k})"


def _as_float(name: str, x: ArrayLike, k: int | None = None) -> FloatArray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise DataError(f"{name}: expected a one-dimensional sequence, got shape {arr.shape}")
    if k is not None and arr.shape[0] != k:
        raise DataError(f"{name}: has {arr.shape[0]} values but the other inputs have {k}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{name}[{i}] = {float(arr[i])}: expected a finite number")
    return arr


def _check(name: str, arr: FloatArray, ok: NDArray[np.bool_], expected: str) -> None:
    bad = np.flatnonzero(~ok)
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{name}[{i}] = {arr[i]:g}: expected {expected}")


def hedges_correction(mi: ArrayLike) -> FloatArray:
    r"""Exact small-sample bias correction of Cohen's d (Hedges 1981).

    .. math:: c(m) = \frac{\Gamma(m/2)}{\sqrt{m/2}\,\Gamma((m-1)/2)}, \qquad m = n_1 + n_2 - 2

    computed on the log scale (metafor's ``.cmicalc``). ``c(m) < 1`` and tends to 1 as ``m`` grows.
    """
    m = np.asarray(mi, dtype=float)
    return np.exp(gammaln(m / 2.0) - np.log(np.sqrt(m / 2.0)) - gammaln((m - 1.0) / 2.0))


def _two_group_inputs(
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> tuple[FloatArray, ...]:
    m1 = _as_float("m1i", m1i)
    k = m1.shape[0]
    sd1 = _as_float("sd1i", sd1i, k)
    n1 = _as_float("n1i", n1i, k)
    m2 = _as_float("m2i", m2i, k)
    sd2 = _as_float("sd2i", sd2i, k)
    n2 = _as_float("n2i", n2i, k)
    _check("sd1i", sd1, sd1 > 0, "a standard deviation > 0")
    _check("sd2i", sd2, sd2 > 0, "a standard deviation > 0")
    _check("n1i", n1, n1 >= 1, "a group size >= 1")
    _check("n2i", n2, n2 >= 1, "a group size >= 1")
    return m1, sd1, n1, m2, sd2, n2


def smd(
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> EffectSizes:
    r"""Standardised mean difference, bias-corrected (Hedges' g), as ``escalc(measure="SMD")``.

    .. math::

        s_p = \sqrt{\frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{n_1+n_2-2}}, \quad
        g = c(n_1+n_2-2)\,\frac{\bar x_1 - \bar x_2}{s_p}, \quad
        v = \frac{1}{n_1} + \frac{1}{n_2} + \frac{g^2}{2(n_1+n_2)}

    with :func:`hedges_correction` ``c``. The variance is metafor's default large-sample
    ``vtype="LS"`` (Hedges & Olkin 1985, eq. 8 of ch. 5, with g in place of d).

    Validated against metafor 3.8-1 ``escalc("SMD", ...)`` on dat.normand1999 (rtol 1e-12).

    Examples
    --------
    >>> es = smd([55], [47], [155], [75], [64], [156])
    >>> round(float(es.yi[0]), 4), round(float(es.vi[0]), 4)
    (-0.3552, 0.0131)
    """
    m1, sd1, n1, m2, sd2, n2 = _two_group_inputs(m1i, sd1i, n1i, m2i, sd2i, n2i)
    mi = n1 + n2 - 2.0
    _check("n1i + n2i", n1 + n2, mi >= 2, "at least 4 participants in all (n1i + n2i >= 4)")
    sdp = np.sqrt(((n1 - 1.0) * sd1**2 + (n2 - 1.0) * sd2**2) / mi)
    yi = hedges_correction(mi) * (m1 - m2) / sdp
    vi = 1.0 / n1 + 1.0 / n2 + yi**2 / (2.0 * (n1 + n2))
    return EffectSizes(yi=yi, vi=vi, measure="SMD")


def mean_difference(
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> EffectSizes:
    r"""Raw mean difference, as ``escalc(measure="MD")`` (unequal variances, ``vtype="LS"``).

    .. math:: y = \bar x_1 - \bar x_2, \qquad v = s_1^2/n_1 + s_2^2/n_2

    Validated against metafor 3.8-1 ``escalc("MD", ...)`` on dat.normand1999 (rtol 1e-12).
    """
    m1, sd1, n1, m2, sd2, n2 = _two_group_inputs(m1i, sd1i, n1i, m2i, sd2i, n2i)
    return EffectSizes(yi=m1 - m2, vi=sd1**2 / n1 + sd2**2 / n2, measure="MD")


def _two_by_two(
    ai: ArrayLike, bi: ArrayLike, ci: ArrayLike, di: ArrayLike, add: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Checked 2x2 counts, with ``add`` added to every cell of a study that has a zero cell.

    This is metafor's ``escalc`` default ``add=1/2, to="only0", drop00=FALSE``.
    """
    a = _as_float("ai", ai)
    k = a.shape[0]
    b = _as_float("bi", bi, k)
    c = _as_float("ci", ci, k)
    d = _as_float("di", di, k)
    for name, arr in (("ai", a), ("bi", b), ("ci", c), ("di", d)):
        _check(name, arr, arr >= 0, "a count >= 0")
    if not (np.isfinite(add) and add >= 0):
        raise DataError(f"add = {add}: expected a number >= 0 to add to zero cells")
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (np.where(zero, x + add, x) for x in (a, b, c, d))
    _check("ai + bi", a + b, a + b > 0, "a group size > 0")
    _check("ci + di", c + d, c + d > 0, "a group size > 0")
    return a, b, c, d


def log_risk_ratio(
    ai: ArrayLike, bi: ArrayLike, ci: ArrayLike, di: ArrayLike, add: float = 0.5
) -> EffectSizes:
    r"""Log risk ratio from 2x2 tables, as ``escalc(measure="RR", ai, bi, ci, di)``.

    ``ai``/``bi`` are events/non-events in group 1 and ``ci``/``di`` in group 2.

    .. math::

        y = \ln\frac{a/(a+b)}{c/(c+d)}, \qquad v = \frac1a - \frac1{a+b} + \frac1c - \frac1{c+d}

    A study with a zero cell gets ``add`` (default 1/2) added to all four cells (metafor's
    ``add=1/2, to="only0"``).

    Validated against metafor 3.8-1 ``escalc("RR", ...)`` on dat.bcg, dat.nielweise2007 and
    tables with zero cells (rtol 1e-12).
    """
    a, b, c, d = _two_by_two(ai, bi, ci, di, add)
    if np.any(a == 0) or np.any(c == 0):
        i = int(np.flatnonzero((a == 0) | (c == 0))[0])
        raise DataError(f"ai[{i}] or ci[{i}] is 0 with add = 0: the log risk ratio is undefined")
    n1, n2 = a + b, c + d
    yi = np.log(a / n1) - np.log(c / n2)
    vi = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2
    return EffectSizes(yi=yi, vi=vi, measure="RR")


def log_odds_ratio(
    ai: ArrayLike, bi: ArrayLike, ci: ArrayLike, di: ArrayLike, add: float = 0.5
) -> EffectSizes:
    r"""Log odds ratio from 2x2 tables, as ``escalc(measure="OR", ai, bi, ci, di)``.

    .. math:: y = \ln\frac{a\,d}{b\,c}, \qquad v = \frac1a + \frac1b + \frac1c + \frac1d

    (Woolf's variance), with metafor's zero-cell rule (see :func:`log_risk_ratio`).

    Validated against metafor 3.8-1 ``escalc("OR", ...)`` on dat.bcg, dat.nielweise2007 and
    tables with zero cells (rtol 1e-12).
    """
    a, b, c, d = _two_by_two(ai, bi, ci, di, add)
    cells = np.column_stack([a, b, c, d])
    if np.any(cells == 0):
        i = int(np.flatnonzero(np.any(cells == 0, axis=1))[0])
        raise DataError(f"study {i} has a zero cell with add = 0: the log odds ratio is undefined")
    yi = np.log(a / b) - np.log(c / d)
    return EffectSizes(yi=yi, vi=np.sum(1.0 / cells, axis=1), measure="OR")


def risk_difference(
    ai: ArrayLike, bi: ArrayLike, ci: ArrayLike, di: ArrayLike, add: float = 0.5
) -> EffectSizes:
    r"""Risk difference from 2x2 tables, as ``escalc(measure="RD", ai, bi, ci, di)``.

    .. math::

        p_1 = \frac{a}{a+b},\; p_2 = \frac{c}{c+d}, \qquad y = p_1 - p_2, \qquad
        v = \frac{p_1(1-p_1)}{a+b} + \frac{p_2(1-p_2)}{c+d}

    with metafor's zero-cell rule (see :func:`log_risk_ratio`), which metafor applies to the
    risk difference too.

    Validated against metafor 3.8-1 ``escalc("RD", ...)`` on dat.bcg, dat.nielweise2007 and
    tables with zero cells (rtol 1e-12).
    """
    a, b, c, d = _two_by_two(ai, bi, ci, di, add)
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    return EffectSizes(yi=p1 - p2, vi=p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2, measure="RD")


def fisher_z(ri: ArrayLike, ni: ArrayLike) -> EffectSizes:
    r"""Fisher's r-to-z transformed correlation, as ``escalc(measure="ZCOR")``.

    .. math:: y = \tfrac12 \ln\frac{1+r}{1-r}, \qquad v = \frac{1}{n-3}

    Back-transform pooled values with ``numpy.tanh``.

    Validated against metafor 3.8-1 ``escalc("ZCOR", ...)`` on dat.molloy2014 (rtol 1e-12).
    """
    r = _as_float("ri", ri)
    n = _as_float("ni", ni, r.shape[0])
    _check("ri", r, np.abs(r) < 1, "a correlation strictly between -1 and 1")
    _check("ni", n, n > 3, "a sample size > 3")
    return EffectSizes(yi=np.arctanh(r), vi=1.0 / (n - 3.0), measure="ZCOR")


def as_effects(yi: Sequence[float] | ArrayLike, vi: Sequence[float] | ArrayLike) -> EffectSizes:
    """Wrap given ``yi`` and ``vi`` after checking them (finite, same length, ``vi > 0``)."""
    y = _as_float("yi", yi)
    v = _as_float("vi", vi, y.shape[0])
    _check("vi", v, v > 0, "a sampling variance > 0")
    return EffectSizes(yi=y, vi=v, measure="GEN")


# Squares of effects and reciprocal variances (weights) must stay well inside double precision:
# with |yi| <= 1e100 and 1e-100 <= vi <= 1e100, every w * yi**2 is at most 1e300.
SCALE = 1e100


def scale_checks(es: EffectSizes) -> list[tuple[str, FloatArray, NDArray[np.bool_], str]]:
    """(name, values, ok, expected) for the range every fit needs (:data:`SCALE`)."""
    hint = "; rescale the outcome (e.g. other units)"
    return [
        ("yi", es.yi, np.abs(es.yi) <= SCALE, f"an effect within +-{SCALE:g}{hint}"),
        ("vi", es.vi, (es.vi >= 1 / SCALE) & (es.vi <= SCALE),
         f"a sampling variance between {1 / SCALE:g} and {SCALE:g}{hint}"),
    ]  # fmt: skip


def check_scale(es: EffectSizes) -> None:
    """Raise a :class:`DataError` naming the first effect or variance outside :data:`SCALE`."""
    for name, arr, ok, expected in scale_checks(es):
        _check(name, arr, ok, expected)
