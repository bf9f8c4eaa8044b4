"""``gutbrain simulate`` streams: chunked runs, the files they write and their bounded memory."""

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from gutbrain.errors import GutbrainError, ScenarioError
from gutbrain.model.person import cohort
from gutbrain.model.run import plan_scenario, run_scenario
from gutbrain.model.scenario import load_scenario
from gutbrain.model.simulate import noisy_steady_state, simulate
from gutbrain.model.summary import QUANTILES
from gutbrain.report import simulate_output
from gutbrain.report.simulate_output import simulate_scenario

PROBIOTIC = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "probiotic.toml"


def _one_batch(people: int, seed: int) -> pd.DataFrame:
    """The run as it was made before chunking: every person and arm in one batch, the warm-up
    from one generator spawned per person, each arm's people after the last arm's."""
    from gutbrain.model.parameters import draw_ensemble

    s = load_scenario(PROBIOTIC)
    ens = draw_ensemble(np.random.default_rng(seed), people)
    c = cohort(s.archetype, n=people, parameters=s.parameters, baseline=s.baseline, params=ens)
    y = noisy_steady_state(c.params, c.schedule(1), c.y0, np.random.default_rng([seed, 2]))
    lives = np.random.SeedSequence([seed, 1]).spawn(people)
    traj = simulate(
        c.params.take(np.tile(np.arange(people), 2)),
        [sch for _, sch in s.arms],
        group=np.repeat([0, 1], people),
        group_names=s.arm_names,
        y0=np.tile(y, (2, 1)),
        rng=[np.random.default_rng(lives[i]) for _ in range(2) for i in range(people)],
    )
    return dataclasses.replace(traj, participant=np.tile(np.arange(people), 2)).to_frame()


def test_chunking_does_not_change_the_trajectories(tmp_path):
    tables = []
    for size in (2, 5):
        simulate_scenario(PROBIOTIC, tmp_path / str(size), people=7, seed=4, chunk_people=size)
        tables.append(pq.read_table(tmp_path / str(size) / "trajectories.parquet"))
    assert tables[0].equals(tables[1])
    assert pq.ParquetFile(tmp_path / "2" / "trajectories.parquet").num_row_groups == 2 * 4
    # the same numbers, bit for bit, as the whole run in one batch
    pd.testing.assert_frame_equal(tables[0].to_pandas(), _one_batch(7, 4), check_exact=True)
    assert not (tmp_path / "2" / "trajectories.csv").exists()  # CSV only on request
    manifest = json.loads((tmp_path / "2" / "manifest.json").read_text())
    assert manifest["files"] == ["trajectories.parquet", "axis.png"]
    assert manifest["scenario_sha256"] == hashlib.sha256(PROBIOTIC.read_bytes()).hexdigest()


def test_one_id_per_person_across_arms(tmp_path):
    """Bundle column names, and each virtual person keeps one id in every arm: the arms join
    on ``participant`` and day, and a person starts every arm from the same day-0 state."""
    simulate_scenario(PROBIOTIC, tmp_path / "s", people=5, seed=3, chunk_people=2)
    df = pd.read_parquet(tmp_path / "s" / "trajectories.parquet")
    assert list(df.columns[:3]) == ["participant", "arm", "day"]
    arms = load_scenario(PROBIOTIC).arm_names
    ids = {arm: sorted(set(g["participant"])) for arm, g in df.groupby("arm")}
    assert ids == {arm: [0, 1, 2, 3, 4] for arm in arms}
    day0 = df[df["day"] == 0].pivot(index="participant", columns="arm", values="cortisol")
    np.testing.assert_array_equal(day0[arms[0]].to_numpy(), day0[arms[1]].to_numpy())
    assert (day0[arms[0]].nunique()) == 5  # five different people, not one repeated


def test_run_scenario_is_the_chunks_put_together():
    s = load_scenario(PROBIOTIC)
    traj = run_scenario(s, 5, 4)
    pd.testing.assert_frame_equal(traj.to_frame(), _one_batch(5, 4), check_exact=True)


def test_states_subset_and_csv(tmp_path):
    simulate_scenario(PROBIOTIC, tmp_path / "all", people=4, seed=1)
    simulate_scenario(
        PROBIOTIC,
        tmp_path / "some",
        people=4,
        seed=1,
        states=["cortisol", "negative_affect", "eta_na", "fibre_g"],
        csv=True,
    )
    some = pd.read_parquet(tmp_path / "some" / "trajectories.parquet")
    assert list(some.columns) == [
        "participant",
        "arm",
        "day",
        "cortisol",
        "negative_affect",
        "eta_na",
        "fibre_g",
    ]
    full = pd.read_parquet(tmp_path / "all" / "trajectories.parquet")
    for col in ("participant", "arm", "day", "cortisol", "negative_affect", "fibre_g"):
        assert (some[col].to_numpy() == full[col].to_numpy()).all(), col
    csv = pd.read_csv(tmp_path / "some" / "trajectories.csv")
    pd.testing.assert_frame_equal(csv, some, check_exact=True, check_dtype=False)
    manifest = json.loads((tmp_path / "some" / "manifest.json").read_text())
    assert manifest["files"] == ["trajectories.parquet", "trajectories.csv", "axis.png"]
    assert manifest["states"] == ["cortisol", "negative_affect", "eta_na", "fibre_g"]


def test_unknown_state_names_the_valid_ones(tmp_path):
    with pytest.raises(ScenarioError, match=r"--states: unknown state or output 'mood'; valid: "):
        simulate_scenario(PROBIOTIC, tmp_path / "x", people=2, states=["cortisol", "mood"])
    assert not (tmp_path / "x").exists()


def test_summary_matches_the_trajectories(tmp_path):
    simulate_scenario(PROBIOTIC, tmp_path / "all", people=9, seed=2, chunk_people=4)
    simulate_scenario(
        PROBIOTIC,
        tmp_path / "sum",
        people=9,
        seed=2,
        chunk_people=4,
        summary=True,
        states=["cortisol"],
        csv=True,
    )
    assert sorted(p.name for p in (tmp_path / "sum").iterdir() if not p.name.startswith(".")) == [
        "axis.png",
        "manifest.json",
        "summary.csv",
        "summary.parquet",
    ]
    got = pd.read_parquet(tmp_path / "sum" / "summary.parquet")
    stats = ["mean", "sd", "q05", "q25", "q50", "q75", "q95"]
    assert list(got.columns) == ["arm", "day", "quantity", *stats]
    full = pd.read_parquet(tmp_path / "all" / "trajectories.parquet")
    for arm, rows in full.groupby("arm", sort=False):
        x = rows.pivot(index="participant", columns="day", values="cortisol").to_numpy()
        mine = got[got["arm"] == arm]
        np.testing.assert_allclose(mine["mean"], x.mean(axis=0), rtol=1e-13)
        np.testing.assert_allclose(mine["sd"], x.std(axis=0, ddof=1), rtol=1e-10)
        qs = np.quantile(x, QUANTILES, axis=0)
        for q, row in zip(("q05", "q25", "q50", "q75", "q95"), qs, strict=True):
            np.testing.assert_array_equal(mine[q].to_numpy(), row)
    csv = pd.read_csv(tmp_path / "sum" / "summary.csv")
    pd.testing.assert_frame_equal(csv, got, check_exact=True, check_dtype=False)


def test_the_writer_holds_one_unit_at_a_time(tmp_path, monkeypatch):
    """Each unit is written before the next is simulated, and a write holds one unit's rows
    (2 people x 56 days), and progress counts the units written."""
    events: list[tuple[str, int]] = []
    real_units = simulate_output.iter_units

    def spy_units(plan, **kwargs):
        for traj in real_units(plan, **kwargs):
            events.append(("simulated", traj.n_people))
            yield traj

    real_write = pq.ParquetWriter.write_table

    def spy_write(self, table, *args, **kwargs):
        events.append(("written", table.num_rows))
        return real_write(self, table, *args, **kwargs)

    monkeypatch.setattr(simulate_output, "iter_units", spy_units)
    monkeypatch.setattr(pq.ParquetWriter, "write_table", spy_write)
    ticks: list[tuple[int, int]] = []
    simulate_scenario(
        PROBIOTIC,
        tmp_path / "s",
        people=5,
        chunk_people=2,
        progress=lambda k, n: ticks.append((k, n)),
    )
    unit = [("simulated", 2), ("written", 2 * 56)]
    last = [("simulated", 1), ("written", 56)]
    assert events == 2 * (unit + unit + last)
    assert ticks == [(k, 9) for k in range(10)]  # 3 chunks set up, then 6 units written


def test_plan_checks_its_sizes():
    s = load_scenario(PROBIOTIC)
    assert plan_scenario(s, 5, 0, chunk_people=2).bounds == ((0, 2), (2, 4), (4, 5))
    assert plan_scenario(s, 10_000, 0).bounds[0] == (0, 100_000 // 56)
    with pytest.raises(ScenarioError, match="chunk_people must be at least 1, got 0"):
        plan_scenario(s, 5, 0, chunk_people=0)
    with pytest.raises(ScenarioError, match="--people must be at least 1, got 0"):
        plan_scenario(s, 0, 0)


def test_dask_run_writes_the_local_files(tmp_path):
    """``gutbrain simulate --scheduler ADDRESS`` on a two-worker cluster writes the local run's
    trajectories and summary."""
    import subprocess
    import sys

    distributed = pytest.importorskip("dask.distributed")
    simulate_scenario(PROBIOTIC, tmp_path / "local", people=5, seed=8, chunk_people=3)
    simulate_scenario(
        PROBIOTIC, tmp_path / "local_sum", people=5, seed=8, chunk_people=3, summary=True
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            simulate_scenario(
                PROBIOTIC,
                tmp_path / "dask_sum",
                people=5,
                seed=8,
                chunk_people=2,
                summary=True,
                scheduler=client,
            )
        out = tmp_path / "dask"
        args = ["simulate", str(PROBIOTIC), "-n", "5", "--seed", "8", "-o", str(out)]
        r = subprocess.run(
            [sys.executable, "-m", "gutbrain.cli", *args, "--scheduler", cluster.scheduler_address],
            capture_output=True,
            text=True,
        )
    assert r.returncode == 0, r.stderr
    local = pq.read_table(tmp_path / "local" / "trajectories.parquet")
    assert pq.read_table(out / "trajectories.parquet").equals(local)
    a = pd.read_parquet(tmp_path / "local_sum" / "summary.parquet")
    b = pd.read_parquet(tmp_path / "dask_sum" / "summary.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-13)


def test_unreachable_scheduler_is_one_line(tmp_path):
    with pytest.raises(GutbrainError, match=r"--scheduler tcp://127.0.0.1:9: cannot connect"):
        simulate_scenario(PROBIOTIC, tmp_path / "x", people=2, scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "x").exists()
