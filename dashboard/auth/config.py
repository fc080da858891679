"""The login's settings, read once per app (tests change the environment between apps), and the keyed hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
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
    free_failures: int  # password checks per account that are never delayed (per address: 4x)
    failure_window: dt.timedelta  # a count starts again after this long without a counted check
    max_delay: dt.timedelta  # the longest wait between two password checks
    production: bool
    cookie_secure: bool

    def __post_init__(self) -> None:
        if self.free_failures < 1:
            raise RuntimeError("NHSV_LOGIN_MAX_FAILURES moet ten minste 1 zijn.")
        if self.max_delay < dt.timedelta(seconds=1):
            raise RuntimeError("NHSV_LOGIN_MAX_DELAY_SECONDS moet ten minste 1 zijn.")
        if self.failure_window <= self.max_delay:
            # a count that starts again before its delay is over would make the delay pointless
            raise RuntimeError("NHSV_LOGIN_WINDOW_MINUTES moet langer zijn dan NHSV_LOGIN_MAX_DELAY_SECONDS.")

    @property
    def device_cookie(self) -> str:
        """Name of the cookie that marks a browser in which an account logged in before (see throttle)."""
        return "__Host-nhsv_device" if self.cookie_secure else "nhsv_device"


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
        free_failures=settings.get_int("NHSV_LOGIN_MAX_FAILURES"),
        failure_window=dt.timedelta(minutes=settings.get_int("NHSV_LOGIN_WINDOW_MINUTES")),
        max_delay=dt.timedelta(seconds=settings.get_int("NHSV_LOGIN_MAX_DELAY_SECONDS")),
        production=production,
        cookie_secure=secure,
    )
    server.extensions[EXTENSION] = cfg
    return cfg


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under the app's secret key, separated by purpose (hex, 64 characters).

    What the login stores about an attempt that failed (the e-mail field, a client address) is stored only like
    this: an administrator with the key can check whether a given address was tried, but a leaked table does not
    show what was typed (sometimes a password, in the wrong field)."""
    key = current_app.secret_key
    if isinstance(key, str):
        key = key.encode()
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()
