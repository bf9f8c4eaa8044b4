"""gutbrain.analysis.crossover: the AB/BA estimate against an independent computation."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from gutbrain.analysis.crossover import crossover
from gutbrain.errors import DesignError
from gutbrain.io import StudyBundle
from gutbrain.trials.run import run_trial

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synthetic_bundles import parallel_bundle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trials" / "crossover_ab_ba.toml"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> StudyBundle:
    design = tmp_path_factory.mktemp("design") / "crossover.toml"
    design.write_text(EXAMPLE.read_text().replace("n = 24\n", "n = 12\n"))
    return run_trial(design, seed=3)


def test_matches_a_two_sample_t_test_of_period_differences(bundle: StudyBundle) -> None:
    res = crossover(bundle, conf_level=0.9)
    d = bundle.diary.dropna(subset=["negative_affect"])
    d = d[d["phase"].isin(["A", "B"])]
    means = d.groupby(["participant", "phase"])["negative_affect"].mean().unstack()
    seq = bundle.participants.set_index("participant")["sequence"]
    first = np.array([means.loc[p].get(seq[p][0], np.nan) for p in means.index])
    second = np.array([means.loc[p].get(seq[p][1], np.nan) for p in means.index])
    diff = first - second
    kept = ~np.isnan(diff)  # a dropout with no day in period 2 is left out
    order = seq[means.index].to_numpy()
    ab, ba = diff[kept & (order == "AB")], diff[kept & (order == "BA")]
    na = res.outcomes["negative_affect"]
    assert na.estimate == pytest.approx((ba.mean() - ab.mean()) / 2, rel=1e-12)
    assert na.period_effect == pytest.approx((ab.mean() + ba.mean()) / 2, rel=1e-12)
    t = stats.ttest_ind(ba, ab)  # pooled variance: the Hills-Armitage test
    assert na.p == pytest.approx(t.pvalue, rel=1e-10)
    half = stats.t.ppf(0.95, ab.size + ba.size - 2) * na.se
    assert (na.ci_low, na.ci_high) == pytest.approx((na.estimate - half, na.estimate + half))
    assert na.n == {"AB": ab.size, "BA": ba.size}
    assert len(res.not_estimable) == len(seq) - ab.size - ba.size
    assert set(res.to_dict()["outcomes"]) == {"negative_affect", "positive_affect"}


def test_refuses_what_it_cannot_analyse(bundle: StudyBundle) -> None:
    with pytest.raises(DesignError, match="--treatment 'C' is not a phase"):
        crossover(bundle, treatment="C")
    with pytest.raises(DesignError, match="needs design = \"crossover\", not 'parallel'"):
        crossover(parallel_bundle(1, n=8, days=10))
