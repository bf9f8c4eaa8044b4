"""The onset posterior (gutbrain.analysis.onset): its algebra, and its coverage on simulated
diaries with a known onset (a reduced run of benchmarks/onset_coverage.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import cast

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gutbrain.analysis.lmm import LMMResult
from gutbrain.analysis.onset import _posterior, estimate_onset, spline_basis
from gutbrain.errors import ParameterError

ROOT = Path(__file__).resolve().parents[2]


def _coverage_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "onset_coverage", ROOT / "benchmarks" / "onset_coverage.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("slope", [False, True])
def test_posterior_is_the_dense_marginal_likelihood(slope: bool) -> None:
    """Whitening per person equals the dense algebra: for every tau, -1/2 log|X' R^-1 X| -
    (n - p)/2 log RSS (up to a constant), and the GLS change and its SE."""
    rng = np.random.default_rng(5)
    rows = [(i, t) for i in range(6) for t in range(12) if rng.random() > 0.25]
    d = pd.DataFrame(rows, columns=["participant", "day"])
    d["trt"] = (d["participant"] % 2).astype(float)
    d["y"] = rng.normal(0, 1, len(d)) - 1.5 * d["trt"] * (d["day"] >= 6)
    d = d.sample(frac=1.0, random_state=1).reset_index(drop=True)  # rows in any order
    re_cov = np.array([[2.0, 0.3], [0.3, 0.2]]) if slope else np.array([[2.0]])
    fit = cast(LMMResult, SimpleNamespace(re_cov=re_cov, sigma=1.3, phi=0.5))
    taus = np.arange(1, 10)
    log_ml, est, se, dof = _posterior(d, fit, slope, taus, ("step",))
    # dense: R = (Z G Z' + sigma^2 C) / sigma^2, block-diagonal by person
    day = d["day"].to_numpy(dtype=float)
    same = d["participant"].to_numpy()[:, None] == d["participant"].to_numpy()[None, :]
    z = np.column_stack([np.ones_like(day), day])[:, : re_cov.shape[0]]
    r = np.where(same, 0.5 ** np.abs(day[:, None] - day[None, :]) + z @ re_cov @ z.T / 1.69, 0)
    ri = np.linalg.inv(r)
    x0 = np.column_stack([np.ones_like(day), d["trt"], *spline_basis(day, 11).values()])
    y = d["y"].to_numpy()
    expect, coef, coef_se = [], [], []
    for tau in taus:
        x = np.column_stack([x0, d["trt"] * (day >= tau)])
        xtx = x.T @ ri @ x
        b = np.linalg.solve(xtx, x.T @ ri @ y)
        rss = float((y - x @ b) @ ri @ (y - x @ b))
        expect.append(-0.5 * np.linalg.slogdet(xtx)[1] - 0.5 * (len(y) - x.shape[1]) * np.log(rss))
        coef.append(b[-1])
        coef_se.append(np.sqrt(rss / (len(y) - x.shape[1]) * np.linalg.inv(xtx)[-1, -1]))
    assert dof == len(y) - x0.shape[1] - 1
    np.testing.assert_allclose(log_ml[0] - log_ml[0, 0], np.subtract(expect, expect[0]), atol=1e-8)
    np.testing.assert_allclose(est, coef, rtol=1e-8)
    np.testing.assert_allclose(se, coef_se, rtol=1e-8)


def test_reduced_coverage_study() -> None:
    """60 bundles per generator (the committed study runs 200: benchmarks/onset_coverage.txt).

    Each share is tested against its Done-when bound with a one-sided exact binomial test at
    level 0.001, so the tolerance is the run's own Monte Carlo error."""
    oc = _coverage_script()
    reps = 60
    for i, name in enumerate(("step", "ramp", "null")):
        s = oc.study(oc.GENERATORS[name], reps, seed0=500_000 + 1_000 * i)
        key, low = ("not_placed", 0.90) if name == "null" else ("coverage", 0.90)
        k = round(s[key] * reps)
        assert stats.binomtest(k, reps, low, alternative="less").pvalue > 0.001, (name, s)
        if name != "null":
            assert stats.binomtest(k, reps, 0.98, alternative="greater").pvalue > 0.001, s


def test_not_placed_and_the_result_object() -> None:
    oc = _coverage_script()
    null = estimate_onset(oc.simulate(oc.GENERATORS["null"], 3))
    assert null.day is None and not null.placed and null.note.startswith("no arm effect")
    assert null.effect_test["p"] >= 0.05 and "not placed" in repr(null)
    assert null.profile["posterior"].sum() == pytest.approx(1.0)
    step = estimate_onset(oc.simulate(oc.GENERATORS["step"], 3), shape="auto")
    assert step.placed and step.note == "" and step.ci_low is not None and step.ci_high is not None
    assert step.ci_low <= step.day <= step.ci_high  # type: ignore[operator]
    d = step.to_dict()
    assert {"log_evidence_step", "posterior_ramp", "posterior"} <= set(d["profile"])
    assert d["note"] == "" and d["conf_level"] == 0.95
    # a difference constant from day 0: an arm effect, but no change point to date (seed 2)
    const = oc.Generator("const", -6.0, 0, 0, "step")
    flat = estimate_onset(oc.simulate(const, 2))
    assert flat.effect_test["p"] < 0.05 and flat.day is None
    assert flat.note.startswith("the 95% interval spans every candidate day (1 to 25)")
    with pytest.raises(ParameterError, match="onset_shape 'sigmoid'"):
        estimate_onset(oc.simulate(oc.GENERATORS["null"], 3), shape="sigmoid")
