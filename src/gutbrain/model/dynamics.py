"""The model's equations: pure functions of (state, exposures, parameters).

No I/O, no randomness and no plotting live here (STYLE.md 2). Each subsystem is a small function;
:func:`rhs` wires them into one right-hand side, ``dy/dt = f(t, y, e, p)``, for one person. All
functions are compiled with numba and work on scalars, so the integrator can run a batch of
people in parallel without a Python loop over people.

Conventions
-----------
* Almost every quantity is relative to the healthy reference person (healthy = 1). Drivers enter
  as linear "elasticities" on relative deviations, ``target = 1 + e_k (x_k - 1)``, clipped at a
  documented floor; the elasticities are the parameters in ``data/parameters.csv``.
* Fast processes (metabolite production, endotoxin translocation, CRH/ACTH/cortisol, vagal
  afferent firing, perceived stress) are at quasi-steady state; slow ones relax first-order
  towards a target with a rate ``gamma`` (1/day).
* The probiotic's mechanisms scale with the probiotic guild's fill level ``pb = S/S_max``, times
  the product's mechanism weights from the strain catalogue (exposure channels ``pb_*``).
* One convention for the subsystems: a function for slow states writes their derivatives into
  ``dydt`` (each writes only its own states); a function for fast quantities returns their
  quasi-steady values. Nothing returns a relaxation target for the caller to turn into a rate.
* Quantities of the parameters alone (reciprocals of reference levels, a Hill term's healthy
  value) are computed once per person (:mod:`gutbrain.model.derived`) and read from ``c``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from gutbrain.model._jit_cache import FASTMATH
from gutbrain.model.derived import C, derived_constants
from gutbrain.model.exposures import E
from gutbrain.model.parameters import P
from gutbrain.model.states import FIRST_TRANSIT, LAST_TRANSIT, A, S

__all__ = [
    "advance_probiotic_response",
    "behaviour",
    "brain",
    "cortisol_qss",
    "gut_barrier",
    "hpa",
    "hpa_adaptation",
    "immune",
    "metabolites",
    "microbiota",
    "mood",
    "perceived_stress",
    "probiotic_response",
    "response_step_factors",
    "rhs",
    "rhs_c",
]

_TINY = 1e-12
# Newton's method for cortisol stops after a step below this fraction of the iterate: it
# converges quadratically, so the step after would be below ~(1e-8)^2, i.e. rounding.
_NEWTON_RTOL = 1e-8


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _floor(x: float, lo: float) -> float:
    return x if x > lo else lo


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else (hi if x > hi else x)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _pos(x: float) -> float:
    return x if x > 0.0 else 0.0


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _sat(x: float, cap: float) -> float:
    """Soft saturation ``x / (1 + |x|/cap)``: linear near 0, never beyond ``cap`` in size.

    Biological responses saturate; this keeps every feedback loop bounded for any parameter
    draw inside the declared ranges.
    """
    return x * cap / (cap + abs(x))  # the same, with one division


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _endotoxin_response(lps: float) -> float:
    """log(LPS) above the healthy level (log-linear cytokine response); none below it, since
    the healthy reference already sits at a low, tolerated endotoxin tone."""
    return np.log(lps) if lps > 1.0 else 0.0


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _relax2(target: float, x: float, up: float, down: float) -> float:
    """First-order relaxation with a slower rise than fall (rates ``up`` and ``down``)."""
    d = target - x
    return (up if d > 0.0 else down) * d


@njit(cache=True, inline="always", fastmath=FASTMATH)
def substrate(e: np.ndarray, p: np.ndarray, c: np.ndarray) -> float:
    r"""Fermentable substrate reaching the colon, relative to the reference diet.

    .. math:: s = \frac{F/F_0\,(1 + K)}{F/F_0 + K},
              \qquad F = \text{fibre} + c_{pre}\,\text{prebiotic}

    Michaelis-Menten saturation: doubling fibre less than doubles fermentation.
    """
    f = (e[E.fibre_g] + p[P.prebiotic_fibre_equiv] * e[E.prebiotic_g]) * c[C.inv_fibre_ref]
    k = p[P.k_substrate]
    return f * (1.0 + k) / (f + k)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _niche_fill(s: float, c: np.ndarray) -> float:
    """The probiotic niche's fill level ``S/S_max`` in [0, 1], the response chain's input (the
    guilds are projected back onto the simplex only after a step, so a raw update can
    overshoot)."""
    return _clip(s * c[C.inv_probiotic_capacity], 0.0, 1.0)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def probiotic_response(y: np.ndarray, p: np.ndarray, c: np.ndarray, dydt: np.ndarray) -> None:
    r"""The host's response to a probiotic, a chain of transit compartments (SUNJUSKO1998).

    Stage 1 follows the probiotic niche's fill level ``S/S_max`` (kept in [0, 1]); each later
    stage follows the one before:

    .. math:: \dot r_1 = k\,(S/S_{max} - r_1), \qquad \dot r_j = k\,(r_{j-1} - r_j)

    with ``k = gamma_probiotic_response_up`` while a stage rises and ``..._down`` while it falls.
    Every mechanism of the product (metabolites, barrier, immune, HPA, vagal) scales with the
    last stage ``r_N``. The chain stands for what the evidence shows without locating it: the
    strains establishing activity in the community and the host's epithelial, immune and
    enteric-neural response take weeks (BRA2011: receptor changes after 4 weeks; MES2011,
    ALLEN2016: effects measured after 4 weeks; JS2025: no clear mood effect before day 10,
    negative mood falling from about day 14). ``N`` stages give a gamma-shaped, sigmoid onset.
    Falls are faster than rises, so the effect is lost within about two weeks of stopping
    (MODEL B5).
    """
    up = p[P.gamma_probiotic_response_up]
    down = p[P.gamma_probiotic_response_down]
    prev = _niche_fill(y[S.probiotic], c)
    for j in range(FIRST_TRANSIT, LAST_TRANSIT + 1):
        dydt[j] = _relax2(prev, y[j], up, down)
        prev = y[j]


@njit(cache=True, inline="always", fastmath=FASTMATH)
def response_step_factors(p: np.ndarray, dt: float) -> np.ndarray:
    """The exponential step's factors for one person and step size: ``e^{-h}`` and
    ``(1 - e^{-h}) / h`` for the rising and the falling rate (see
    :func:`advance_probiotic_response`), computed once per person instead of every step."""
    out = np.empty(4)
    h = p[P.gamma_probiotic_response_up] * dt
    out[0] = math.exp(-h)
    out[1] = (1.0 - out[0]) / h
    h = p[P.gamma_probiotic_response_down] * dt
    out[2] = math.exp(-h)
    out[3] = (1.0 - out[2]) / h
    return out


@njit(cache=True, inline="always", fastmath=FASTMATH)
def advance_probiotic_response(
    y: np.ndarray,
    k1: np.ndarray,
    k2: np.ndarray,
    c: np.ndarray,
    factors: np.ndarray,
    dt: float,
) -> None:
    r"""Advance the response chain over one step, exactly for an input linear over the step.

    The integrator calls this between its two stages and its trapezoidal update, and the chain
    takes no Heun update (its slopes in ``k1`` and ``k2`` are zeroed): the chain falls at up to a
    few per day, fast enough that Heun at half-day steps would misstate the fall. Each stage's
    input ``u`` (the stage before, or ``S/S_max``) is taken as linear over the step, from
    ``u_0`` to ``u_1``, and the stage is advanced exactly for that input, with
    ``h = k \Delta t``:

    .. math:: r_j(t + \Delta t) = u_1 + (r_j(t) - u_0)\,e^{-h} - (u_1 - u_0)\,\frac{1 - e^{-h}}{h}

    ``y`` holds the start of the step and receives the new chain; the probiotic's end-of-step
    value is its trapezoidal update from ``k1`` and ``k2``; ``c`` holds the person's derived
    constants (:mod:`gutbrain.model.derived`) and ``factors`` comes from
    :func:`response_step_factors`. With inputs in [0, 1] every stage stays in [0, 1].
    """
    pb = S.probiotic
    u0 = _niche_fill(y[pb], c)
    u1 = _niche_fill(y[pb] + 0.5 * dt * (k1[pb] + k2[pb]), c)
    e_up, g_up, e_down, g_down = factors[0], factors[1], factors[2], factors[3]
    for j in range(FIRST_TRANSIT, LAST_TRANSIT + 1):
        r = y[j]
        rising = u0 + u1 > 2.0 * r  # the input's mean over the step is above the stage
        ef = e_up if rising else e_down
        gf = g_up if rising else g_down
        new = u1 + (r - u0) * ef - (u1 - u0) * gf
        u0 = r
        u1 = new
        y[j] = new
        k1[j] = 0.0
        k2[j] = 0.0


@njit(cache=True, inline="always", fastmath=FASTMATH)
def metabolites(y: np.ndarray, e: np.ndarray, p: np.ndarray, c: np.ndarray, sub: float):
    r"""Microbial metabolites at quasi-steady state: SCFA, GABA, kynurenine, gut 5-HT, dopamine.

    * butyrate/SCFA: guild-weighted production times substrate, plus the probiotic's SCFA weight;
    * GABA: bifidobacteria/LAB (and GABA-producing strains);
    * tryptophan fate: inflammation induces IDO and diverts tryptophan to kynurenine
      (Dantzer 2008); SCFA stimulate enterochromaffin 5-HT (Yano 2015; about 90 % of body
      serotonin is made in the gut, GUT5HT);
    * microbial dopamine/noradrenaline: only from producing strains.

    Returns (scfa, gaba, kynurenine, serotonin_gut, dopamine_microbial, pb), where ``pb`` is the
    host's response to the probiotic (:func:`probiotic_response`).
    """
    pb = y[LAST_TRANSIT]
    prod = (
        p[P.yield_butyrate_producers] * y[S.butyrate_producers]
        + p[P.yield_generalists] * y[S.bacteroides_prevotella]
        + p[P.yield_lab] * y[S.bifidobacteria_lab]
    ) * c[C.inv_scfa_ref]
    scfa = sub * (prod + e[E.pb_scfa] * pb)
    gaba = y[S.bifidobacteria_lab] * c[C.inv_ref_bifidobacteria_lab] + e[E.pb_gaba] * pb
    kyn = _floor(
        1.0 + p[P.e_inflammation_kynurenine] * (y[S.inflammation] - 1.0) - e[E.pb_kynurenine] * pb,
        0.0,
    )
    ser = _floor(
        (1.0 + p[P.e_scfa_serotonin] * (scfa - 1.0))
        * (1.0 - p[P.e_kynurenine_serotonin] * (kyn - 1.0)),
        0.0,
    )
    dopa = e[E.pb_dopamine] * pb
    return scfa, gaba, kyn, ser, dopa, pb


@njit(cache=True, inline="always", fastmath=FASTMATH)
def epithelial_oxygen(scfa: float, c: np.ndarray) -> float:
    r"""Dysbiosis signal: loss of butyrate re-oxygenates the epithelium (Byndloss 2017).

    .. math:: o = \frac{1}{1 + (b/K)^4} - \frac{1}{1 + (1/K)^4}

    Zero at healthy butyrate, rising steeply as butyrate falls below ``K``. It favours facultative
    anaerobes (pathobionts) and harms obligate anaerobes (butyrate producers): a positive feedback
    that can hold a community in a dysbiotic state.
    """
    r = _floor(scfa, 0.0) * c[C.inv_k_oxygen]
    r2 = r * r
    return 1.0 / (1.0 + r2 * r2) - c[C.oxygen_ref]


@njit(cache=True, inline="always", fastmath=FASTMATH)
def microbiota(
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    sub: float,
    oxy: float,
    cort: float,
    pb: float,
    dydt: np.ndarray,
) -> None:
    r"""Guild replicator dynamics on the simplex, and community diversity.

    Each resident guild has fitness

    .. math:: f_i = \gamma\,\bigl(1 + \delta_i(\text{env}) - x_i/K_i\bigr) - k^{abx}_i

    where ``K_i`` is the person's reference composition and ``delta_i`` collects diet, stress,
    inflammation, diversity and dysbiosis effects. The probiotic guild has fitness ``-washout``
    and an inflow ``J`` while it is taken. Then

    .. math:: \dot x_i = x_i (f_i - \bar f) + J(\mathbb 1_{i=S} - x_i),
              \qquad \bar f = \sum_j x_j f_j

    which keeps the abundances on the simplex. Diversity relaxes towards a diet-supported target
    over weeks (Palleja 2018) and is cut by antibiotics; the attainable diversity is set by the
    pool of resident taxa, which antibiotics deplete and which returns only slowly (or with FMT).
    """
    g = p[P.gamma_microbiota]
    # inflammation-derived electron acceptors feed Enterobacteriaceae only when inflamed
    infl = _pos(y[S.inflammation] - 1.0)
    dc = cort - 1.0
    upf = e[E.ultraprocessed_share] - p[P.upf_ref]
    dsub = sub - 1.0
    ddiv = y[S.diversity] - 1.0
    dfit = y[S.fitness] - 1.0
    poly = e[E.polyphenols_mg] * c[C.inv_polyphenols_ref] - 1.0
    preb = e[E.prebiotic_g] / (e[E.prebiotic_g] + p[P.k_prebiotic])
    abx = e[E.antibiotic]

    d_b = (
        p[P.e_fibre_butyrate_producers] * dsub
        + p[P.e_diversity_butyrate_producers] * ddiv
        - p[P.e_cortisol_butyrate_producers] * dc
        - p[P.e_inflammation_butyrate_producers] * infl
        - p[P.e_oxygen_butyrate_producers] * oxy
        - p[P.e_upf_butyrate_producers] * upf
        + p[P.e_fitness_butyrate_producers] * dfit
        + p[P.e_prebiotic_butyrate_producers] * preb
    )
    d_l = (
        p[P.e_fibre_lab] * dsub
        + p[P.e_prebiotic_lab] * preb
        + p[P.e_polyphenols_lab] * poly
        + p[P.e_fermented_lab] * e[E.fermented_servings]
        - p[P.e_cortisol_lab] * dc
        + p[P.e_diversity_lab] * ddiv
    )
    d_g = p[P.e_upf_generalists] * upf - p[P.e_fibre_generalists] * dsub
    d_p = (
        p[P.e_upf_pathobionts] * upf
        + p[P.e_sugar_pathobionts] * (e[E.added_sugar_g] * c[C.inv_sugar_ref] - 1.0)
        + p[P.e_alcohol_pathobionts] * (e[E.alcohol_drinks] - p[P.alcohol_ref])
        + p[P.e_cortisol_pathobionts] * dc
        + p[P.e_inflammation_pathobionts] * infl
        + p[P.e_oxygen_pathobionts] * oxy
        - p[P.probiotic_exclusion] * pb
    )
    d_a = p[P.e_polyphenols_akkermansia] * poly - p[P.e_fibre_akkermansia] * dsub
    cap = p[P.fitness_shift_max]
    d_b = _sat(d_b, cap)
    d_l = _sat(d_l, cap)
    d_g = _sat(d_g, cap)
    d_p = _sat(d_p, cap)
    d_a = _sat(d_a, cap)

    f0 = (
        g * (1.0 + d_b - y[S.butyrate_producers] * c[C.inv_ref_butyrate_producers])
        - abx * e[E.abx_butyrate_producers]
    )
    f1 = (
        g * (1.0 + d_l - y[S.bifidobacteria_lab] * c[C.inv_ref_bifidobacteria_lab])
        - abx * e[E.abx_bifidobacteria_lab]
    )
    f2 = (
        g * (1.0 + d_g - y[S.bacteroides_prevotella] * c[C.inv_ref_bacteroides_prevotella])
        - abx * e[E.abx_bacteroides_prevotella]
    )
    f3 = g * (1.0 + d_p - y[S.pathobionts] * c[C.inv_ref_pathobionts]) - abx * e[E.abx_pathobionts]
    f4 = g * (1.0 + d_a - y[S.akkermansia] * c[C.inv_ref_akkermansia]) - abx * e[E.abx_akkermansia]
    f5 = -e[E.probiotic_washout] - abx * e[E.abx_probiotic]

    x0 = y[S.butyrate_producers]
    x1 = y[S.bifidobacteria_lab]
    x2 = y[S.bacteroides_prevotella]
    x3 = y[S.pathobionts]
    x4 = y[S.akkermansia]
    x5 = y[S.probiotic]
    fbar = x0 * f0 + x1 * f1 + x2 * f2 + x3 * f3 + x4 * f4 + x5 * f5
    # colonisation pressure fills the probiotic niche up to its capacity: J = k I (S_max - x)^+
    jin = p[P.probiotic_colonisation] * e[E.probiotic_intake] * _pos(p[P.probiotic_capacity] - x5)
    dydt[S.butyrate_producers] = x0 * (f0 - fbar) - jin * x0
    dydt[S.bifidobacteria_lab] = x1 * (f1 - fbar) - jin * x1
    dydt[S.bacteroides_prevotella] = x2 * (f2 - fbar) - jin * x2
    dydt[S.pathobionts] = x3 * (f3 - fbar) - jin * x3
    dydt[S.akkermansia] = x4 * (f4 - fbar) - jin * x4
    dydt[S.probiotic] = x5 * (f5 - fbar) + jin * (1.0 - x5)

    div_target = _floor(
        y[S.taxa_pool]
        + p[P.e_fibre_diversity] * dsub
        + p[P.e_fermented_diversity] * e[E.fermented_servings]
        - p[P.e_upf_diversity] * upf,
        0.05,
    )
    dydt[S.diversity] = (
        p[P.gamma_diversity] * (div_target - y[S.diversity])
        - p[P.antibiotic_diversity_loss] * abx * y[S.diversity]
    )
    # the taxa pool: lost taxa return only slowly from the environment (or at once with FMT)
    dydt[S.taxa_pool] = (
        p[P.gamma_taxa_pool] * (p[P.diversity_capacity] - y[S.taxa_pool])
        - p[P.antibiotic_pool_loss] * abx * y[S.taxa_pool]
    )


@njit(cache=True, inline="always", fastmath=FASTMATH)
def cortisol_qss(s: float, c: np.ndarray) -> float:
    r"""Cortisol at quasi-steady state of the Karin et al. 2020 HPA model.

    With fast hormones at steady state, ``x1 = u MR(x3) GR(x3)``, ``x2 = x1 P GR(x3)``,
    ``x3 = x2 A`` and ``MR(x) = 1/x``. With GR normalised to 1 at the healthy state,
    ``GR_n(x) = (1 + k) / (1 + k x^3)`` with ``k = K^{-3}``, this gives

    .. math:: g(x_3) = x_3 / GR_n(x_3) = s = \sqrt{u P A},
              \quad\text{i.e.}\quad h(x) = x + k x^4 - (1 + k) s = 0

    solved by Newton's method, ``x <- x - h/h' = ((1 + k) s + 3 k x^4) / (1 + 4 k x^3)``
    (h is increasing and convex for x > 0, so from any positive start every iterate after the
    first lies above the root and they fall to it). It starts from the cubic Taylor
    expansion of the root about the healthy state ``s = x = 1`` (``c``'s ``cortisol_taylor_*``,
    :mod:`gutbrain.model.derived`) for ``|s - 1| < 1``, and from ``s`` beyond, where the
    expansion loses its accuracy. ``c`` holds the person's derived constants. KARIN2020,
    MILO2025.
    """
    k = c[C.k_gr_cubed_inv]
    b = c[C.gr_ref] * s
    d = s - 1.0
    taylor = 1.0 + d * (
        c[C.cortisol_taylor_1] + d * (c[C.cortisol_taylor_2] + d * c[C.cortisol_taylor_3])
    )
    x = taylor if abs(d) < 1.0 else s
    for _ in range(8):
        x2 = x * x
        new = (b + 3.0 * k * x2 * x2) / (1.0 + 4.0 * k * x2 * x)
        step = new - x
        x = new
        if abs(step) < _NEWTON_RTOL * x:
            break
    return x


@njit(cache=True, inline="always", fastmath=FASTMATH)
def perceived_stress(y: np.ndarray, e: np.ndarray, p: np.ndarray) -> float:
    r"""Perceived stress: stressors amplified by NA, trait threat sensitivity and sleep debt,
    damped by mindfulness and psychotherapy skills and by the expectancy of getting better
    (hope recasts the episode's difficulties as passing: the placebo response's route to the
    HPA axis). The stressors are the day's external ones ``s``, life's hassles ``h`` and the
    load of a depressive episode ``e_ep L`` (rumination and the difficulties that hold the
    episode; see :func:`behaviour`).

    .. math:: PS = \max(0, s + h + e_{ep} L)\,\theta\,(1 + e_{sl} d)
              (1 + e_{NA}(\eta_{NA} - \eta_0)^+)(1 - c_m m)(1 - c_c c)(1 - c_x x)
    """
    stressors = _pos(e[E.stress] + y[S.hassles] + p[P.episode_stress] * y[S.episode])
    amp_na = 1.0 + _sat(p[P.e_na_stress] * _pos(y[S.eta_na] - p[P.eta_na_ref]), 1.0)
    react = 1.0 + p[P.e_sleep_reactivity] * y[S.sleep_debt]
    damp = (
        (1.0 - p[P.mindfulness_stress_damping] * y[S.mindfulness_skill])
        * (1.0 - p[P.cbt_stress_damping] * y[S.cbt_skill])
        * (1.0 - p[P.expectancy_stress_damping] * y[S.expectancy])
    )
    return stressors * p[P.threat_sensitivity] * react * amp_na * damp


@njit(cache=True, inline="always", fastmath=FASTMATH)
def hpa(y: np.ndarray, e: np.ndarray, p: np.ndarray, c: np.ndarray, ps: float, pb: float):
    r"""HPA axis: CRH-level drive, quasi-steady hormones. Returns (u, crh, acth, cortisol).

    The CRH-level drive rises with perceived stress, inflammation (IL-6 stimulates CRH) and
    sleep debt, and with lost central inhibition when neuroplasticity is low (the CNS-HPA mutual
    inhibition of MIZ2023, strength = the person's vulnerability). Probiotics with an HPA weight
    damp it directly, and central GABAergic tone (raised by vagal signalling) inhibits the PVN
    (MES2011, BRA2011).

    At the root of :func:`cortisol_qss`, ``GR_n(x_3) = x_3 / s``, so CRH ``= u GR_n / x_3 = u/s``
    and ACTH ``= CRH P GR_n``, with no GR term to evaluate.
    """
    u = _floor(
        1.0
        + _sat(
            p[P.e_stress_hpa] * (ps - c[C.stress_ref_perceived])
            + p[P.e_inflammation_hpa] * (y[S.inflammation] - 1.0)
            + p[P.e_sleep_hpa] * y[S.sleep_debt]
            + p[P.vulnerability] * (1.0 - y[S.neuroplasticity])
            - e[E.pb_hpa] * pb
            - p[P.e_gabaergic_hpa] * (y[S.gabaergic] - 1.0),
            p[P.hpa_drive_max_shift],
        ),
        p[P.hpa_drive_floor],
    )
    s = _floor(np.sqrt(_floor(u * y[S.pituitary] * y[S.adrenal], 0.0)), _TINY)
    inv_s = 1.0 / s
    cort = cortisol_qss(s, c)
    grn = cort * inv_s
    crh = u * inv_s
    acth = crh * y[S.pituitary] * grn
    return u, crh, acth, cort


@njit(cache=True, inline="always", fastmath=FASTMATH)
def hpa_adaptation(
    y: np.ndarray, p: np.ndarray, crh: float, acth: float, cort: float, dydt: np.ndarray
) -> None:
    r"""The HPA axis's slow states: glucocorticoid receptor sensitivity and the gland masses.

    Cortisol above the healthy level erodes GR sensitivity towards a floor (glucocorticoid
    resistance). CRH above the healthy level grows the corticotroph mass and ACTH the adrenal
    cortex, each in proportion to its size (KARIN2020):

    .. math:: \dot m_P = \gamma_P\,m_P\,(\text{CRH} - 1), \qquad
              \dot m_A = \gamma_A\,m_A\,(\text{ACTH} - 1)
    """
    gr_t = _floor(1.0 - p[P.e_cortisol_gr_resistance] * _pos(cort - 1.0), p[P.gr_floor])
    dydt[S.gr_sensitivity] = p[P.gamma_gr] * (gr_t - y[S.gr_sensitivity])
    dydt[S.pituitary] = p[P.gamma_pituitary] * y[S.pituitary] * (crh - 1.0)
    dydt[S.adrenal] = p[P.gamma_adrenal] * y[S.adrenal] * (acth - 1.0)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def gut_barrier(
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    scfa: float,
    crh: float,
    cort: float,
    pb: float,
    dydt: np.ndarray,
) -> None:
    r"""Barrier integrity relaxes towards a target: butyrate and barrier strains strengthen it;
    CRH/cortisol (Vanuytsel 2014), pathobionts, alcohol and inflammation weaken it ("leaky
    gut")."""
    target = _clip(
        p[P.barrier_ref]
        + p[P.e_scfa_barrier] * (scfa - 1.0)
        + e[E.pb_barrier] * pb
        - p[P.e_crh_barrier] * (crh - 1.0)
        - p[P.e_cortisol_barrier] * (cort - 1.0)
        - p[P.e_pathobionts_barrier] * (y[S.pathobionts] * c[C.inv_ref_pathobionts] - 1.0)
        - p[P.e_alcohol_barrier] * (e[E.alcohol_drinks] - p[P.alcohol_ref])
        - p[P.e_inflammation_barrier] * _pos(y[S.inflammation] - 1.0)
        - e[E.barrier_insult],
        p[P.barrier_min],
        p[P.barrier_max],
    )
    dydt[S.barrier] = p[P.gamma_barrier] * (target - y[S.barrier])


@njit(cache=True, inline="always", fastmath=FASTMATH)
def immune(
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    lps: float,
    scfa: float,
    vag_eff: float,
    cort: float,
    pb: float,
    dydt: np.ndarray,
) -> None:
    r"""Systemic inflammation, relaxing towards a target.

    Endotoxin (pathobionts x permeability) drives it on a log scale (cytokine responses are
    log-linear in endotoxin dose); SCFA, the vagal cholinergic reflex
    (Borovikova 2000) and anti-inflammatory strains lower it; cortisol suppresses it in
    proportion to GR sensitivity, which chronic high cortisol erodes (glucocorticoid resistance);
    sleep loss raises and training lowers it; a Mediterranean pattern lowers it.
    """
    # pro-inflammatory drive (endotoxin, sleep loss); anti-inflammatory strains damp this drive
    # by a fraction, so they normalise excess inflammation rather than suppress healthy tone
    pro = (
        p[P.e_lps_inflammation] * _endotoxin_response(lps)
        + p[P.e_sleep_inflammation] * y[S.sleep_debt]
    ) * _floor(1.0 - e[E.pb_anti_inflammatory] * pb, 0.0)
    target = _floor(
        1.0
        + _sat(
            pro
            - p[P.e_scfa_inflammation] * (scfa - 1.0)
            - p[P.e_vagal_inflammation] * (vag_eff - 1.0)
            - p[P.e_cortisol_inflammation] * y[S.gr_sensitivity] * (cort - 1.0)
            - p[P.e_fitness_inflammation] * (y[S.fitness] - 1.0)
            - p[P.e_mediterranean_inflammation] * (e[E.mediterranean] - p[P.mediterranean_ref]),
            p[P.inflammation_max_shift],
        ),
        p[P.inflammation_floor],
    )
    dydt[S.inflammation] = p[P.gamma_inflammation] * (target - y[S.inflammation])


@njit(cache=True, inline="always", fastmath=FASTMATH)
def brain(
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    kyn: float,
    vag_brain: float,
    gaba: float,
    dopa_m: float,
    cort: float,
    dydt: np.ndarray,
) -> None:
    r"""Central tones and neuroplasticity.

    * SSRI action adapts over 2-4 weeks (autoreceptor desensitisation), raising serotonergic tone;
      kynurenine diversion lowers central 5-HT synthesis.
    * GABAergic tone follows vagal afferent signals and gut GABA (BRA2011); mindfulness raises
      it. The slow, sigmoid onset of psychobiotic effects sits in the probiotic's response
      chain (:func:`probiotic_response`), not here.
    * Dopaminergic tone: microbial dopamine producers, training; inflammation lowers it.
    * Neuroplasticity (BDNF) falls steeply once cortisol exceeds ``K_N`` (Hill, n = 16), and with
      inflammation; SSRIs and training raise it. With the HPA drive's dependence on
      neuroplasticity this is the CNS-HPA mutual inhibition (MIZ2023).
    """
    dydt[S.ssri_adaptation] = p[P.gamma_ssri] * (e[E.ssri_dose] - y[S.ssri_adaptation])
    # the plasticity window (iPlasticity; CAS2005, MAYA2008, KAR2011): open in a plastic brain,
    # nearly shut when BDNF has collapsed (depression), re-opened by an adapted SSRI. Gut-to-brain
    # signals change central tone only through an open window, so a probiotic acts in a
    # depressed brain as an SSRI adjunct and hardly alone (NIK2021)
    plastic = min(y[S.neuroplasticity] + p[P.e_ssri_plasticity_window] * y[S.ssri_adaptation], 1.0)
    sero_t = _floor(
        1.0
        + p[P.e_ssri_serotonergic] * y[S.ssri_adaptation]
        - p[P.e_kynurenine_serotonergic] * (kyn - 1.0)
        + plastic * p[P.e_vagal_serotonergic] * vag_brain,
        0.05,
    )
    dydt[S.serotonergic] = p[P.gamma_serotonergic] * (sero_t - y[S.serotonergic])
    gaba_t = _floor(
        1.0
        + plastic
        * (
            p[P.e_vagal_gabaergic] * vag_brain
            + p[P.e_gaba_gabaergic] * (gaba - 1.0)
            + p[P.e_mindfulness_gabaergic] * y[S.mindfulness_skill]
        ),
        0.05,
    )
    dydt[S.gabaergic] = p[P.gamma_gabaergic] * (gaba_t - y[S.gabaergic])
    dopa_t = _floor(
        1.0
        + p[P.e_microbial_dopaminergic] * dopa_m
        + p[P.e_fitness_dopaminergic] * (y[S.fitness] - 1.0)
        - p[P.e_inflammation_dopaminergic] * _pos(y[S.inflammation] - 1.0),
        0.05,
    )
    dydt[S.dopaminergic] = p[P.gamma_dopaminergic] * (dopa_t - y[S.dopaminergic])
    r = cort * c[C.inv_k_neuroplasticity]
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    # a switch (Hill n = 16): little effect of everyday cortisol swings, collapse above K_N;
    # normalised to 1 at healthy cortisol, (1 + K_N^-16) / (1 + (cort/K_N)^16), and capped at
    # 1: below-normal cortisol does not raise plasticity above the healthy level
    hill = min(c[C.plasticity_hill_ref] / (1.0 + r8 * r8), 1.0)
    # SSRIs, training and therapy restore lost plasticity; none lifts it above healthy
    n_t = _clip(
        hill
        - p[P.e_inflammation_neuroplasticity] * _pos(y[S.inflammation] - 1.0)
        + p[P.e_ssri_neuroplasticity] * y[S.ssri_adaptation]
        + p[P.e_fitness_neuroplasticity] * (y[S.fitness] - 1.0)
        + p[P.e_cbt_neuroplasticity] * y[S.cbt_skill],
        0.0,
        1.0,
    )
    # plasticity is lost at the full rate, but lost plasticity regrows only as fast as the
    # window permits: inputs that raise the target (a probiotic, a diet) act slowly in a
    # collapsed brain on their own and fully with an SSRI
    gap = n_t - y[S.neuroplasticity]
    rate = p[P.gamma_neuroplasticity]
    if gap > 0.0:
        floor = p[P.plasticity_recovery_floor]
        rate *= floor + (1.0 - floor) * plastic
    dydt[S.neuroplasticity] = rate * gap


@njit(cache=True, inline="always", fastmath=FASTMATH)
def mood(
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    ps: float,
    cort: float,
    dydt: np.ndarray,
) -> None:
    r"""Negative and positive affect, relaxing on the logit scale towards their drivers.

    NA rises with perceived stress, cortisol, inflammation above the healthy level and sleep debt,
    and falls with serotonergic, GABAergic and dopaminergic tone, neuroplasticity and expectancy.
    PA rises with dopaminergic tone, neuroplasticity, training and expectancy, falls with
    inflammation above the healthy level (sickness behaviour) and stress, and is blunted by
    serotonergic tone above normal (SSRI emotional blunting). Noise is added by the integrator.
    """
    na_t = p[P.eta_na_ref] + _sat(
        p[P.e_stress_na] * (ps - c[C.stress_ref_perceived])
        + p[P.e_cortisol_na] * (cort - 1.0)
        + p[P.e_inflammation_na] * _pos(y[S.inflammation] - 1.0)
        + p[P.e_sleep_na] * y[S.sleep_debt]
        - p[P.e_serotonergic_na] * (y[S.serotonergic] - 1.0)
        - p[P.e_gabaergic_na] * (y[S.gabaergic] - 1.0)
        - p[P.e_dopaminergic_na] * (y[S.dopaminergic] - 1.0)
        - p[P.e_neuroplasticity_na] * (y[S.neuroplasticity] - 1.0)
        - p[P.e_expectancy_na] * y[S.expectancy],
        p[P.affect_max_shift],
    )
    pa_t = p[P.eta_pa_ref] + _sat(
        p[P.e_dopaminergic_pa] * (y[S.dopaminergic] - 1.0)
        + p[P.e_neuroplasticity_pa] * (y[S.neuroplasticity] - 1.0)
        + p[P.e_fitness_pa] * (y[S.fitness] - 1.0)
        + p[P.e_expectancy_pa] * y[S.expectancy]
        - p[P.e_inflammation_pa] * _pos(y[S.inflammation] - 1.0)
        - p[P.e_stress_pa] * (ps - c[C.stress_ref_perceived])
        - p[P.e_serotonergic_pa] * _pos(y[S.serotonergic] - 1.0),
        p[P.affect_max_shift],
    )
    dydt[S.eta_na] = p[P.gamma_na] * (na_t - y[S.eta_na])
    dydt[S.eta_pa] = p[P.gamma_pa] * (pa_t - y[S.eta_pa])


@njit(cache=True, inline="always", fastmath=FASTMATH)
def behaviour(y: np.ndarray, e: np.ndarray, p: np.ndarray, c: np.ndarray, dydt: np.ndarray) -> None:
    """Slow behavioural states: mindfulness and CBT skills, expectancy, sleep debt, training,
    and the episode load ``L``, which follows its exposure at the person's own rate
    ``gamma_episode`` (a cohort trait): held while the exposure is held, waning once it is
    lifted. Its spread between people gives the decelerating remission hazard of untreated
    depression (WHIT2013)."""
    m = e[E.mindfulness_min]
    m_t = m / (m + p[P.k_mindfulness])
    dydt[S.mindfulness_skill] = p[P.gamma_mindfulness] * (m_t - y[S.mindfulness_skill])
    dydt[S.cbt_skill] = (
        p[P.gamma_cbt_gain] * e[E.psychotherapy] * (1.0 - y[S.cbt_skill])
        - p[P.gamma_cbt_loss] * y[S.cbt_skill]
    )
    dydt[S.expectancy] = p[P.gamma_expectancy] * (e[E.expectancy] - y[S.expectancy])
    # the relative sleep deficit (need - sleep) / need
    deficit = _clip(1.0 - e[E.sleep_hours] * c[C.inv_sleep_need], 0.0, 1.0)
    dydt[S.sleep_debt] = p[P.gamma_sleep_debt] * (deficit - y[S.sleep_debt])
    # saturating in exercise, x / (x + K), relative to the reference exercise's value
    x = e[E.exercise_min]
    fit_t = x / (x + p[P.k_exercise]) * c[C.exercise_ref_inv_fill]
    dydt[S.fitness] = p[P.gamma_fitness] * (fit_t - y[S.fitness])
    dydt[S.hassles] = -p[P.gamma_hassles] * y[S.hassles]
    dydt[S.episode] = p[P.gamma_episode] * (e[E.episode] - y[S.episode])


@njit(cache=True, fastmath=FASTMATH)
def rhs(t: float, y: np.ndarray, e: np.ndarray, p: np.ndarray, dydt: np.ndarray, aux: np.ndarray):
    """The whole axis for one person: fills ``dydt`` and the quasi-steady quantities ``aux``.

    Parameters
    ----------
    t : float
        Time in days (the model is autonomous given the day's exposures ``e``).
    y : ndarray, shape (N_STATES,)
        State, laid out by :class:`gutbrain.model.states.S`.
    e : ndarray, shape (N_EXPOSURES,)
        The day's exposures, laid out by :class:`gutbrain.model.exposures.E`.
    p : ndarray, shape (N_PARAMS,)
        The person's parameters, laid out by :data:`gutbrain.model.parameters.P`.
    dydt, aux : ndarray
        Outputs, written in place.

    Computes the person's derived constants and calls :func:`rhs_c`; the batch kernel computes
    them once per person and calls :func:`rhs_c` itself.
    """
    rhs_c(t, y, e, p, derived_constants(p), dydt, aux)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def rhs_c(
    t: float,
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    dydt: np.ndarray,
    aux: np.ndarray,
):
    """:func:`rhs` given the person's derived constants ``c``
    (:func:`gutbrain.model.derived.derived_constants` of ``p``)."""
    sub = substrate(e, p, c)
    probiotic_response(y, p, c, dydt)
    scfa, gaba, kyn, ser, dopa_m, pb = metabolites(y, e, p, c, sub)
    oxy = epithelial_oxygen(scfa, c)
    perm = 1.0 - y[S.barrier]
    lps = y[S.pathobionts] * perm * c[C.lps_scale]
    ps = perceived_stress(y, e, p)
    intact = 1.0 - e[E.vagotomy]
    vag = _floor(
        1.0
        + p[P.e_lab_vagal] * (y[S.bifidobacteria_lab] * c[C.inv_ref_bifidobacteria_lab] - 1.0)
        + p[P.e_scfa_vagal] * (scfa - 1.0)
        + p[P.e_serotonin_vagal] * (ser - 1.0)
        + e[E.pb_vagal] * pb
        - p[P.e_stress_vagal] * (ps - c[C.stress_ref_perceived]),
        0.0,
    )
    # Brain and reflex read vagal signalling relative to their adapted set points, so a
    # vagotomy removes gut-to-brain (and reflex) modulation without shifting baseline mood or
    # inflammation (BRA2011: vagotomised controls behaved like sham-operated ones).
    vag_brain = intact * (vag - 1.0)
    vag_eff = 1.0 + vag_brain
    u, crh, acth, cort = hpa(y, e, p, c, ps, pb)

    microbiota(y, e, p, c, sub, oxy, cort, pb, dydt)
    gut_barrier(y, e, p, c, scfa, crh, cort, pb, dydt)
    immune(y, e, p, lps, scfa, vag_eff, cort, pb, dydt)
    hpa_adaptation(y, p, crh, acth, cort, dydt)
    brain(y, e, p, c, kyn, vag_brain, gaba, dopa_m, cort, dydt)
    mood(y, e, p, c, ps, cort, dydt)
    behaviour(y, e, p, c, dydt)

    aux[A.butyrate] = scfa
    aux[A.gaba] = gaba
    aux[A.serotonin_gut] = ser
    aux[A.kynurenine] = kyn
    aux[A.dopamine_microbial] = dopa_m
    aux[A.lps] = lps
    aux[A.permeability] = perm
    aux[A.vagal_tone] = vag
    aux[A.perceived_stress] = ps
    aux[A.hpa_drive] = u
    aux[A.crh] = crh
    aux[A.acth] = acth
    aux[A.cortisol] = cort
    aux[A.epithelial_oxygen] = oxy
