"""N-of-1 analysis: posterior against brute-force integration, exact randomisation test,
calibration by simulation, pooling."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from _synthetic_bundles import ar1_noise, nof1_bundle, parallel_bundle
from scipy import special

from gutbrain.analysis.meta import rma
from gutbrain.analysis.nof1 import (
    Nof1Data,
    Nof1Prior,
    allowed_sequences,
    nof1_data,
    nof1_posterior,
    nof1_series,
    randomisation_test,
)
from gutbrain.errors import DataError, DesignError, ParameterError


def _series(y: np.ndarray, day: np.ndarray, treated: np.ndarray) -> Nof1Data:
    return Nof1Data("p", "ABAB", day.astype(float), y, treated.astype(float),
                    np.zeros(day.size, dtype=int), 0, 0)  # fmt: skip


def _brute_force(data: Nof1Data, prior: Nof1Prior, mid: float) -> dict[str, float]:
    """Posterior by direct quadrature over (mu, delta, log sigma^2) for each phi on the grid,
    with the dense CAR(1) correlation matrix -- no prewhitening, no conjugate algebra."""
    y, t = data.y, data.day
    n = y.size
    x = np.column_stack([np.ones(n), data.treated])
    ols, *_ = np.linalg.lstsq(x, y, rcond=None)
    rss = float(np.sum((y - x @ ols) ** 2))
    se = np.sqrt(rss / (n - 2) * np.diag(np.linalg.inv(x.T @ x)))
    mu = np.linspace(ols[0] - 9 * se[0], ols[0] + 9 * se[0], 101)
    # Cells of width h centred on (k + 1/2) h: 0 and -mid fall on cell edges, so the indicator
    # of delta < 0 (or < -mid) integrates without a half-cell error.
    h = mid / np.ceil(mid / (18 * se[1] / 120))
    de = (
        np.arange(np.floor((ols[1] - 9 * se[1]) / h), np.ceil((ols[1] + 9 * se[1]) / h)) + 0.5
    ) * h
    ls2 = np.linspace(np.log(rss / n) - 2.5, np.log(rss / n) + 2.5, 121)
    s2 = np.exp(ls2)
    mg, dg = np.meshgrid(mu, de, indexing="ij")
    b = np.stack([mg.ravel(), dg.ravel()], axis=1)  # (M, 2)
    m0 = np.array([prior.mu_mean, prior.delta_mean])
    v0 = np.array([prior.mu_var, prior.delta_var])
    logp_phi, p_neg, p_mid, m_delta, m_phi = [], [], [], [], []
    for phi in prior.phi_grid:
        r = phi ** np.abs(t[:, None] - t[None, :])
        rinv = np.linalg.inv(r)
        _, logdet = np.linalg.slogdet(r)
        resid = y[None, :] - b @ x.T  # (M, n)
        q = np.einsum("mi,ij,mj->m", resid, rinv, resid)
        qp = np.sum((b - m0) ** 2 / v0, axis=1)
        # log N(y; Xb, s2 R) + log N(b; m0, s2 V0) + log IG(s2; a0, b0) + log s2 (d s2 = s2 dlog s2)
        logd = (
            -0.5 * (n + 2) * ls2[:, None]
            - 0.5 * logdet
            - 0.5 * (q + qp)[None, :] / s2[:, None]
            + prior.a0 * np.log(prior.b0)
            - special.gammaln(prior.a0)
            - (prior.a0 + 1) * ls2[:, None]
            - prior.b0 / s2[:, None]
            + ls2[:, None]
        )
        mx = logd.max()
        dens = np.exp(logd - mx).sum(axis=0)  # integrate sigma^2 out, shape (M,)
        tot = dens.sum()
        logp_phi.append(mx + np.log(tot))
        p_neg.append(dens[b[:, 1] < 0].sum() / tot)
        p_mid.append(dens[b[:, 1] < -mid].sum() / tot)
        m_delta.append(dens @ b[:, 1] / tot)
    w = np.exp(np.array(logp_phi) - max(logp_phi))
    w /= w.sum()
    m_phi = float(w @ np.asarray(prior.phi_grid))
    return {
        "prob_lower": float(w @ p_neg),
        "prob_mid": float(w @ p_mid),
        "mean": float(w @ m_delta),
        "phi_mean": m_phi,
    }


def test_posterior_matches_brute_force_integration() -> None:
    rng = np.random.default_rng(11)
    day = np.array([d for d in range(32) if d % 8 >= 2 and d not in (13, 20, 27)])  # wash-in gaps
    treated = ((day // 8) % 2).astype(float)
    y = 30 - 2.0 * treated + ar1_noise(rng, 1, 32, 0.5, 4)[0][day]
    data = _series(y, day, treated)
    prior = Nof1Prior(phi_grid=tuple(np.linspace(0, 0.9, 19)))
    post = nof1_posterior(data, mid=1.5, prior=prior)
    ref = _brute_force(data, prior, mid=1.5)
    # Quadrature on a ~100 x 120 x 120 grid: agreement to about 5e-4 (the rectangle rule on a
    # smooth, fast-decaying integrand); 2e-3 leaves room without hiding a modelling error (a
    # wrong Jacobian or prior term moves these by > 1e-2).
    assert 0.05 < post.prob_lower < 0.999  # a non-degenerate case
    assert post.prob_lower == pytest.approx(ref["prob_lower"], abs=2e-3)
    assert post.prob_mid == pytest.approx(ref["prob_mid"], abs=2e-3)
    assert post.mean == pytest.approx(ref["mean"], abs=2e-3 * max(1.0, abs(ref["mean"])))
    assert post.phi_mean == pytest.approx(ref["phi_mean"], abs=2e-3)
    # The mixture CDF and its quantiles are consistent.
    assert post.cdf(post.ci_low) == pytest.approx(0.025, abs=1e-8)
    assert post.cdf(post.ci_high) == pytest.approx(0.975, abs=1e-8)


def test_calibration_by_simulation() -> None:
    """Parameter recovery and 95% credible-interval coverage over 200 simulated ABAB series."""
    rng = np.random.default_rng(2024)
    true_delta, hits, means = -2.0, 0, []
    reps = 200
    day = np.arange(40)
    treated = ((day // 10) % 2).astype(float)  # ABAB, blocks of 10 days
    keep = (day % 10) >= 2  # wash-in of 2 days
    for _ in range(reps):
        e = ar1_noise(rng, 1, 40, 0.4, 5.0)[0]
        y = 30 + true_delta * treated + e
        post = nof1_posterior(_series(y[keep], day[keep], treated[keep]), mid=1.0)
        hits += post.ci_low <= true_delta <= post.ci_high
        means.append(post.mean)
    coverage = hits / reps
    # Binomial(200, 0.95): 0.90-0.99 holds with probability > 0.99 at nominal coverage.
    assert 0.90 <= coverage <= 0.99, coverage
    # Mean of the posterior means: SE about 1.6 / sqrt(200) = 0.11; the N(0, sigma^2) prior on
    # delta shrinks by under 10%, so |bias| < 0.4.
    assert abs(np.mean(means) - true_delta) < 0.4


def _tiny_diary(y: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"participant": "p", "day": np.arange(len(y)), "negative_affect": np.array(y, float)}
    )


def test_randomisation_test_exact_tiny_case() -> None:
    # ABAB, blocks of 2 days. Hand computation: observed B - A = 5.5 - 11.5 = -6.
    # pairs: ABAB -6, ABBA +1, BAAB -1, BABA +6 -> p = 1/4.
    # balanced adds AABB 0 and BBAA 0 -> p = 1/6.
    diary = _tiny_diary([10, 12, 5, 7, 11, 13, 4, 6])
    t = randomisation_test(diary, "p", "ABAB", block_days=2, wash_in=0)
    assert t.statistic == pytest.approx(-6.0)
    assert t.p == pytest.approx(1 / 4) and t.n_sequences == 4
    assert sorted(t.distribution) == pytest.approx([-6.0, -1.0, 1.0, 6.0])
    t = randomisation_test(diary, "p", "ABAB", block_days=2, wash_in=0, scheme="balanced")
    assert t.p == pytest.approx(1 / 6) and t.n_sequences == 6
    # Wash-in of 1 day: ABAB keeps days 1,3,5,7 -> B - A = 6.5 - 12.5 = -6; under ABBA the phase
    # runs are A, BB, A, so days 0, 2, 6 are dropped: B (7, 11, 13) - A (12, 6) = 1.3333.
    t = randomisation_test(diary, "p", "ABAB", block_days=2, wash_in=1)
    assert t.statistic == pytest.approx(-6.0)
    assert sorted(t.distribution)[2] == pytest.approx(31 / 3 - 9)


def test_allowed_sequences() -> None:
    assert allowed_sequences("ABAB") == ["ABAB", "ABBA", "BAAB", "BABA"]
    assert len(allowed_sequences("ABABAB")) == 8
    assert len(allowed_sequences("AABB", "balanced")) == 6
    assert len(allowed_sequences("AB" * 6, "balanced")) == 924  # C(12, 6), enumerated directly
    assert allowed_sequences("ABC", "balanced") == ["ABC", "ACB", "BAC", "BCA", "CAB", "CBA"]
    with pytest.raises(DesignError, match="pairs"):
        allowed_sequences("AABB")
    with pytest.raises(DesignError, match="scheme"):
        allowed_sequences("ABAB", "any")


def test_wash_in_days_are_dropped_per_phase_run() -> None:
    diary = _tiny_diary(list(np.arange(40.0)))
    d = nof1_data(diary, "p", "ABBA", block_days=10, wash_in=3)
    # Phase runs A (0-9), BB (10-29), A (30-39): 3 wash-in days at 0, 10, 30 each.
    assert d.n_wash_in == 9 and d.day.size == 31
    assert not np.isin([0, 1, 2, 10, 11, 12, 30, 31, 32], d.day).any()
    assert np.isin([20, 21, 22], d.day).all()  # no phase change at day 20
    with pytest.raises(DataError, match="analysed days"):
        nof1_data(diary.iloc[:12], "p", "ABBA", block_days=10, wash_in=3)


def test_phase_column_must_agree_with_the_sequence() -> None:
    b = nof1_bundle(2, n=1)
    diary = b.diary.copy()
    with pytest.raises(DataError, match="block_days"):
        nof1_data(diary, "N00", "ABAB", block_days=7, wash_in=0)
    diary.loc[diary["day"] == 20, "phase"] = "A"  # day 20 is in block 2 (B)
    with pytest.raises(DataError, match="day 20"):
        nof1_data(diary, "N00", "ABAB", block_days=14, wash_in=0)


def test_series_pooling_and_recovery() -> None:
    b = nof1_bundle(3, n=8, effect=-6.0)
    res = nof1_series(b, mid=3.0)
    assert set(res.posteriors) == set(b.participants["participant"])
    s = res.summary()
    assert (s["prob_lower"] > 0.5).all()
    pooled = res.pooled_dict()
    assert pooled is not None
    assert pooled["ci_low"] < -6.0 < pooled["ci_high"]
    # The pooled estimate is rma over the posterior means and variances.
    ref = rma(s["mean"].to_numpy(), s["sd"].to_numpy() ** 2, method="REML")
    assert pooled["estimate"] == pytest.approx(float(ref.beta[0]), rel=1e-12)
    d = res.to_dict()
    assert d["wash_in_days"] == 3 and d["block_days"] == 14
    assert "Nof1SeriesResult" in repr(res)


def test_null_effect_not_claimed() -> None:
    res = nof1_series(nof1_bundle(5, n=8, effect=0.0), mid=3.0)
    pooled = res.pooled_dict()
    assert pooled is not None and pooled["ci_low"] < 0 < pooled["ci_high"]
    assert (res.summary()["prob_mid"] < 0.5).all()


def test_errors() -> None:
    with pytest.raises(DesignError, match="nof1"):
        nof1_series(parallel_bundle(1, n=8, days=10))
    b = nof1_bundle(2, n=2)
    with pytest.raises(ParameterError, match="mid"):
        nof1_series(b, mid=0)
    with pytest.raises(ParameterError, match="--wash-in 14: expected 0 to 13 wash-in days"):
        nof1_series(b, wash_in=14)
    with pytest.raises(ParameterError, match="phi_grid"):
        Nof1Prior(phi_grid=(0.5, 1.0))


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        # an unknown scheme used to fall back to 'balanced' silently
        ({"scheme": "foo"}, "scheme = 'foo': expected 'pairs' or 'balanced'"),
        # used to blame wash_in: "wash_in = 3: must be in 0..-1 (block_days)"
        ({"block_days": 0}, "--block-days 0: expected a whole number of days >= 1"),
        # used to end in a ValueError from the root finder
        ({"conf_level": 2.0}, "level = 2.0: expected a credible-interval level between 0 and 1"),
        ({"conf_level": float("nan")}, "level = nan: expected a credible-interval level"),
    ],
)
def test_bad_options_are_refused(options, needle) -> None:
    with pytest.raises(ParameterError, match=re.escape(needle)):
        nof1_series(nof1_bundle(2, n=2), **options)


def test_phase_mismatch_message_shows_plain_labels() -> None:
    b = nof1_bundle(2, n=1)
    with pytest.raises(DataError) as err:
        nof1_data(b.diary, "N00", "ABAB", block_days=7, wash_in=0)
    assert "np.str_" not in str(err.value) and "gives 'B'" in str(err.value)


def test_participants_with_too_few_days_are_left_out_with_the_reason() -> None:
    b = nof1_bundle(2, n=2)
    short = b.diary[(b.diary["participant"] == "N00") | (b.diary["day"] < 5)]
    sparse = dataclasses.replace(b, diary=short.reset_index(drop=True))
    res = nof1_series(sparse)
    assert list(res.posteriors) == ["N00"]
    assert "N01" in res.not_estimable and "need >= 3" in res.not_estimable["N01"]
    assert res.to_dict()["not_estimable"][0]["participant"] == "N01"
    # nobody estimable: one clear error naming each participant
    only = dataclasses.replace(b, diary=b.diary[b.diary["day"] < 5].reset_index(drop=True))
    with pytest.raises(DataError, match=r"no participant has enough diary days.*N00.*N01"):
        nof1_series(only)


def _abab_diary() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    day = np.arange(56)
    phase = np.array(list("ABAB"))[day // 14]
    na = 30 - 5 * (phase == "B") + rng.normal(0, 5, 56)
    return pd.DataFrame({"participant": "p1", "day": day, "negative_affect": na})


def test_bad_days_and_values_are_named() -> None:
    """A duplicated day (a zero gap: 1/sqrt(1 - phi^0) in the prewhitening) and an infinite NA
    used to end in scipy's 'The function value at x=nan is NaN'."""
    d = _abab_diary()
    dup = pd.concat([d, d.iloc[[20]]], ignore_index=True)
    with pytest.raises(DataError, match=r"participant 'p1', day 20: 2 rows"):
        nof1_data(dup, "p1", "ABAB", block_days=14, wash_in=3)
    inf = d.assign(negative_affect=np.where(d.day == 20, np.inf, d.negative_affect))
    with pytest.raises(DataError, match=r"participant 'p1', day 20: negative_affect = inf"):
        nof1_data(inf, "p1", "ABAB", block_days=14, wash_in=3)


@pytest.mark.parametrize("level", [95, 0.0, 1.0, -0.5])
def test_conf_level_outside_0_1_is_a_parameter_error(level: float) -> None:
    """conf_level=95 used to end in scipy's 'f(a) and f(b) must have different signs'; 0 gave
    an interval of zero width."""
    data = nof1_data(_abab_diary(), "p1", "ABAB", block_days=14, wash_in=3)
    with pytest.raises(ParameterError, match=rf"conf_level = {level}"):
        nof1_posterior(data, conf_level=level)
