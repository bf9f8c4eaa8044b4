"""Fair rate limits (issue 24, item 5), with the default settings.

- At most 20 failed log-ins per client in 10 minutes, whichever accounts: spraying is limited.
- Per account, growing delays after 5 failures; the owner's known device still gets in.
- Participants are never refused for other people's bad links from the same address.
"""

from __future__ import annotations

import pytest

from gutbrain.diary.core.ratelimit import Backoff, RateLimiter
from gutbrain.diary.core.settings import Settings

from .conftest import CLIENT, PASSWORD, Diary, csrf_of

DEFAULTS = Settings()
PROXY = CLIENT[0]  # the test clients connect from the trusted proxy's address


def _attempt(diary: Diary, email: str, password: str, *, address: str, client=None):
    """One log-in from ``address`` (behind the trusted proxy) with a fresh pre-login form."""
    c = client or diary.new_client()
    headers = {"x-forwarded-for": address}
    csrf = csrf_of(c.get("/login", headers=headers).text)
    return c.post(
        "/login",
        data={"email": email, "password": password, "csrf": csrf},
        headers=headers,
        follow_redirects=False,
    )


def test_defaults_are_the_issues():
    assert (DEFAULTS.login_client_attempts, DEFAULTS.login_client_window_s) == (20, 600.0)
    assert DEFAULTS.login_account_free == 5


def test_password_spraying_is_limited_per_client(make_app):
    """One password against many accounts: the 21st failure in 10 minutes is refused, with the
    right password too; another client is unaffected; after 10 minutes the client may try again."""
    d = make_app(trusted_proxies=PROXY)
    for i in range(DEFAULTS.login_client_attempts):
        r = _attempt(d, f"user{i}@example.org", "Summer2026!", address="203.0.113.9")
        assert r.status_code == 401, (i, r.text)
    r = _attempt(d, "owner@example.org", PASSWORD, address="203.0.113.9")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) == 600
    assert r.json()["detail"] == "too many failed log-ins; try again in 600 seconds"
    assert _attempt(d, "owner@example.org", PASSWORD, address="198.51.100.7").status_code == 303
    d.clock.advance(seconds=600)
    assert _attempt(d, "other@example.org", PASSWORD, address="203.0.113.9").status_code == 303


def test_account_delays_grow_after_five_failures(make_app):
    """Guesses at one account from ever new addresses: free for 5 failures, then 1 s, 2 s, ..."""
    d = make_app(trusted_proxies=PROXY)
    addresses = (f"192.0.2.{i}" for i in range(1, 100))
    for _ in range(DEFAULTS.login_account_free):
        assert _attempt(d, "owner@example.org", "guess", address=next(addresses)).status_code == 401
    for wait in (1, 2, 4, 8):
        r = _attempt(d, "owner@example.org", PASSWORD, address=next(addresses))
        assert r.status_code == 429 and r.headers["retry-after"] == str(wait)
        d.clock.advance(seconds=wait)
        assert _attempt(d, "owner@example.org", "guess", address=next(addresses)).status_code == 401
    d.clock.advance(seconds=16)
    assert _attempt(d, "owner@example.org", PASSWORD, address=next(addresses)).status_code == 303
    # the success cleared the count: five more failures are free again
    for _ in range(DEFAULTS.login_account_free):
        assert _attempt(d, "owner@example.org", "guess", address=next(addresses)).status_code == 401


def test_a_known_device_logs_in_while_the_account_is_delayed(make_app):
    """The owner logged in from a browser before (a signed device cookie): an attacker's
    failures delay everyone else, not that browser; a forged or foreign cookie does not help."""
    d = make_app(trusted_proxies=PROXY)
    owner = d.new_client()
    assert (
        _attempt(d, "owner@example.org", PASSWORD, address="10.0.0.1", client=owner).status_code
        == 303
    )
    assert owner.cookies.get("gb_device")
    for _ in range(DEFAULTS.login_account_free + 3):
        _attempt(d, "owner@example.org", "guess", address="203.0.113.50")
    stranger = _attempt(d, "owner@example.org", PASSWORD, address="10.0.0.1")
    assert stranger.status_code == 429
    forged = d.new_client()
    forged.cookies.set("gb_device", owner.cookies["gb_device"][:-2] + "xx")
    assert (
        _attempt(d, "owner@example.org", PASSWORD, address="10.0.0.1", client=forged).status_code
        == 429
    )
    other = d.new_client()  # a device cookie of another account
    assert (
        _attempt(d, "other@example.org", PASSWORD, address="10.0.0.1", client=other).status_code
        == 303
    )
    assert (
        _attempt(d, "owner@example.org", PASSWORD, address="10.0.0.1", client=other).status_code
        == 429
    )
    assert (
        _attempt(d, "owner@example.org", PASSWORD, address="10.0.0.1", client=owner).status_code
        == 303
    )


def test_a_known_device_is_delayed_by_its_own_failures(make_app):
    d = make_app()
    owner = d.new_client()
    assert _attempt(d, "owner@example.org", PASSWORD, address="x", client=owner).status_code == 303
    for _ in range(DEFAULTS.login_account_free):
        assert (
            _attempt(d, "owner@example.org", "typo", address="x", client=owner).status_code == 401
        )
    assert _attempt(d, "owner@example.org", PASSWORD, address="x", client=owner).status_code == 429


def test_bad_links_from_one_client_do_not_lock_out_another_participant(diary):
    """Behind one proxy every participant has the same address: 20 bad links from anyone there
    are refused from then on, but a participant with a valid link still opens and submits."""
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    link = diary.enrol(diary.client, csrf, sid)
    guesser = diary.new_client()
    for i in range(DEFAULTS.token_attempts):
        assert guesser.get(f"/p/bogus-{i}").status_code == 404
    r = guesser.get("/p/bogus-more")
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 60
    pc, pcsrf = diary.participant(link)  # the same address (CLIENT)
    r = pc.post(
        "/diary/entry",
        data={"csrf": pcsrf, "a_negative_affect": "20", "a_positive_affect": "70"},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert guesser.get("/p/bogus-again").status_code == 429  # the guesser is still refused


@pytest.mark.parametrize("failures", [0, 4])
def test_backoff_is_free_below_the_threshold(failures):
    b = Backoff(free=5, first_s=1.0, max_s=900.0, forget_s=86400.0, clock=lambda: 0.0)
    for _ in range(failures):
        b.fail("a")
    assert b.retry_after("a") == 0.0


def test_backoff_doubles_up_to_its_cap_and_forgets():
    now = [0.0]
    b = Backoff(free=5, first_s=1.0, max_s=900.0, forget_s=86400.0, clock=lambda: now[0])
    assert [b.delay(n) for n in (5, 6, 7, 15, 40)] == [1.0, 2.0, 4.0, 900.0, 900.0]
    for _ in range(20):
        b.fail("a")
    assert b.retry_after("a") == 900.0
    now[0] = 86400.0
    assert b.retry_after("a") == 0.0


def test_rate_limiter_retry_after_counts_from_the_oldest_event_in_the_window():
    now = [0.0]
    r = RateLimiter(2, 60.0, clock=lambda: now[0])
    r.hit("k")
    now[0] = 10.0
    r.hit("k")
    assert r.retry_after("k") == 50.0
    now[0] = 60.0
    assert r.retry_after("k") == 0.0
