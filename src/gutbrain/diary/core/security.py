"""Secrets: password hashing, personal-link tokens, session tokens and CSRF tokens.

- Passwords are hashed with argon2id (argon2-cffi defaults, RFC 9106 low-memory profile).
- Personal links and session cookies carry 256-bit random tokens (``secrets.token_urlsafe(32)``).
  Only their SHA-256 digests are stored: a token this long cannot be brute-forced, so a slow hash
  adds nothing, and a digest lets the server find the row with one indexed lookup.
- Device cookies (set by a successful log-in) are signed with itsdangerous under the server key:
  the account's e-mail and a random device id, valid for a set time.
- CSRF tokens are HMAC-SHA256 of the session's token digest under the server key, compared in
  constant time (the synchronizer-token pattern, without storing anything).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "check_csrf",
    "csrf_token",
    "device_cookie",
    "device_of",
    "hash_password",
    "hash_token",
    "new_token",
    "verify_password",
]

_HASHER = PasswordHasher()
#: A valid hash of a random password, verified when the e-mail is unknown so that a login's
#: timing does not reveal whether an account exists.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with ``password_hash=None`` spend the same time and return False."""
    try:
        ok = _HASHER.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def new_token() -> str:
    """A fresh 256-bit URL-safe token."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Hex SHA-256 of a token, as stored in the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret_key: str, subject: str) -> str:
    """The CSRF token bound to ``subject`` (a session or participant token digest)."""
    return hmac.new(secret_key.encode(), b"csrf:" + subject.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret_key: str, subject: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(secret_key, subject), str(token))


_DEVICE_SALT = "gutbrain-diary-device"


def device_cookie(secret_key: str, email: str) -> str:
    """A signed device cookie for ``email`` with a fresh random device id."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_DEVICE_SALT)
    return serializer.dumps({"e": email, "d": secrets.token_urlsafe(16)})


def device_of(secret_key: str, cookie: str | None, email: str, max_age_s: float) -> str | None:
    """The device id of a valid, unexpired device ``cookie`` issued for ``email``; else None."""
    if not cookie:
        return None
    serializer = URLSafeTimedSerializer(secret_key, salt=_DEVICE_SALT)
    try:
        data = serializer.loads(cookie, max_age=int(max_age_s))
    except BadSignature:  # also an expired or malformed cookie
        return None
    if not isinstance(data, dict) or data.get("e") != email or not isinstance(data.get("d"), str):
        return None
    return data["d"]
