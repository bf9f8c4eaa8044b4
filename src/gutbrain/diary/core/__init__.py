"""What every part of the diary app stands on: configuration, database, secrets and shared state.

- :mod:`~gutbrain.diary.core.settings`: the server settings (pydantic-settings);
- :mod:`~gutbrain.diary.core.db`: the engine, its two session factories and the migrations;
- :mod:`~gutbrain.diary.core.security`: password hashing, link and session tokens, CSRF;
- :mod:`~gutbrain.diary.core.writer`: the group-commit writer every submission goes through;
- :mod:`~gutbrain.diary.core.ratelimit`: the in-memory rate limiter of logins and links;
- :mod:`~gutbrain.diary.core.studycache` and :mod:`~gutbrain.diary.core.tokenlookup`: the
  participant hot path's study cache and link look-up (their statements live in ``crud/``);
- :mod:`~gutbrain.diary.core.logs`: logging without personal data.
"""
