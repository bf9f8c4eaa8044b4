"""Parameter ensembles (gutbrain.model.ensemble) and ``validate --ensemble``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain.cli import app
from gutbrain.errors import ParameterError
from gutbrain.model import ensemble as ens_mod
from gutbrain.model.ensemble import (
    PERSON_PARAMETERS,
    bands,
    load_ensemble,
    prior_ensemble,
    resolve_ensemble,
)
from gutbrain.model.ensemble_validation import validate_ensemble
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.validation import member_parameters, run_checks

TOML = 'version = "test-1"\nmethod = "hand-made"\nseed = 7\n'


def _write(tmp_path, text: str, toml: str | None = TOML):
    path = tmp_path / "ensemble.csv"
    path.write_text(text)
    if toml is not None:
        (tmp_path / "ensemble.toml").write_text(toml)
    return path


def test_a_posterior_file_is_read_with_its_provenance(tmp_path) -> None:
    a, b = _two_params()
    lo_a, lo_b = PARAMETER_TABLE[a].low, PARAMETER_TABLE[b].low
    hi_a, hi_b = PARAMETER_TABLE[a].high, PARAMETER_TABLE[b].high
    path = _write(tmp_path, f"member,{a},{b}\nm1,{lo_a},{lo_b}\nm2,{hi_a},{hi_b}\n")
    e = load_ensemble(path)
    assert e.members == ("m1", "m2") and e.names == (a, b)
    assert e.overrides(1) == {a: hi_a, b: hi_b}
    assert e.parameters(1, n=3)[b].tolist() == [hi_b] * 3
    other = next(n for n in PARAMETER_TABLE if n not in (a, b))
    assert e.parameters(1)[other][0] == PARAMETER_TABLE[other].value  # the rest: table values
    assert "version test-1" in e.label and "method hand-made" in e.label
    assert e.provenance(0) == {
        "ensemble_member": "m1",
        "ensemble_source": str(path),
        "ensemble_version": "test-1",
        "ensemble_method": "hand-made",
        "ensemble_seed": 7,
    }


def _two_params() -> tuple[str, str]:
    free = [n for n, s in PARAMETER_TABLE.items() if s.high > s.low and n not in PERSON_PARAMETERS]
    return free[0], free[1]


@pytest.mark.parametrize(
    ("csv", "toml", "message"),
    [
        ("member,{a}\nm1,{va}\n", None, "ensemble.toml is missing"),
        ("member,{a}\nm1,{va}\n", 'version = "1"\n', "missing key(s) method, seed"),
        ("name,{a}\nm1,{va}\n", TOML, "first column is 'name'; expected 'member'"),
        ("member,nonsense\nm1,1\n", TOML, "column 'nonsense' is not a parameter"),
        ("member,vulnerability\nm1,1\n", TOML, "column 'vulnerability' is a person's trait"),
        ("member,{a},{a}\nm1,{va},{va}\n", TOML, "appears twice"),
        ("member,{a}\nm1,abc\n", TOML, "row 1, column {a}: value 'abc'; expected a number"),
        ("member,{a}\nm1,{va}\nm2,1e9\n", TOML, "row 2, column {a}: value '1e9'"),
        ("member,{a}\nm1,{va}\nm1,{va}\n", TOML, "row 2, column member: 'm1'"),
        ("member,{a}\n../x,{va}\n", TOML, "row 1, column member: '../x'"),
        ("member,{a},{b}\nm1,{va}\n", TOML, "row 1 has 2 fields; expected 3"),
        ("member,{a}\n", TOML, "no members"),
    ],
)
def test_a_bad_posterior_file_names_file_row_column_and_value(
    tmp_path, csv: str, toml: str | None, message: str
) -> None:
    a, b = _two_params()
    va = PARAMETER_TABLE[a].value
    fill = {"a": a, "b": b, "va": va}
    path = _write(tmp_path, csv.format(**fill), toml)
    with pytest.raises(ParameterError) as err:
        load_ensemble(path)
    assert message.format(**fill) in str(err.value) and str(tmp_path) in str(err.value)


def test_prior_draws_are_seeded_within_ranges_and_leave_the_person_alone() -> None:
    e1, e2, e3 = prior_ensemble(5, seed=3), prior_ensemble(5, seed=3), prior_ensemble(5, seed=4)
    assert np.array_equal(e1.values, e2.values) and not np.array_equal(e1.values, e3.values)
    assert not PERSON_PARAMETERS & set(e1.names)
    for j, name in enumerate(e1.names):
        spec = PARAMETER_TABLE[name]
        assert np.all((e1.values[:, j] >= spec.low) & (e1.values[:, j] <= spec.high))
    assert e1.members[0] == "prior-001" and "prior draws" in e1.label


def test_ensemble_n_takes_the_packaged_posterior_when_it_exists(tmp_path, monkeypatch) -> None:
    a, _ = _two_params()
    monkeypatch.setattr(ens_mod, "packaged_ensemble_path", lambda: None)
    assert resolve_ensemble(2).source == "prior"  # none shipped: the prior, and it says so
    with pytest.raises(ParameterError, match="no calibrated posterior is packaged"):
        resolve_ensemble(2, "posterior")
    va = PARAMETER_TABLE[a].value
    path = _write(tmp_path, f"member,{a}\nm1,{va}\nm2,{va}\nm3,{va}\n")
    monkeypatch.setattr(ens_mod, "packaged_ensemble_path", lambda: path)
    got = resolve_ensemble(2)
    assert got.source == str(path) and got.members == ("m1", "m2") and "posterior" in got.label
    assert resolve_ensemble(2, "prior").source == "prior"
    assert resolve_ensemble(1, str(path)).members == ("m1",)
    with pytest.raises(ParameterError, match=r"--ensemble 4: .* holds 3 members"):
        resolve_ensemble(4)


def test_bands_contain_the_values_they_summarise() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"g": np.repeat(["a", "b"], 50), "x": rng.normal(size=100)})
    out = bands(frame, ["g"], "x", "p_").set_index("g")
    for g, grp in frame.groupby("g"):
        row = out.loc[g]
        assert grp["x"].min() <= row["p_q05"] <= row["p_q25"] <= row["p_q50"]
        assert row["p_q50"] <= row["p_q75"] <= row["p_q95"] <= grp["x"].max()
        assert row["p_q50"] == pytest.approx(grp["x"].median())
        assert ((grp["x"] >= row["p_q05"]) & (grp["x"] <= row["p_q95"])).mean() >= 0.88


def test_validate_over_an_ensemble_counts_each_members_results(tmp_path) -> None:
    a, _ = _two_params()
    spec = PARAMETER_TABLE[a]
    # member "table" sits at the table values: it must reproduce the plain checks exactly
    path = _write(tmp_path, f"member,{a}\ntable,{spec.value}\nedge,{spec.high}\n")
    ens = load_ensemble(path)
    ids = ["B4a", "B9"]
    result = validate_ensemble(ens, ids)
    assert [r.to_dict() for r in result.results[0][1]] == [r.to_dict() for r in run_checks(ids)]
    with member_parameters(ens.parameters(1)):
        edge = run_checks(ids)
    assert [r.to_dict() for r in result.results[1][1]] == [r.to_dict() for r in edge]
    for j, c in enumerate(result.checks):
        passed = [rs[j].passed for _, rs in result.results]
        assert c.passed == sum(passed) and c.members == 2
        assert c.failed_members == tuple(
            m for m, ok in zip(ens.members, passed, strict=True) if not ok
        )


def test_validate_cli_reports_shares_and_says_where_members_come_from() -> None:
    r = CliRunner().invoke(
        app, ["validate", "--ensemble", "2", "--ensemble-source", "prior", "--check", "B9"]
    )
    assert "ensemble: 2 prior draws" in r.output and "members passing" in r.output
    assert r.exit_code in (0, 1)
    r = CliRunner().invoke(app, ["validate", "--ensemble-source", "prior"])
    assert isinstance(r.exception, ParameterError) and "needs --ensemble N" in str(r.exception)
