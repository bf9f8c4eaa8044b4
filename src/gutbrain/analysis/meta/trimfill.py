r"""Duval and Tweedie's trim-and-fill method for funnel-plot asymmetry (metafor's ``trimfill``).

The studies are sorted by effect (mirrored first when the missing studies are on the right),
and, repeatedly, the ``k0`` most extreme studies are trimmed, the model is refitted on the rest
and ``k0`` is re-estimated from the signed ranks of :math:`y_i - \hat\mu` over all ``k``
studies, until ``k0`` no longer changes (Duval & Tweedie 2000, Biometrics 56:455; JASA 95:89):

- ``L0``: :math:`k_0 = (4 S_r - k(k+1)) / (2k - 1)`, with :math:`S_r` the sum of the positive
  signed ranks;
- ``R0``: :math:`k_0 = k - r^* - 1`, with :math:`r^*` the largest rank among the negative
  deviations, and the test of "no missing studies", :math:`p = 0.5^{k_0 + 1}`.

``k0`` is rounded (half to even, as R's ``round``) and floored at 0. The ``k0`` trimmed studies
are then mirrored about the last estimate, :math:`2\hat\mu - y_i` with the same variance, and
the model is refitted on the observed and filled studies. The side is, by default, the one
opposite to the sign of the slope in Egger's regression on the standard error (the same tau^2
estimator); the standard error of ``k0`` is metafor's.

Validated against metafor 3.8-1 ``trimfill(res, estimator=, side=)`` on dat.bcg,
dat.hackshaw1998 and dat.molloy2014 (FE, DL and REML; L0 and R0; side automatic, left and
right); see ``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from gutbrain.analysis.meta.effects import EffectSizes
from gutbrain.analysis.meta.model import MetaResult, rma
from gutbrain.errors import DataError, ParameterError

__all__ = ["ESTIMATORS", "SIDES", "TrimFill", "trimfill"]

ESTIMATORS = ("L0", "R0")
SIDES = ("auto", "left", "right")
_MAXITER = 100  # metafor's default maxiter


@dataclass(frozen=True, repr=False)
class TrimFill:
    """Result of :func:`trimfill`.

    Attributes
    ----------
    k0, se_k0
        Estimated number of missing studies and metafor's standard error (None where its
        formula gives the square root of a negative number, as metafor's NaN).
    side
        ``"left"`` or ``"right"``: where the missing studies are.
    estimator
        ``"L0"`` or ``"R0"``.
    p_k0
        For ``R0``, the p-value of the test of no missing studies; None for ``L0``.
    fit
        The model refitted on the observed and filled studies (the original model when
        ``k0 = 0``); filled studies are labelled ``"Filled 1"``, ``"Filled 2"``, ...
    filled
        One flag per study of ``fit``: True for a filled study.
    """

    k0: int
    se_k0: float | None
    side: str
    estimator: str
    p_k0: float | None
    fit: MetaResult
    filled: tuple[bool, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON: k0 and the filled model (with its filled studies)."""
        studies = [
            {"study": s, "yi": float(y), "vi": float(v), "filled": f}
            for s, y, v, f in zip(
                self.fit.labels, self.fit.yi, self.fit.vi, self.filled, strict=True
            )
        ]
        fit = self.fit.to_dict()
        fit.pop("studies")
        return {
            "estimator": self.estimator,
            "side": self.side,
            "k0": self.k0,
            "se_k0": self.se_k0,
            "p_k0": self.p_k0,
            "studies": studies,
            "fit": fit,
        }

    def __repr__(self) -> str:
        se = "NaN" if self.se_k0 is None else f"{self.se_k0:.4f}"
        head = f"Estimated number of missing studies on the {self.side} side: {self.k0} (SE = {se})"
        lines = [head]
        if self.p_k0 is not None:
            label = f"Test of H0: no missing studies on the {self.side} side:"
            lines.append(f"{label.ljust(len(head) - len(str(self.k0)) - len(se) - 11)}"
                         f"p-val = {self.p_k0:.4f}")  # fmt: skip
        return "\n".join([*lines, "", repr(self.fit)])


def _auto_side(res: MetaResult) -> str:
    # metafor: the slope of yi on sqrt(vi) with the same estimator; negative -> right.
    try:
        slope = rma(res.yi, res.vi, mods=np.sqrt(res.vi), method=res.method).beta[1]
    except DataError as exc:
        raise DataError(
            f"trim-and-fill cannot choose the side from Egger's regression ({exc}); "
            "give side='left' or 'right'"
        ) from exc
    return "right" if slope < 0 else "left"


def _k0(yc: np.ndarray, estimator: str) -> tuple[float, float]:
    """(k0 before rounding, its standard error) from the deviations from the estimate."""
    k = yc.shape[0]
    signed = np.sign(yc) * rankdata(np.abs(yc), method="ordinal")
    if estimator == "R0":
        negative = -signed[signed < 0]
        if negative.size == 0:
            raise DataError(
                "trim-and-fill (R0): no study lies on the other side of the pooled estimate, "
                "so the number of missing studies is undefined; use estimator='L0'"
            )
        k0 = k - float(np.max(negative)) - 1.0
        return k0, float(np.sqrt(2.0 * max(0.0, k0) + 2.0))
    sr = float(np.sum(signed[signed > 0]))
    k0 = (4.0 * sr - k * (k + 1)) / (2.0 * k - 1.0)
    var_sr = (
        k * (k + 1) * (2 * k + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0
        - 18 * k * k0**2 - 18 * k * k0 + 6 * k**2 * k0
    ) / 24.0  # fmt: skip
    se = 4.0 * np.sqrt(var_sr) / (2.0 * k - 1.0) if var_sr >= 0 else np.nan
    return k0, float(se)


def trimfill(res: MetaResult, estimator: str = "L0", side: str = "auto") -> TrimFill:
    """Trim-and-fill on a model without moderators (metafor ``trimfill(res, estimator, side)``).

    Parameters
    ----------
    res
        A fitted model without moderators; its tau^2 estimator is used for every refit.
    estimator
        ``"L0"`` (default) or ``"R0"``.
    side
        ``"auto"`` (default: from Egger's regression), ``"left"`` or ``"right"``.

    Raises
    ------
    ParameterError
        A model with moderators, or an unknown estimator or side.
    DataError
        Fewer than 3 studies, or the iteration did not settle in 100 steps.

    Notes
    -----
    metafor refits the filled model with ``test="z"`` and a 95% level whatever the original
    model used; gutbrain keeps the original model's test and level (the same for the defaults).
    """
    if res.has_mods:
        raise ParameterError("trimfill: only for models without moderators")
    if estimator not in ESTIMATORS:
        raise ParameterError(f"estimator = {estimator!r}: expected one of {', '.join(ESTIMATORS)}")
    if side not in SIDES:
        raise ParameterError(f"side = {side!r}: expected one of {', '.join(SIDES)}")
    if res.k < 3:
        raise DataError(f"trim-and-fill needs at least 3 studies; got k = {res.k}")
    if side == "auto":
        side = _auto_side(res)
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * res.yi, kind="stable")
    yi, vi = sign * res.yi[order], res.vi[order]
    k = res.k
    k0, previous, beta, se_k0, steps = 0, -1, 0.0, 0.0, 0
    while k0 != previous:
        steps += 1
        if steps > _MAXITER:
            raise DataError(
                f"trim-and-fill did not settle on a number of missing studies in {_MAXITER} steps"
            )
        previous = k0
        beta = float(rma(yi[: k - k0], vi[: k - k0], method=res.method).beta[0])
        raw, se_k0 = _k0(yi - beta, estimator)
        k0 = max(0, int(np.round(raw)))
    se = None if np.isnan(se_k0) else max(0.0, se_k0)
    p_k0 = 0.5 ** (k0 + 1) if estimator == "R0" else None
    if k0 == 0:
        return TrimFill(0, se, side, estimator, p_k0, res, (False,) * k)
    fill_y = sign * (2.0 * beta - yi[k - k0 :])
    filled = EffectSizes(
        yi=np.concatenate([res.yi, fill_y]),
        vi=np.concatenate([res.vi, vi[k - k0 :]]),
        measure=res.measure,
    )
    fit = rma(
        filled,
        method=res.method,
        knha=res.knha,
        level=res.level,
        labels=[*res.labels, *(f"Filled {j + 1}" for j in range(k0))],
    )
    return TrimFill(k0, se, side, estimator, p_k0, fit, (False,) * k + (True,) * k0)
