"""The login's settings, read once per app (tests change the environment between apps)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

import flask
from flask import current_app
from sqlalchemy import Engine

from nhsv import settings

# One logger for the whole package, so that an operator filters on one name.
log = logging.getLogger("dashboard.auth")

EXTENSION = "nhsv_auth"
MIN_SECRET_KEY_LENGTH = 32


@dataclass(frozen=True)
class AuthConfig:
    engine: Engine
    idle: dt.timedelta  # a session ends after this long without a request
    max_age: dt.timedelta  # ... and this long after the login, whatever happens
    max_failures: int  # failed logins per account within the window before answering 429 (per address: 4x)
    window: dt.timedelta
    production: bool


def current() -> AuthConfig:
    return current_app.extensions[EXTENSION]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """Timestamps from SQLite come back naive; everything is stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def engine_for(database_url: str | None) -> Engine:
    from etl import db

    return db.engine(database_url or settings.database_url())


def _cookie_secure(production: bool) -> bool:
    raw = settings.get("NHSV_COOKIE_SECURE").strip().lower()
    if raw == "":
        return production
    if raw in ("1", "true", "yes", "ja", "on"):
        return True
    if raw in ("0", "false", "no", "nee", "off"):
        return False
    raise RuntimeError(f"NHSV_COOKIE_SECURE moet 1 of 0 zijn (of leeg), niet {raw!r}")


def _secret_key(production: bool) -> str:
    key = settings.get("NHSV_SECRET_KEY").strip()
    if production:
        if not key:
            raise RuntimeError(
                "NHSV_SECRET_KEY ontbreekt: in productie (NHSV_ENV=production) start het dashboard niet zonder "
                "geheime sleutel. Maak er een met: python -c \"import secrets; print(secrets.token_urlsafe(48))\"")
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise RuntimeError("NHSV_SECRET_KEY is te kort: gebruik in productie ten minste 32 willekeurige "
                               "tekens.")
        return key
    return key or secrets.token_urlsafe(48)  # development: a new key per process (sessions end at restart)


def configure(server: flask.Flask, database_url: str | None) -> AuthConfig:
    """Cookie and CSRF settings on the Flask app, and the login's own settings as its extension."""
    production = settings.is_production()
    secure = _cookie_secure(production)
    if production and not secure:
        log.warning("NHSV_COOKIE_SECURE=0 in productie: de sessiecookie gaat ook over onversleuteld HTTP.")
    server.config.update(
        SECRET_KEY=_secret_key(production),
        SESSION_COOKIE_NAME="__Host-nhsv_session" if secure else "nhsv_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_PATH="/",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_CHECK_DEFAULT=False,  # the guard calls csrf.protect() for everything but Dash's JSON endpoints
        WTF_CSRF_SSL_STRICT=True,
    )
    if production:
        server.config.update(DEBUG=False, PROPAGATE_EXCEPTIONS=False, TESTING=False)
        server.debug = False
    cfg = AuthConfig(
        engine=engine_for(database_url),
        idle=dt.timedelta(minutes=settings.get_int("NHSV_SESSION_IDLE_MINUTES")),
        max_age=dt.timedelta(hours=settings.get_int("NHSV_SESSION_MAX_HOURS")),
        max_failures=settings.get_int("NHSV_LOGIN_MAX_FAILURES"),
        window=dt.timedelta(minutes=settings.get_int("NHSV_LOGIN_WINDOW_MINUTES")),
        production=production,
    )
    server.extensions[EXTENSION] = cfg
    return cfg
