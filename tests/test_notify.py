"""`nhsv notify` against a real SMTP server: each mail once, never to a disabled user or one who switched its kind
off, the right kind on the right day; and "Vraag een introductie" (issue 20)."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, update

from cli.main import main
from dashboard import auth
from dashboard.accounts import notify, quarter_status
from dashboard.auth.config import utcnow
from etl import load, reference, schema
from etl.domain import Quarter
from tests.accounts.helpers import form
from tests.auth.helpers import PASSWORD, login
from tests.conftest import good_values
from tests.mailserver import text_of

Q3 = Quarter(2026, 3)  # deadline: 30 October 2026 (NHSV_DEADLINE_DAYS=30)
REGION = {code: m.name for code, m in reference.region().items()}

HOORN, HOORN_NO_MISSING, HOORN_DISABLED = "hoorn@example.nl", "hoorn2@example.nl", "hoorn-weg@example.nl"
TEXEL, ZAANSTAD = "texel@example.nl", "zaanstad@example.nl"
COORD, COORD_DISABLED, COORD_NO_DIGEST = "coord@example.nl", "coord-weg@example.nl", "coord-stil@example.nl"


def user_id(engine, email: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(schema.user.c.id).where(schema.user.c.email == email)).scalar_one()


def switch_off(engine, email: str, kind: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.mail_opt_out).values(user_id=user_id(engine, email), kind=kind))


@pytest.fixture
def quarter(engine, workbook):
    """2026Q3: Texel submitted (LA1 went down since Q2: a regression and a warning), Zaanstad's file was rejected,
    Hoorn sent nothing. Users of each, coordinators, and some who are disabled or switched a kind off."""
    texel_q2 = good_values({"LA1": 2})
    texel_q3 = good_values({"LA1": 1})
    files = [("texel-q2.xlsx", workbook("GM0448", "2026Q2", texel_q2)),
             ("texel-q3.xlsx", workbook("GM0448", "2026Q3", texel_q3)),
             ("zaanstad-q3.xlsx", workbook("GM0479", "2026Q3", edit=lambda wb: wb["Bouwstenen"].cell(7, 3, "misschien")))]
    report = load.load_files(engine, files, actor="test")
    assert [f.outcome for f in report.files] == ["loaded", "loaded", "rejected"]
    for email, role, code in ((HOORN, "gemeente", "GM0405"), (HOORN_NO_MISSING, "gemeente", "GM0405"),
                              (HOORN_DISABLED, "gemeente", "GM0405"), (TEXEL, "gemeente", "GM0448"),
                              (ZAANSTAD, "gemeente", "GM0479"), (COORD, "coordinator", None),
                              (COORD_DISABLED, "coordinator", None), (COORD_NO_DIGEST, "coordinator", None)):
        auth.add_user(engine, email, role, code, PASSWORD, actor="test")
    auth.disable_user(engine, HOORN_DISABLED, actor="test")
    auth.disable_user(engine, COORD_DISABLED, actor="test")
    switch_off(engine, HOORN_NO_MISSING, "ontbreekt")
    switch_off(engine, COORD_NO_DIGEST, "overzicht")
    return engine


def run_notify(*args: str):
    return CliRunner().invoke(main, ["notify", *args])


def kinds(inbox, email: str) -> list[str]:
    subjects = {"kwartaal_open": "kan nu", "herinnering": "Herinnering", "ontbreekt": "ontbreekt",
                "afgewezen": "afgewezen", "overzicht": "Overzicht"}
    return sorted(kind for m in inbox.to(email) for kind, word in subjects.items() if word in m["Subject"])


def other_gemeenten_named(text: str, own: str) -> list[str]:
    return [name for code, name in REGION.items() if name != own and re.search(rf"\b{re.escape(name)}\b", text)]


def test_notify_after_the_deadline_sends_each_mail_once(quarter, smtp, monkeypatch):
    monkeypatch.setenv("NHSV_TODAY", "2026-11-15")
    first = run_notify()
    assert first.exit_code == 0, first.output
    assert "Kwartaal 2026Q3 (uiterste datum 30-10-2026)" in first.output
    assert kinds(smtp, HOORN) == ["ontbreekt"]
    assert kinds(smtp, ZAANSTAD) == ["afgewezen", "ontbreekt"]
    assert kinds(smtp, COORD) == ["overzicht"]
    # a user who switched the kind off, a disabled user, and a gemeente that submitted: nothing
    for email in (HOORN_NO_MISSING, HOORN_DISABLED, TEXEL, COORD_DISABLED, COORD_NO_DIGEST):
        assert smtp.to(email) == [], email
    sent = len(smtp.messages)
    assert sent == 4 and f"{sent} verstuurd" in first.output

    second = run_notify()
    assert second.exit_code == 0, second.output
    assert "0 verstuurd, 4 al eerder verstuurd" in second.output
    assert len(smtp.messages) == sent  # each mail once
    with quarter.connect() as conn:
        recorded = conn.execute(select(func.count()).select_from(schema.notification)).scalar_one()
    assert recorded == 4

    # what the gemeenten were told is about themselves only
    [rejected] = [m for m in smtp.to(ZAANSTAD) if "afgewezen" in m["Subject"]]
    body = text_of(rejected)
    assert "zaanstad-q3.xlsx" in body and "Bouwstenen!C7" in body and "misschien" not in body
    for email, own in ((HOORN, "Hoorn"), (ZAANSTAD, "Zaanstad")):
        for message in smtp.to(email):
            everything = message["Subject"] + text_of(message) + message.get_body(("html",)).get_content()
            assert own in everything
            assert other_gemeenten_named(everything, own) == [], email
    # the coordinators' digest: missing, rejected, regressions by block, warnings, with links
    digest = text_of(smtp.to(COORD)[0])
    missing = digest.split("Ontbreekt", 1)[1].split("Afgewezen", 1)[0]
    assert "Hoorn (http://monitor.test/gemeente/GM0405?kwartaal=2026Q3)" in missing and "Zaanstad" not in missing
    assert "Zaanstad" in digest.split("Afgewezen", 1)[1].split("Terugval", 1)[0]
    assert "LA1" in digest.split("Terugval", 1)[1] and "Texel" in digest.split("Terugval", 1)[1]
    assert "Texel" in digest.split("Waarschuwingen", 1)[1]
    assert "http://monitor.test/aanlevering?kwartaal=2026Q3" in digest


def test_notify_before_the_deadline_sends_the_open_quarter_and_the_reminder(quarter, smtp, monkeypatch):
    monkeypatch.setenv("NHSV_TODAY", "2026-10-10")  # more than 7 days before the deadline: no reminder yet
    assert run_notify().exit_code == 0
    assert kinds(smtp, HOORN) == ["kwartaal_open"]
    assert kinds(smtp, ZAANSTAD) == ["afgewezen", "kwartaal_open"]
    assert smtp.to(COORD) == [] and smtp.to(TEXEL) == []
    assert "http://monitor.test/aanleveren?kwartaal=2026Q3" in text_of(smtp.to(HOORN)[0])

    monkeypatch.setenv("NHSV_TODAY", "2026-10-25")
    assert run_notify().exit_code == 0
    assert kinds(smtp, HOORN) == ["herinnering", "kwartaal_open"]
    reminder = next(m for m in smtp.to(HOORN) if "Herinnering" in m["Subject"])
    assert "30 oktober 2026" in text_of(reminder) and "over 5 dagen" in text_of(reminder)
    assert smtp.to(HOORN_DISABLED) == [] and smtp.to(TEXEL) == []


def test_a_user_who_switched_reminders_off_gets_none(quarter, smtp, monkeypatch):
    for kind in ("kwartaal_open", "herinnering"):
        switch_off(quarter, HOORN, kind)
    monkeypatch.setenv("NHSV_TODAY", "2026-10-25")
    assert run_notify().exit_code == 0
    assert smtp.to(HOORN) == []
    assert kinds(smtp, HOORN_NO_MISSING) == ["herinnering", "kwartaal_open"]


def test_a_mail_that_could_not_go_is_tried_again(quarter, smtp, monkeypatch):
    monkeypatch.setenv("NHSV_TODAY", "2026-11-15")
    working = os.environ["NHSV_SMTP_URL"]
    monkeypatch.setenv("NHSV_SMTP_URL", "smtp://127.0.0.1:9?starttls=0")  # nothing listens there
    failed = run_notify()
    assert failed.exit_code == 1 and "niet verstuurd" in failed.output
    with quarter.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.notification)).scalar_one() == 0
    monkeypatch.setenv("NHSV_SMTP_URL", working)
    assert run_notify().exit_code == 0
    assert len(smtp.messages) == 4


def test_dry_run_and_a_given_quarter_send_nothing(quarter, smtp, monkeypatch):
    monkeypatch.setenv("NHSV_TODAY", "2026-11-15")
    result = run_notify("--dry-run")
    assert result.exit_code == 0 and re.search(r"zou versturen\s+ontbreekt\s+hoorn@example.nl", result.output)
    assert smtp.messages == []
    assert run_notify("--kwartaal", "2026Q9").exit_code == 2


def test_deadline_is_a_setting(monkeypatch):
    monkeypatch.setenv("NHSV_DEADLINE_DAYS", "45")
    assert quarter_status.deadline(Q3).isoformat() == "2026-11-14"
    assert notify.long_date(quarter_status.deadline(Q3)) == "14 november 2026"


# --- Vraag een introductie -------------------------------------------------------------------------------------


@pytest.fixture
def partners(engine, workbook):
    """2026Q3: LA6 in order at Texel and Den Helder, not at Hoorn."""
    files = [("hoorn.xlsx", workbook("GM0405", "2026Q3", good_values({"LA6": 0}))),
             ("texel.xlsx", workbook("GM0448", "2026Q3", good_values({"LA6": 3}))),
             ("den-helder.xlsx", workbook("GM0400", "2026Q3", good_values({"LA6": 2})))]
    assert [f.outcome for f in load.load_files(engine, files, actor="test").files] == ["loaded"] * 3
    for email, role, code in ((HOORN, "gemeente", "GM0405"), (COORD, "coordinator", None),
                              (COORD_NO_DIGEST, "coordinator", None), ("beheer@example.nl", "admin", None)):
        auth.add_user(engine, email, role, code, PASSWORD, actor="test")
    switch_off(engine, COORD_NO_DIGEST, "introductie")
    return engine


def test_introduction_request_reaches_the_coordinators_and_no_names_reach_the_gemeente(make_app, partners, smtp):
    app = make_app(NHSV_MFA="optional")
    hoorn = app.server.test_client()
    login(hoorn, HOORN)
    page = hoorn.get("/introductie?blok=LA6&kwartaal=2026Q3")
    assert page.status_code == 200
    response = form(hoorn, "/introductie", {"blok": "LA6", "kwartaal": "2026Q3"},
                    page="/introductie?blok=LA6&kwartaal=2026Q3")
    assert response.status_code == 200
    answer = response.get_data(as_text=True)
    assert "Uw verzoek is verstuurd" in answer
    for html in (page.get_data(as_text=True), answer):
        assert other_gemeenten_named(html, "Hoorn") == []

    [request] = smtp.wait_for(COORD)
    body = text_of(request)
    assert HOORN in body and "Hoorn" in body and "LA6" in body
    assert "Den Helder, Texel" in body  # the coordinators get the names
    assert smtp.to(COORD_NO_DIGEST) == [] and smtp.to(HOORN) == []

    # asked again while open: recorded once, mailed once
    form(hoorn, "/introductie", {"blok": "LA6", "kwartaal": "2026Q3"}, page="/introductie?blok=LA6&kwartaal=2026Q3")
    assert len(smtp.to(COORD)) == 1

    coordinator = app.server.test_client()
    login(coordinator, COORD)
    listing = coordinator.get("/beheer/introducties").get_data(as_text=True)
    assert HOORN in listing and "Den Helder, Texel" in listing
    with partners.connect() as conn:
        request_id = conn.execute(select(schema.introduction_request.c.id)).scalar_one()
    form(coordinator, "/beheer/introducties/afgehandeld", {"id": str(request_id)}, page="/beheer/introducties")
    assert f"afgehandeld door {COORD}" in coordinator.get("/beheer/introducties").get_data(as_text=True)
    events = [r.event for r in auth_rows(partners)]
    assert "introduction_requested" in events and "introduction_handled" in events

    # only gemeente users ask; only coordinators and admins see the requests
    assert hoorn.get("/beheer/introducties").status_code == 403
    assert coordinator.get("/introductie?blok=LA6&kwartaal=2026Q3").status_code == 403
    assert hoorn.get("/introductie?blok=XX9&kwartaal=2026Q3").status_code == 400


def auth_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(schema.audit_log).order_by(schema.audit_log.c.id)).all()


def test_introduction_requests_survive_a_role_change(partners):
    """The request row keeps the gemeente it was asked for, whatever happens to the user later."""
    with partners.begin() as conn:
        conn.execute(insert(schema.introduction_request).values(
            user_id=user_id(partners, HOORN), municipality_code="GM0405", quarter="2026Q3", block_code="LA6",
            created_at=utcnow()))
    auth.change_access(partners, HOORN, "gemeente", "GM0448", actor="test")
    with partners.connect() as conn:
        assert conn.execute(select(schema.introduction_request.c.municipality_code)).scalar_one() == "GM0405"


# --- in the recipient's language -------------------------------------------------------------------------------


def set_language(engine, email: str, language: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(schema.user).where(schema.user.c.email == email).values(language=language))


def test_the_quarter_mails_speak_each_recipients_language(quarter, smtp, monkeypatch):
    set_language(quarter, HOORN, "en")
    set_language(quarter, COORD, "en")
    monkeypatch.setenv("NHSV_TODAY", "2026-10-25")
    assert run_notify().exit_code == 0
    english = {m["Subject"]: m for m in smtp.to(HOORN)}
    assert set(english) == {"You can now submit for Q3 2026", "Reminder: submit Q3 2026 by 30 October 2026"}
    reminder = text_of(english["Reminder: submit Q3 2026 by 30 October 2026"])
    assert reminder.startswith("Hello,") and "has not yet received a submission from Hoorn for Q3 2026" in reminder
    assert "The deadline is 30 October 2026 (in 5 days)." in reminder and "Switch it off under My account" in reminder
    assert "Goedendag" not in reminder and "e kwartaal" not in reminder and "oktober" not in reminder
    # a gemeente user of the same gemeente without a choice: Dutch
    assert kinds(smtp, HOORN_NO_MISSING) == ["herinnering", "kwartaal_open"]
    assert "30 oktober 2026" in text_of(smtp.to(HOORN_NO_MISSING)[0])
    [rejected] = [m for m in smtp.to(ZAANSTAD) if "afgewezen" in m["Subject"]]  # Zaanstad's user: Dutch
    assert "Bouwstenen!C7" in text_of(rejected) and "Goedendag" in text_of(rejected)

    smtp.clear()
    monkeypatch.setenv("NHSV_TODAY", "2026-11-15")
    assert run_notify().exit_code == 0
    [missing] = smtp.to(HOORN)
    assert missing["Subject"] == "The submission for Q3 2026 is missing"
    [digest] = smtp.to(COORD)
    assert digest["Subject"] == "Overview of submissions Q3 2026"
    body = text_of(digest)
    assert "The deadline for Q3 2026 was 30 October 2026. Of the 32 municipalities, 1 has a valid submission." in body
    assert "Missing (" in body and "Hoorn (http://monitor.test/gemeente/GM0405?kwartaal=2026Q3)" in body
    assert "Rejected, still without a valid submission (1):" in body and "Regressions per building block:" in body
    assert '<html lang="en">' in digest.get_body(("html",)).get_content()


def test_an_english_coordinator_gets_the_introduction_request_in_english(make_app, partners, smtp):
    set_language(partners, COORD, "en")
    app = make_app(NHSV_MFA="optional")
    hoorn = app.server.test_client()
    login(hoorn, HOORN)
    form(hoorn, "/introductie", {"blok": "LA6", "kwartaal": "2026Q3"}, page="/introductie?blok=LA6&kwartaal=2026Q3")
    [request] = smtp.wait_for(COORD)
    assert request["Subject"] == "Request for an introduction: Hoorn, LA6"
    body = text_of(request)
    assert f"{HOORN} (Hoorn) asks for an introduction" in body and "(Q3 2026)" in body
    assert "In place in the region: Den Helder, Texel." in body and "Goedendag" not in body
