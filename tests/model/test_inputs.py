"""Bad input gets a clear, one- or two-line error naming the file, key and value."""

import subprocess
import sys

import pytest

from gutbrain.errors import ParameterError, ScenarioError
from gutbrain.model.parameters import PARAMETER_TABLE, Parameters
from gutbrain.model.scenario import parse_scenario

GOOD = """
days = 10
[person]
archetype = "healthy"
[[arms]]
name = "a"
probiotic = [{ product = "ecologic_barrier", cfu_per_day = 5e9 }]
"""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            'days = 10\nschedule = [{ exposure = "sunshine", value = 1 }]',
            "unknown exposure 'sunshine'",
        ),
        (
            'days = 10\nprobiotic = [{ product = "yakult_max", cfu_per_day = 1e9 }]',
            "unknown probiotic product 'yakult_max'",
        ),
        (
            'days = 10\nprobiotic = [{ product = "ecologic_barrier", cfu_per_day = -5 }]',
            "negative dose cfu_per_day = -5",
        ),
        (
            'days = 10\nschedule = [{ exposure = "fibre_g", value = -3 }]',
            "negative dose fibre_g = -3",
        ),
        (
            "days = 10\n[person]\nparameters = { vulnerability = 7 }",
            "vulnerability = 7 is outside its declared range",
        ),
        ("days = 10\n[person]\nparameters = { nonsense = 1 }", "unknown parameter 'nonsense'"),
        ("days = [", "is not valid TOML"),
        ("days = 10\ncolour = 3", "colour = 3; expected only the keys"),
    ],
)
def test_cli_rejects_bad_scenarios(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "gutbrain.cli",
            "simulate",
            str(f),
            "--people",
            "2",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 2
    assert str(f) in r.stderr or "parameters" in r.stderr


def test_good_scenario_parses():
    sc = parse_scenario(__import__("tomllib").loads(GOOD), "good.toml")
    assert sc.arm_names == ("a",) and sc.days == 10


def test_parameter_table_is_complete():
    for spec in PARAMETER_TABLE.values():
        assert spec.unit and spec.source and spec.description, spec.name
        assert spec.low <= spec.value <= spec.high
        assert spec.role in ("literature", "calibrated", "assumed")
        if spec.role != "assumed":
            assert not spec.source.startswith("assumed"), spec.name


def test_parameter_out_of_range_raises_at_construction():
    with pytest.raises(ParameterError, match="k_gr = 9"):
        Parameters.default(2).replace(k_gr=9)


def test_schedule_rejects_bad_day_range():
    from gutbrain.model.schedule import Schedule

    with pytest.raises(ScenarioError, match="start=5, end=3"):
        Schedule.constant(10).set("stress", 0.5, 5, 3)


def test_every_cited_key_has_a_reference():
    """Every citation key in the parameter table and the catalogues resolves in references.csv."""
    import csv
    import re
    from importlib.resources import files

    data = files("gutbrain.model").joinpath("data")
    refs = {r["key"] for r in csv.DictReader(data.joinpath("references.csv").open())}
    text = "\n".join(
        data.joinpath(f).read_text()
        for f in ("parameters.csv", "strains.toml", "antibiotics.toml", "donors.toml")
    )
    keys = set(re.findall(r"\b([A-Z][A-Z]+[0-9]{4})\b", text))
    assert keys, "no citation keys found"
    assert keys <= refs, sorted(keys - refs)
