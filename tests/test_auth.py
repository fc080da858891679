"""Login, sessions, throttling, CSRF, audit and the users CLI (issue 3, acceptance points 1 and 4)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from click.testing import CliRunner
from sqlalchemy import func, select, update

from dashboard import auth
from dashboard.auth import throttle
from etl import schema

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "een-goed-wachtwoord-123"
COORDINATOR = "coord@example.nl"
HOORN = "hoorn@example.nl"

# What an anonymous visitor may reach (Flask URL rules); everything else redirects to /login or answers 401.
# The login's second step and the pages of links from mails answer anonymously too; without a pending login or a
# valid link they show nothing but a form or "this link no longer works" (tests/accounts/).
ANONYMOUS_ALLOWLIST = {"/login", "/healthz", "/_favicon.ico", "/static/<path:filename>", "/assets/<path:filename>",
                       "/login/code", "/login/tweede-factor", "/wachtwoord-vergeten", "/wachtwoord-herstellen/<token>",
                       "/uitnodiging/<token>"}


# --- helpers and fixtures ------------------------------------------------------------------------------


@pytest.fixture
def users(engine):
    auth.add_user(engine, COORDINATOR, "coordinator", None, PASSWORD, actor="test")
    auth.add_user(engine, HOORN, "gemeente", "GM0405", PASSWORD, actor="test")
    return engine


@pytest.fixture
def app(make_app):
    return make_app()


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


# --- acceptance 1: every route and every callback needs a login ---------------------------------------


def test_url_map_and_callback_map_need_a_login(app, users):
    server = app.server
    # Let Dash set itself up (callback map, pages) the way a real first visit does: as a logged-in user.
    insider = server.test_client()
    assert login(insider, COORDINATOR).status_code == 302
    assert_logged_in(insider)
    assert insider.get("/_dash-dependencies").status_code == 200
    assert app.callback_map, "Dash's callback map is empty; the walk would prove nothing"

    anonymous = server.test_client()
    reachable = set()
    for rule in server.url_map.iter_rules():
        path = sample_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            kwargs = {"json": {}} if method == "POST" and path.startswith("/_dash-") else {}
            response = anonymous.open(path, method=method, **kwargs)
            if path.startswith("/_") and rule.rule not in ANONYMOUS_ALLOWLIST:
                assert response.status_code == 401, (method, rule.rule, response.status_code)
                assert response.is_json
            elif rule.rule not in ANONYMOUS_ALLOWLIST:
                assert is_login_redirect(response), (method, rule.rule, response.status_code)
            if not is_login_redirect(response) and response.status_code != 401:
                reachable.add(rule.rule)
    assert reachable <= ANONYMOUS_ALLOWLIST
    assert {"/_dash-layout", "/_dash-dependencies", "/_dash-update-component"} <= {
        r.rule for r in server.url_map.iter_rules()}

    # Dash's own endpoints, named.
    assert_anonymous(anonymous)
    assert anonymous.post("/_dash-update-component", json={}).status_code == 401
    # Every registered page.
    import dash

    for page in dash.page_registry.values():
        response = anonymous.get(page["relative_path"])
        assert is_login_redirect(response), page["relative_path"]
    # Every callback of the callback map, posted by hand.
    for key, spec in app.callback_map.items():
        response = anonymous.post("/_dash-update-component", json=callback_payload(key, spec))
        assert response.status_code == 401, key
        assert response.get_json()["error"] == "niet ingelogd"
    # ... and with a cookie signed with another key.
    forged = client_with_cookie(app, "eyJfdXNlcl9pZCI6ImFiYyJ9.ZZZZZZ.abcdefghijklmnopqrstuvwxyz0")
    assert forged.post("/_dash-update-component", json={}).status_code == 401

    # The allowlist itself answers anonymously.
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/healthz").status_code == 200


def test_logged_in_user_reaches_callbacks(app, users):
    client = app.server.test_client()
    login(client)
    client.get("/_dash-layout")
    key = next(k for k in app.callback_map if "_pages_content" in k)
    body = callback_payload(key, app.callback_map[key])
    body["inputs"][0]["value"] = "/"
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    # A Dash endpoint posted as a form (as a cross-site form would) is refused.
    assert client.post("/_dash-update-component", data={"output": key}).status_code == 415


def test_redirect_keeps_only_relative_next(app, users):
    client = app.server.test_client()
    response = client.get("/kaart?kwartaal=2026Q3")
    assert response.headers["Location"] == "/login?next=%2Fkaart%3Fkwartaal%3D2026Q3"
    assert login(client, next_target="/kaart?kwartaal=2026Q3").headers["Location"] == "/kaart?kwartaal=2026Q3"
    for evil in ("//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/logout"):
        other = app.server.test_client()
        assert login(other, next_target=evil).headers["Location"] == "/", evil
    assert auth.safe_next("/\t/evil.example") == "/"


def test_healthz(app):
    body = app.server.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["schema_revision"] == body["head_revision"]


def test_every_name_other_code_takes_from_dashboard_auth_is_there():
    """dashboard.auth became a package; what the rest of the code calls on it stays importable from it."""
    import types

    used = set()
    for folder in ("dashboard", "nhsv", "etl", "benchmarks", "scripts", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "from dashboard import auth" in source:
                used |= set(re.findall(r"(?<![\w/.])auth\.([A-Za-z_]\w*)", source))
            for names in re.findall(r"from dashboard\.auth import ([\w, ]+)", source):
                used |= {name.split(" as ")[0].strip() for name in names.split(",")}
    assert {"add_user", "audit", "create_demo_users", "current_viewer", "init_app"} <= used
    missing = sorted(name for name in used if not hasattr(auth, name))
    assert not missing, missing
    assert callable(auth.audit) and not isinstance(auth.audit, types.ModuleType)


# --- login page, CSRF and identical failures ------------------------------------------------------------


def test_login_page_is_dutch_and_accessible(app):
    client = app.server.test_client()
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'name="csrf_token"' in html
    # in the monitor's layout: its header and its stylesheets, served to anonymous visitors
    assert 'class="site-header"' in html and "NHSV-monitor" in html
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert "/assets/style.css" in sheets
    css = ""
    for sheet in sheets:
        response = client.get(sheet)
        assert response.status_code == 200, sheet
        css += response.get_data(as_text=True)
    assert "focus-visible" in css
    assert "<style" not in html and "style=" not in html  # no inline styles: the page needs no CSP exception


def test_csrf_is_required(app, users):
    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"email": HOORN, "password": PASSWORD})
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert count(users, schema.user_session) == 0
    response = client.post("/login", data={"email": HOORN, "password": PASSWORD, "csrf_token": "vals"})
    assert response.status_code == 400
    assert_anonymous(client)

    login(client)
    assert client.post("/logout").status_code == 400  # no token: still logged in
    assert_logged_in(client)
    assert is_login_redirect(logout(client))
    assert_anonymous(client)


def test_unknown_user_and_wrong_password_get_the_same_answer(app, users):
    def attempt(email, password):
        response = login(app.server.test_client(), email, password)
        html = response.get_data(as_text=True)
        html = re.sub(r'value="[^"]*"', 'value=""', html)  # the CSRF token and the e-mail typed differ
        return response.status_code, html

    wrong = attempt(HOORN, "niet-het-wachtwoord")
    unknown = attempt("niemand@example.nl", "niet-het-wachtwoord")
    assert wrong == unknown
    assert wrong[0] == 401
    assert 'role="alert"' in wrong[1] and "E-mailadres of wachtwoord onjuist." in wrong[1]

    auth.disable_user(users, HOORN, actor="test")
    assert attempt(HOORN, PASSWORD) == wrong


# --- throttling --------------------------------------------------------------------------------------


def test_failed_logins_slow_an_account_down_without_locking_it(make_app, users):
    app = make_app(NHSV_LOGIN_MAX_FAILURES=3, NHSV_LOGIN_MAX_DELAY_SECONDS=1)
    second_worker = make_app()  # made first: the delay to be seen there is a second long
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # spread over addresses: the account's count holds
        assert login(client_from(app, address), HOORN, "fout-fout-fout-1").status_code == 401
    client = client_from(app, "10.0.0.4")
    response = login(client, HOORN, PASSWORD)  # at once: even the right password waits
    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "1"
    assert_anonymous(client)
    # A second worker (another app on the same database) counts the same.
    other = client_from(second_worker, "10.0.0.5")
    assert login(other, HOORN, PASSWORD).status_code == 429
    # Other accounts are not affected.
    assert login(other, COORDINATOR, PASSWORD).status_code == 302
    time.sleep(1.05)  # the delay, not a lockout: the right password works once it has passed
    assert login(client, HOORN, PASSWORD).status_code == 302
    assert "login_throttled" in [r.event for r in audit_rows(users)]


def test_throttling_per_address(make_app, users):
    app = make_app(NHSV_LOGIN_MAX_FAILURES=2)
    attacker = client_from(app, "192.0.2.7")
    for i in range(8):  # 4 x 2, each on a different account
        assert login(attacker, f"gok{i}@example.nl", "fout-fout-fout-1").status_code == 401
    assert login(attacker, COORDINATOR, PASSWORD).status_code == 429
    elsewhere = client_from(app, "192.0.2.8")
    assert login(elsewhere, COORDINATOR, PASSWORD).status_code == 302


def test_throttling_holds_across_processes(make_app, users, engine):
    """Checks counted by another server process count here: the counter is in the database."""
    app = make_app(NHSV_LOGIN_MAX_FAILURES=3)
    script = textwrap.dedent(f"""
        import re, time
        from dashboard.app import create_app
        client = create_app().server.test_client()
        checked = 0
        while checked < 5:  # 3 free, then 1 s and 2 s: after the fifth the next check waits 4 s
            html = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
            data = {{"csrf_token": token, "email": "{HOORN}", "password": "fout-fout-fout"}}
            r = client.post("/login", data=data)
            assert r.status_code in (401, 429), r.status_code
            if r.status_code == 429:
                time.sleep(int(r.headers["Retry-After"]))
            else:
                checked += 1
    """)
    env = {**os.environ, "NHSV_LOGIN_MAX_FAILURES": "3", "NHSV_DATABASE_URL": str(engine.url.render_as_string(
        hide_password=False))}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # asserted below, with its stderr
    assert done.returncode == 0, done.stderr[-2000:]
    response = login(app.server.test_client(), HOORN, PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 4


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
    if change == "disable":
        assert login(fresh).status_code == 401
    else:
        assert login(fresh).status_code == 401
        assert login(fresh, password="nog-een-nieuw-wachtwoord").status_code == 302


def test_idle_timeout(make_app, users):
    app = make_app(NHSV_SESSION_IDLE_MINUTES=30)
    client = app.server.test_client()
    login(client)
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
    app = make_app(NHSV_SESSION_MAX_HOURS=12)
    client = app.server.test_client()
    login(client)
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


# --- production mode and error pages -------------------------------------------------------------------


def test_production_refuses_to_start_without_secret_key(make_app, engine):
    with pytest.raises(RuntimeError, match="NHSV_SECRET_KEY"):
        make_app(NHSV_ENV="production", NHSV_SECRET_KEY="")
    with pytest.raises(RuntimeError, match="te kort"):
        make_app(NHSV_ENV="production", NHSV_SECRET_KEY="kort")


def test_development_generates_a_key_per_process(make_app, engine):
    app = make_app(NHSV_SECRET_KEY="")
    assert len(app.server.secret_key) >= 32


def test_production_error_pages_reveal_nothing(make_app, users):
    app = make_app(NHSV_ENV="production", NHSV_SECRET_KEY="k" * 48, NHSV_MFA="optional")
    server = app.server

    def boom():
        raise RuntimeError("geheime interne details /etc/passwd")

    server.add_url_rule("/boom", "boom", boom)
    client = server.test_client()
    assert login(client, base_url="https://localhost").status_code == 302
    response = client.get("/boom", base_url="https://localhost")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Er ging iets mis" in html and 'lang="nl"' in html
    assert "geheime" not in html and "Traceback" not in html and "RuntimeError" not in html

    anonymous = server.test_client()
    response = anonymous.get("/assets/bestaat-niet.css")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.get_data(as_text=True)
    response = client.post("/healthz", data={"csrf_token": csrf_token(client, "/logout", "https://localhost")},
                           base_url="https://localhost", headers={"Referer": "https://localhost/logout"})
    assert response.status_code == 405 and "Niet toegestaan" in response.get_data(as_text=True)


# --- passwords -------------------------------------------------------------------------------------------


def stored_hash(engine, email: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(schema.user.c.password_hash).where(schema.user.c.email == email)).scalar_one()


def test_argon2id_parameters_meet_asvs(users):
    encoded = stored_hash(users, HOORN)
    assert encoded.startswith("$argon2id$")
    params = extract_parameters(encoded)
    assert params.type is Type.ID
    assert params.memory_cost >= 19456 and params.time_cost >= 2 and params.parallelism >= 1
    assert PASSWORD not in encoded


def test_weaker_hash_is_upgraded_at_login(app, users):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID).hash(PASSWORD)
    with users.begin() as conn:
        conn.execute(update(schema.user).where(schema.user.c.email == HOORN).values(password_hash=weak))
    assert login(app.server.test_client()).status_code == 302
    params = extract_parameters(stored_hash(users, HOORN))
    assert params.memory_cost >= 19456 and params.time_cost >= 2


# --- user management and the CLI -----------------------------------------------------------------------


@pytest.mark.parametrize(("email", "role", "code", "password", "message"), [
    ("geen-adres", "coordinator", None, PASSWORD, "Ongeldig e-mailadres"),
    ("a@example.nl", "baas", None, PASSWORD, "Onbekende rol"),
    ("a@example.nl", "gemeente", None, PASSWORD, "vraagt om een gemeentecode"),
    ("a@example.nl", "gemeente", "GM9999", PASSWORD, "Onbekende gemeentecode"),
    ("a@example.nl", "coordinator", "GM0405", PASSWORD, "alleen bij de rol gemeente"),
    ("a@example.nl", "admin", None, "kort", "ten minste 12 tekens"),
    (HOORN.upper(), "admin", None, PASSWORD, "al een gebruiker"),
])
def test_add_user_validation(users, email, role, code, password, message):
    with pytest.raises(ValueError, match=message):
        auth.add_user(users, email, role, code, password)


def test_add_user_outside_region(engine):
    with engine.connect() as conn:
        outside = conn.execute(select(schema.municipality.c.code)
                               .where(schema.municipality.c.in_region.is_(False))).scalars().first()
    assert outside is not None, "the reference data ships the province's gemeenten outside NHSV"
    with pytest.raises(ValueError, match="hoort niet bij de regio"):
        auth.add_user(engine, "x@example.nl", "gemeente", outside, PASSWORD)


def test_users_cli(engine, app):
    from cli.users import users as users_cli

    runner = CliRunner()
    result = runner.invoke(users_cli, ["add", "Wethouder@Hoorn.nl", "--role", "gemeente", "--gemeente", "gm0405"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "wethouder@hoorn.nl toegevoegd" in result.output and "Hoorn" in result.output
    assert PASSWORD not in result.output
    result = runner.invoke(users_cli, ["add", "coord@nhsv.nl", "--role", "coordinator"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output

    result = runner.invoke(users_cli, ["list"])
    assert result.exit_code == 0
    assert "wethouder@hoorn.nl" in result.output and "GM0405 Hoorn" in result.output
    assert "coord@nhsv.nl" in result.output and "2 gebruikers" in result.output

    # errors: Dutch, exit 1 for bad values, exit 2 for a wrong call
    result = runner.invoke(users_cli, ["add", "coord@nhsv.nl", "--role", "coordinator"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "al een gebruiker" in result.output
    result = runner.invoke(users_cli, ["add", "x@nhsv.nl", "--role", "baas"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "Onbekende rol" in result.output
    result = runner.invoke(users_cli, ["add", "x@nhsv.nl", "--role", "gemeente"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "gemeentecode" in result.output
    result = runner.invoke(users_cli, ["add", "x@nhsv.nl", "--role", "admin"], input="kort\n")
    assert result.exit_code == 1 and "ten minste 12 tekens" in result.output
    result = runner.invoke(users_cli, ["add", "x@nhsv.nl", "--role", "admin"], input="")
    assert result.exit_code == 1 and "geen wachtwoord" in result.output
    assert runner.invoke(users_cli, ["add", "x@nhsv.nl"]).exit_code == 2
    assert runner.invoke(users_cli, ["add"]).exit_code == 2

    client = app.server.test_client()
    assert login(client, "wethouder@hoorn.nl", PASSWORD).status_code == 302
    copied = session_cookie(client)

    result = runner.invoke(users_cli, ["set-password", "wethouder@hoorn.nl"], input="een-ander-wachtwoord-9\n")
    assert result.exit_code == 0, result.output
    assert "1 open sessie(s) beëindigd" in result.output
    assert_anonymous(client_with_cookie(app, copied))
    assert login(app.server.test_client(), "wethouder@hoorn.nl", PASSWORD).status_code == 401
    assert login(app.server.test_client(), "wethouder@hoorn.nl", "een-ander-wachtwoord-9").status_code == 302
    result = runner.invoke(users_cli, ["set-password", "niemand@nhsv.nl"], input="een-ander-wachtwoord-9\n")
    assert result.exit_code == 1 and "Geen gebruiker" in result.output

    result = runner.invoke(users_cli, ["disable", "wethouder@hoorn.nl"])
    assert result.exit_code == 0 and "uitgeschakeld" in result.output
    assert login(app.server.test_client(), "wethouder@hoorn.nl", "een-ander-wachtwoord-9").status_code == 401
    line = next(x for x in runner.invoke(users_cli, ["list"]).output.splitlines() if "wethouder" in x)
    assert " nee " in line
    result = runner.invoke(users_cli, ["disable", "niemand@nhsv.nl"])
    assert result.exit_code == 1 and "Geen gebruiker" in result.output


def test_demo_users(engine, app):
    lines = auth.create_demo_users(engine)
    assert any("demo-wachtwoord-2026" in line for line in lines)
    assert any("hoorn@demo.nhsv.nl" in line and "GM0405" in line for line in lines)
    auth.create_demo_users(engine)  # idempotent
    users = {u.email: u for u in auth.list_users(engine)}
    assert set(users) == {"coordinator@demo.nhsv.nl", "beheer@demo.nhsv.nl", "hoorn@demo.nhsv.nl",
                          "texel@demo.nhsv.nl"}
    assert users["texel@demo.nhsv.nl"].municipality_code == "GM0448"
    assert users["beheer@demo.nhsv.nl"].role == "admin"
    assert login(app.server.test_client(), "texel@demo.nhsv.nl", "demo-wachtwoord-2026").status_code == 302


# --- audit log -------------------------------------------------------------------------------------------


def test_audit_log_without_secrets(app, engine):
    auth.add_user(engine, HOORN, "gemeente", "GM0405", PASSWORD, actor="beheerder")
    client = app.server.test_client()
    login(client, HOORN, "fout-wachtwoord-xyz")
    login(client, "niemand@example.nl", "fout-wachtwoord-xyz")
    login(client)
    token_cookie = session_cookie(client)
    logout(client)
    auth.set_password(engine, HOORN, "nieuw-geheim-wachtwoord", actor="beheerder")
    auth.disable_user(engine, HOORN, actor="beheerder")
    auth.audit("export", {"format": "xlsx", "audience": "openbaar", "password": "lek"}, actor="iemand",
               engine=engine)

    rows = audit_rows(engine)
    events = [r.event for r in rows]
    assert events == ["user_added", "login_failed", "login_failed", "login_ok", "logout", "password_set",
                      "user_disabled", "export"]
    # a failed login keeps only a keyed hash of the e-mail field: no actor, nothing typed
    assert [r.actor for r in rows[1:5]] == [None, None, HOORN, HOORN]
    with app.server.app_context():
        typed = [throttle.account_key(HOORN), throttle.account_key("niemand@example.nl")]
    assert [json.loads(r.detail)["email_hmac"] for r in rows[1:3]] == typed
    assert rows[0].actor == "beheerder" and rows[3].address == "127.0.0.1"
    with engine.connect() as conn:
        session_ids = list(conn.execute(select(schema.user_session.c.id)).scalars())
    everything = json.dumps([[str(v) for v in r] for r in rows])
    for secret in (PASSWORD, "fout-wachtwoord-xyz", "nieuw-geheim-wachtwoord", "lek", "$argon2", token_cookie,
                   "niemand@example.nl", *session_ids):
        assert secret not in everything
    now = dt.datetime.now(dt.UTC)
    assert all(abs(utc(r.at) - now) < dt.timedelta(minutes=5) for r in rows)  # stored in UTC
