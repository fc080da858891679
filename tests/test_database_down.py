"""When the database goes away: every request answers 503 with Retry-After, in Dutch and in the monitor's own
layout, logs one line with its request id, and the monitor recovers by itself when the database is back.

Each test takes a database of its own and breaks it for real: a SQLite file moved away (a directory in its
place), or a PostgreSQL database renamed with its connections ended (NHSV_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard import auth
from etl import db
from tests.auth.helpers import COORDINATOR, PASSWORD, csrf_token, login
from tests.serverprocess import ServerProcess

UNAVAILABLE = "Monitor tijdelijk niet beschikbaar"


class Outage:
    """A warehouse of its own that can be taken away and brought back while the app runs."""

    def __init__(self, url: str):
        self.url = url
        self.parsed = make_url(url)
        self.away = False

    def take_away(self) -> None:
        self.away = True
        db.engine(self.url).dispose()  # no connection opened before the outage outlives it (a pool turnover)
        if self.parsed.get_backend_name() == "sqlite":
            path = Path(self.parsed.database)
            for suffix in ("-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            path.rename(str(path) + ".weg")
            path.mkdir()  # "unable to open database file", also for root (who reads files whatever their mode)
        else:
            self._admin(f'ALTER DATABASE "{self.parsed.database}" RENAME TO "{self.parsed.database}_weg"',
                        end_connections_to=self.parsed.database)

    def bring_back(self) -> None:
        self.away = False
        if self.parsed.get_backend_name() == "sqlite":
            path = Path(self.parsed.database)
            path.rmdir()
            Path(str(path) + ".weg").rename(path)
        else:
            self._admin(f'ALTER DATABASE "{self.parsed.database}_weg" RENAME TO "{self.parsed.database}"')

    def _admin(self, statement: str, end_connections_to: str | None = None) -> None:
        admin = create_engine(self.parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                if end_connections_to:
                    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = :name AND pid <> pg_backend_pid()"),
                                 {"name": end_connections_to})
                conn.execute(text(statement))
        finally:
            admin.dispose()


@pytest.fixture
def outage(fresh_database, monkeypatch):
    monkeypatch.setenv("NHSV_DATABASE_URL", fresh_database)
    engine = db.engine(fresh_database)
    db.init(engine)
    auth.add_user(engine, COORDINATOR, "coordinator", None, PASSWORD, actor="test")
    found = Outage(fresh_database)
    yield found
    if found.away:  # a failed test: put the database back, so that its fixture can drop it
        found.bring_back()
    engine.dispose()


@pytest.fixture
def app(outage):
    from dashboard import data
    from dashboard.app import create_app

    data.clear_caches()
    yield create_app(outage.url)
    data.clear_caches()


def error_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_pages_answer_503_in_dutch_in_the_monitors_layout_and_recover(app, outage, caplog):
    client = app.server.test_client()
    assert login(client, COORDINATOR).status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200

    outage.take_away()
    caplog.clear()
    caplog.set_level(logging.INFO)
    response = client.get("/", headers={"X-Request-Id": "proxy-id-0123456789"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-Request-Id"] == "proxy-id-0123456789"
    html = response.get_data(as_text=True)
    assert UNAVAILABLE in html and 'lang="nl"' in html and 'class="site-header"' in html
    assert "proxy-id-0123456789" in html  # the user can quote it
    assert "Traceback" not in html and "OperationalError" not in html and "Internal Server Error" not in html
    [line] = error_lines(caplog)  # one line per failed request, with its id, without a traceback
    assert "proxy-id-0123456789" in line.getMessage() and line.exc_info is None
    assert line.name == "dashboard.auth" and "503" in line.getMessage()

    # The page's stylesheets come without the database.
    for sheet in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert client.get(sheet).status_code == 200, sheet

    # Dash's endpoints answer in JSON, each request with an id of its own.
    caplog.clear()
    ids = set()
    for method, path, body in (("GET", "/_dash-layout", None), ("GET", "/_dash-dependencies", None),
                               ("POST", "/_dash-update-component", {"output": "x.children", "inputs": []})):
        answer = client.open(path, method=method, json=body)
        assert answer.status_code == 503 and answer.is_json, path
        assert answer.get_json()["error"] == UNAVAILABLE and answer.headers["Retry-After"]
        ids.add(answer.headers["X-Request-Id"])
    assert len(ids) == 3
    assert len(error_lines(caplog)) == 3 and all(any(i in r.getMessage() for i in ids) for r in error_lines(caplog))

    # Logging in needs the database as well; the login page itself does not.
    anonymous = app.server.test_client()
    assert anonymous.get("/login").status_code == 200
    token = csrf_token(anonymous)
    refused = anonymous.post("/login", data={"csrf_token": token, "email": COORDINATOR, "password": PASSWORD})
    assert refused.status_code == 503 and UNAVAILABLE in refused.get_data(as_text=True)
    health = anonymous.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] is False

    # Back: the same session works again, without a restart.
    outage.bring_back()
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert anonymous.get("/healthz").status_code == 200


def test_a_request_id_that_could_forge_log_lines_is_replaced(app, outage):
    client = app.server.test_client()
    for sent in ("kort", "x" * 65, "id met spaties", "regel\neen"):
        try:
            got = client.get("/login", headers={"X-Request-Id": sent}).headers["X-Request-Id"]
        except ValueError:  # werkzeug refuses a newline in a header before the app sees it
            continue
        assert got != sent and re.fullmatch(r"[0-9a-f]{32}", got)
    assert client.get("/login").headers["X-Request-Id"] != client.get("/login").headers["X-Request-Id"]


@pytest.mark.slow
def test_under_gunicorn_a_lost_database_gives_the_dutch_503_and_one_log_line(outage, tmp_path):
    """What a browser got from the production server: gunicorn's bare English 'Internal Server Error', and
    two tracebacks in the log for every request."""
    if outage.parsed.get_backend_name() == "sqlite":
        pytest.skip("a worker's open SQLite connections keep reading the moved file; the PostgreSQL variant ends "
                    "them (the test client variant above covers SQLite)")
    # production settings, but a password alone logs in: the second factor is not what this test is about
    server = ServerProcess(tmp_path, {"NHSV_DATABASE_URL": outage.url, "NHSV_THREADS": "2", "NHSV_MFA": "optional"},
                           workers=1, start_timeout=90)
    server.start()
    try:
        browser = requests.Session()
        form = browser.get(server.base + "/login", timeout=30)
        response = browser.post(server.base + "/login", allow_redirects=False, timeout=30, data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1),
            "email": COORDINATOR, "password": PASSWORD})
        assert response.status_code == 302
        # the overview itself, not the login page after a redirect
        assert browser.get(server.base + "/", allow_redirects=False, timeout=30).status_code == 200

        outage.take_away()
        request_ids = [uuid.uuid4().hex for _ in range(3)]
        for request_id in request_ids:
            response = browser.get(server.base + "/", headers={"X-Request-Id": request_id}, allow_redirects=False,
                                   timeout=30)
            assert response.status_code == 503, response.text[:300]
            assert UNAVAILABLE in response.text and response.headers["Retry-After"]
        server.wait_for_entries(request_ids)
        lines = [json.loads(line) for line in server.stderr_path.read_text().splitlines() if line.strip()]
        for request_id in request_ids:
            about = [line for line in lines if request_id in json.dumps(line)]
            assert len(about) == 1, about
            assert about[0]["level"] == "ERROR" and "exception" not in about[0]
        assert not [line for line in lines if "Traceback" in json.dumps(line)]

        outage.bring_back()
        assert browser.get(server.base + "/", allow_redirects=False, timeout=30).status_code == 200
    finally:
        server.stop()
