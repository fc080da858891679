"""Server-side sessions: one `user_session` row per login, shared by every server process.

A session is valid only while its row says so: logout, disabling a user or a new password end it everywhere,
and a copied old cookie stops working. It also ends after `NHSV_SESSION_IDLE_MINUTES` without a request and
`NHSV_SESSION_MAX_HOURS` after the login. The cookie carries a random token; the table keeps only its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import flask
from flask import g, has_request_context
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import Engine, insert, select, update
from werkzeug.exceptions import Unauthorized

from dashboard.auth import config
from dashboard.viewer import Viewer
from etl import schema

LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)  # last_seen_at is written at most once a minute per session
NO_DATABASE = "nhsv_no_database"  # flask.g flag: this request answers without the database (an error page)


class AuthUser(UserMixin):
    """The logged-in user of one request. Its Flask-Login id is the session token, not the user id."""

    def __init__(self, user_id: int, email: str, role: str, municipality_code: str | None, token: str,
                 language: str | None = None):
        self.user_id = user_id
        self.email = email
        self.role = role
        self.municipality_code = municipality_code
        self.language = language  # the interface language the user chose (dashboard.i18n), None: none
        self._token = token

    def get_id(self) -> str:
        return self._token

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.role, self.municipality_code, self.email)


def token_key(token: str) -> str:
    """The database keeps only a hash of the session token: a leaked table does not give usable cookies."""
    return hashlib.sha256(token.encode()).hexdigest()


def without_database() -> None:
    """From here on this request does not read the database: an error page renders as for an anonymous user
    (Flask-Login's template context would otherwise load the user again, from a database that just failed)."""
    g.setdefault(NO_DATABASE, True)


def load_user(token: str) -> AuthUser | None:
    if g.get(NO_DATABASE) or not token or len(token) > 200:
        return None
    cfg = config.current()
    key = token_key(token)
    s, u = schema.user_session, schema.user
    now = config.utcnow()
    with cfg.engine.begin() as conn:
        row = conn.execute(
            select(s.c.created_at, s.c.last_seen_at, s.c.ended_at, u.c.id, u.c.email, u.c.role,
                   u.c.municipality_code, u.c.active, u.c.language)
            .select_from(s.join(u, s.c.user_id == u.c.id)).where(s.c.id == key)).first()
        if row is None or row.ended_at is not None:
            return None
        created, last_seen = config.aware(row.created_at), config.aware(row.last_seen_at)
        if not row.active or now - last_seen > cfg.idle or now - created > cfg.max_age:
            conn.execute(update(s).where(s.c.id == key, s.c.ended_at.is_(None)).values(ended_at=now))
            return None
        if now - last_seen >= LAST_SEEN_RESOLUTION:
            conn.execute(update(s).where(s.c.id == key).values(last_seen_at=now))
    return AuthUser(row.id, row.email, row.role, row.municipality_code, token, row.language)


def start_session(engine: Engine, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    now = config.utcnow()
    with engine.begin() as conn:
        conn.execute(insert(schema.user_session).values(id=token_key(token), user_id=user_id, created_at=now,
                                                        last_seen_at=now, ended_at=None))
    return token


def end_session(engine: Engine, token: str) -> None:
    s = schema.user_session
    with engine.begin() as conn:
        conn.execute(update(s).where(s.c.id == token_key(token), s.c.ended_at.is_(None))
                     .values(ended_at=config.utcnow()))


def end_user_sessions(conn, user_id: int) -> int:
    """End every open session of a user (all server processes see it at their next request)."""
    s, u = schema.user_session, schema.user
    result = conn.execute(update(s).where(s.c.user_id == user_id, s.c.ended_at.is_(None))
                          .values(ended_at=config.utcnow()))
    conn.execute(update(u).where(u.c.id == user_id).values(session_version=u.c.session_version + 1))
    return result.rowcount or 0


def current_viewer() -> Viewer:
    """The viewer of the current request, from the logged-in user; 401 when nobody is logged in."""
    if not has_request_context() or not current_user.is_authenticated:
        raise Unauthorized("niet ingelogd")
    return current_user.viewer


def register(server: flask.Flask) -> None:
    login_manager = LoginManager()
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.init_app(server)
