"""The second factor: a login that waits for its code, recovery codes, throttled codes, switching it on and off
under Mijn account (with the password and the mail choices there), and users from before the accounts migration
who have none yet."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from dashboard import auth
from dashboard.auth import totp
from etl import schema
from tests.accounts.helpers import NEW_PASSWORD, code_at, enrol, events, form, login_with_code, user_row
from tests.auth.helpers import HOORN, PASSWORD, assert_anonymous, assert_logged_in, audit_rows, login

# --- the pending login ---------------------------------------------------------------------------------------


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
