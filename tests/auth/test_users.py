"""Users and their traces (issue 3, acceptance 4): password hashes (argon2id), adding users and the users CLI,
the demo users, and an audit log without secrets."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from click.testing import CliRunner
from sqlalchemy import select, update

from dashboard import auth
from dashboard.auth import throttle
from etl import schema
from tests.auth.helpers import (
    HOORN,
    PASSWORD,
    assert_anonymous,
    audit_rows,
    client_with_cookie,
    login,
    logout,
    session_cookie,
    utc,
)

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
