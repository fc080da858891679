"""The login page: Dutch and accessible, CSRF required, the same answer for an unknown user and a wrong password,
and failed logins throttled per account and per address, across workers and processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time

from dashboard import auth
from etl import schema
from tests.auth.helpers import (
    COORDINATOR,
    HOORN,
    PASSWORD,
    ROOT,
    assert_anonymous,
    assert_logged_in,
    audit_rows,
    client_from,
    count,
    is_login_redirect,
    login,
    logout,
)

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


def test_a_process_checks_one_password_at_a_time(monkeypatch):
    """Each argon2id check holds 19 MiB while it runs: logins arriving together on a worker's threads queue for it
    (auth.users.ARGON2_AT_ONCE) instead of each adding that to the worker's memory."""
    import threading

    from argon2 import PasswordHasher

    from dashboard.auth import users

    running, most, lock = [0], [0], threading.Lock()

    def slow_verify(_self, _hash, _password):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return True

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    threads = [threading.Thread(target=users.hasher.verify, args=("hash", "password")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == users.ARGON2_AT_ONCE == 1
