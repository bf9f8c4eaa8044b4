"""The diary behind a reverse proxy (issue 24, item 4).

Unit tests: forwarded headers are honoured only from ``trusted_proxies`` (default none); links
then use the external scheme and HSTS is sent. The last test runs ``gutbrain serve`` behind a
real nginx on loopback, terminating TLS with a throw-away self-signed certificate, and connects
from two different loopback addresses (127.0.0.2 and 127.0.0.3) as two clients.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from gutbrain.diary.core.settings import Settings
from gutbrain.diary.server import create_admin

from .conftest import BASE, CLIENT, PASSWORD, Diary, csrf_of
from .server_proc import free_port, start_server

HSTS = "strict-transport-security"
FORWARDED = {"x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.4"}


def _enrol_link(d: Diary, client) -> str:
    csrf = d.login(client, "owner@example.org")
    sid = d.create_study(client, csrf)
    link = d.enrol(client, csrf, sid)  # with the test base URL (https://testserver) cut off
    return link if "://" in link else BASE + link


def test_no_proxy_is_trusted_by_default(make_app):
    """Without configuration a client's own X-Forwarded-* headers change nothing."""
    assert Settings().trusted_proxies == ""
    d = make_app(cookie_secure=False)  # cookies over plain HTTP
    c = d.new_client()
    c.base_url = c.base_url.copy_with(scheme="http")
    r = c.get("/login", headers=FORWARDED)
    assert HSTS not in r.headers
    c.headers.update(FORWARDED)
    assert _enrol_link(d, c).startswith("http://testserver/p/")


def test_a_trusted_proxy_gives_https_links_and_hsts(make_app):
    d = make_app(trusted_proxies=f"10.0.0.0/8, {CLIENT[0]}", cookie_secure=False)
    c = d.new_client()
    c.base_url = c.base_url.copy_with(scheme="http")  # the proxy talks plain HTTP to the app
    assert HSTS not in c.get("/login").headers  # no X-Forwarded-Proto: plain HTTP
    c.headers.update(FORWARDED)
    assert c.get("/login").headers[HSTS] == "max-age=31536000; includeSubDomains"
    assert _enrol_link(d, c).startswith("https://testserver/p/")


def test_an_untrusted_peer_is_not_believed(make_app):
    d = make_app(trusted_proxies="10.1.2.3", cookie_secure=False)
    c = d.new_client()
    c.base_url = c.base_url.copy_with(scheme="http")
    c.headers.update(FORWARDED)
    assert HSTS not in c.get("/login").headers
    assert _enrol_link(d, c).startswith("http://testserver/p/")


def test_https_served_directly_sends_hsts(diary):
    assert HSTS in diary.client.get("/login").headers  # the test client's base URL is https


def test_a_malformed_proxy_setting_is_named():
    with pytest.raises(ValidationError, match=r"GUTBRAIN_DIARY_TRUSTED_PROXIES: 'proxy\.lan'"):
        Settings(trusted_proxies="127.0.0.1,proxy.lan")


# --- behind a real nginx ------------------------------------------------------------------------

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


@pytest.fixture
def behind_nginx(tmp_path: Path) -> Iterator[str]:
    """The diary (``gutbrain serve``, trusting 127.0.0.1) behind nginx with TLS; yields its URL."""
    nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
    if not Path(nginx).exists() or not openssl:
        pytest.skip("nginx or openssl is not installed (apt-get install -y nginx; .ci/run does it)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    url = f"sqlite:///{tmp_path / 'proxy.sqlite3'}"
    create_admin(email="owner@example.org", password=PASSWORD, database_url=url)
    app_port, port = free_port(), free_port()
    app = start_server(
        url,
        app_port,
        "proxy-test",
        tmp_path / "app.log",
        GUTBRAIN_DIARY_TRUSTED_PROXIES="127.0.0.1",
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=tmp_path, port=port, app_port=app_port))
    proxy = subprocess.Popen(
        [nginx, "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, proxy, tmp_path / "error.log")
        yield f"https://127.0.0.1:{port}"
    finally:
        proxy.terminate()
        app.terminate()
        proxy.wait(10)
        app.wait(30)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nginx exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("nginx did not listen within 10 s")


def _browser(base: str, address: str, tmp_dir: str):
    """A client connecting from loopback ``address`` (Linux routes all of 127.0.0.0/8 locally)."""
    import ssl

    import httpx

    trust = ssl.create_default_context(cafile=f"{tmp_dir}/cert.pem")
    transport = httpx.HTTPTransport(local_address=address, verify=trust)
    return httpx.Client(base_url=base, transport=transport, follow_redirects=True, timeout=30)


@pytest.mark.slow
def test_behind_nginx(behind_nginx, tmp_path):
    """https links and HSTS behind the proxy; one client's bad links and password guesses do not
    lock out a participant or a researcher on another address."""
    d = Diary(app=None, client=None, clock=None)  # type: ignore[arg-type]  # only its helpers
    researcher = _browser(behind_nginx, "127.0.0.3", str(tmp_path))
    r = researcher.get("/login")
    assert r.headers[HSTS] == "max-age=31536000; includeSubDomains"
    link = _enrol_link(d, researcher)
    assert link.startswith(behind_nginx + "/p/"), link

    attacker = _browser(behind_nginx, "127.0.0.2", str(tmp_path))
    for i in range(20):
        assert attacker.get(f"/p/bogus-{i}").status_code == 404
    assert attacker.get("/p/bogus-21").status_code == 429
    participant = _browser(behind_nginx, "127.0.0.3", str(tmp_path))
    page = participant.get(link.removeprefix(behind_nginx))
    assert page.status_code == 200 and "bogus" not in page.text
    r = participant.post("/diary/consent", data={"csrf": csrf_of(page.text), "agree": "yes"})
    assert r.status_code == 200, r.text

    for i in range(20):  # one password sprayed over 20 accounts from one address
        csrf = csrf_of(attacker.get("/login").text)
        data = {"email": f"user{i}@example.org", "password": "Summer2026!", "csrf": csrf}
        assert attacker.post("/login", data=data).status_code == 401
    csrf = csrf_of(attacker.get("/login").text)
    data = {"email": "owner@example.org", "password": PASSWORD, "csrf": csrf}
    refused = attacker.post("/login", data=data)
    assert refused.status_code == 429 and re.search(r"try again in \d+ seconds", refused.text)
    other = _browser(behind_nginx, "127.0.0.4", str(tmp_path))
    d.login(other, "owner@example.org")  # another address is not limited
