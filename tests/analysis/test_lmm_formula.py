"""The small formula parser and design-matrix builder used by gutbrain.analysis.lmm."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.analysis.formula import build_design, parse_formula
from gutbrain.analysis.lmm import lmm
from gutbrain.errors import DesignError


@pytest.fixture
def data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "arm": ["placebo", "probiotic", "placebo", "probiotic", "placebo", "probiotic"],
            "site": pd.Categorical(["b", "a", "b", "a", "c", "c"], categories=["c", "b", "a"]),
            "week": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            "dose": [1, 2, 3, 1, 2, 3],
        }
    )


def test_star_expands_like_r(data: pd.DataFrame) -> None:
    """R: model.matrix(~ arm * week + baseline) orders main effects before interactions."""
    parsed = parse_formula("y ~ arm * week + dose")
    d = build_design(parsed, data)
    assert d.columns == ("Intercept", "arm[T.probiotic]", "week", "dose", "arm[T.probiotic]:week")
    treat = (data.arm == "probiotic").to_numpy(float)
    np.testing.assert_array_equal(d.matrix[:, 4], treat * data.week.to_numpy())


def test_intercept_removal_and_c(data: pd.DataFrame) -> None:
    for f in ("y ~ week - 1", "y ~ 0 + week", "y ~ -1 + week"):
        assert build_design(parse_formula(f), data).columns == ("week",)
    d = build_design(parse_formula("y ~ C(dose)"), data)
    assert d.columns == ("Intercept", "C(dose)[T.2]", "C(dose)[T.3]")
    np.testing.assert_array_equal(d.matrix[:, 1], (data.dose == 2).to_numpy(float))


def test_category_order_sets_the_reference(data: pd.DataFrame) -> None:
    d = build_design(parse_formula("y ~ site"), data)
    assert d.columns == ("Intercept", "site[T.b]", "site[T.a]")


def test_interaction_only_and_three_way(data: pd.DataFrame) -> None:
    assert build_design(parse_formula("y ~ week:dose"), data).columns == (
        "Intercept",
        "week:dose",
    )
    parsed = parse_formula("y ~ arm * week * dose")
    assert [len(t) for t in parsed.terms] == [1, 1, 1, 2, 2, 2, 3]


def test_duplicate_and_removed_terms(data: pd.DataFrame) -> None:
    parsed = parse_formula("y ~ week + week + arm*week - arm")
    names = build_design(parsed, data).columns
    assert names == ("Intercept", "week", "arm[T.probiotic]:week")


def test_random_effects_formula(data: pd.DataFrame) -> None:
    parsed = parse_formula("~ 1 + week", need_response=False)
    assert parsed.response is None
    assert build_design(parsed, data).columns == ("Intercept", "week")
    with pytest.raises(DesignError, match="expected no response"):
        parse_formula("y ~ week", need_response=False)


@pytest.mark.parametrize(
    ("formula", "match"),
    [
        ("y week", "expected a string like"),
        ("y + z ~ week", "single column name"),
        ("y ~ week ~ arm", "more than one"),
        ("y ~ log(week)", "cannot parse term"),
        ("y ~ week + + arm", "empty term"),
    ],
)
def test_parse_errors(formula: str, match: str) -> None:
    with pytest.raises(DesignError, match=match):
        parse_formula(formula)


def test_design_errors_name_the_column(data: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="'nope' is not in the data"):
        build_design(parse_formula("y ~ nope"), data)
    bad = data.assign(week=[0.0, np.nan, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(DesignError, match="'week' has missing values"):
        build_design(parse_formula("y ~ week"), bad)


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(
        st.sampled_from(["a", "b", "c", "arm", "site"]), min_size=2, max_size=3, unique=True
    ),
    seed=st.integers(0, 2**16),
)
def test_star_equals_its_expansion(names: list[str], seed: int) -> None:
    """``a * b * c`` builds the same matrix as writing out every main effect and interaction."""
    rng = np.random.default_rng(seed)
    n = 12
    data = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.normal(size=n),
            "arm": rng.choice(["p", "q"], n),
            "site": rng.choice(["x", "y", "z"], n),
        }
    )
    star = build_design(parse_formula("y ~ " + " * ".join(names)), data)
    terms = [
        ":".join(combo)
        for k in range(1, len(names) + 1)
        for combo in itertools.combinations(names, k)
    ]
    written = build_design(parse_formula("y ~ " + " + ".join(terms)), data)
    assert star.columns == written.columns
    np.testing.assert_array_equal(star.matrix, written.matrix)


def test_coding_without_a_margin_follows_r(data: pd.DataFrame) -> None:
    """R's rule (Chambers & Hastie 1992, p. 38; model.matrix): a factor is coded by contrasts
    only if the term without it is in the model (the intercept for a main effect), else by an
    indicator per level. The columns below are those of R's model.matrix for these formulas
    (patsy's names for indicator coding). The parser used to drop the first level regardless,
    which silently fixed the placebo mean (or slope) at 0."""
    names = {
        "y ~ 0 + arm": ("arm[placebo]", "arm[probiotic]"),
        "y ~ arm - 1": ("arm[placebo]", "arm[probiotic]"),
        "y ~ 0 + arm + site": ("arm[placebo]", "arm[probiotic]", "site[T.b]", "site[T.a]"),
        "y ~ 0 + week + arm": ("week", "arm[placebo]", "arm[probiotic]"),
        "y ~ arm + arm:week": (
            "Intercept", "arm[T.probiotic]", "arm[placebo]:week", "arm[probiotic]:week",
        ),
        "y ~ 0 + arm + arm:week": (
            "arm[placebo]", "arm[probiotic]", "arm[placebo]:week", "arm[probiotic]:week",
        ),
        # Margins present: treatment contrasts as before.
        "y ~ arm * week": ("Intercept", "arm[T.probiotic]", "week", "arm[T.probiotic]:week"),
        "y ~ week + arm:week": ("Intercept", "week", "arm[T.probiotic]:week"),
    }  # fmt: skip
    for formula, expected in names.items():
        assert build_design(parse_formula(formula), data).columns == expected, formula
    d = build_design(parse_formula("y ~ 0 + arm + arm:week"), data).matrix
    placebo = (data.arm == "placebo").to_numpy(float)
    np.testing.assert_array_equal(d[:, 0], placebo)
    np.testing.assert_array_equal(d[:, 1], 1 - placebo)
    np.testing.assert_array_equal(d[:, 2], placebo * data.week)
    np.testing.assert_array_equal(d[:, 3], (1 - placebo) * data.week)


def test_cell_means_fit_is_a_reparametrisation() -> None:
    """'na ~ 0 + arm + arm:week' (a mean and a slope per arm) is 'na ~ arm * week' in other
    coordinates: the same likelihood, and estimates that map one to one."""
    rng = np.random.default_rng(5)
    n, days = 30, 12
    d = pd.DataFrame({"pid": np.repeat(np.arange(n), days), "week": np.tile(np.arange(days), n)})
    d["arm"] = np.where(d.pid % 2 == 1, "probiotic", "placebo")
    d["na"] = (40 + rng.normal(0, 4, n)[d.pid] + 0.5 * d.week - 1.0 * (d.pid % 2) * d.week
               + rng.normal(0, 2, len(d)))  # fmt: skip
    ref = lmm("na ~ arm * week", d, groups="pid", method="ML")
    cells = lmm("na ~ 0 + arm + arm:week", d, groups="pid", method="ML")
    assert cells.loglik == pytest.approx(ref.loglik, abs=1e-8)
    b0, b_arm, b_week, b_int = ref.beta
    np.testing.assert_allclose(
        cells.beta, [b0, b0 + b_arm, b_week, b_week + b_int], rtol=1e-6, atol=1e-8
    )
