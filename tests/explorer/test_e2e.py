"""End-to-end: the explorer page in headless Chromium (Debian's ``chromium``, driven by Playwright),
served by the app of ``gutbrain serve``.

Someone adds a 7-day antibiotic course with the keyboard and runs the model; the test reads the
plotted diversity from the plot itself (plotly's traces on the element) and checks that it equals
the server's answer, falls during the course and recovers afterwards. On a phone-sized screen the
page does not scroll sideways, a probiotic, a diet change and a stress period run and are shaded
on the plots, and an invalid request shows the server's message. No console error
(a blocked script or style would be one) is allowed.

The screenshot in ``docs/explorer.md`` is taken here; ``GUTBRAIN_UPDATE_SCREENSHOTS=1`` writes it
to ``docs/img/`` (otherwise to a temporary folder)::

    GUTBRAIN_UPDATE_SCREENSHOTS=1 python -m pytest tests/explorer/test_e2e.py
"""

from __future__ import annotations

import pytest

# Debian's chromium, its flags, the phone's screen, the skips and the screenshot folder are the
# diary's end-to-end test's (tests/ is on the path).
from diary.server_proc import serve_in_thread
from diary.test_e2e import ARGS, CHROMIUM, PHONE, playwright_sync, pytestmark, shots
from gutbrain.diary.core.settings import Settings
from gutbrain.webapp import create_app

__all__ = ["pytestmark", "shots"]  # a marker and a fixture used by pytest
COURSE_START, COURSE_DAYS = 10, 7


@pytest.fixture
def base(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'e2e.sqlite3'}", secret_key="e2e")
    with serve_in_thread(create_app(settings, background=False)) as address:
        yield address


def _watched(page, errors: list[str]):
    """``page``, with its console errors and uncaught exceptions collected in ``errors``."""
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def _plotted(page, quantity: str) -> dict[str, list[float]]:
    """The y values of each arm's line as drawn (plotly keeps the traces on the element)."""
    return page.evaluate(
        """q => Object.fromEntries(document.getElementById('plot-' + q).data
              .filter(t => t.mode === 'lines' && t.showlegend !== false)
              .map(t => [t.name, Array.from(t.y)]))""",
        quantity,
    )


def test_an_antibiotic_course_lowers_diversity_which_recovers(base, shots):
    errors: list[str] = []
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = _watched(browser.new_page(viewport={"width": 1280, "height": 900}), errors)
            page.goto(f"{base}/explorer")
            assert page.is_visible("text=not medical advice")
            page.focus("[data-add=antibiotic]")
            page.keyboard.press("Enter")  # the buttons work from the keyboard
            assert page.evaluate("document.activeElement.name") == "spectrum"
            page.select_option("[name=spectrum]", "broad")
            page.fill("[name=start]", str(COURSE_START))
            page.fill("[name=length]", str(COURSE_DAYS))
            with page.expect_response("**/explorer/api/run", timeout=600_000) as answer:
                page.click("#run")
            page.wait_for_selector("#plots[data-state=ready]", timeout=60_000)
            served = answer.value.json()["series"]["diversity"]["arms"]
            drawn = _plotted(page, "diversity")
            page.screenshot(path=str(shots / "explorer.png"), full_page=True)

            phone = _watched(browser.new_page(**PHONE), errors)
            phone.goto(f"{base}/explorer")
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            for kind in ("probiotic", "diet", "stress"):  # the other kinds, at their defaults
                phone.click(f"[data-add={kind}]")
            phone.click("#run")
            phone.wait_for_selector("#plots[data-state=ready]", timeout=60_000)
            shaded = phone.evaluate("document.getElementById('plot-diversity').layout.shapes")
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            phone.fill("#days", "5000")
            phone.click("#run")
            phone.wait_for_selector("#status.error")
            assert "days: Input should be less than or equal to 730" in phone.inner_text("#status")
        finally:
            browser.close()

    assert [e for e in errors if "422" not in e] == []  # the refused request logs its 422 only
    assert [(r["x0"], r["x1"]) for r in shaded] == [(30, 58), (30, 114), (30, 86)]
    assert drawn == {k: v["median"] for k, v in served.items()}
    y, control = drawn["timeline"], drawn["no intervention"]
    assert len(y) == 365
    end = COURSE_START + COURSE_DAYS
    assert y[COURSE_START] == pytest.approx(control[COURSE_START])  # same before the course
    low = min(range(len(y)), key=y.__getitem__)
    assert COURSE_START < low <= end + 7  # the fall: during the course or just after it
    assert y[low] < 0.7 * control[low]  # validation B3a: diversity < 70 % of control
    loss = control[-1] - y[low]
    assert y[-1] - y[low] > 0.5 * loss  # the recovery: most of the loss regained in the year
    assert all(b >= a - 1e-9 for a, b in zip(y[low:], y[low + 1 :], strict=False))
