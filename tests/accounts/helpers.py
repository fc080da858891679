"""What the account tests do as a user would: post a form with its CSRF token, enrol in the second factor, log in
with a code; and what they read back (a user's row, the audit events)."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from dashboard.auth import totp
from etl import schema
from tests.auth.helpers import PASSWORD, assert_anonymous, assert_logged_in, audit_rows, csrf_token, login

ADMIN = "beheer@example.nl"
NEW_PASSWORD = "vier-losse-woorden-fiets-lamp"


class Clock:
    """The second factor's clock, moved on by whole 30-second steps (a code works once per step)."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def step(self, steps: int = 1) -> None:
        self.now += steps * totp.STEP_SECONDS


def form(client, path: str, data: dict, page: str | None = None):
    """POST a form the way the browser does: with the CSRF token of the page that holds it."""
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})


def code_at(secret: str, clock: Clock, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + offset_steps * totp.STEP_SECONDS)


def secret_on(html: str) -> str:
    match = re.search(r'id="sleutel">([A-Z2-7 ]+)<', html)
    assert match, html
    return match.group(1).replace(" ", "")


def recovery_codes_on(html: str) -> list[str]:
    return re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", html)


def enrol(client, path: str, clock: Clock) -> tuple[str, list[str]]:
    """Enrol on the page at `path` (during login, or under Mijn account): the secret and the recovery codes."""
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html and 'alt="QR-code' in html  # the QR code, as the CSP allows
    secret = secret_on(html)
    response = form(client, path, {"code": code_at(secret, clock)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    codes = recovery_codes_on(response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def login_with_code(app, email: str, code: str, password: str = PASSWORD):
    client = app.server.test_client()
    response = login(client, email, password)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert_anonymous(client)  # the password alone opens nothing
    return client, form(client, "/login/code", {"code": code})


def user_row(engine, email: str):
    with engine.connect() as conn:
        return conn.execute(select(schema.user).where(schema.user.c.email == email)).one()


def events(engine) -> list[str]:
    return [r.event for r in audit_rows(engine)]


def admin_client(app, engine, clock: Clock):
    """The admin, logged in with the second factor (enrolled at this first login, as NHSV_MFA=required asks)."""
    client = app.server.test_client()
    response = login(client, ADMIN)
    assert response.headers["Location"] == "/login/tweede-factor"
    enrol(client, "/login/tweede-factor", clock)
    assert_logged_in(client)
    return client
