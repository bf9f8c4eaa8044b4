"""run_trial: determinism, chunk and Dask invariance, designs, screening, bundle validity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import gutbrain.io as gio
from gutbrain.observe import response_model
from gutbrain.trials.design import load_design
from gutbrain.trials.output import write_trial
from gutbrain.trials.run import plan_trial, run_trial

JS = "examples/trials/js2025.toml"


@pytest.fixture(scope="module")
def small():
    # 24 people in blocks of 4: six blocks, so chunking has something to split.
    return dataclasses.replace(load_design(JS), n=24, block_size=4)


def _same(a: gio.StudyBundle, b: gio.StudyBundle) -> None:
    for name, t in a.tables().items():
        pd.testing.assert_frame_equal(t, b.tables()[name], check_dtype=False)


def test_same_seed_gives_identical_bundle(small) -> None:
    a, b = run_trial(small, seed=3), run_trial(small, seed=3)
    assert a.equals(b)
    c = run_trial(small, seed=4)
    assert not np.allclose(
        a.truth_latent["negative_affect"].to_numpy(), c.truth_latent["negative_affect"].to_numpy()
    )


def test_chunking_does_not_change_results(small) -> None:
    _same(run_trial(small, seed=5, chunk_blocks=1), run_trial(small, seed=5, chunk_blocks=4))


def test_dask_run_equals_local_run(small) -> None:
    distributed = pytest.importorskip("dask.distributed")
    local = run_trial(small, seed=6, chunk_blocks=2)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = run_trial(small, seed=6, chunk_blocks=1, scheduler=client)
    _same(local, remote)


def test_written_bundle_reads_back_equal(small, tmp_path) -> None:
    run = write_trial(small, tmp_path / "b", seed=7, chunk_blocks=2)
    back = gio.read_bundle(run.out)
    mem = run_trial(small, seed=7)
    assert run.arms == {"placebo": 12, "probiotic": 12}
    assert len(back.diary) == len(mem.diary)
    np.testing.assert_array_equal(
        back.diary["negative_affect"].to_numpy(float), mem.diary["negative_affect"].to_numpy()
    )
    assert back.study.provenance is not None and back.study.provenance["seed"] == 7
    # the planned days: the design's run-in, treatment and follow-up
    assert back.study.days == (-small.run_in_days, small.treatment_days + small.follow_up_days - 1)
    assert back.study.days[0] == int(mem.truth_latent["day"].min())
    assert back.study.days[1] == int(mem.truth_latent["day"].max())


def test_failed_overwrite_keeps_the_old_bundle_and_leaves_no_partial(
    small, tmp_path, monkeypatch
) -> None:
    """A run that fails half-way (here: in its second chunk) leaves the bundle already at
    ``out`` as it was, and no half-written ``.partial`` folder."""
    import gutbrain.trials.output as output

    first = write_trial(small, tmp_path / "b", seed=7, chunk_blocks=2)
    before = {p.name: p.read_bytes() for p in first.out.iterdir()}
    real = output.iter_chunks

    def failing(*args, **kwargs):
        for k, chunk in enumerate(real(*args, **kwargs)):
            if k == 1:
                raise RuntimeError("worker lost")
            yield chunk

    monkeypatch.setattr(output, "iter_chunks", failing)
    with pytest.raises(RuntimeError, match="worker lost"):
        write_trial(small, tmp_path / "b", seed=8, chunk_blocks=2, overwrite=True)
    assert {p.name: p.read_bytes() for p in first.out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_a_failed_write_on_the_writer_thread_fails_the_run(small, tmp_path, monkeypatch) -> None:
    """Chunks are written on a background thread; a write that fails there (here: the second
    chunk's diary) fails the run, and nothing is left behind."""
    import pyarrow.parquet as pq

    real = pq.ParquetWriter.write_table
    calls: list[int] = []

    def failing(self, table, *args, **kwargs):
        calls.append(table.num_rows)
        if len(calls) == 7:  # participants, diary, visits, biomarkers, truth_latent; then diary
            raise OSError("disk full")
        return real(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        write_trial(small, tmp_path / "b", seed=7, chunk_blocks=2)
    assert len(calls) == 7
    assert list(tmp_path.iterdir()) == []


def test_parallel_bundle_contents(small) -> None:
    b = run_trial(small, seed=8)
    gio.validate_bundle(b)
    assert set(b.participants["arm"]) == {"placebo", "probiotic"}
    assert b.diary["day"].min() >= 0 and b.diary["day"].max() <= 27
    assert set(b.visits["visit"]) == {"pre", "post"}
    assert set(b.visits["instrument"]) == {"PANAS-NA", "PANAS-PA", "STAI-state", "PSWQ"}
    # the probiotic arm carries the product in the gut, the placebo arm does not
    t = b.truth_latent.merge(b.participants[["participant", "arm"]])
    end = t[t["day"] == 27].groupby("arm")["probiotic"].mean()
    assert end["probiotic"] > 10 * end["placebo"]


def test_nof1_sequences_are_randomised_pairs() -> None:
    d = dataclasses.replace(load_design("examples/trials/nof1_abab.toml"), n=40)
    seqs = plan_trial(d, seed=1).allocation
    assert all(s[:2] in ("AB", "BA") and s[2:] in ("AB", "BA") for s in seqs)
    assert len(set(seqs)) == 4


def test_nof1_bundle_has_phases() -> None:
    b = run_trial("examples/trials/nof1_abab.toml")
    gio.validate_bundle(b)
    seq = b.participants.set_index("participant")["sequence"]
    on = b.diary[b.diary["day"] >= 0]
    expected = [seq[p][d // 14] for p, d in zip(on["participant"], on["day"], strict=True)]
    assert list(on["phase"]) == expected
    assert set(b.diary.loc[b.diary["day"] < 0, "phase"]) == {""}


def test_crossover_with_washout(tmp_path) -> None:
    text = (
        open(JS).read().split("[[arms]]")[0].replace('design = "parallel"', 'design = "crossover"')
    )
    text = text.replace("n = 88", "n = 8").replace(
        "[allocation]\nratio = [1, 1]\nblock_multiple = 2\n", ""
    )
    text += """
[crossover]
sequences = ["AB", "BA"]
period_days = 14
washout_days = 7

[[phases]]
label = "A"
placebo = true

[[phases]]
label = "B"
probiotic = { product = "ecologic_barrier", cfu_per_day = 5e9 }
"""
    text = text.replace("treatment_days = 28\n", "")
    p = tmp_path / "cross.toml"
    p.write_text(text)
    b = run_trial(p)
    gio.validate_bundle(b)
    d = b.diary.merge(b.participants[["participant", "sequence"]])
    wash = d[(d["day"] >= 14) & (d["day"] < 21)]
    assert set(wash["phase"]) == {""}
    second = d[d["day"] >= 21]
    assert all(second["phase"] == second["sequence"].str[1])


def test_screening_enrols_only_people_meeting_inclusion() -> None:
    d = dataclasses.replace(load_design("examples/trials/nik2021_adjunct.toml"), n=16, block_size=8)
    b = run_trial(d, seed=1)
    base = b.visits[(b.visits["visit"] == "baseline") & (b.visits["instrument"] == "HAMD-17")]
    # enrolled on PHQ-9 >= 10 at screening: baseline severity is in the depressed range
    assert base["score"].mean() > 14
    plan = plan_trial(d, seed=1)
    assert plan.candidates[-1] >= 15 and len(set(plan.candidates)) == 16
    assert response_model("PHQ-9").instrument.max == 27
