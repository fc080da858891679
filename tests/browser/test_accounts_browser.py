"""Accounts in a real browser (issue 20): an admin invites a gemeente user on /beheer, the user chooses a password
from the mail's link, enrols a TOTP app from the QR page, and logs in with both factors; then asks for an
introduction from the profile. Forms are filled and sent with the keyboard, under the Content-Security-Policy,
without a violation."""

from __future__ import annotations

import os
import re
import uuid

import pyotp
import pytest

from dashboard import auth
from dashboard.auth import totp
from etl import db
from tests.browser.test_csp import RECORD_VIOLATIONS, violations
from tests.mailserver import link_path, text_of

PASSWORD = "browser-beheer-wachtwoord-7"
NEW_PASSWORD = "kast-regen-fiets-lamp-zeven"


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def watched(chromium):
    """new() -> a fresh browser (its own cookies) that records policy violations."""
    contexts = []

    def new():
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
        context.add_init_script(RECORD_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.console_about_policy = console
        return page

    yield new
    for context in contexts:
        context.close()


def enrol_with_keyboard(page, clock: Clock) -> list[str]:
    """On an enrolment page: the QR code is shown, the key is read as text, a code typed and sent with Enter."""
    qr = page.locator("img.qr")
    assert qr.is_visible() and qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0  # the CSP let the image draw
    secret = page.locator("#sleutel").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).at(clock.now))
    page.press("#code", "Enter")
    page.wait_for_selector(".recovery-codes")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.secret = secret
    return codes


def test_invitation_password_second_factor_and_login_in_the_browser(watched, live_server, smtp, monkeypatch):
    monkeypatch.setenv("NHSV_MFA", "required")
    clock = Clock()
    monkeypatch.setattr(totp, "clock", clock)
    engine = db.engine(os.environ["NHSV_DATABASE_URL"])
    run = uuid.uuid4().hex[:8]
    admin_email, newcomer = f"beheer-{run}@test.nhsv.nl", f"wethouder-{run}@hoorn.test.nl"
    auth.add_user(engine, admin_email, "admin", None, PASSWORD, actor="browser-test")

    # The admin logs in and enrols the second factor (required), all with the keyboard.
    admin = watched()
    admin.goto(live_server + "/login")
    admin.fill("#email", admin_email)
    admin.press("#email", "Tab")
    admin.keyboard.type(PASSWORD)
    admin.keyboard.press("Enter")
    admin.wait_for_url(re.compile(r"/login/tweede-factor$"))
    enrol_with_keyboard(admin, clock)
    admin.click("text=verder naar de monitor")
    admin.wait_for_selector("#hoofdnavigatie")
    admin.click("a.link-button:has-text('Beheer')")
    admin.wait_for_url(re.compile(r"/beheer$"))

    # Invite a gemeente user: labelled fields, found by their labels.
    admin.get_by_label("E-mailadres").fill(newcomer)
    admin.get_by_label("Rol", exact=True).select_option("gemeente")
    admin.get_by_label("Gemeente (alleen bij rol gemeente)").select_option(label="Hoorn")
    admin.get_by_role("button", name="Uitnodigen").click()
    admin.wait_for_selector(f"text={newcomer} is toegevoegd")
    row = admin.locator("tr", has=admin.locator(f"th:has-text('{newcomer}')"))
    assert "uitgenodigd" in row.inner_text() and "Hoorn" in row.inner_text()

    [invitation] = smtp.wait_for(newcomer)
    path = link_path(invitation)

    # The newcomer chooses a password; a common one is refused first.
    user = watched()
    user.goto(live_server + path)
    user.get_by_label("Nieuw wachtwoord").fill("welkom123456")
    user.get_by_label("Herhaal het wachtwoord").fill("welkom123456")
    user.keyboard.press("Enter")
    assert "veelgebruikte" in user.locator("[role=alert]").inner_text()
    user.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    user.get_by_label("Herhaal het wachtwoord").fill(NEW_PASSWORD)
    user.keyboard.press("Enter")
    user.wait_for_url(re.compile(r"/login/tweede-factor$"))
    clock.now += 30
    codes = enrol_with_keyboard(user, clock)
    secret = user.secret
    user.click("text=verder naar de monitor")
    user.wait_for_selector("#hoofdnavigatie")

    # A fresh browser: password, then the code of the app.
    later = watched()
    later.goto(live_server + "/login")
    later.fill("#email", newcomer)
    later.fill("#password", NEW_PASSWORD)
    later.keyboard.press("Enter")
    later.wait_for_url(re.compile(r"/login/code$"))
    clock.now += 30
    later.fill("#code", pyotp.TOTP(secret).at(clock.now))
    later.keyboard.press("Enter")
    later.wait_for_selector("#hoofdnavigatie")
    assert later.locator(".user-box").inner_text().startswith(newcomer)

    # The profile: beside a learning-partner count, "Vraag een introductie".
    later.goto(live_server + "/gemeente/GM0405")
    ask = later.locator("a.peer-ask").first
    ask.wait_for()
    ask.click()
    later.wait_for_url(re.compile(r"/introductie\?"))
    later.get_by_role("button", name="Vraag de coördinatoren om een introductie").click()
    assert "Uw verzoek is verstuurd" in later.locator("[role=status]").inner_text()
    coordinator_mail = smtp.wait_for("coordinator@test.nhsv.nl")[-1]
    assert newcomer in text_of(coordinator_mail) and "Hoorn" in text_of(coordinator_mail)

    for page in (admin, user, later):
        assert violations(page) == [], violations(page)
    assert len(codes) == 10
