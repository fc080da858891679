"""Getting and choosing a password: the invitation (a password, then the second factor, then a login with both),
the password reset by mail, and the password policy."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select, update

from dashboard import auth
from dashboard.auth import passwords
from etl import schema
from tests.accounts.helpers import ADMIN, NEW_PASSWORD, admin_client, code_at, enrol, events, form, login_with_code
from tests.auth.helpers import (
    HOORN,
    PASSWORD,
    assert_anonymous,
    assert_logged_in,
    audit_rows,
    client_with_cookie,
    login,
    session_cookie,
)
from tests.mailserver import link_path, text_of

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
