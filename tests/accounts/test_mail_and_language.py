"""Account mail without a mail server (development's outbox, production's refusal), and account mail and pages in
the user's language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from etl import reference, schema
from tests.accounts.helpers import NEW_PASSWORD, admin_client, code_at, form, recovery_codes_on, secret_on, user_row
from tests.auth.helpers import COORDINATOR, HOORN, login
from tests.mailserver import html_of, link_path, text_of

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
