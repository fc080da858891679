"""Production serving (issue 8, acceptance 1): gunicorn with two workers sharing one login and one logout.

The integration test runs on the warehouse under test: PostgreSQL when NHSV_TEST_DATABASE_URL is set, otherwise
a SQLite file, so it runs in both CI passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from dashboard import auth
from etl import load, schema
from tests.production.helpers import (
    EMAIL,
    EMPTY_STATE,
    PASSWORD,
    REQUEST_TIMEOUT,
    csrf_token,
    router_body,
    strings,
    until_both,
)

# --- acceptance 1: two gunicorn workers, one login, one logout -------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds gunicorn's workers in /proc (Linux only)")
def test_two_workers_share_login_data_and_logout(engine, workbook, server_factory):
    auth.add_user(engine, EMAIL, "coordinator", None, PASSWORD, actor="test")
    server = server_factory(engine.url.render_as_string(hide_password=False), workers=2)
    workers = server.worker_pids()
    assert len(workers) == 2 and server.process.pid not in workers

    # Anonymous: the health check answers, Dash's endpoints do not.
    health = requests.get(server.base + "/healthz", timeout=REQUEST_TIMEOUT).json()
    assert health["database"] is True and health["schema_current"] is True
    response, _pid = server.request("GET", "/_dash-layout")
    assert response.status_code == 401

    # Log in (the CSRF token of the form is checked by whichever worker takes the POST).
    browser = requests.Session()
    response, _pid = server.request("GET", "/login", browser)
    response, _pid = server.request("POST", "/login", browser, headers={"Referer": server.base + "/login"},
                                    data={"csrf_token": csrf_token(response.text), "email": EMAIL,
                                          "password": PASSWORD})
    assert response.status_code == 302, response.text[:500]
    assert response.headers["Location"] == "/"
    dependencies, _pid = server.request("GET", "/_dash-dependencies", browser)
    assert dependencies.status_code == 200
    body = router_body(dependencies.json(), "/")

    def overview():
        response, pid = server.request("POST", "/_dash-update-component", browser, json=body)
        assert response.status_code == 200, response.text[:500]
        return pid, "\n".join(strings(response.json()["response"]["_pages_content"]["children"]))

    pid, before = overview()
    assert EMPTY_STATE in before

    # Load a file through the loader into the same warehouse; both workers show it at once (no process cache).
    report = load.load_files(engine, [("hoorn-2026Q3.xlsx", workbook("GM0405", "2026Q3"))], actor="test")
    assert report.files[0].outcome == "loaded", report.files[0].findings

    def page_and_overview():
        page, page_pid = server.request("GET", "/", browser)
        assert page.status_code == 200 and "NHSV-monitor" in page.text
        layout, layout_pid = server.request("GET", "/_dash-layout", browser)
        assert layout.status_code == 200
        pid, content = overview()
        return pid, (page_pid, layout_pid, content)

    answers = until_both(server, page_and_overview, "pages after the load")
    for pid, results in answers.items():
        for _page_pid, _layout_pid, content in results:
            assert EMPTY_STATE not in content, pid
            assert "Hoorn" in content, (pid, content[:1000])

    # Log out; the cookie that was valid just before is refused by both workers.
    old_cookie = browser.cookies.get("nhsv_session")
    assert old_cookie
    response, _pid = server.request("GET", "/_dash-layout", cookies={"nhsv_session": old_cookie})
    assert response.status_code == 200
    form, _pid = server.request("GET", "/logout", browser)
    assert form.status_code == 200
    response, _pid = server.request("POST", "/logout", browser, data={"csrf_token": csrf_token(form.text)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")

    def with_old_cookie():
        response, pid = server.request("GET", "/_dash-layout", cookies={"nhsv_session": old_cookie})
        return pid, response.status_code

    answers = until_both(server, with_old_cookie, "the old cookie after logout")
    assert {status for statuses in answers.values() for status in statuses} == {401}
    with engine.connect() as conn:
        s = schema.user_session
        assert conn.execute(select(func.count()).select_from(s).where(s.c.ended_at.is_(None))).scalar_one() == 0

    # Every line either process wrote is one JSON object (NHSV_LOG_FORMAT=json).
    server.stop()
    lines = [line for p in (server.stdout_path, server.stderr_path) for line in p.read_text().splitlines()]
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= entry.keys(), line
    loggers = {json.loads(line)["logger"] for line in lines}
    assert {"gunicorn.error", "gunicorn.access", "dashboard.auth"} <= loggers
