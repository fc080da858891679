"""What the login and session tests (and other tests that log in) share: the users' e-mail addresses and
password, what an anonymous visitor may reach, logging in and out as a browser does, and reading back
sessions and the audit log."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select

from etl import schema

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "een-goed-wachtwoord-123"
COORDINATOR = "coord@example.nl"
HOORN = "hoorn@example.nl"

# What an anonymous visitor may reach (Flask URL rules); everything else redirects to /login or answers 401.
# The login's second step and the pages of links from mails answer anonymously too; without a pending login or a
# valid link they show nothing but a form or "this link no longer works" (tests/accounts/).
ANONYMOUS_ALLOWLIST = {"/login", "/healthz", "/_favicon.ico", "/static/<path:filename>", "/assets/<path:filename>",
                       "/login/code", "/login/tweede-factor", "/wachtwoord-vergeten", "/wachtwoord-herstellen/<token>",
                       "/uitnodiging/<token>"}


def csrf_token(client, path: str = "/login", base_url: str = "http://localhost") -> str:
    html = client.get(path, base_url=base_url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def login(client, email: str = HOORN, password: str = PASSWORD, next_target: str | None = None,
          base_url: str = "http://localhost"):
    """Log in as a browser does: the form's CSRF token, and over HTTPS the Referer of the login page."""
    data = {"csrf_token": csrf_token(client, base_url=base_url), "email": email, "password": password}
    if next_target is not None:
        data["next"] = next_target
    return client.post("/login", data=data, base_url=base_url, headers={"Referer": base_url + "/login"})


def logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})


def session_cookie(client):
    cookie = client.get_cookie("nhsv_session")
    assert cookie is not None
    return cookie.value


def client_from(app, address: str):
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def client_with_cookie(app, value: str):
    client = app.server.test_client()
    client.set_cookie("nhsv_session", value)
    return client


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def assert_anonymous(client) -> None:
    """Pages redirect to the login page, Dash's endpoints answer 401."""
    assert is_login_redirect(client.get("/"))
    for path in ("/_dash-layout", "/_dash-dependencies"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.is_json


def assert_logged_in(client) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200


def sample_path(rule: str) -> str:
    """A concrete URL for a Flask rule: converters replaced by plausible values."""
    samples = {"path": "sub/bestand.css", "string": "dash", "int": "1", "float": "1.0", "uuid":
               "00000000-0000-0000-0000-000000000000", "default": "iets"}

    def one(match):
        converter = match.group(1) or "default"
        return samples.get(converter.split("(")[0], "iets")

    return re.sub(r"<(?:([a-z]+(?:\([^)]*\))?):)?[a-zA-Z_]+>", one, rule)


def callback_payload(key: str, spec: dict) -> dict:
    """A well-formed /_dash-update-component body for a callback of the callback map."""

    def split(output: str) -> dict:
        component, prop = output.rsplit(".", 1)
        return {"id": component, "property": prop}

    if key.startswith(".."):
        outputs = [split(part) for part in key.strip(".").split("...")]
    else:
        outputs = split(key)
    return {
        "output": key,
        "outputs": outputs,
        "inputs": [{**item, "value": None} for item in spec.get("inputs", [])],
        "state": [{**item, "value": None} for item in spec.get("state", [])],
        "changedPropIds": [f"{item['id']}.{item['property']}" for item in spec.get("inputs", [])][:1],
    }


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def audit_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(schema.audit_log).order_by(schema.audit_log.c.id)).all()


def utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
