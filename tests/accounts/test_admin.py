"""The admin page /beheer: who may use it, what an admin does to a user and the audit rows it leaves, the audit log's
filter and CSV export, and the `nhsv users` command that stays beside it."""

from __future__ import annotations

import datetime as dt
import json
import re

from dashboard import auth
from dashboard.auth import totp
from tests.accounts.helpers import ADMIN, admin_client, enrol, events, form, user_row
from tests.auth.helpers import COORDINATOR, HOORN, assert_anonymous, assert_logged_in, audit_rows, login
from tests.mailserver import link_path, text_of

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
