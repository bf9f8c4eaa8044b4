"""Screens people understand (issue 24, "What to build" item 7): error pages, charts, Bristol
pictures, the favicon and the first-run hint. The phone-width checks in a real browser are in
test_e2e.py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from gutbrain.diary.api.deps import LINK_REFUSED
from gutbrain.diary.api.errorpage import audience_of, error_page
from gutbrain.diary.core.settings import Settings
from gutbrain.diary.main import create_app
from gutbrain.diary.plots import Series, line_chart

from .conftest import BASE

HTML = {"accept": "text/html"}
STATIC = resources.files("gutbrain.diary") / "static"


def _links(html: str) -> list[str]:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.findall(r'href="([^"]+)"', main)


@pytest.mark.parametrize(
    ("path", "who"),
    [("/p/abc", "participant"), ("/diary/history", "participant"), ("/diary", "participant"),
     ("/studies/3", "researcher"), ("/login", "researcher"), ("/admin/researchers", "researcher"),
     ("/nothing", "anyone"), ("/pizza", "anyone"), ("/diaryx", "participant")],
)  # fmt: skip
def test_audience_of_a_path(path, who):
    assert audience_of(path) == who


def test_a_bad_personal_link_explains_and_never_points_to_the_log_in(diary):
    r = diary.new_client().get("/p/not-a-real-link", headers=HTML)
    assert r.status_code == 404
    assert "<h1>Page not found</h1>" in r.text
    assert "replaced it with a new link" in r.text  # deps.LINK_REFUSED, HTML-escaped
    assert "Open the personal study link you were given" in r.text
    assert _links(r.text) == []  # no start page, no researcher log-in


def test_a_participant_page_without_the_cookie_asks_for_the_link(diary):
    r = diary.new_client().get("/diary/history", headers=HTML)
    assert r.status_code == 401 and "<h1>You need to sign in first</h1>" in r.text
    assert "personal study link" in r.text and "/login" not in _links(r.text)


def test_a_participant_error_with_a_valid_cookie_leads_back_to_the_diary(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    pc, _pcsrf = diary.participant(
        diary.enrol(diary.client, csrf, diary.create_study(diary.client, csrf))
    )
    r = pc.post("/diary/entry", data={"a_negative_affect": "20"}, headers=HTML)  # no CSRF token
    assert r.status_code == 403
    assert _links(r.text) == ["/diary"] and "Back to today&#39;s diary" in r.text


def test_researcher_and_unknown_pages_say_where_to_go(diary):
    diary.login(diary.client, "owner@example.org")
    r = diary.client.get("/studies/123456", headers=HTML)
    assert r.status_code == 404 and "/studies" in _links(r.text)
    r = diary.new_client().get("/no/such/page", headers=HTML)
    assert r.status_code == 404
    assert _links(r.text) == ["/diary", "/login"]
    assert "Participants: your diary" in r.text and "Researchers: log in" in r.text


def test_api_clients_still_get_the_json_error_body(diary):
    r = diary.new_client().get("/p/not-a-real-link")
    assert r.status_code == 404 and r.json() == {
        "detail": LINK_REFUSED,
        "errors": [],
    }


def test_an_unexpected_error_gives_a_page_that_says_so(make_app):
    d = make_app()

    def boom() -> None:
        raise RuntimeError("a bug")

    d.app.add_api_route("/diary/boom", boom)
    c = TestClient(d.app, base_url=BASE, raise_server_exceptions=False)
    r = c.get("/diary/boom", headers=HTML)
    assert r.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in r.text and "try again" in r.text
    assert "a bug" not in r.text  # no internals shown
    # the 500 answer is made outside the security-headers middleware: it must carry them too
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert header in r.headers, header
    assert r.headers["cache-control"] == "no-store"
    assert ("strict-transport-security" in r.headers) == BASE.startswith("https")
    r = c.get("/diary/boom")
    assert r.status_code == 500 and r.json()["detail"] == "an unexpected error stopped this request"


def test_error_page_words_for_every_declared_status():
    for status in (400, 401, 403, 404, 405, 413, 422, 429, 500):
        page = error_page("/studies", status)
        assert page.title != "Something went wrong" and page.advice and page.links


def test_favicon(diary):
    c = diary.new_client()
    r = c.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(r.content).tag.endswith("svg")
    assert '<link rel="icon" href="/static/favicon.svg"' in c.get("/login").text
    assert c.get("/static/favicon.svg").status_code == 200


def test_bristol_pictures_are_shown_with_each_type(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, item_stool_form="1")
    pc, _pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    page = pc.get("/diary").text
    pictures = re.findall(r'<img class="bristol" src="(/static/bristol/(\d)\.svg)"', page)
    assert [n for _src, n in pictures] == [str(n) for n in range(1, 8)]
    for src, n in pictures:
        r = pc.get(src)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        svg = ET.fromstring(r.content)
        title = svg.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text and title.text.startswith(f"Type {n}:")
        assert f"Type {n}:" in page  # the words stay beside the picture


def test_one_day_of_data_gives_a_sentence_not_a_chart():
    one_day = [Series("B (probiotic)", [(0.0, 20.0)]), Series("A (placebo)", [])]
    out = str(line_chart(one_day, title="Mean daily negative affect by phase"))
    assert "<svg" not in out
    assert "day 0: B (probiotic) 20" in out and "entries on 2 days" in out
    assert "no entries yet" in str(line_chart([], title="Mean"))


def test_a_legend_only_for_two_or_more_series_and_it_wraps():
    one = str(line_chart([Series("B (probiotic)", [(0, 20), (1, 30)])], title="t"))
    assert "<svg" in one and "B (probiotic)</text>" not in one
    labels = [f"arm {i} with a long description of its product" for i in range(4)]
    many = str(line_chart([Series(lab, [(0, 20), (1, 30)]) for lab in labels], title="t"))
    assert all(f"{lab}</text>" in many for lab in labels)
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', many).groups())
    legend_y = [float(y) for y in re.findall(r'<text x="[^"]+" y="([^"]+)"[^>]*fill="#222"', many)]
    assert len(set(legend_y)) == 4 and max(legend_y) < height  # one row each, inside the chart
    sample = r'<line x1="([^"]+)" x2="[^"]+" y1="[^"]+" y2="[^"]+" stroke="#[0-9a-f]+" '
    xs = [float(x) for x in re.findall(sample + 'stroke-width="2"', many)]
    assert max(xs) < width


def test_the_dashboard_names_phases_with_their_products(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    headers = {"accept": "application/json"}
    pc.post(
        "/diary/entry",
        data={"csrf": pcsrf, "a_negative_affect": "20", "a_positive_affect": "70"},
        headers=headers,
    )
    page = diary.client.get(f"/studies/{sid}").text
    assert '<svg class="chart"' not in page and "The chart appears once" in page
    assert re.search(r"day 0: [AB] \((placebo|probiotic)\) 20", page)


def test_first_run_page_tells_how_to_create_the_first_researcher(tmp_path, diary):
    fresh = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", secret_key="k"),
        background=False,
    )
    with TestClient(fresh, base_url=BASE) as c:
        page = c.get("/login").text
    assert "First run: no researcher account yet" in page
    assert "gutbrain diary create-admin --email you@example.org" in page
    assert "First run" not in diary.new_client().get("/login").text  # accounts exist


def test_the_start_page_sends_a_participant_to_the_diary(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, _pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    assert pc.get("/").url.path == "/diary"  # not the researcher log-in
    assert diary.new_client().get("/", headers=HTML).url.path == "/login"
    assert diary.client.get("/").url.path == "/studies"
