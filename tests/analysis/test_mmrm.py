"""MMRM, responder and remission analyses: exact special cases and error messages.

R parity on a simulated NIK2023 data set is in ``test_mmrm_reference.py``; here, cases with a
known answer: with a single post-baseline visit the MMRM is the OLS ANCOVA of the change, so its
estimate, SE and Satterthwaite df equal the ANCOVA's (n - 3 df exactly).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from _synthetic_bundles import parallel_bundle

from gutbrain.analysis.mmrm import mmrm
from gutbrain.analysis.prepost import ancova
from gutbrain.analysis.questionnaire_trial import questionnaire_trial
from gutbrain.analysis.responder import binary_outcome, logistic_regression
from gutbrain.analysis.visit_scores import visit_scores
from gutbrain.errors import DataError


def _visits(n: int, post: list[tuple[str, int]], seed: int = 3, drop: float = 0.0) -> pd.DataFrame:
    """HAMD-17-like scores at baseline and ``post`` visits; arm b improves 2 points a visit more."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        arm = "b" if i % 2 else "a"
        base = rng.normal(20.0, 4.0)
        rows.append((f"p{i:02d}", arm, "baseline", -1, base))
        u = rng.normal(0.0, 3.0)
        for k, (visit, day) in enumerate(post, start=1):
            if k > 1 and rng.random() < drop:
                continue
            y = 3.0 + 0.7 * base + u - k * (2.0 if arm == "b" else 1.0) + rng.normal(0, 2.0)
            rows.append((f"p{i:02d}", arm, visit, day, y))
    d = pd.DataFrame(rows, columns=["participant", "arm", "visit", "day", "score"])
    return d.assign(instrument="HAMD-17")


def _arms(d: pd.DataFrame) -> pd.Series:
    return d.groupby("participant")["arm"].first()


def test_one_post_visit_mmrm_is_the_ancova_of_change() -> None:
    d = _visits(30, [("week8", 55)])
    scores = visit_scores(d, _arms(d), "HAMD-17", control="a", treatment="b")
    fit = mmrm(scores, control="a", treatment="b")
    last = scores.last_visit()
    ref = ancova(last["baseline"].to_numpy(), last["score"].to_numpy(), last["treated"].to_numpy())
    eff = fit.last()
    assert eff["estimate"] == pytest.approx(ref.estimate, rel=1e-9)
    assert eff["se"] == pytest.approx(ref.se, rel=1e-6)
    assert eff["df"] == pytest.approx(30 - 3, rel=1e-5)
    assert eff["ci_low"] == pytest.approx(ref.ci_low, rel=1e-5)
    # ...and the REML variance is the ANCOVA's residual mean square.
    x = np.column_stack([np.ones(30), last["treated"], last["baseline"]])
    resid = last["change"] - x @ np.linalg.lstsq(x, last["change"], rcond=None)[0]
    assert fit.covariance.iloc[0, 0] == pytest.approx(resid @ resid / 27, rel=1e-6)


def test_mmrm_uses_every_visit_and_orders_visits_by_day() -> None:
    d = _visits(40, [("w8", 55), ("w4", 27), ("w12", 83)], drop=0.15)
    scores = visit_scores(d, _arms(d), "HAMD-17", control="a", treatment="b")
    assert scores.baseline_visit == "baseline" and scores.visits == ("w4", "w8", "w12")
    fit = mmrm(scores, control="a", treatment="b")
    assert fit.n == 40 and fit.n_obs == len(scores.rows) < 120
    assert list(fit.effects["visit"]) == ["w4", "w8", "w12"]
    # The true effect grows by 1 point a visit: -1, -2, -3.
    assert fit.effects["estimate"].iloc[-1] < fit.effects["estimate"].iloc[0] < 0
    cov = fit.covariance.to_numpy()
    assert np.allclose(cov, cov.T) and np.all(np.linalg.eigvalsh(cov) > 0)
    assert fit.converged
    means = fit.means.set_index(["visit", "arm"])["estimate"]
    for _, e in fit.effects.iterrows():
        assert e["estimate"] == pytest.approx(means[(e["visit"], "b")] - means[(e["visit"], "a")])


def test_instrument_with_one_visit_is_a_data_error() -> None:
    d = _visits(10, [])
    with pytest.raises(
        DataError, match=r"instrument 'HAMD-17': scores at 1 visit\(s\) \(baseline\)"
    ):
        visit_scores(d, _arms(d), "HAMD-17", control="a", treatment="b")


def test_logistic_regression_matches_its_score_equations() -> None:
    rng = np.random.default_rng(5)
    x = np.column_stack([np.ones(80), rng.integers(0, 2, 80), rng.normal(20, 4, 80)])
    y = (rng.random(80) < 1 / (1 + np.exp(-(-4 + 1.0 * x[:, 1] + 0.2 * x[:, 2])))).astype(float)
    beta, cov, ok = logistic_regression(y, x)
    mu = 1 / (1 + np.exp(-x @ beta))
    assert ok and np.allclose(x.T @ (y - mu), 0.0, atol=1e-8)
    assert np.all(np.diag(cov) > 0)


def test_risk_difference_and_nnt() -> None:
    treated = np.r_[np.ones(20, bool), np.zeros(20, bool)]
    event = np.r_[np.ones(12), np.zeros(8), np.ones(4), np.zeros(16)]
    base = np.random.default_rng(2).permutation(np.linspace(15, 25, 40))
    r = binary_outcome(event, treated, base, outcome="response", definition="x")
    assert (r.events_treatment, r.events_control) == (12, 4)
    assert r.rd == pytest.approx(0.4)
    half = 1.959963984540054 * np.sqrt(0.6 * 0.4 / 20 + 0.2 * 0.8 / 20)
    assert (r.rd_low, r.rd_high) == pytest.approx((0.4 - half, 0.4 + half))
    assert r.nnt == pytest.approx(2.5)
    assert (r.nnt_low, r.nnt_high) == pytest.approx((1 / (0.4 + half), 1 / (0.4 - half)))
    assert r.nnt_text.startswith("NNT 2.5 to benefit")
    assert r.odds_ratio is not None and r.or_low < r.odds_ratio < r.or_high  # type: ignore[operator]


def test_nnt_interval_through_infinity_and_separation() -> None:
    treated = np.r_[np.ones(10, bool), np.zeros(10, bool)]
    r = binary_outcome(
        np.r_[np.ones(3), np.zeros(7), np.ones(2), np.zeros(8)], treated, np.arange(20.0),
        outcome="remission", definition="x",
    )  # fmt: skip
    assert r.rd_low < 0 < r.rd_high
    assert "runs to infinity" in r.nnt_text and "benefit" in r.nnt_text and "harm" in r.nnt_text
    sep = binary_outcome(
        np.r_[np.ones(10), np.zeros(10)], treated, np.arange(20.0) % 7, outcome="response",
        definition="x",
    )  # fmt: skip
    assert sep.odds_ratio is None and sep.or_p is None and sep.rd == 1.0


def test_binary_outcome_needs_two_per_arm() -> None:
    with pytest.raises(DataError, match=r"response \(rule\): 1 control and 3 treated"):
        binary_outcome(
            np.ones(4), np.array([True, True, True, False]), np.ones(4), outcome="response",
            definition="rule",
        )  # fmt: skip


def test_questionnaire_trial_skips_single_visit_instruments_and_needs_one() -> None:
    b = parallel_bundle(1, n=20, days=8, onset=3)
    parts = b.participants.set_index("participant")["arm"]
    d = _visits(20, [("w4", 27), ("w8", 55)])
    d["participant"] = list(np.repeat(parts.index, 3))
    d["arm"] = d["participant"].map(parts)
    once = d[d["visit"] == "baseline"].assign(instrument="BDI-II")
    visits = pd.concat([d, once])[["participant", "visit", "day", "instrument", "score"]]
    empty = b.diary.iloc[:0]
    res = questionnaire_trial(dataclasses.replace(b, diary=empty, visits=visits))
    assert set(res.mmrm) == {"HAMD-17"} and res.primary == "HAMD-17"
    assert set(res.binary["HAMD-17"]) == {"response", "remission"}
    with pytest.raises(DataError, match=r"no instrument of study .* was scored at a baseline"):
        questionnaire_trial(dataclasses.replace(b, diary=empty, visits=once.drop(columns="arm")))
