"""Per-person derived constants: quantities of the parameters alone, computed once per person.

The right-hand side runs four times per person-day. The quantities below depend on nothing but
the person's parameters (reciprocals of reference levels, the healthy reference's value of a
Hill term), so the batch kernel computes them once per person with :func:`derived_constants`
and the equations (:func:`gutbrain.model.dynamics.rhs_c`) read them from an array ``c`` laid
out by :class:`C`: a multiplication instead of a division, several times per step. Each is
defined from the parameter table alone and adds no number of its own; the equations stay the
same up to floating-point rounding.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numba import njit

from gutbrain.model._jit_cache import FASTMATH
from gutbrain.model.parameters import P

__all__ = ["N_DERIVED", "C", "derived_constants"]


class C(IntEnum):
    """Index of each derived constant (its definition is in :func:`derived_constants`)."""

    inv_fibre_ref = 0
    inv_probiotic_capacity = 1
    inv_ref_butyrate_producers = 2
    inv_ref_bifidobacteria_lab = 3
    inv_ref_bacteroides_prevotella = 4
    inv_ref_pathobionts = 5
    inv_ref_akkermansia = 6
    inv_scfa_ref = 7
    inv_k_oxygen = 8
    oxygen_ref = 9
    inv_polyphenols_ref = 10
    inv_sugar_ref = 11
    lps_scale = 12
    stress_ref_perceived = 13
    k_gr_cubed_inv = 14
    gr_ref = 15
    inv_k_neuroplasticity = 16
    plasticity_hill_ref = 17
    inv_sleep_need = 18
    exercise_ref_inv_fill = 19
    cortisol_taylor_1 = 20
    cortisol_taylor_2 = 21
    cortisol_taylor_3 = 22


N_DERIVED = len(C)


@njit(cache=True, fastmath=FASTMATH)
def derived_constants(p: np.ndarray) -> np.ndarray:
    """The derived constants of one person with parameters ``p``, laid out by :class:`C`.

    * ``inv_*``: reciprocals of the named parameter (``inv_ref_<guild>`` of ``ref_<guild>``).
    * ``inv_scfa_ref``: 1 over the reference community's guild-weighted butyrate production
      (the denominator of relative SCFA in :func:`~gutbrain.model.dynamics.metabolites`).
    * ``oxygen_ref``: ``1 / (1 + K_ox^-4)``, the epithelial-oxygen Hill term at healthy
      butyrate (:func:`~gutbrain.model.dynamics.epithelial_oxygen` is zero there).
    * ``lps_scale``: ``1 / (K_pathobionts (1 - barrier_ref))``, so endotoxin is 1 for the
      healthy reference.
    * ``stress_ref_perceived``: ``stress_ref * threat_sensitivity``, the reference person's
      perceived stress, from which the HPA, vagal and affect drives count.
    * ``k_gr_cubed_inv``: ``k = K_GR^-3``; ``gr_ref``: ``1 + k``, the normalisation of GR
      occupancy to 1 at healthy cortisol.
    * ``cortisol_taylor_1..3``: the first three Taylor coefficients, about the healthy state
      ``s = x = 1``, of the cortisol that solves ``g(x) = x (1 + k x^3) / (1 + k) = s`` (the
      inverse function of ``g``: ``x' = 1/g'``, ``x'' = -g''/g'^3``,
      ``x''' = 3 g''^2/g'^5 - g'''/g'^4``, divided by 1!, 2!, 3!); the start of
      :func:`~gutbrain.model.dynamics.cortisol_qss`'s Newton iteration.
    * ``plasticity_hill_ref``: ``1 + K_N^-16``, the neuroplasticity switch's normalisation to 1
      at healthy cortisol.
    * ``exercise_ref_inv_fill``: ``(x_0 + K_ex) / x_0``, 1 over the reference exercise's
      saturation ``x_0 / (x_0 + K_ex)``, so the fitness target is 1 at the reference.
    """
    c = np.empty(N_DERIVED)
    c[C.inv_fibre_ref] = 1.0 / p[P.fibre_ref]
    c[C.inv_probiotic_capacity] = 1.0 / p[P.probiotic_capacity]
    c[C.inv_ref_butyrate_producers] = 1.0 / p[P.ref_butyrate_producers]
    c[C.inv_ref_bifidobacteria_lab] = 1.0 / p[P.ref_bifidobacteria_lab]
    c[C.inv_ref_bacteroides_prevotella] = 1.0 / p[P.ref_bacteroides_prevotella]
    c[C.inv_ref_pathobionts] = 1.0 / p[P.ref_pathobionts]
    c[C.inv_ref_akkermansia] = 1.0 / p[P.ref_akkermansia]
    c[C.inv_scfa_ref] = 1.0 / (
        p[P.yield_butyrate_producers] * p[P.ref_butyrate_producers]
        + p[P.yield_generalists] * p[P.ref_bacteroides_prevotella]
        + p[P.yield_lab] * p[P.ref_bifidobacteria_lab]
    )
    k = 1.0 / p[P.k_oxygen]
    k2 = k * k
    c[C.inv_k_oxygen] = k
    c[C.oxygen_ref] = 1.0 / (1.0 + k2 * k2)
    c[C.inv_polyphenols_ref] = 1.0 / p[P.polyphenols_ref]
    c[C.inv_sugar_ref] = 1.0 / p[P.sugar_ref]
    c[C.lps_scale] = 1.0 / (p[P.ref_pathobionts] * (1.0 - p[P.barrier_ref]))
    c[C.stress_ref_perceived] = p[P.stress_ref] * p[P.threat_sensitivity]
    k = 1.0 / p[P.k_gr]
    k3 = k * k * k
    c[C.k_gr_cubed_inv] = k3
    c[C.gr_ref] = 1.0 + k3
    g1 = (1.0 + 4.0 * k3) / (1.0 + k3)  # g'(1), g''(1), g'''(1)
    g2 = 12.0 * k3 / (1.0 + k3)
    g3 = 24.0 * k3 / (1.0 + k3)
    c[C.cortisol_taylor_1] = 1.0 / g1
    c[C.cortisol_taylor_2] = -g2 / g1**3 / 2.0
    c[C.cortisol_taylor_3] = (3.0 * g2 * g2 / g1**5 - g3 / g1**4) / 6.0
    k = 1.0 / p[P.k_neuroplasticity]
    k2 = k * k
    k4 = k2 * k2
    k8 = k4 * k4
    c[C.inv_k_neuroplasticity] = k
    c[C.plasticity_hill_ref] = 1.0 + k8 * k8
    c[C.inv_sleep_need] = 1.0 / p[P.sleep_need]
    x0 = p[P.exercise_ref]
    c[C.exercise_ref_inv_fill] = (x0 + p[P.k_exercise]) / x0
    return c
