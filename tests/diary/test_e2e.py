"""End-to-end: the real pages in headless Chromium (Debian's ``chromium``, driven by Playwright).

A researcher logs in, creates an unblinded N-of-1 study from the form and enrols a participant;
the participant opens the personal link on a phone-sized screen, consents and submits entries on
several days (one of them through a dropped connection, recovered from the browser draft, and one
with JavaScript disabled); the researcher sees the dashboard and exports the bundle, which is then
read back with :func:`gutbrain.io.read_bundle` and analysed with ``gutbrain analyze``.

The test takes the screenshots used in ``docs/diary.md``. They go to a temporary folder unless
``GUTBRAIN_UPDATE_SCREENSHOTS=1`` is set, which writes them to ``docs/img/`` (so a test run never
changes the working tree by itself)::

    GUTBRAIN_UPDATE_SCREENSHOTS=1 python -m pytest tests/diary/test_e2e.py
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from gutbrain.analysis.nof1 import nof1_series
from gutbrain.cli import app as cli_app
from gutbrain.diary.core.db import Database, migrate
from gutbrain.diary.core.settings import Settings
from gutbrain.diary.crud.researchers import create_researcher
from gutbrain.diary.main import create_app
from gutbrain.io import read_bundle

from .conftest import PASSWORD, FakeClock
from .server_proc import serve_in_thread

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)",
    ),
]
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}  # fmt: skip


@pytest.fixture
def server(tmp_path):
    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    db = Database(url)
    migrate(db.engine)
    with db.session() as s, s.begin():
        create_researcher(s, email="researcher@example.org", password=PASSWORD, is_admin=True)
    db.dispose()
    clock = FakeClock(dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC))
    settings = Settings(database_url=url, secret_key="e2e", session_hours=24 * 30)
    with serve_in_thread(create_app(settings, clock=clock, background=False)) as base:
        yield base, clock


def _send(page, na: int, pa: int) -> None:
    page.fill("#a_negative_affect", str(na))
    page.fill("#a_positive_affect", str(pa))
    page.check("input[name=a_stool_form][value='4']")
    page.click("button[type=submit]")
    page.wait_for_selector("#confirm-box:not([hidden])")


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: ``docs/img`` with GUTBRAIN_UPDATE_SCREENSHOTS=1, else a tmp dir."""
    if os.environ.get("GUTBRAIN_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    folder = tmp_path / "img"
    folder.mkdir()
    return folder


def test_nof1_study_end_to_end(server, tmp_path, shots):
    base, clock = server
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            _scenario(browser, base, clock, tmp_path, shots)
        finally:
            browser.close()
    assert {"participant-form.png", "researcher-dashboard.png"} <= {
        p.name for p in shots.glob("*.png")
    }


def _researcher(browser, base):
    """A researcher's page, logged in."""
    researcher = browser.new_context(viewport={"width": 1280, "height": 900})
    r = researcher.new_page()
    r.goto(f"{base}/login")
    r.fill("#email", "researcher@example.org")
    r.fill("#password", PASSWORD)
    r.click("button[type=submit]")
    r.wait_for_url(f"{base}/studies")
    return r


def _new_study(
    r,
    name: str,
    items: tuple[str, ...],
    visits: str = "",
    *,
    blinded: bool = False,
    timezone: str = "UTC",
) -> tuple[str, str]:
    """Create an N-of-1 study from the form (2-day blocks, 2 pairs, open 16:00-24:00 local time
    in ``timezone`` from 2026-03-02, ``blinded`` or not) with the optional ``items``, enrol one
    participant; returns the study's address and the personal link."""
    r.click("text=New study")
    r.fill("#name", name)
    r.check("input[name=design][value=nof1]")
    r.fill("#block_days", "2")
    r.fill("#n_pairs", "2")
    r.set_checked("input[name=blinded]", blinded)
    r.fill("#start", "2026-03-02")
    r.fill("#timezone", timezone)
    r.fill("#window_open", "16:00")
    r.fill("#window_hours", "8")
    for item in items:
        r.check(f"input[name={item}]")
    r.fill("#visits", visits)
    r.fill("#consent_text", "This pilot asks you for a one-minute diary each evening.")
    r.click("text=Create study")
    r.wait_for_selector(f"h1:has-text('{name}')")
    study_url = r.url
    r.click("text=Enrol and show the personal link")
    link = r.inner_text("#personal-link").strip()
    r.goto(study_url)
    return study_url, link


@contextlib.contextmanager
def _chromium() -> Iterator[Any]:
    """Debian's chromium, headless, closed afterwards."""
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _consented_phone(browser, link: str, wait_for: str = "#entry-form"):
    """A participant's phone page: the personal link opened, consent given, ``wait_for`` shown
    (today's form)."""
    p = browser.new_context(**PHONE).new_page()
    p.goto(link)
    p.check("input[name=agree]")
    p.click("button:has-text('I agree')")
    p.wait_for_selector(wait_for)
    return p


def _export(r, folder: Path) -> Path:
    """Download the study bundle from the researcher's study page and unzip it; returns the
    bundle folder."""
    with r.expect_download() as dl:
        r.click("text=Export study bundle")
    z = zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes()))
    z.extractall(folder)
    return folder / z.namelist()[0].split("/")[0]


def _scenario(browser, base, clock, tmp_path, shots) -> None:
    r = _researcher(browser, base)
    study_url, link = _new_study(
        r, "Probiotic N-of-1 pilot", ("item_stool_form",), visits="baseline 0 PHQ-9"
    )
    assert link.startswith(f"{base}/p/")

    # --- the participant, on a phone ----------------------------------------------------------
    phone = browser.new_context(**PHONE)
    p = phone.new_page()
    p.goto(link)
    assert p.url == f"{base}/diary"  # the token left the address bar
    p.check("input[name=agree]")
    p.click("button:has-text('I agree')")
    p.wait_for_selector("#entry-form")
    assert p.is_visible("text=Current phase:")  # unblinded design
    assert p.is_visible("text=Questionnaire due: PHQ-9 (baseline)")
    p.fill("#a_negative_affect", "35")
    p.fill("#a_positive_affect", "60")
    p.check("input[name=a_stool_form][value='4']")
    p.screenshot(path=str(shots / "participant-form.png"), full_page=True)
    p.click("button[type=submit]")
    p.wait_for_selector("#confirm-box:not([hidden])")
    assert "Saved: day 0, version 1" in p.inner_text("#confirm-box")

    for day, (na, pa) in enumerate([(30, 62), (28, 65)], start=1):
        clock.advance(days=1)
        p.goto(f"{base}/diary")
        assert p.is_visible(f"text=Day {day}")
        _send(p, na, pa)

    # day 3: the connection drops; the draft survives a reload and is sent afterwards
    clock.advance(days=1)
    p.goto(f"{base}/diary")
    p.fill("#a_negative_affect", "22")
    p.fill("#a_positive_affect", "70")
    p.check("input[name=a_stool_form][value='5']")
    phone.set_offline(True)
    p.click("button[type=submit]")
    p.wait_for_selector("#draft-status:has-text('No connection')")
    phone.set_offline(False)
    p.goto(f"{base}/diary")
    p.wait_for_selector("#draft-status:has-text('draft was restored')")
    assert p.input_value("#a_negative_affect") == "22"
    p.click("button[type=submit]")
    p.wait_for_selector("#confirm-box:not([hidden])")
    assert (
        p.evaluate("Object.keys(localStorage).filter(k => k.startsWith('gb-draft-')).length") == 0
    )

    # day 4 without JavaScript: the plain form post works
    clock.advance(days=1)
    nojs = browser.new_context(java_script_enabled=False, **PHONE)
    nojs.add_cookies(phone.cookies())
    q = nojs.new_page()
    q.goto(f"{base}/diary")
    q.fill("#a_negative_affect", "18")
    q.fill("#a_positive_affect", "72")
    # without JavaScript moving a slider cannot clear its "Not answered" box: the participant does
    q.uncheck("#unanswered_negative_affect")
    q.uncheck("#unanswered_positive_affect")
    q.check("input[name=a_stool_form][value='4']")
    q.click("button[type=submit]")
    q.wait_for_selector("text=Your answers for day 4 are saved")
    q.goto(f"{base}/diary/history")
    assert q.is_visible("svg.chart")

    # days 5-7: the last blocks, so both phases have enough days for an N-of-1 estimate
    for day, (na, pa) in enumerate([(20, 70), (15, 75), (17, 71)], start=5):
        clock.advance(days=1)
        p.goto(f"{base}/diary")
        assert p.is_visible(f"text=Day {day}")
        _send(p, na, pa)

    # --- the researcher: dashboard and export ------------------------------------------------
    r.goto(study_url)
    assert "100% (8/8)" in r.content()
    r.screenshot(path=str(shots / "researcher-dashboard.png"), full_page=True)
    export = _export(r, tmp_path / "export")
    bundle = read_bundle(export)
    meta = bundle.study
    assert (meta.name, meta.design, meta.instruments) == (
        "Probiotic N-of-1 pilot",
        "nof1",
        ("diary", "PHQ-9"),
    )
    assert meta.nof1 == {"block_days": 2}
    assert bundle.participants["participant"].tolist() == ["P001"]
    sequence = bundle.participants["sequence"].iloc[0]
    d = bundle.diary
    assert d["day"].tolist() == list(range(8))
    na = [35.0, 30.0, 28.0, 22.0, 18.0, 20.0, 15.0, 17.0]
    assert d["negative_affect"].tolist() == na
    assert d["positive_affect"].tolist() == [60.0, 62.0, 65.0, 70.0, 72.0, 70.0, 75.0, 71.0]
    assert d["stool_form"].tolist() == [4, 4, 4, 5, 4, 4, 4, 4]
    assert d["phase"].tolist() == [sequence[day // 2] for day in range(8)]
    assert d["date"].dt.strftime("%Y-%m-%d").tolist() == [f"2026-03-0{i}" for i in range(2, 10)]
    assert bundle.visits is not None and len(bundle.visits) == 0  # PHQ-9 was due, not answered

    # --- step 3 of the scenario: `gutbrain analyze` reads the export -------------------------
    out = tmp_path / "analysis"
    result = CliRunner().invoke(cli_app, ["analyze", str(export), "--out", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    assert (out / "report.html").is_file()
    results = json.loads((out / "results.json").read_text())
    assert results["design"] == "nof1"
    (person,) = results["nof1"]["participants"]
    assert person["participant"] == "P001" and person["sequence"] == sequence
    assert results["nof1"]["not_estimable"] == []
    # all 8 days analysed (no wash-in); the estimate is the library's on the exported bundle
    assert person["n"] == 8
    assert np.isfinite(person["mean"]) and person["ci_low"] < person["mean"] < person["ci_high"]
    assert person["mean"] == pytest.approx(nof1_series(bundle).posteriors["P001"].mean)
    assert "P001" in (out / "report.html").read_text()


def test_untouched_slider_is_not_answered_and_exported_missing(server, tmp_path):
    """A slider left alone reads "not answered"; a required one stops the form before it is
    sent; an optional one is stored and exported as missing. Touching a slider where it rests
    is an answer (50), not a missing value."""
    base, _clock = server
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            r = _researcher(browser, base)
            _url, link = _new_study(r, "Not answered pilot", ("item_stress",))
            p = _consented_phone(browser, link)
            outputs = p.locator("output[data-for]")
            assert outputs.all_inner_texts() == ["not answered"] * 3

            p.click("button[type=submit]")  # nothing moved: refused before it is sent
            p.wait_for_selector("#draft-status:has-text('please move the slider')")
            status = p.inner_text("#draft-status")
            assert "How negative" in status and "How positive" in status
            assert "stressed" not in status  # stress is optional

            p.fill("#a_negative_affect", "30")
            p.click("#a_positive_affect")  # a tap where the thumb rests answers it too
            assert not p.is_checked("#unanswered_negative_affect")
            assert not p.is_checked("#unanswered_positive_affect")
            assert p.is_checked("#unanswered_stress")
            pa = int(p.input_value("#a_positive_affect"))
            assert outputs.all_inner_texts() == ["30", str(pa), "not answered"]
            p.click("button[type=submit]")
            p.wait_for_selector("#confirm-box:not([hidden])")

            p.goto(f"{base}/diary")  # today's answers again: stress still not answered
            assert outputs.all_inner_texts() == ["30", str(pa), "not answered"]
            r.reload()
            bundle = read_bundle(_export(r, tmp_path / "export"))
        finally:
            browser.close()
    d = bundle.diary
    assert d["negative_affect"].tolist() == [30.0]
    assert d["positive_affect"].tolist() == [float(pa)]
    assert d["stress"].isna().tolist() == [True]


def test_screens_on_a_phone(server):
    """Issue 24's screens on a 390-px phone: the Bristol pictures load; one day of data gives a
    sentence, not a lone dot with a "B" legend; two days give a chart that fits the screen with
    readable text; a bad link explains itself without pointing to the researcher log-in."""
    base, clock = server
    with _chromium() as browser:
        r = _researcher(browser, base)
        study_url, link = _new_study(r, "Screens pilot", ("item_stool_form",))
        p = _consented_phone(browser, link)
        widths = p.eval_on_selector_all("img.bristol", "els => els.map(e => e.naturalWidth)")
        assert len(widths) == 7 and all(w > 0 for w in widths)  # all loaded (CSP allows)
        _send(p, 35, 60)

        r.set_viewport_size({"width": 390, "height": 844})
        r.goto(study_url)
        assert r.locator("svg.chart").count() == 0
        assert r.locator("text=The chart appears once there are entries on 2 days").count() == 2
        no_overflow = "document.documentElement.scrollWidth <= window.innerWidth"
        assert r.evaluate(no_overflow)

        clock.advance(days=1)
        p.goto(f"{base}/diary")
        _send(p, 30, 62)
        r.reload()
        charts = r.locator("svg.chart")
        assert charts.count() == 2 and r.evaluate(no_overflow)
        for i in range(2):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] <= 390 and box["height"] <= 300
        label = charts.first.locator("text").first.bounding_box()
        assert label is not None and label["height"] >= 9  # readable on the phone
        legend = charts.first.locator("text[fill='#222']")
        assert legend.count() == 0  # one phase so far: no legend

        bad = browser.new_context(**PHONE).new_page()
        bad.goto(f"{base}/p/not-a-real-link")
        assert bad.is_visible("h1:has-text('Page not found')")
        assert bad.locator("main a[href='/login'], main a[href='/']").count() == 0
        icon = bad.evaluate("fetch('/favicon.ico').then(r => r.headers.get('content-type'))")
        assert icon.startswith("image/svg+xml")


#: What a blinded participant must never see: the phase labels' meanings and the word "phase".
PRODUCT_WORDS = ("placebo", "maltodextrin", "probiotic", "phase")


def test_enrolment_reload_and_a_blinded_participant(server):
    """A reload of the enrolment's link page adds no participant; a participant of a blinded
    N-of-1 study sees "Period n of 4" and never the product or the phase on any page."""
    base, _clock = server
    with _chromium() as browser:
        r = _researcher(browser, base)
        study_url, link = _new_study(
            r, "Blinded pilot", (), visits="baseline 0 PHQ-9", blinded=True
        )
        r.click("text=Enrol and show the personal link")
        r.wait_for_selector("#personal-link")
        second = r.inner_text("#personal-link").strip()
        assert r.is_visible("svg.qr")
        r.reload()
        assert r.inner_text("#personal-link").strip() == second  # shown again, no new post
        r.reload()
        r.goto(study_url)
        assert "<strong>2</strong> enrolled" in r.content()
        assert r.is_visible("text=blinded")

        p = browser.new_context(**PHONE).new_page()
        pages = []
        p.goto(link)
        pages.append(p.content())  # the consent page
        p.check("input[name=agree]")
        p.click("button:has-text('I agree')")
        p.wait_for_selector("#entry-form")
        assert p.is_visible("text=Period 1 of 4")
        pages.append(p.content())
        p.fill("#a_negative_affect", "30")
        p.fill("#a_positive_affect", "60")
        p.click("button[type=submit]")
        p.wait_for_selector("#confirm-box:not([hidden])")
        pages.append(p.content())
        for path in ("/diary/history", "/diary/visit/baseline/PHQ-9"):
            p.goto(f"{base}{path}")
            pages.append(p.content())
    for html in pages:
        assert not [w for w in PRODUCT_WORDS if w in html.lower()]


def test_a_los_angeles_study_shows_los_angeles_times(server):
    """Participant and researcher pages show times in the study's zone, labelled."""
    base, clock = server  # 17:00 UTC on Monday 2 March 2026 is 09:00 PST in Los Angeles
    with _chromium() as browser:
        r = _researcher(browser, base)
        study_url, link = _new_study(r, "LA pilot", (), timezone="America/Los_Angeles")
        p = _consented_phone(browser, link, "text=Today's diary is not open right now")
        closed = p.inner_text("main")
        clock.advance(hours=8)  # 17:00 PST: the window (16:00-24:00 PST) is open
        p.goto(f"{base}/diary")
        p.wait_for_selector("#entry-form")
        r.goto(study_url)
        r.click("text=P001")
        researcher = r.inner_text("main")
    assert "The next one opens on Monday 02 March at 16:00 PST (America/Los_Angeles time)" in (
        closed
    )
    assert "UTC" not in closed
    assert "consent: 2026-03-02 09:00 PST" in researcher
    assert "2026-03-02 16:00 PST" in researcher  # the prompt was scheduled at 16:00 local
    assert "2026-03-02 17:00 PST" in researcher  # and opened at 17:00 local
    assert "Times in the study's zone, America/Los_Angeles" in researcher
    assert "UTC" not in researcher
