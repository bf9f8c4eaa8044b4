"""Formulas (parsed by formulaic) and the design matrices gutbrain.analysis.lmm builds from them."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.analysis.formula import build_design, formulaic_design, parse_formula
from gutbrain.analysis.lmm import lmm
from gutbrain.errors import DataError, DesignError


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
        (["y ~ week"], "expected a string like"),
        ("y + z ~ week", "must be one column or one expression"),
        ("y ~ week ~ arm", "more than one"),
        ("y ~ (week", r"cannot parse '\(week'"),
        ("~ week", "must be one column or one expression"),
    ],
)
def test_parse_errors(formula: object, match: str) -> None:
    with pytest.raises(DesignError, match=match):
        parse_formula(formula)  # type: ignore[arg-type]


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


@settings(max_examples=60, deadline=None)
@given(
    terms=st.lists(
        st.lists(st.sampled_from(["a", "b", "arm", "site", "C(dose)", "flag"]), min_size=1,
                 max_size=3, unique=True).map(":".join),
        min_size=1, max_size=4,
    ),
    star=st.booleans(),
    intercept=st.sampled_from(["", "0 + ", "1 + ", "-1 + "]),
    seed=st.integers(0, 2**16),
)  # fmt: skip
def test_simple_formulas_are_built_as_formulaic_builds_them(
    terms: list[str], star: bool, intercept: str, seed: int
) -> None:
    """Column names, order, coding and values of the fast path equal formulaic's own (which
    builds every other formula), for names, C(), interactions, * and intercept removal."""
    rng = np.random.default_rng(seed)
    n = 24
    data = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "a": rng.normal(size=n),
            "b": rng.integers(0, 5, n),
            "arm": rng.choice(["placebo", "probiotic"], n),
            "site": pd.Categorical(rng.choice(["x", "y", "z"], n), categories=["z", "x", "y"]),
            "dose": rng.choice([1, 2, 3], n),
            "flag": rng.choice([True, False], n),
        }
    )
    parsed = parse_formula("y ~ " + intercept + (" * " if star else " + ").join(terms))
    assert parsed.terms is not None
    fast = build_design(parsed, data)
    slow = formulaic_design(parsed, data, data.index, what="test")
    assert fast.columns == slow.columns
    np.testing.assert_array_equal(fast.matrix, slow.matrix)


@pytest.fixture
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n, days = 24, 10
    d = pd.DataFrame({"pid": np.repeat(np.arange(n), days), "day": np.tile(np.arange(days), n)})
    d["arm"] = np.where(d.pid % 2 == 1, "probiotic", "placebo")
    d["na"] = (40 + rng.normal(0, 4, n)[d.pid] + 0.3 * d.day - 0.5 * (d.pid % 2) * np.sqrt(d.day)
               + rng.normal(0, 2, len(d)))  # fmt: skip
    d.loc[[3, 50, 77], "na"] = np.nan
    return d


def test_transformations_fit_as_precomputed_columns(panel: pd.DataFrame) -> None:
    """I(), log(), np.* and C(levels=) give the same fit as the same columns computed in the
    DataFrame (names aside)."""
    d = panel.assign(
        logday=np.log(panel.day + 1), day2=panel.day**2.0, sinday=np.sin(panel.day),
        treated=(panel.arm == "placebo").astype(float),
    )  # fmt: skip
    f = lmm("na ~ C(arm, levels=['probiotic', 'placebo']) * log(day + 1) + I(day**2) + "
            "np.sin(day)", panel, groups="pid")  # fmt: skip
    g = lmm("na ~ treated * logday + day2 + sinday", d, groups="pid")
    arm = "C(arm, levels=['probiotic', 'placebo'])[T.placebo]"
    assert f.coef_names == (
        "Intercept", arm, "log(day + 1)", "I(day ** 2)", "np.sin(day)", f"{arm}:log(day + 1)",
    )  # fmt: skip
    np.testing.assert_allclose(f.beta, g.beta, rtol=1e-9, atol=1e-12)
    assert f.loglik == pytest.approx(g.loglik, abs=1e-9)


def test_stateful_transforms_see_only_the_rows_used(panel: pd.DataFrame) -> None:
    """center() and spline knots are computed on the rows the model uses: rows dropped for a
    missing response do not move them (R's model.frame computes them before dropping rows)."""
    used = panel[panel.na.notna()]
    centred = panel.assign(c=panel.day - used.day.mean())
    f = lmm("na ~ arm + center(day)", panel, groups="pid", method="ML")
    g = lmm("na ~ arm + c", centred, groups="pid", method="ML")
    np.testing.assert_allclose(f.beta, g.beta, rtol=1e-9, atol=1e-12)
    cr = "cr(day, df=4, constraints='center')"  # centred: the intercept stays identified
    spline = lmm(f"na ~ arm + {cr}", panel, groups="pid", method="ML")
    assert spline.coef_names[2:] == tuple(f"{cr}[{i}]" for i in range(1, 5))
    assert spline.loglik > lmm("na ~ arm + day", panel, groups="pid", method="ML").loglik
    bspl = lmm("na ~ arm + bs(day, df=3)", panel, groups="pid", re="~ 1 + day")
    assert len(bspl.beta) == 5


def test_a_typo_in_a_numeric_column_is_a_data_error(panel: pd.DataFrame) -> None:
    """One 'ten' among numbers used to make the column a factor with string-sorted levels."""
    d = panel.assign(dose=panel.day.astype(str).astype(object))
    d.loc[41, "dose"] = "ten"
    with pytest.raises(DataError, match=r"column 'dose', data row 41: 'ten' is not a number"):
        lmm("na ~ arm + dose", d, groups="pid")
    with pytest.raises(DataError, match=r"column 'dose' holds numbers as text \('0' in data row 0"):
        lmm("na ~ arm + dose", d.drop(index=41), groups="pid")
    fit = lmm("na ~ arm + C(dose)", d, groups="pid")  # asked for: a factor
    assert "C(dose)[T.ten]" in fit.coef_names


def test_formula_errors_name_the_column_and_row(panel: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"column\(s\) 'nope' not in the data; available: pid, "):
        lmm("na ~ log(nope)", panel, groups="pid")
    with pytest.raises(DesignError, match=r"Unable to evaluate factor `foo\(day\)`"):
        lmm("na ~ foo(day)", panel, groups="pid")
    with pytest.raises(DataError, match=r"column 'log\(day\)' is -inf at data row 0"):
        lmm("na ~ log(day)", panel, groups="pid")
    with pytest.raises(DataError, match=r"categories outside of the nominated levels"):
        lmm("na ~ C(arm, levels=['placebo'])", panel, groups="pid")


def test_a_boolean_is_a_factor_as_a_term_and_a_number_inside_a_function() -> None:
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "flag": [True, False, True, True], "x": [1.0, 2, 3, 5]})
    assert build_design(parse_formula("y ~ flag + log(x)"), d).columns == (
        "Intercept", "flag[T.True]", "log(x)",
    )  # fmt: skip
    design = build_design(parse_formula("y ~ I(flag * 2.0)"), d)
    np.testing.assert_array_equal(design.matrix[:, 1], [2.0, 0.0, 2.0, 2.0])


def test_a_transformed_response(panel: pd.DataFrame) -> None:
    """log(na) ~ ... fits as a log column does; log of a value <= 0 is refused at its row."""
    d = panel.assign(na=np.exp(panel.na / 20))
    f = lmm("log(na) ~ arm * day", d, groups="pid")
    g = lmm("lna ~ arm * day", d.assign(lna=np.log(d.na)), groups="pid")
    np.testing.assert_allclose(f.beta, g.beta, rtol=1e-9, atol=1e-12)
    assert f.n_obs == g.n_obs == int(panel.na.notna().sum())
    with pytest.raises(DataError, match=r"the response 'log\(na - 10\)' is nan at data row 0"):
        lmm("log(na - 10) ~ day", d.assign(na=d.na.where(d.index != 0, 5.0)), groups="pid")
