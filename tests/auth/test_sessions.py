"""Session cookies and server-side sessions: cookie flags, renewal at login, logout everywhere, sessions ended
by disabling a user or a new password, idle timeout and absolute lifetime, and the current viewer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from dashboard import auth
from etl import schema
from tests.auth.helpers import (
    HOORN,
    assert_anonymous,
    assert_logged_in,
    client_with_cookie,
    count,
    login,
    logout,
    session_cookie,
    utc,
)

# --- cookies and sessions ----------------------------------------------------------------------------


def set_cookie_header(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if "session=" in h]
    assert headers, response.headers
    return headers[-1]


def test_cookie_flags_in_development(app, users):
    header = set_cookie_header(login(app.server.test_client()))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Secure" not in header


def test_cookie_secure_when_configured(make_app, users):
    app = make_app(NHSV_COOKIE_SECURE="1")
    response = login(app.server.test_client())
    assert response.status_code == 302
    header = set_cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_cookie_secure_by_default_in_production(make_app, users):
    app = make_app(NHSV_ENV="production", NHSV_SECRET_KEY="k" * 48)
    client = app.server.test_client()
    response = login(client, base_url="https://localhost")
    assert response.status_code == 302
    header = set_cookie_header(response)
    assert header.startswith("__Host-nhsv_session=")
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert app.server.debug is False


def test_session_renewed_at_login(app, users):
    client = app.server.test_client()
    client.get("/login")
    before = session_cookie(client)  # the anonymous session (holds the CSRF token)
    login(client)
    after = session_cookie(client)
    assert after != before
    assert_logged_in(client)
    # A cookie planted before the login (fixation) gives nothing.
    assert_anonymous(client_with_cookie(app, before))
    # Each login has its own server-side session.
    login(app.server.test_client())
    assert count(users, schema.user_session) == 2
    with users.connect() as conn:
        ids = [r.id for r in conn.execute(select(schema.user_session.c.id))]
    assert all(token not in after for token in ids)  # the database keeps only a hash of the token


def test_logout_ends_the_session_everywhere(make_app, users):
    app, second_worker = make_app(), make_app()
    client = app.server.test_client()
    login(client)
    copied = session_cookie(client)
    assert_logged_in(client_with_cookie(second_worker, copied))

    assert client.get("/logout").status_code == 200  # a link only shows the form
    assert_logged_in(client)
    response = logout(client)
    assert response.headers["Location"] == "/login?uitgelogd=1"
    assert_anonymous(client)
    assert_anonymous(client_with_cookie(app, copied))
    assert_anonymous(client_with_cookie(second_worker, copied))
    with users.connect() as conn:
        assert conn.execute(select(schema.user_session.c.ended_at)).scalar_one() is not None


@pytest.mark.parametrize("change", ["disable", "set_password"])
def test_disabling_or_new_password_ends_sessions(make_app, users, change):
    app, second_worker = make_app(), make_app()
    client = app.server.test_client()
    login(client)
    copied = session_cookie(client)
    assert_logged_in(client_with_cookie(second_worker, copied))
    if change == "disable":
        assert auth.disable_user(users, HOORN, actor="test") == 1
    else:
        assert auth.set_password(users, HOORN, "nog-een-nieuw-wachtwoord", actor="test") == 1
    assert_anonymous(client)
    assert_anonymous(client_with_cookie(second_worker, copied))
    assert count(users, schema.user_session, schema.user_session.c.ended_at.is_(None)) == 0
    fresh = app.server.test_client()
    assert login(fresh).status_code == 401
    if change != "disable":
        assert login(fresh, password="nog-een-nieuw-wachtwoord").status_code == 302


def logged_in(make_app, **env):
    """A test client of a fresh app with these settings, after a login."""
    client = make_app(**env).server.test_client()
    login(client)
    return client


def test_idle_timeout(make_app, users):
    client = logged_in(make_app, NHSV_SESSION_IDLE_MINUTES=30)
    s = schema.user_session
    now = dt.datetime.now(dt.UTC)
    with users.begin() as conn:  # 29 minutes idle: still valid, and last_seen moves on
        conn.execute(update(s).values(last_seen_at=now - dt.timedelta(minutes=29)))
    assert_logged_in(client)
    with users.connect() as conn:
        seen = utc(conn.execute(select(s.c.last_seen_at)).scalar_one())
    assert seen > now - dt.timedelta(minutes=1)
    with users.begin() as conn:
        conn.execute(update(s).values(last_seen_at=now - dt.timedelta(minutes=31)))
    assert_anonymous(client)
    with users.connect() as conn:
        assert conn.execute(select(s.c.ended_at)).scalar_one() is not None
    with users.begin() as conn:  # ended stays ended
        conn.execute(update(s).values(last_seen_at=dt.datetime.now(dt.UTC)))
    assert_anonymous(client)


def test_absolute_lifetime(make_app, users):
    client = logged_in(make_app, NHSV_SESSION_MAX_HOURS=12)
    s = schema.user_session
    now = dt.datetime.now(dt.UTC)
    with users.begin() as conn:
        conn.execute(update(s).values(created_at=now - dt.timedelta(hours=11, minutes=50), last_seen_at=now))
    assert_logged_in(client)
    with users.begin() as conn:
        conn.execute(update(s).values(created_at=now - dt.timedelta(hours=12, minutes=1), last_seen_at=now))
    assert_anonymous(client)


def test_current_viewer(app, users):
    from werkzeug.exceptions import Unauthorized

    server = app.server
    server.add_url_rule("/wie", "wie", lambda: vars(auth.current_viewer()))
    with server.test_request_context("/"), pytest.raises(Unauthorized):
        auth.current_viewer()
    client = server.test_client()
    login(client)
    assert client.get("/wie").get_json() == {"role": "gemeente", "municipality_code": "GM0405", "email": HOORN}
