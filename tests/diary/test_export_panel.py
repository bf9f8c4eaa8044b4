"""The diary app's export with its multi-omics panel (``?panel=true``): questionnaire and diary
summaries per participant-visit in ``panel.h5mu``, named by ``study.toml``."""

from __future__ import annotations

import io
import zipfile

import numpy as np

from gutbrain.io import read_bundle
from gutbrain.omics import read_h5mu

from .test_export_bundle import entry, visit


def test_export_with_panel(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(
        diary.client,
        csrf,
        name="Panel study",
        design="parallel",
        arms="placebo: maltodextrin\nprobiotic: Ecologic Barrier",
        visits="baseline 1 PHQ-9",
    )
    p1, p2 = (diary.participant(diary.enrol(diary.client, csrf, sid)) for _ in range(2))
    entry(*p1, negative_affect="20", positive_affect="70")
    entry(*p2, negative_affect="50", positive_affect="40")
    diary.clock.advance(days=1)
    entry(*p1, negative_affect="30", positive_affect="60")
    visit(*p1, "baseline", "PHQ-9", [1] * 9)  # 9
    visit(*p2, "baseline", "PHQ-9", [0] * 9)  # 0

    plain = diary.client.get(f"/studies/{sid}/export")
    assert "panel.h5mu" not in " ".join(zipfile.ZipFile(io.BytesIO(plain.content)).namelist())
    r = diary.client.get(f"/studies/{sid}/export", params={"panel": "true"})
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    z.extractall(tmp_path)
    root = tmp_path / z.namelist()[0].split("/", 1)[0]
    bundle = read_bundle(root)
    assert bundle.study.panel == "panel.h5mu"
    panel = read_h5mu(root / "panel.h5mu")
    assert set(panel.mod) == {"questionnaires", "diary"}
    assert panel.obs[["participant", "visit", "day"]].values.tolist() == [
        ["P001", "baseline", 1],
        ["P002", "baseline", 1],
    ]
    q = panel.mod["questionnaires"]
    assert list(q.obs_names) == ["P001:baseline", "P002:baseline"]
    assert q.to_df()["PHQ-9"].tolist() == [9.0, 0.0]
    d = panel.mod["diary"]
    # the week up to the visit day (day 1): P001 days 0 and 1, P002 day 0
    np.testing.assert_allclose(d.X, [[25.0, 65.0, 2.0], [50.0, 40.0, 1.0]])
    assert list(d.var_names) == ["negative_affect", "positive_affect", "entries"]
