"""Trial tables (flow, baseline, conduct, biomarkers) and the multiplicity plan."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _synthetic_bundles import parallel_bundle
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from gutbrain.analysis.trial_tables import biomarker_ratios, holm, trial_tables
from gutbrain.errors import DataError, GutbrainError, ParameterError
from gutbrain.io import StudyBundle, StudyMeta, write_bundle
from gutbrain.report.analyze_report import run_analyze


def test_holm_by_hand() -> None:
    # Sorted: 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> running max 0.06.
    assert holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]).tolist() == [1.0, 1.0]  # capped at 1, then the running maximum


# statsmodels' multipletests costs ~50 ms a call, so 20 examples.
@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12))
def test_holm_equals_statsmodels(p: list[float]) -> None:
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-12)


def test_holm_refuses_a_non_probability() -> None:
    with pytest.raises(ParameterError, match=r"1\.5"):
        holm([0.01, 1.5])


def _with_conduct(b: StudyBundle, withdrawn: dict[str, int], effect: float) -> StudyBundle:
    """Add withdrawals (diary rows after the day dropped) and a CRP marker lowered by
    ``effect`` (a ratio) in the probiotic arm."""
    p = b.participants.copy()
    p["withdrawn_day"] = pd.array([withdrawn.get(i) for i in p["participant"]], dtype="Int64")
    p["adherence_rate"] = np.linspace(0.6, 1.0, len(p))
    wd = p.set_index("participant")["withdrawn_day"]

    def kept(t: pd.DataFrame) -> pd.DataFrame:
        after = t["day"] > wd.reindex(t["participant"]).fillna(10**6).to_numpy()
        return t[~after].reset_index(drop=True)

    rng = np.random.default_rng(5)
    base = np.exp(rng.normal(0.7, 0.8, len(p)))
    trt = (p["arm"] == "probiotic").to_numpy()
    post = base * np.exp(rng.normal(0, 0.3, len(p))) * np.where(trt, effect, 1.0)
    rows = [(pid, d, "crp", v, "mg/L") for pid, v in zip(p["participant"], base, strict=True)
            for d in (-1,)]  # fmt: skip
    rows += [(pid, 20, "crp", v, "mg/L") for pid, v in zip(p["participant"], post, strict=True)]
    markers = pd.DataFrame(rows, columns=["participant", "day", "marker", "value", "unit"])
    assert b.visits is not None
    return dataclasses.replace(b, participants=p, diary=kept(b.diary), visits=kept(b.visits),
                               biomarkers=kept(markers))  # fmt: skip


@pytest.fixture(scope="module")
def bundle() -> StudyBundle:
    return _with_conduct(parallel_bundle(3, n=40, days=21, onset=7, na_effect=-8.0),
                         {"P001": 10, "P003": 4, "P004": 15}, effect=0.6)  # fmt: skip


def _tests() -> list[dict[str, float | str]]:
    return [
        {"outcome": "negative_affect", "analysis": "a", "estimate": -5.0, "ci_low": -8.0,
         "ci_high": -2.0, "p": 0.001},
        {"outcome": "positive_affect", "analysis": "a", "estimate": 1.0, "ci_low": -2.0,
         "ci_high": 4.0, "p": 0.02},
        {"outcome": "PANAS-NA", "analysis": "b", "estimate": -1.0, "ci_low": -3.0,
         "ci_high": 1.0, "p": 0.03},
    ]  # fmt: skip


def test_flow_counts_withdrawals_by_arm(bundle: StudyBundle) -> None:
    t = trial_tables(bundle, control="placebo", treatment="probiotic", tests=_tests(),
                     primary="negative_affect", primary_source="test")  # fmt: skip
    flow = t.flow.set_index("stage")
    # Even rows are placebo: P004 (day 15); odd rows probiotic: P001 (day 10), P003 (day 4).
    assert flow.loc["allocated"].tolist() == ["20", "20", "40"]
    assert flow.loc["withdrew", "placebo"] == "1 (median day 15)"
    assert flow.loc["withdrew", "probiotic"] == "2 (median day 7)"
    assert flow.loc["completed follow-up"].tolist() == ["19", "18", "37"]


def test_compliance_is_entries_over_planned_days_up_to_withdrawal(bundle: StudyBundle) -> None:
    t = trial_tables(bundle, control="placebo", treatment="probiotic", tests=_tests(),
                     primary="negative_affect", primary_source="test")  # fmt: skip
    row = t.conduct[t.conduct["characteristic"].str.startswith("diary compliance")].iloc[0]
    d, p = bundle.diary, bundle.participants.set_index("participant")
    last = int(d["day"].max())
    share = {}
    for pid in p.index:
        wd = p.loc[pid, "withdrawn_day"]
        end = min(last, wd if pd.notna(wd) else last)
        share[pid] = ((d["participant"] == pid) & (d["day"] <= end)).sum() / (end + 1)
    want = pd.Series(share)[p.index[p["arm"] == "probiotic"]]
    assert row["probiotic"] == f"{want.mean():.3g} ({want.std(ddof=1):.3g})"


def test_biomarker_ratio_is_the_log_scale_ancova(bundle: StudyBundle) -> None:
    r = biomarker_ratios(bundle, "placebo", "probiotic").iloc[0]
    assert r["marker"] == "crp" and r["unit"] == "mg/L" and r["n"] == 37  # 3 withdrew
    m = bundle.biomarkers.pivot_table(index="participant", columns="day", values="value").dropna()  # type: ignore[union-attr]
    arm = bundle.participants.set_index("participant")["arm"].reindex(m.index)
    x = sm.add_constant(np.column_stack([np.log(m[-1]), (arm == "probiotic").astype(float)]))
    fit = sm.OLS(np.log(m[20]).to_numpy(), x).fit()
    lo, hi = fit.conf_int()[2]
    assert [r["ratio"], r["ci_low"], r["ci_high"], r["p"]] == pytest.approx(
        [np.exp(fit.params[2]), np.exp(lo), np.exp(hi), fit.pvalues[2]], rel=1e-9
    )
    assert r["ci_high"] < 1.0  # the simulated ratio is 0.6


def test_a_non_positive_marker_is_named(bundle: StudyBundle) -> None:
    m = bundle.biomarkers.copy()  # type: ignore[union-attr]
    m.loc[3, "value"] = 0.0
    with pytest.raises(DataError, match=r"'crp'.*value 0\.0; expected a positive"):
        biomarker_ratios(dataclasses.replace(bundle, biomarkers=m), "placebo", "probiotic")


def test_primary_at_alpha_secondaries_holm_adjusted(bundle: StudyBundle) -> None:
    t = trial_tables(bundle, control="placebo", treatment="probiotic", tests=_tests(),
                     primary="PANAS-NA", primary_source="test")  # fmt: skip
    e = {x.outcome: x for x in t.endpoints}
    assert t.endpoints[0].outcome == "PANAS-NA" and e["PANAS-NA"].role == "primary"
    assert e["PANAS-NA"].p_adjusted == 0.03 and e["PANAS-NA"].significant
    sec = [x for x in t.endpoints if x.role == "secondary"]
    assert [x.outcome for x in sec] == ["negative_affect", "positive_affect", "crp"]
    want = multipletests([x.p for x in sec], method="holm")[1]
    assert [x.p_adjusted for x in sec] == pytest.approx(want)
    with pytest.raises(DataError, match=r"primary outcome 'sleep'.*negative_affect"):
        trial_tables(bundle, control="placebo", treatment="probiotic", tests=_tests(),
                     primary="sleep", primary_source="test")  # fmt: skip


def test_study_toml_declares_the_primary_outcome(bundle: StudyBundle, tmp_path: Path) -> None:
    d = bundle.study.to_dict()
    with pytest.raises(GutbrainError, match=r"primary.*'HAMD-17'.*negative_affect"):
        StudyMeta.from_dict({**d, "primary": "HAMD-17"})
    study = StudyMeta.from_dict({**d, "primary": "PANAS-NA"})
    path = tmp_path / "b"
    write_bundle(dataclasses.replace(bundle, study=study), path, format="csv")
    assert 'primary = "PANAS-NA"' in (path / "study.toml").read_text()
    run = run_analyze(path, tmp_path / "declared")
    res = json.loads((tmp_path / "declared" / "results.json").read_text())["trial_tables"]
    assert res["endpoints"][0]["outcome"] == "PANAS-NA"
    assert res["primary_source"] == "declared in study.toml"
    page = (tmp_path / "declared" / "report.html").read_text()
    for heading in ("Participant flow", "Baseline characteristics by arm", "Holm",
                    "Adherence, diary compliance and missing data", "Biomarkers"):  # fmt: skip
        assert heading in page
    assert run.tables is not None and run.tables.primary_source == "declared in study.toml"
    run_analyze(path, tmp_path / "option", primary="positive_affect")
    res = json.loads((tmp_path / "option" / "results.json").read_text())["trial_tables"]
    assert res["endpoints"][0]["outcome"] == "positive_affect"
    assert res["primary_source"] == "declared by the --primary option"
