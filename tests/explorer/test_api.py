"""The explorer's endpoint and pages through the app of ``gutbrain serve``: validation in the
diary's error shape, the bounds, the rate limit, the assets and the evidence pages."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import plotly
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from diary.server_proc import free_port, start_server  # tests/ is on the path
from gutbrain.explorer import add_explorer
from gutbrain.explorer.evidence import QUANTITIES, citations, evidence
from gutbrain.explorer.request import MAX_PERSON_DAYS, ExplorerRequest
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.states import AUX_INFO, STATE_INFO
from gutbrain.model.trajectory import DERIVED

JSON = {"accept": "application/json"}
TINY = {"days": 14, "people": 1}


def _error(r, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"detail", "errors"}  # the diary's ErrorBody
    return body["detail"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"days": 5000}, "days: Input should be less than or equal to 730"),
        ({"people": 0}, "people: Input should be greater than or equal to 1"),
        ({"archetype": "sad"}, "archetype: unknown archetype 'sad'; known: depressed"),
        ({"antibiotic": [{"spectrum": "penicillin"}]}, "antibiotic.0.spectrum: unknown antibiotic"),
        ({"probiotic": [{"product": "kefir", "end": 9}]}, "probiotic.0.product: unknown"),
        ({"stress": [{"start": 9, "end": 3}]}, "stress.0: end (3) must be after start (9)"),
        ({"people": 50, "days": 730}, f"people x days = 36500 exceeds {MAX_PERSON_DAYS}"),
        ({"doze": 1}, "doze: Extra inputs are not permitted"),
        ({"people": 2, "ensemble": 3}, "an ensemble band is for one person"),
    ],
)
def test_invalid_requests_get_the_diarys_error_shape(client: TestClient, body, says) -> None:
    detail = _error(client.post("/explorer/api/run", json=body, headers=JSON), 422)
    assert says in detail


def test_malformed_json_is_a_422(client: TestClient) -> None:
    r = client.post("/explorer/api/run", content=b"{days:", headers=JSON)
    assert "Invalid JSON" in _error(r, 422)


def test_a_large_body_is_refused_before_it_is_parsed(client: TestClient) -> None:
    r = client.post("/explorer/api/run", content=b" " * 20_000, headers=JSON)
    assert "at most 16384" in _error(r, 413)


def test_runs_are_rate_limited_per_client() -> None:
    app = FastAPI()
    add_explorer(app, runs_per_minute=2)
    with TestClient(app) as c:
        for _ in range(2):
            assert c.post("/explorer/api/run", json=TINY).status_code == 200
        r = c.post("/explorer/api/run", json=TINY)
        assert r.status_code == 429
        assert "at most 2 model runs a minute" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1


def test_a_run_returns_both_arms_of_every_quantity(client: TestClient) -> None:
    body = {**TINY, "antibiotic": [{"start": 2, "days": 3}], "diet": [{"end": 14}]}
    r = client.post("/explorer/api/run", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["arms"] == ["timeline", "no intervention"]
    assert set(data["series"]) == {q.key for q in QUANTITIES}
    div = data["series"]["diversity"]["arms"]
    assert len(div["timeline"]["median"]) == 14
    assert div["timeline"]["median"][5] < div["no intervention"]["median"][5]


def test_the_timeline_becomes_the_scenario_and_is_cut_at_the_last_day() -> None:
    req = ExplorerRequest.model_validate(
        {
            "days": 20,
            "antibiotic": [{"start": 15, "days": 10}, {"start": 0, "days": 3}],
            "stress": [{"level": 0.6, "start": 10, "end": 40}],
            "diet": [{"pattern": "fibre", "fibre_g": 10, "end": 5}],
        }
    )
    arm, control = req.scenario()["arms"]
    assert control == {"name": "no intervention"}
    assert arm["antibiotic"] == [
        {"spectrum": "broad", "start": 15, "days": 5},
        {"spectrum": "broad", "start": 0, "days": 3},
    ]
    assert arm["schedule"] == [
        {"exposure": "fibre_g", "value": 10.0, "start": 0, "end": 5},
        {"exposure": "stress", "value": 0.6, "start": 10, "end": 20},
    ]


def test_the_page_serves_plotly_from_the_installed_package(client: TestClient) -> None:
    page = client.get("/explorer", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "not medical advice" in page.text
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == ["/static/explorer/plotly.min.js", "/static/explorer/explorer.js"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    js = client.get(scripts[0])
    installed = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert js.content == installed.read_bytes()
    again = client.get(scripts[0], headers={"if-none-match": js.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert client.get(scripts[1]).status_code == 200
    assert client.get("/static/style.css").status_code == 200  # the diary's assets still work


def test_every_plotted_quantity_links_to_its_evidence(client: TestClient) -> None:
    page = client.get("/explorer").text
    html = client.get("/explorer/evidence").text
    for q in QUANTITIES:
        assert q.key in {*STATE_INFO, *AUX_INFO, *DERIVED}
        assert f'href="/explorer/evidence#{q.key}"' in page
        assert f'<section id="{q.key}"' in html
        params = evidence(q)
        assert params, f"{q.key}: no parameter matches {q.pattern}"
        for spec, _refs in params:
            assert f"<code>{spec.name}</code>" in html
    assert "KARIN2020" in html and citations()["KARIN2020"].split(".")[0] in html


def test_evidence_finds_cited_references() -> None:
    diversity = next(q for q in QUANTITIES if q.key == "diversity")
    found = {s.name: [k for k, _ in refs] for s, refs in evidence(diversity)}
    assert found["gamma_diversity"] == ["PALLEJA2018"]
    assert "e_fibre_diversity" in found and "e_diversity_butyrate_producers" not in found
    assert set(found) <= set(PARAMETER_TABLE)


def test_the_diarys_api_description_stays_the_diarys(client: TestClient) -> None:
    """The explorer adds nothing to the diary's OpenAPI document (which schemathesis fuzzes)."""
    paths = client.get("/openapi.json").json()["paths"]
    assert "/healthz" in paths
    assert [p for p in paths if p.startswith("/explorer")] == []


def test_a_cohort_has_bands_around_its_median_and_repeats_with_its_seed(client: TestClient) -> None:
    body = {"days": 14, "people": 4, "seed": 3, "stress": [{"level": 0.6, "start": 2, "end": 14}]}
    first = client.post("/explorer/api/run", json=body).json()
    na = first["series"]["negative_affect"]["arms"]["timeline"]
    assert all(lo <= m <= hi for lo, m, hi in zip(na["low"], na["median"], na["high"], strict=True))
    assert max(h - lo for lo, h in zip(na["low"], na["high"], strict=True)) > 0  # people differ
    assert client.post("/explorer/api/run", json=body).json() == first
    other = client.post("/explorer/api/run", json={**body, "seed": 4}).json()
    assert other["series"]["negative_affect"] != first["series"]["negative_affect"]


def test_gutbrain_serve_serves_the_explorer(tmp_path: Path) -> None:
    """The command line's server is the app factory's: the diary and the explorer."""
    port = free_port()
    proc = start_server(f"sqlite:///{tmp_path / 's.sqlite3'}", port, "s", tmp_path / "log")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/explorer", timeout=30) as r:
            assert r.status == 200
            assert "gutbrain model explorer" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_an_ensemble_shows_parameter_uncertainty_for_one_person(client: TestClient) -> None:
    body = {"days": 14, "ensemble": 4, "antibiotic": [{"start": 2, "days": 5}]}
    data = client.post("/explorer/api/run", json=body).json()
    assert data["people"] == 1 and data["ensemble"] == 4
    assert data["ensemble_label"].startswith("ensemble: 4 ")  # says prior or posterior
    div = data["series"]["diversity"]["arms"]["timeline"]
    assert all(
        lo <= m <= hi for lo, m, hi in zip(div["low"], div["median"], div["high"], strict=True)
    )
    assert div["high"][7] - div["low"][7] > 0.01  # the draws disagree on the antibiotic's effect
