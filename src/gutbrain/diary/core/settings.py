"""Configuration of the diary app, read from the environment by pydantic-settings.

Every setting can be given as an environment variable prefixed ``GUTBRAIN_DIARY_`` (for example
``GUTBRAIN_DIARY_SECRET_KEY``); the database URL is also read from plain ``DATABASE_URL``, the
convention of most hosting platforms. With no configuration at all the app runs on a SQLite file
in the current directory, so ``gutbrain serve`` works on a fresh clone.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///gutbrain-diary.sqlite3"


class Settings(BaseSettings):
    """Runtime settings of one diary server."""

    model_config = SettingsConfigDict(env_prefix="GUTBRAIN_DIARY_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("GUTBRAIN_DIARY_DATABASE_URL", "DATABASE_URL"),
    )
    #: Signs CSRF tokens. When unset a key is generated and kept in a file beside a SQLite
    #: database (so restarts keep sessions valid); set it explicitly for PostgreSQL deployments.
    secret_key: str = ""
    #: Mark cookies ``Secure``. Browsers still send them to http://localhost and 127.0.0.1.
    cookie_secure: bool = True
    #: Researcher session lifetime in hours.
    session_hours: float = 12.0
    #: Failed log-ins allowed per client address within ``login_client_window_s``, across all
    #: accounts (limits password spraying; a device that logged in before is exempt). The limit
    #: and the 5 free failures per account below are issue 24's; the delays (1 s doubling, at
    #: most the 15 minutes of the former lock-out) are this app's choice.
    login_client_attempts: int = Field(default=20, ge=1)
    login_client_window_s: float = Field(default=600.0, gt=0)
    #: Failed log-ins of one account before growing delays: the next attempt waits
    #: ``login_delay_s`` seconds, doubling with every further failure up to
    #: ``login_delay_max_s``; the count clears on success or ``login_forget_s`` after the last
    #: failure. A device that logged in before (a signed device cookie) is delayed only by its own
    #: failures, so an attacker cannot lock the owner out.
    login_account_free: int = Field(default=5, ge=1)
    login_delay_s: float = Field(default=1.0, gt=0)
    login_delay_max_s: float = Field(default=900.0, gt=0)
    login_forget_s: float = Field(default=86_400.0, gt=0)
    #: Lifetime of the device cookie a successful log-in sets.
    device_cookie_days: float = Field(default=365.0, gt=0)
    #: Unknown personal links allowed per client address within ``token_window_s``. A valid link
    #: or participant cookie is never refused by this limit, so participants behind one proxy do
    #: not lock each other out; only further unknown links from that address get 429.
    token_attempts: int = 20
    token_window_s: float = 60.0
    #: Reverse proxies whose ``X-Forwarded-Proto`` and ``X-Forwarded-For`` headers are honoured:
    #: comma-separated addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``). Requests
    #: from anyone else keep their own address and scheme. Default: none trusted.
    trusted_proxies: str = ""
    #: Most submissions committed together by the group-commit writer (1 disables grouping).
    writer_max_batch: int = Field(default=256, ge=1, le=10_000)
    #: How often the background job writes scheduled/expired prompt-log rows and sends reminders.
    sweep_interval_s: float = 300.0
    #: Optional SMTP server for e-mail reminders; reminders are off when ``smtp_host`` is empty.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "diary@localhost"
    smtp_starttls: bool = True
    #: Public base URL used in reminder e-mails (the personal link itself is never e-mailed).
    public_url: str = "http://127.0.0.1:8000"
    #: Crisis resources shown to a participant whose answer is flagged as risky.
    crisis_text: str = (
        "If you are thinking about harming yourself, please reach out now. In an emergency call "
        "your local emergency number (112 in Europe, 911 in North America). You can also contact "
        "a crisis line such as 988 (US), 116 123 (Samaritans, UK and Ireland), 113 (Netherlands), "
        "or findahelpline.com for other countries. The study team has been notified."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for entry in proxy_entries(value):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"GUTBRAIN_DIARY_TRUSTED_PROXIES: {entry!r} is not an IP address or network; "
                    "expected e.g. 127.0.0.1,10.0.0.0/8"
                ) from None
        return value


def proxy_entries(value: str) -> list[str]:
    """The addresses and networks of a ``trusted_proxies`` setting, blanks dropped."""
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def resolve_secret_key(settings: Settings) -> str:
    """Return the signing key: the configured one, or one persisted beside the SQLite file.

    Parameters
    ----------
    settings
        The server settings.

    Returns
    -------
    str
        A URL-safe key of at least 32 random bytes.
    """
    if settings.secret_key:
        return settings.secret_key
    url = settings.database_url
    if url.startswith("sqlite:///") and ":memory:" not in url and len(url) > len("sqlite:///"):
        key_file = Path(url.removeprefix("sqlite:///") + ".secret")
        if key_file.exists():
            return key_file.read_text().strip()
        key = secrets.token_urlsafe(32)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
    return secrets.token_urlsafe(32)
