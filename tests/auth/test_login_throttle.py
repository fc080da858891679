"""Logins that cannot be turned against a user: progressive delays instead of a lockout, counted atomically,
IPv6 per /64, and nothing kept of a failed login but a keyed hash of the e-mail field.

Runs on the warehouse under test: SQLite, or PostgreSQL with NHSV_TEST_DATABASE_URL (the concurrency test
matters most there: several server threads and processes share the counters)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading

import pytest
from sqlalchemy import insert, select, text

from dashboard.auth import throttle
from etl import db, reference, schema
from tests.auth.helpers import COORDINATOR, HOORN, PASSWORD, client_from, csrf_token, login, logout
from tests.conftest import table_snapshot

WRONG = "fout-fout-fout-1"


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, standing still until moved on by hand (clock.advance(seconds)): a delay the test
    expects to hold does not run out while a loaded machine is slow."""

    class Clock:
        def __init__(self):
            self.now = dt.datetime.now(dt.UTC)

        def advance(self, seconds: float) -> None:
            self.now += dt.timedelta(seconds=seconds)

    fake = Clock()
    monkeypatch.setattr(throttle, "utcnow", lambda: fake.now)
    return fake


def events(engine, name: str) -> list:
    with engine.connect() as conn:
        return conn.execute(select(schema.audit_log).where(schema.audit_log.c.event == name)
                            .order_by(schema.audit_log.c.id)).all()


# --- no lockout ------------------------------------------------------------------------------------------------


def test_delays_double_from_the_first_delayed_check_up_to_the_maximum():
    cap = dt.timedelta(seconds=300)
    waits = [throttle.delay_after(n, 5, cap).total_seconds() for n in range(1, 18)]
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]
    assert throttle.delay_after(10_000, 5, cap) == cap


def test_an_attacker_slows_the_account_down_but_never_locks_it(make_app, users, clock):
    """Today's lockout: 5 wrong passwords and the right one got 429 for 15 minutes. Now each check after the free
    ones waits twice as long, up to the maximum, and the right password works as soon as its wait is over."""
    app = make_app(NHSV_LOGIN_MAX_FAILURES=5, NHSV_LOGIN_MAX_DELAY_SECONDS=300)
    retry_after, checks = [], 0
    for address in range(1, 60):  # from ever new addresses, so that only the account's count holds them
        if checks == 16:
            break
        response = login(client_from(app, f"198.51.100.{address}"), HOORN, WRONG)
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            retry_after.append(wait)
            clock.advance(wait)  # the attacker waits exactly as long as asked
        else:
            assert response.status_code == 401
            checks += 1
    assert checks == 16, f"only {checks} password checks in {address} attempts: a lockout, not a delay"
    assert len(events(users, "login_failed")) == checks
    assert retry_after == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]  # doubling, never more than the maximum

    user = client_from(app, "203.0.113.50")  # a new browser, at the worst moment
    response = login(user, HOORN, PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 300
    clock.advance(int(response.headers["Retry-After"]))
    assert login(user, HOORN, PASSWORD).status_code == 302


def test_the_right_password_works_at_once_in_a_browser_that_logged_in_before(make_app, users, clock):
    app = make_app(NHSV_LOGIN_MAX_FAILURES=3)
    own_browser = client_from(app, "192.0.2.10")
    assert login(own_browser, HOORN, PASSWORD).status_code == 302
    logout(own_browser)
    for i in range(12):  # an attacker makes the account wait, from many addresses
        login(client_from(app, f"198.51.100.{i + 1}"), HOORN, WRONG)
    assert login(client_from(app, "192.0.2.11"), HOORN, PASSWORD).status_code == 429  # a new browser waits
    # ... even from the user's own address: it is the account that is being guessed
    assert login(client_from(app, "192.0.2.10"), HOORN, PASSWORD).status_code == 429
    assert login(own_browser, HOORN, PASSWORD).status_code == 302  # the user's own browser does not


def test_a_device_cookie_helps_only_its_own_account_and_counts_its_own_failures(make_app, users, clock):
    app = make_app(NHSV_LOGIN_MAX_FAILURES=3)
    browser = client_from(app, "192.0.2.10")
    assert login(browser, HOORN, PASSWORD).status_code == 302
    logout(browser)
    for i in range(6):
        login(client_from(app, f"198.51.100.{i + 1}"), COORDINATOR, WRONG)
    assert login(browser, COORDINATOR, PASSWORD).status_code == 429  # Hoorn's cookie says nothing of this account
    # A stolen device cookie gives a guesser no more than a new browser would: its own count, slowed down too.
    statuses = [login(browser, HOORN, WRONG).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    # A forged or foreign-key cookie is no device cookie.
    forged = client_from(app, "192.0.2.12")
    forged.set_cookie("nhsv_device", "eyJhIjoiYWJjIiwiZCI6Inh5eiJ9.ZZZZ.abcdefghijklmnopqrstuvwxyz")
    assert login(forged, COORDINATOR, PASSWORD).status_code == 429


def test_an_office_behind_one_address_is_not_counted_as_an_attacker(make_app, users):
    """A successful login gives its check back: 30 logins from one address (the per-address allowance is 20)."""
    app = make_app(NHSV_LOGIN_MAX_FAILURES=5)
    for _ in range(30):
        assert login(client_from(app, "192.0.2.99"), COORDINATOR, PASSWORD).status_code == 302


# --- counted atomically ----------------------------------------------------------------------------------------


def test_simultaneous_wrong_passwords_get_no_more_checks_than_allowed(make_app, users, clock):
    """30 wrong passwords at the same moment, as 30 server threads take them: exactly 5 are checked (the count
    was read before and written after the check: 30 simultaneous attempts got 8 checks where 5 were allowed)."""
    app = make_app(NHSV_LOGIN_MAX_FAILURES=5)
    clients = [client_from(app, "192.0.2.20") for _ in range(30)]
    tokens = [csrf_token(client) for client in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    problems: list[BaseException] = []

    def attempt(client, token):
        try:
            barrier.wait(timeout=60)
            response = client.post("/login", data={"csrf_token": token, "email": HOORN, "password": WRONG})
            statuses.append(response.status_code)
        except BaseException as problem:  # noqa: BLE001 - reported by the assertion below
            problems.append(problem)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not problems, problems
    assert sorted(statuses) == [401] * 5 + [429] * 25
    assert len(events(users, "login_failed")) == 5  # one audit row per password check


# --- addresses ------------------------------------------------------------------------------------------------


def test_ipv6_addresses_count_per_64(make_app, users, clock):
    app = make_app(NHSV_LOGIN_MAX_FAILURES=2)
    for i in range(8):  # 4 x 2, on as many accounts, each from another address of one /64
        response = login(client_from(app, f"2001:db8:1:2::{i + 1:x}"), f"gok{i}@example.nl", WRONG)
        assert response.status_code == 401
    assert login(client_from(app, "2001:db8:1:2:ffff:ffff:ffff:fffe"), COORDINATOR, PASSWORD).status_code == 429
    assert login(client_from(app, "2001:db8:1:3::1"), COORDINATOR, PASSWORD).status_code == 302


def test_address_keys():
    import flask

    server = flask.Flask("keys")
    server.secret_key = "k" * 40
    with server.app_context():
        key = throttle.address_key
        assert key("2001:db8:1:2::1") == key("2001:db8:1:2:abcd::9") != key("2001:db8:1:3::1")
        assert key("::ffff:192.0.2.1") == key("192.0.2.1") != key("192.0.2.2")
        assert key("fe80::1%eth0") == key("fe80::2")
        assert key("geen adres") == key(None)
        assert len(key("192.0.2.1")) == 64 and "192.0.2.1" not in key("192.0.2.1")


# --- nothing typed is kept -------------------------------------------------------------------------------------


def test_a_failed_login_keeps_only_a_keyed_hash_of_the_email_field(make_app, users, clock):
    app = make_app(NHSV_LOGIN_MAX_FAILURES=1)
    typed = ["MijnGeheimeWachtwoord!2026", "iemand.anders@example.nl", HOORN]  # a password, a typo, a user
    client = client_from(app, "192.0.2.30")
    for email in typed:
        login(client, email, "ook-geheim-typwerk")
    assert login(client, typed[0], "ook-geheim-typwerk").status_code == 429  # throttled: kept by hash only too

    everything = json.dumps(table_snapshot(users), default=str).lower()
    for secret in (*typed[:2], "ook-geheim-typwerk"):
        assert secret.lower() not in everything, secret
    with users.connect() as conn:
        counters = json.dumps([list(r) for r in conn.execute(select(schema.login_throttle))], default=str)
    failures = events(users, "login_failed") + events(users, "login_throttled")
    assert HOORN not in counters and HOORN not in json.dumps([list(r) for r in failures], default=str)
    assert all(r.actor is None for r in failures)

    key = app.server.secret_key.encode()
    digests = [hmac.new(key, f"account\0{e.lower()}".encode(), hashlib.sha256).hexdigest() for e in typed]
    assert [json.loads(r.detail)["email_hmac"] for r in events(users, "login_failed")] == digests
    assert hashlib.sha256(typed[0].lower().encode()).hexdigest() not in everything  # keyed, not a plain hash
    with users.connect() as conn:
        keys = set(conn.execute(select(schema.login_throttle.c.key)).scalars())
    assert set(digests) <= keys and all(len(k) == 64 for k in keys)


# --- settings -------------------------------------------------------------------------------------------------


def test_a_window_shorter_than_the_longest_delay_is_refused(make_app, engine):
    with pytest.raises(RuntimeError, match="NHSV_LOGIN_WINDOW_MINUTES"):
        make_app(NHSV_LOGIN_WINDOW_MINUTES=5, NHSV_LOGIN_MAX_DELAY_SECONDS=600)


# --- the migration ------------------------------------------------------------------------------------------


def test_0004_drops_what_failed_logins_stored_and_keeps_users_and_other_events(fresh_database):
    engine = db.make_engine(fresh_database)
    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    try:
        db.upgrade(engine, "0003")
        with engine.begin() as conn:
            reference.load_dimensions(conn)
            conn.execute(text("INSERT INTO app_user (email, role, municipality_code, active, password_hash, "
                              "session_version, created_at) VALUES ('hoorn@example.nl', 'gemeente', 'GM0405', "
                              "true, 'x', 1, :at)"), {"at": now})
            conn.execute(text("INSERT INTO login_failure (at, email, address) VALUES "
                              "(:at, 'MijnWachtwoord!1', '192.0.2.1')"), {"at": now})
            audit = schema.audit_log
            conn.execute(insert(audit), [
                {"at": now, "actor": "MijnWachtwoord!1", "event": "login_failed", "detail": "onbekend e-mailadres"},
                {"at": now, "actor": "hoorn@example.nl", "event": "login_failed", "detail": "wachtwoord onjuist"},
                {"at": now, "actor": "typfout@example.nl", "event": "login_throttled", "detail": "te veel"},
                {"at": now, "actor": "hoorn@example.nl", "event": "login_ok", "detail": "gemeente"},
                {"at": now, "actor": "beheerder (cli)", "event": "user_added", "detail": "{}"},
            ])
        db.upgrade(engine)
        with engine.connect() as conn:
            assert not conn.dialect.has_table(conn, "login_failure")
            actors = conn.execute(select(schema.audit_log.c.event, schema.audit_log.c.actor)
                                  .order_by(schema.audit_log.c.id)).all()
        assert [tuple(a) for a in actors] == [
            ("login_failed", None), ("login_failed", "hoorn@example.nl"), ("login_throttled", None),
            ("login_ok", "hoorn@example.nl"), ("user_added", "beheerder (cli)")]
        assert "MijnWachtwoord" not in json.dumps(table_snapshot(engine), default=str)
    finally:
        engine.dispose()
