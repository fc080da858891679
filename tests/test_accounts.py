"""Accounts over HTTP and a real SMTP server (issue 20): invitations, the second factor, password resets, the
password policy, Mijn account and the admin page /beheer with its audit rows."""

from __future__ import annotations

import datetime as dt
import json
import re

import pyotp
import pytest
from sqlalchemy import select, update

from dashboard import auth
from dashboard.auth import passwords, totp
from etl import reference, schema
from tests.mailserver import html_of, link_path, text_of
from tests.test_auth import (
    COORDINATOR,
    HOORN,
    PASSWORD,
    assert_anonymous,
    assert_logged_in,
    audit_rows,
    client_with_cookie,
    csrf_token,
    login,
    session_cookie,
)

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


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(totp, "clock", fake)
    return fake


@pytest.fixture
def people(engine):
    for email, role, code in ((ADMIN, "admin", None), (COORDINATOR, "coordinator", None),
                              (HOORN, "gemeente", "GM0405")):
        auth.add_user(engine, email, role, code, PASSWORD, actor="test")
    return engine


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


# --- invitation -> password -> second factor -> login with both ------------------------------------------------


def test_invitation_password_enrolment_and_login_with_both_factors(make_app, people, smtp, clock):
    app = make_app(NHSV_MFA="required")
    admin = admin_client(app, people, clock)

    response = form(admin, "/beheer/gebruikers", {"email": "Wethouder@Texel.nl", "rol": "gemeente",
                                                  "gemeente": "GM0448"}, page="/beheer")
    assert response.status_code == 303
    page = admin.get("/beheer").get_data(as_text=True)
    assert "wethouder@texel.nl is toegevoegd en heeft een uitnodiging gekregen" in page
    [invitation] = smtp.wait_for("wethouder@texel.nl")
    assert invitation["Subject"] == "Uw account voor de NHSV-monitor"
    assert invitation.get_body(preferencelist=("html",)) is not None  # plain text plus HTML
    path = link_path(invitation)
    assert path.startswith("/uitnodiging/") and "72 uur" in text_of(invitation)
    # the admin never sees the link: it is only in the mail, and the database keeps a hash
    assert path.rsplit("/", 1)[1] not in page
    with people.connect() as conn:
        stored = conn.execute(select(schema.account_token.c.id)).scalars().all()
    assert path.rsplit("/", 1)[1] not in stored

    newcomer = app.server.test_client()
    assert login(newcomer, "wethouder@texel.nl", "").status_code == 401  # no password until one is chosen
    assert "Kies uw wachtwoord" in newcomer.get(path).get_data(as_text=True)
    refused = form(newcomer, path, {"password": "welkom2026!!", "password2": "welkom2026!!"})
    assert refused.status_code == 400 and "veelgebruikte" in refused.get_data(as_text=True)
    response = form(newcomer, path, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login/tweede-factor"
    assert_anonymous(newcomer)  # not in before the second factor is set up
    secret, _codes = enrol(newcomer, "/login/tweede-factor", clock)
    assert_logged_in(newcomer)

    # The link worked once.
    again = app.server.test_client().get(path)
    assert again.status_code == 410 and "werkt niet meer" in again.get_data(as_text=True)

    # A fresh login takes both factors; the code of the next step (drift), then not again.
    client, response = login_with_code(app, "wethouder@texel.nl", code_at(secret, clock, +1), NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert_logged_in(client)
    other, response = login_with_code(app, "wethouder@texel.nl", code_at(secret, clock, +1), NEW_PASSWORD)
    assert response.status_code == 401 and "al gebruikt" in response.get_data(as_text=True)
    assert_anonymous(other)
    # two steps away is too far
    _client, response = login_with_code(app, "wethouder@texel.nl", code_at(secret, clock, +3), NEW_PASSWORD)
    assert response.status_code == 401

    found = events(people)
    for event in ("user_invited", "invitation_accepted", "mfa_enrolled", "login_ok", "mfa_failed"):
        assert event in found, event
    invited = next(r for r in audit_rows(people) if r.event == "user_invited")
    assert invited.actor == ADMIN and json.loads(invited.detail)["gemeente"] == "GM0448"


def test_invitation_expires_after_72_hours(make_app, people, smtp, clock):
    app = make_app(NHSV_MFA="optional")
    info, path = auth.invite_user(people, "nieuw@example.nl", "coordinator", None, actor="test")
    t = schema.account_token
    with people.begin() as conn:
        created = conn.execute(select(t.c.created_at, t.c.expires_at)).one()
        lifetime = created.expires_at - created.created_at
        assert lifetime == dt.timedelta(hours=72)
        conn.execute(update(t).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert app.server.test_client().get(path).status_code == 410
    assert info.invited


def test_pending_login_expires_and_is_bound_to_the_browser(make_app, people, clock, monkeypatch):
    app = make_app(NHSV_MFA="required")
    client = app.server.test_client()
    login(client, HOORN)
    elsewhere = app.server.test_client()
    assert elsewhere.get("/login/tweede-factor").headers["Location"] == "/login?verlopen=1"
    assert elsewhere.get("/login/code").headers["Location"] == "/login?verlopen=1"
    import time as time_module

    later = time_module.time() + 301
    monkeypatch.setattr("dashboard.auth.second_factor.time.time", lambda: later)
    assert client.get("/login/tweede-factor").headers["Location"] == "/login?verlopen=1"


# --- recovery codes and throttling ---------------------------------------------------------------------------------


def test_recovery_code_works_once(make_app, people, smtp, clock):
    app = make_app(NHSV_MFA="required")
    client = app.server.test_client()
    login(client, HOORN)
    _secret, codes = enrol(client, "/login/tweede-factor", clock)

    first, response = login_with_code(app, HOORN, codes[3].upper().replace("-", " "))  # as typed off paper
    assert response.status_code == 302
    assert_logged_in(first)
    second, response = login_with_code(app, HOORN, codes[3])
    assert response.status_code == 401
    assert_anonymous(second)
    used = next(r for r in audit_rows(people) if r.event == "recovery_code_used")
    assert json.loads(used.detail)["over"] == 9
    with people.connect() as conn:
        hashes = conn.execute(select(schema.recovery_code.c.code_hash)).scalars().all()
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)


def test_second_factor_codes_are_throttled(make_app, people, clock):
    app = make_app(NHSV_MFA="required", NHSV_LOGIN_MAX_FAILURES=3, NHSV_LOGIN_MAX_DELAY_SECONDS=60)
    client = app.server.test_client()
    login(client, HOORN)
    secret, _codes = enrol(client, "/login/tweede-factor", clock)
    attacker = app.server.test_client()
    login(attacker, HOORN)
    answers = [form(attacker, "/login/code", {"code": f"{n:06d}"}, page="/login/code").status_code
               for n in range(5)]
    assert answers[:3] == [401, 401, 401] and 429 in answers[3:]
    # even the right code waits now: a million guesses cannot be made
    clock.step()
    response = form(attacker, "/login/code", {"code": code_at(secret, clock)}, page="/login/code")
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert_anonymous(attacker)
    assert "mfa_throttled" in events(people)


# --- password reset --------------------------------------------------------------------------------------------


def test_forgot_password_same_answer_and_single_use_link(make_app, people, smtp, clock):
    app = make_app(NHSV_MFA="optional")
    logged_in = app.server.test_client()
    login(logged_in, HOORN)
    copied = session_cookie(logged_in)

    def ask(email: str):
        client = app.server.test_client()
        response = form(client, "/wachtwoord-vergeten", {"email": email})
        html = re.sub(r'value="[^"]*"', 'value=""', response.get_data(as_text=True))
        return response.status_code, html

    known, unknown = ask(HOORN), ask("niemand@example.nl")
    assert known == unknown and known[0] == 200
    assert "Als dit e-mailadres bij een account" in known[1]
    [message] = smtp.wait_for(HOORN)
    assert smtp.to("niemand@example.nl") == []
    assert "30 minuten" in text_of(message)
    path = link_path(message)
    assert path.startswith("/wachtwoord-herstellen/")
    assert_logged_in(logged_in)  # asking changes nothing yet

    client = app.server.test_client()
    response = form(client, path, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.headers["Location"] == "/login?hersteld=1"
    assert "Uw wachtwoord is gewijzigd" in client.get("/login?hersteld=1").get_data(as_text=True)
    assert_anonymous(logged_in)  # every session ended
    assert_anonymous(client_with_cookie(app, copied))
    assert login(app.server.test_client(), HOORN, PASSWORD).status_code == 401
    assert login(app.server.test_client(), HOORN, NEW_PASSWORD).status_code == 302
    assert form(app.server.test_client(), path, {"password": "nog-een-ander-lang-zinnetje",
                                                 "password2": "nog-een-ander-lang-zinnetje"},
                page="/login").status_code == 410
    assert {"password_reset_requested", "password_reset"} <= set(events(people))


def test_reset_link_expires_after_30_minutes(make_app, people, smtp):
    app = make_app()
    started = auth.start_password_reset(people, HOORN, actor="test")
    assert started is not None
    t = schema.account_token
    with people.begin() as conn:
        row = conn.execute(select(t.c.created_at, t.c.expires_at)).one()
        assert row.expires_at - row.created_at == dt.timedelta(minutes=30)
        conn.execute(update(t).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert app.server.test_client().get(started[1]).status_code == 410
    assert auth.start_password_reset(people, "niemand@example.nl") is None


def test_reset_does_not_bypass_the_second_factor(make_app, people, smtp, clock):
    app = make_app(NHSV_MFA="required")
    client = app.server.test_client()
    login(client, HOORN)
    secret, _codes = enrol(client, "/login/tweede-factor", clock)
    form(app.server.test_client(), "/wachtwoord-vergeten", {"email": HOORN})
    [message] = smtp.wait_for(HOORN)
    assert "code uit uw app" in text_of(message)
    response = form(app.server.test_client(), link_path(message), {"password": NEW_PASSWORD,
                                                                   "password2": NEW_PASSWORD})
    assert response.headers["Location"] == "/login?hersteld=1"
    again = app.server.test_client()
    assert login(again, HOORN, NEW_PASSWORD).headers["Location"] == "/login/code"
    assert_anonymous(again)
    clock.step()
    assert form(again, "/login/code", {"code": code_at(secret, clock)}).status_code == 302
    assert_logged_in(again)


# --- password policy -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "why"), [
    ("kort-wacht", "ten minste 12 tekens"),
    ("wachtwoord1234", "veelgebruikte"),
    ("Welkom2026!!", "veelgebruikte"),
    ("password1234", "veelgebruikte"),
    ("nhsvmonitor2026", "naam van de monitor"),
    ("Hoorn2026hoorn!", "naam van de monitor, van uw gemeente"),
    ("hoorn-example-2026", "naam van de monitor, van uw gemeente"),
    ("aaaaaaaaaaaaaaaa", "te gemakkelijk te raden"),
])
def test_password_policy_refuses(people, password, why):
    with pytest.raises(ValueError, match=why):
        auth.set_password(people, HOORN, password, actor="test")


@pytest.mark.parametrize("password", ["een-goed-wachtwoord-123", "fiets lamp regen koffie", "x7#kQ9!mP2vLw"])
def test_password_policy_accepts_passphrases(people, password):
    auth.set_password(people, HOORN, password, actor="test")


def test_the_common_list_comes_from_a_maintained_package():
    assert len(passwords._common()) >= 30_000
    assert "wachtwoord" in passwords._common() or "wachtwoord" in passwords.DUTCH_WORDS


# --- Mijn account ----------------------------------------------------------------------------------------------


def test_my_account_password_second_factor_and_mails(make_app, people, smtp, clock):
    app = make_app(NHSV_MFA="optional")
    client = app.server.test_client()
    assert login(client, HOORN).headers["Location"] == "/"  # optional: a password alone, until switched on
    page = client.get("/account")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Tweede factor instellen" in html and 'name="soort" value="herinnering"' in html
    assert "overzicht" not in re.findall(r'name="soort" value="([a-z_]+)"', html)  # a coordinator's kind

    secret, _codes = enrol(client, "/account/tweede-factor", clock)
    assert "staat <strong>aan</strong>" in client.get("/account").get_data(as_text=True)
    fresh = app.server.test_client()
    assert login(fresh, HOORN).headers["Location"] == "/login/code"

    # mails: switch the reminder off
    response = form(client, "/account/mails", {"soort": ["kwartaal_open", "afgewezen", "ontbreekt"]},
                    page="/account")
    assert response.status_code == 303
    html = client.get("/account").get_data(as_text=True)
    assert 'value="herinnering">' in html and 'value="afgewezen" checked' in html
    with people.connect() as conn:
        off = conn.execute(select(schema.mail_opt_out.c.kind)).scalars().all()
    assert off == ["herinnering"]

    # switching the second factor off needs a code
    assert form(client, "/account/tweede-factor/wijzigen", {"actie": "uitzetten", "code": "000000"},
                page="/account").status_code == 400
    clock.step()
    assert form(client, "/account/tweede-factor/wijzigen", {"actie": "uitzetten", "code": code_at(secret, clock)},
                page="/account").status_code == 200
    assert not totp.enrolled(user_row(people, HOORN))

    # a new password needs the current one and ends the sessions
    assert form(client, "/account/wachtwoord", {"current": "fout-fout-fout-1", "password": NEW_PASSWORD,
                                                "password2": NEW_PASSWORD}, page="/account").status_code == 400
    response = form(client, "/account/wachtwoord", {"current": PASSWORD, "password": NEW_PASSWORD,
                                                    "password2": NEW_PASSWORD}, page="/account")
    assert response.headers["Location"] == "/login?hersteld=1"
    assert_anonymous(client)
    assert login(app.server.test_client(), HOORN, NEW_PASSWORD).status_code == 302
    assert {"mfa_enrolled", "mail_preferences", "mfa_disabled", "password_set"} <= set(events(people))


def test_second_factor_cannot_be_switched_off_where_required(make_app, people, clock):
    app = make_app(NHSV_MFA="required")
    client = app.server.test_client()
    login(client, HOORN)
    secret, _ = enrol(client, "/login/tweede-factor", clock)
    assert "Tweede factor uitzetten" not in client.get("/account").get_data(as_text=True)
    clock.step()
    response = form(client, "/account/tweede-factor/wijzigen", {"actie": "uitzetten", "code": code_at(secret, clock)},
                    page="/account")
    assert response.status_code == 400
    assert totp.enrolled(user_row(people, HOORN))


def test_mfa_off_asks_for_no_code(make_app, people, clock):
    app = make_app(NHSV_MFA="optional")
    client = app.server.test_client()
    login(client, HOORN)
    enrol(client, "/account/tweede-factor", clock)
    off = make_app(NHSV_MFA="off")
    assert login(off.server.test_client(), HOORN).headers["Location"] == "/"


# --- /beheer ---------------------------------------------------------------------------------------------------


def test_beheer_is_for_admins_only(make_app, people):
    app = make_app(NHSV_MFA="optional")
    for email in (COORDINATOR, HOORN):
        client = app.server.test_client()
        login(client, email)
        assert client.get("/beheer").status_code == 403
        assert client.get("/beheer/audit").status_code == 403
        assert client.get("/beheer/audit.csv").status_code == 403
        assert form(client, "/beheer/gebruiker", {"email": HOORN, "actie": "uitschakelen"},
                    page="/account").status_code == 403
    assert user_row(people, HOORN).active
    assert app.server.test_client().get("/beheer").status_code == 302  # anonymous: to the login page


def test_admin_actions_and_their_audit_rows(make_app, people, smtp, clock):
    app = make_app(NHSV_MFA="required")
    admin = admin_client(app, people, clock)
    hoorn = app.server.test_client()
    login(hoorn, HOORN)
    hoorn_secret, _ = enrol(hoorn, "/login/tweede-factor", clock)
    assert_logged_in(hoorn)

    html = admin.get("/beheer").get_data(as_text=True)
    row = re.search(r"<th scope=\"row\">hoorn@example.nl</th>(.*?)</tr>", html, re.S).group(1)
    assert "Hoorn" in row and "aan" in row and "actief" in row and "nog nooit" not in row

    def act(action: str, **extra):
        response = form(admin, "/beheer/gebruiker", {"email": HOORN, "actie": action, **extra}, page="/beheer")
        assert response.status_code == 303
        return admin.get("/beheer").get_data(as_text=True)

    # change gemeente: the session ends (what Hoorn's user sees changes at once)
    assert "Rol van hoorn@example.nl gewijzigd; 1 open sessie beëindigd." in act("rol", rol="gemeente",
                                                                                   gemeente="GM0448")
    assert_anonymous(hoorn)
    assert user_row(people, HOORN).municipality_code == "GM0448"
    # a bad combination is refused in Dutch
    assert "vraagt om een gemeentecode" in act("rol", rol="gemeente", gemeente="")

    # reset the second factor: the user is told by mail, and enrols again at the next login
    assert "De gebruiker heeft een mail gekregen." in act("tweede-factor")
    [told] = smtp.wait_for(HOORN)
    assert "tweede factor" in told["Subject"] and "opnieuw in" in text_of(told)
    assert not totp.enrolled(user_row(people, HOORN))
    assert login(app.server.test_client(), HOORN).headers["Location"] == "/login/tweede-factor"

    # start a password reset: a link by mail, the admin sees none
    page = act("wachtwoord")
    assert "heeft een link gekregen" in page
    reset = smtp.wait_for(HOORN, 2)[-1]
    assert link_path(reset).rsplit("/", 1)[1] not in page

    # disable and enable
    assert "uitgeschakeld" in act("uitschakelen")
    assert login(app.server.test_client(), HOORN).status_code == 401
    assert app.server.test_client().get(link_path(reset)).status_code == 410  # a disabled user's links stop
    assert "weer ingeschakeld" in act("inschakelen")
    assert login(app.server.test_client(), HOORN).status_code == 302

    # the admin cannot lock themself out
    response = form(admin, "/beheer/gebruiker", {"email": ADMIN, "actie": "uitschakelen"}, page="/beheer")
    assert "Uw eigen account kunt u hier niet uitschakelen" in admin.get("/beheer").get_data(as_text=True)
    assert user_row(people, ADMIN).active and response.status_code == 303

    rows = [r for r in audit_rows(people) if r.actor == ADMIN and r.event != "login_ok"]
    assert [r.event for r in rows] == ["mfa_enrolled", "user_role_changed", "mfa_reset", "password_reset_started",
                                       "user_disabled", "user_enabled"]
    assert all(json.loads(r.detail)["email"] == HOORN for r in rows[1:])
    assert all(r.address == "127.0.0.1" for r in rows)
    changed = json.loads(rows[1].detail)
    assert changed["van"] == ["gemeente", "GM0405"] and changed["naar"] == ["gemeente", "GM0448"]
    del hoorn_secret


def test_audit_log_filter_and_csv_export(make_app, people, clock):
    app = make_app(NHSV_MFA="optional")
    login(app.server.test_client(), HOORN, "fout-fout-fout-fout")
    auth.disable_user(people, COORDINATOR, actor="test")
    admin = app.server.test_client()
    login(admin, ADMIN)

    def shown(query: str) -> str:
        html = admin.get("/beheer/audit?" + query).get_data(as_text=True)
        return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    rows = shown("gebruiker=coord@example.nl")
    assert "user_disabled" in rows and "login_failed" not in rows
    rows = shown("gebeurtenis=login_failed")
    assert "login_failed" in rows and "user_disabled" not in rows
    today = dt.datetime.now(dt.UTC).date()
    assert "user_disabled" in shown(f"van={today}&tot={today}")
    yesterday = today - dt.timedelta(days=1)
    assert "user_disabled" not in shown(f"tot={yesterday}")

    response = admin.get("/beheer/audit.csv?gebeurtenis=user_added")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    lines = response.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("tijdstip (UTC);door;gebeurtenis")
    assert len(lines) == 1 + 3 and all(";user_added;" in line for line in lines[1:])
    assert "audit_export" in events(people)


def test_audit_csv_cells_never_start_a_formula(people):
    from dashboard.accounts import audit_query

    auth.audit("export", "=HYPERLINK(\"http://evil\")", actor="+31 6", engine=people)
    body = audit_query.to_csv(people, audit_query.AuditFilter(event="export"))
    assert "'=HYPERLINK" in body and ";'+31 6;" in body


def test_cli_keeps_its_commands_and_resets_a_lost_second_factor(make_app, people, clock):
    from click.testing import CliRunner

    from cli.users import users as users_cli

    runner = CliRunner()
    for command in ("add", "list", "disable", "enable", "set-password", "reset-mfa"):
        assert runner.invoke(users_cli, [command, "--help"]).exit_code == 0, command
    app = make_app(NHSV_MFA="required")
    client = app.server.test_client()
    login(client, ADMIN)
    enrol(client, "/login/tweede-factor", clock)
    assert_logged_in(client)
    # the only admin lost the phone and the codes: the command line switches the second factor off
    result = runner.invoke(users_cli, ["reset-mfa", ADMIN])
    assert result.exit_code == 0 and "1 open sessie(s) beëindigd" in result.output
    assert_anonymous(client)
    assert login(app.server.test_client(), ADMIN).headers["Location"] == "/login/tweede-factor"
    assert runner.invoke(users_cli, ["disable", HOORN]).exit_code == 0
    assert runner.invoke(users_cli, ["enable", HOORN]).exit_code == 0
    assert user_row(people, HOORN).active
    assert runner.invoke(users_cli, ["reset-mfa", "niemand@example.nl"]).exit_code == 1
    assert [e for e in events(people) if e in ("mfa_reset", "user_enabled")] == ["mfa_reset", "user_enabled"]


# --- mail without a server ---------------------------------------------------------------------------------------


def test_development_writes_mail_to_the_outbox(make_app, people, tmp_path, monkeypatch):
    monkeypatch.setenv("NHSV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NHSV_SMTP_URL", raising=False)
    app = make_app(NHSV_MFA="optional")
    form(app.server.test_client(), "/wachtwoord-vergeten", {"email": HOORN})
    import time as time_module

    outbox = tmp_path / "outbox"
    for _ in range(100):
        if outbox.exists() and list(outbox.glob("*.eml")):
            break
        time_module.sleep(0.05)
    [eml] = list(outbox.glob("*.eml"))
    import email
    import email.policy

    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == HOORN and "/wachtwoord-herstellen/" in text_of(message)
    assert "<a href=\"http://127.0.0.1:8050/wachtwoord-herstellen/" in html_of(message)


def test_production_without_a_mail_server_says_so(make_app, people, monkeypatch):
    from nhsv import mail

    monkeypatch.setenv("NHSV_ENV", "production")
    monkeypatch.delenv("NHSV_SMTP_URL", raising=False)
    assert mail.transport() is None
    with pytest.raises(mail.MailNotConfigured, match="mailserver"):
        mail.send(mail.Mail("a@example.nl", "x", "y", "<p>y</p>"))
    with pytest.raises(mail.MailNotConfigured, match="NHSV_BASE_URL"):
        mail.base_url()
    smtps = mail.smtp_from_url("smtps://user%40x:geheim@mail.example.nl")
    assert (smtps.host, smtps.port, smtps.user, smtps.password, smtps.tls) == ("mail.example.nl", 465, "user@x",
                                                                              "geheim", "tls")
    assert mail.smtp_from_url("smtp://relay:25?starttls=0").tls == "none"


# --- the migration ---------------------------------------------------------------------------------------------


def accounts_migration() -> tuple[str, str]:
    """(its revision, the one before): found by its title, so that the test holds if it is renumbered."""
    from alembic.script import ScriptDirectory

    from etl import db

    script = ScriptDirectory.from_config(db.alembic_config())
    found = next(r for r in script.walk_revisions() if (r.doc or "").startswith("accounts: second factor"))
    return found.revision, found.down_revision


def test_accounts_migration_keeps_existing_users_working_without_a_second_factor(fresh_database, monkeypatch):
    """Users of a warehouse from before the accounts migration (0005) log in as before (no second factor yet),
    and the migration goes back cleanly."""
    import sqlalchemy as sa

    from etl import db, reference
    from tests.test_migrations import downgrade

    _revision, before = accounts_migration()
    engine = db.make_engine(fresh_database)
    try:
        db.upgrade(engine, before)
        with engine.begin() as conn:
            reference.load_dimensions(conn)
            conn.execute(sa.text(
                "INSERT INTO app_user (email, role, municipality_code, active, password_hash, session_version, "
                "created_at) VALUES (:e, 'gemeente', 'GM0405', :a, :h, 1, :t)"),
                {"e": HOORN, "a": True, "h": auth.hasher.hash(PASSWORD), "t": dt.datetime.now(dt.UTC)})
        db.upgrade(engine)
        from dashboard.auth import users

        verdict = users.check_password(engine, HOORN, PASSWORD)
        assert verdict.user is not None and not totp.enrolled(verdict.user)
        monkeypatch.setenv("NHSV_MFA", "optional")
        assert totp.login_step(verdict.user) is None
        monkeypatch.setenv("NHSV_MFA", "required")
        assert totp.login_step(verdict.user) == "enrol"
        assert [i.email for i in auth.list_users(engine)] == [HOORN]

        downgrade(engine, before)
        assert "totp_secret" not in {c["name"] for c in sa.inspect(engine).get_columns("app_user")}
        assert not sa.inspect(engine).has_table("notification")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT email FROM app_user")).scalars().all() == [HOORN]
    finally:
        engine.dispose()


# --- in the user's language --------------------------------------------------------------------------------------


def set_language(engine, email: str, language: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(schema.user).where(schema.user.c.email == email).values(language=language))


def page_text(html: str) -> str:
    """What a reader sees of a page: the text without tags, the e-mail addresses and the language switch."""
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"[\w.+-]+@[\w.-]+", " ", body).replace("Nederlands", " ")


def test_an_english_user_gets_the_reset_mail_and_its_pages_in_english(make_app, people, smtp):
    set_language(people, HOORN, "en")
    app = make_app(NHSV_MFA="optional")
    form(app.server.test_client(), "/wachtwoord-vergeten", {"email": HOORN})
    [message] = smtp.wait_for(HOORN)
    text, html = text_of(message), html_of(message)
    assert message["Subject"] == "New password for the NHSV-monitor"
    assert text.startswith("Hello,") and "Choose a new password with this link" in text
    assert "valid for 30 minutes" in text and "Please do not reply to it." in text
    assert '<html lang="en">' in html and ">Choose a new password</a>" in html
    for dutch in ("Goedendag", "wachtwoord", "minuten", "geldig", "antwoorden"):
        assert dutch not in (text + html).replace("/wachtwoord-herstellen/", "/"), dutch
    path = link_path(message)
    assert path.startswith("/wachtwoord-herstellen/") and path.endswith("?lang=en")

    client = app.server.test_client()
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Choose a new password</h1>" in page
    assert "Repeat the password" in page and "Save password" in page
    assert "Kies een nieuw wachtwoord" not in page and "Herhaal het wachtwoord" not in page
    refused = form(client, path, {"password": "kort", "password2": "kort"})
    assert refused.status_code == 400
    assert "The password must be at least 12 characters long." in refused.get_data(as_text=True)
    response = form(client, path, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.headers["Location"] == "/login?hersteld=1&lang=en"
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in after and "Your password has been changed" in after


def test_a_dutch_user_still_gets_dutch(make_app, people, smtp):
    set_language(people, HOORN, "en")
    set_language(people, COORDINATOR, None)  # never chose: Dutch, whatever the language the form was sent in
    app = make_app(NHSV_MFA="optional")
    form(app.server.test_client(), "/wachtwoord-vergeten?lang=en", {"email": COORDINATOR})
    [message] = smtp.wait_for(COORDINATOR)
    assert message["Subject"] == "Nieuw wachtwoord voor de NHSV-monitor"
    assert text_of(message).startswith("Goedendag,") and "30 minuten geldig" in text_of(message)
    assert '<html lang="nl">' in html_of(message) and "Hello" not in text_of(message)
    path = link_path(message)
    assert "lang=" not in path
    assert "<h1>Kies een nieuw wachtwoord</h1>" in app.server.test_client().get(path).get_data(as_text=True)


def test_account_and_beheer_pages_in_english(make_app, people, smtp, clock):
    from tests.english import dutch_words

    set_language(people, HOORN, "en")
    app = make_app(NHSV_MFA="required")
    admin = admin_client(app, people, clock)
    names = [m.name for m in reference.region().values()]

    account = admin.get("/account?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in account and "<h1>My account</h1>" in account
    for english in ("Change password", "Current password", "Repeat the new password", "Second factor",
                    "You have 10 unused recovery codes left.", "Make new recovery codes", "Log out"):
        assert english in account, english
    for dutch in ("Mijn account", "Wachtwoord wijzigen", "Huidig wachtwoord", "herstelcodes", "Uitloggen"):
        assert dutch not in account, dutch
    assert not dutch_words([page_text(account)], names)

    beheer = admin.get("/beheer").get_data(as_text=True)  # the choice is stored: no ?lang= needed
    assert '<html lang="en">' in beheer and "<h1>Administration</h1>" in beheer
    for english in ("Add a user", "Last login (UTC)", "Second factor: required.", "Reset password for " + HOORN,
                    "regional coordinator", "(no municipality)", "never", "Invite"):
        assert english in beheer, english
    for dutch in ("Gebruiker toevoegen", "Wachtwoord herstellen", "nog nooit", "regionale coördinator", "Uitnodigen"):
        assert dutch not in beheer, dutch
    assert not dutch_words([page_text(beheer)], names)
    audit_page = admin.get("/beheer/audit").get_data(as_text=True)
    assert "<h1>Audit log</h1>" in audit_page and "Export as CSV" in audit_page and "Gebeurtenis" not in audit_page

    # the administrator's answers in English, the mail in the recipient's language
    response = form(admin, "/beheer/gebruiker", {"email": HOORN, "actie": "wachtwoord"}, page="/beheer")
    assert response.status_code == 303
    assert f"{HOORN} has been sent a link to choose a new password" in admin.get("/beheer").get_data(as_text=True)
    assert smtp.wait_for(HOORN)[0]["Subject"] == "New password for the NHSV-monitor"
    form(admin, "/beheer/gebruiker", {"email": COORDINATOR, "actie": "wachtwoord"}, page="/beheer")
    assert smtp.wait_for(COORDINATOR)[0]["Subject"] == "Nieuw wachtwoord voor de NHSV-monitor"

    # a new user invited in English: the invitation, the stored choice and the page of the link
    form(admin, "/beheer/gebruikers", {"email": "mayor@texel.nl", "rol": "gemeente", "gemeente": "GM0448",
                                       "taal": "en"}, page="/beheer")
    [invitation] = smtp.wait_for("mayor@texel.nl")
    assert invitation["Subject"] == "Your account for the NHSV-monitor"
    assert "Your role: municipality." in text_of(invitation) and "valid for 72 hours" in text_of(invitation)
    assert user_row(people, "mayor@texel.nl").language == "en"
    path = link_path(invitation)
    assert path.startswith("/uitnodiging/") and path.endswith("?lang=en")
    assert "<h1>Choose your password</h1>" in app.server.test_client().get(path).get_data(as_text=True)
    form(admin, "/beheer/gebruikers", {"email": "wethouder@texel.nl", "rol": "gemeente", "gemeente": "GM0448"},
         page="/beheer")
    assert smtp.wait_for("wethouder@texel.nl")[0]["Subject"] == "Uw account voor de NHSV-monitor"
    assert user_row(people, "wethouder@texel.nl").language is None
    # the check above sees Dutch where there is Dutch
    dutch_account = admin.get("/account?lang=nl").get_data(as_text=True)
    assert {"wachtwoord", "uw"} <= set(dutch_words([page_text(dutch_account)], names))


def test_the_second_factor_pages_speak_the_users_language(make_app, people, clock):
    set_language(people, HOORN, "en")
    app = make_app(NHSV_MFA="required")
    client = app.server.test_client()
    assert login(client, HOORN).headers["Location"] == "/login/tweede-factor"
    page = client.get("/login/tweede-factor").get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Set up the second factor</h1>" in page
    assert "Scan this QR code in the app:" in page and "Tweede factor instellen" not in page
    wrong = form(client, "/login/tweede-factor", {"code": "000000"})
    assert wrong.status_code == 400 and "The code is wrong." in wrong.get_data(as_text=True)
    done = form(client, "/login/tweede-factor", {"code": code_at(secret_on(page), clock)})
    codes = done.get_data(as_text=True)
    assert "<h1>Your recovery codes</h1>" in codes and len(recovery_codes_on(codes)) == 10
    assert "herstelcodes" not in codes
