r"""Module scores: Omixer-RPM's rules, vectorised over samples.

The rules (Darzi et al. 2016, ISME J 10:1025, and the Omixer-RPM README and test specifications,
raeslab/omixer-rpm ``ModuleManagerSpecs``, ``ModuleCoverageDistributionSpec``,
``ModuleTaxonomyMatrixWriterSpec``; read, not copied):

- An ortholog with abundance 0 (or absent from the table) is not observed.
- An alternative's score is the mean of its subunits' abundances, absent subunits counting 0:
  a complex ``K1,K2`` with only ``K1 = 2`` scores :math:`(2 + 0)/2 = 1`. It is observed when any
  subunit is (a third of a complex present makes the step observed).
- A step's score is its best alternative's score. The reference first maximises coverage, then
  abundance; since every estimator below is non-decreasing in each step score and a positive
  alternative always beats an unobserved one, the best alternative per step gives both at once.
- coverage = observed steps / steps.
- Abundance, without length normalisation: the estimator (median, average, sum or min) over the
  observed steps only. The median of an even count is the mean of the two middle values.
- With length normalisation (``-n``): missing steps count as 0 in the estimator (so the average is
  the sum over the number of steps); ``sum`` is divided by the number of steps (the README: "divide
  module score by its length"); a result of 0 is replaced by the smallest observed step score (the
  median of :math:`\{0,0,0,0,2,3,8\}` gives 2).
- The reference's tests pin median and average with and without normalisation, sum and min without
  it. ``sum`` and ``min`` with normalisation follow the README's words as read here: sum / steps,
  and min over all steps with the zero rule (which leaves the smallest observed score).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import scipy.sparse as sp

from gutbrain.errors import ParameterError
from gutbrain.omics.modules import Module

__all__ = ["ESTIMATORS", "Estimator", "learn_cutoff", "score_modules"]

Estimator = Literal["median", "average", "sum", "min"]
ESTIMATORS: Final[tuple[str, ...]] = ("median", "average", "sum", "min")


def score_modules(
    values: np.ndarray,
    orthologs: Sequence[str],
    modules: Sequence[Module],
    *,
    estimator: str = "median",
    normalize_by_length: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Abundance and coverage of every module in every sample.

    Parameters
    ----------
    values
        Ortholog abundances, shape (orthologs, samples), finite and non-negative.
    orthologs
        The ortholog id of each row of ``values`` (unique).
    modules
        The module definitions.
    estimator
        ``median`` (Omixer-RPM's default), ``average``, ``sum`` or ``min``.
    normalize_by_length
        Omixer-RPM's ``-n``: missing steps count (see the module docstring).

    Returns
    -------
    (abundance, coverage)
        Two arrays of shape (modules, samples); a module with no observed step has 0 for both.
    """
    if estimator not in ESTIMATORS:
        raise ParameterError(f"estimator {estimator!r}: expected one of {', '.join(ESTIMATORS)}")
    values = np.asarray(values, dtype=float)
    n_samples = values.shape[1]
    if not modules:
        return np.zeros((0, n_samples)), np.zeros((0, n_samples))
    steps = _step_scores(values, orthologs, modules)
    lengths = np.array([len(m.steps) for m in modules])
    # pad the modules' steps into (modules, longest, samples); padding is NaN
    width = int(lengths.max())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    index = starts[:, None] + np.arange(width)[None, :]
    pad = np.arange(width)[None, :] >= lengths[:, None]
    padded = np.where(pad[:, :, None], np.nan, steps[np.where(pad, 0, index)])
    observed = padded > 0
    n_obs = observed.sum(axis=1)
    coverage = n_obs / lengths[:, None]
    if normalize_by_length:
        counted = np.where(pad[:, :, None], np.nan, np.where(observed, padded, 0.0))
        n_counted = np.broadcast_to(lengths[:, None], n_obs.shape)
    else:
        counted = np.where(observed, padded, np.nan)
        n_counted = n_obs
    abundance = _estimate(counted, n_counted, estimator)
    if estimator == "sum" and normalize_by_length:
        abundance = abundance / lengths[:, None]
    if normalize_by_length:
        smallest = np.where(observed, padded, np.inf).min(axis=1)
        abundance = np.where((abundance == 0) & (n_obs > 0), smallest, abundance)
    abundance = np.where(n_obs > 0, abundance, 0.0)
    return abundance, coverage


def _step_scores(
    values: np.ndarray, orthologs: Sequence[str], modules: Sequence[Module]
) -> np.ndarray:
    """(steps of all modules in order, samples): each step's best alternative's score."""
    row_of = {ko: i for i, ko in enumerate(orthologs)}
    used = sorted({ko for m in modules for ko in m.orthologs})
    column = {ko: j for j, ko in enumerate(used)}
    present = np.array([ko in row_of for ko in used], dtype=bool)
    gathered = np.zeros((len(used), values.shape[1]))
    gathered[present] = values[[row_of[ko] for ko in used if ko in row_of]]
    alternatives = [alt for m in modules for step in m.steps for alt in step]
    rows = np.repeat(np.arange(len(alternatives)), [len(alt) for alt in alternatives])
    cols = [column[ko] for alt in alternatives for ko in alt]
    incidence = sp.csr_matrix(
        (np.ones(len(cols)), (rows, cols)), shape=(len(alternatives), len(used))
    )
    sizes = np.array([len(alt) for alt in alternatives], dtype=float)
    alt_scores = np.asarray(incidence @ gathered) / sizes[:, None]
    per_step = [len(step) for m in modules for step in m.steps]
    first = np.concatenate([[0], np.cumsum(per_step)[:-1]])
    return np.maximum.reduceat(alt_scores, first, axis=0)


def _estimate(counted: np.ndarray, n: np.ndarray, estimator: str) -> np.ndarray:
    """The estimator along axis 1 of ``counted`` (modules, steps, samples) over its ``n``
    non-NaN values; 0 where ``n`` is 0."""
    if estimator == "average":
        return np.nansum(counted, axis=1) / np.maximum(n, 1)
    if estimator == "sum":
        return np.nansum(counted, axis=1)
    if estimator == "min":
        low = np.where(np.isnan(counted), np.inf, counted).min(axis=1)
        return np.where(np.isinf(low), 0.0, low)
    ordered = np.sort(counted, axis=1)  # NaN sorts last
    lower = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0)[:, None, :], axis=1)[:, 0]
    upper = np.take_along_axis(ordered, (n // 2)[:, None, :], axis=1)[:, 0]
    return np.where(n > 0, (lower + upper) / 2, 0.0)


def learn_cutoff(coverages: np.ndarray) -> float:
    """The minimum coverage learned from the coverage distribution, as Omixer-RPM learns it.

    Over the distinct observed coverages :math:`c_1 < \\dots < c_k` (every module in every sample
    and taxon with coverage > 0, pooled), the number of modules kept at cut-off :math:`c_i` is
    :math:`N_i = \\#\\{\\text{coverage} \\ge c_i\\}`; the cut-off is the :math:`c_i` (:math:`i \\ge
    2`) with the largest drop :math:`N_{i-1} - N_i`. Omixer-RPM's specification: counts
    ``{0.1: 10, 0.2: 5, 0.3: 10, 0.4: 20, 0.5: 30, 0.6: 10, 0.8: 20, 0.9: 10}`` give 0.6. Ties go
    to the smallest coverage (the reference's tests do not pin this). One distinct value is its own
    cut-off; no observed module gives NaN.
    """
    observed = np.asarray(coverages, dtype=float).ravel()
    levels, counts = np.unique(observed[observed > 0], return_counts=True)
    if levels.size == 0:
        return float("nan")
    if levels.size == 1:
        return float(levels[0])
    # the drop on reaching levels[i] is the number of modules at levels[i - 1]
    return float(levels[1 + int(np.argmax(counts[:-1]))])
