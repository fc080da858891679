"""Production serving (issue 8): gunicorn with two workers sharing sessions (acceptance 1), `nhsv init` upgrading
a warehouse of the previous schema version without losing data (acceptance 2), JSON-lines logs, trusted proxies.

The integration test runs on the warehouse under test: PostgreSQL when NHSV_TEST_DATABASE_URL is set, otherwise
a SQLite file, so it runs in both CI passes.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import requests
from alembic import command as alembic_command
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from cli import serve as production
from cli.main import main
from dashboard import auth
from etl import db, load, reference, schema
from nhsv import proxies, settings
from nhsv.settings import ConfigurationError
from tests.conftest import good_values, table_snapshot
from tests.serverprocess import ServerError, ServerProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "coordinator-prod@example.nl"
PASSWORD = "een-goed-wachtwoord-123"
SECRET = "test-secret-key-for-two-workers-0123456789"
ACCESS_TABLES = {"app_user", "user_session", "login_throttle", "audit_log"}
EMPTY_STATE = "nog geen aanleveringen geladen"
START_TIMEOUT = 90  # seconds for gunicorn and both workers to come up
SPREAD_TIMEOUT = 90  # seconds to get answers from both workers
REQUEST_TIMEOUT = 30
LOG_TIMEOUT = 10  # seconds for an access-log line to appear after its response


# --- a gunicorn server in a subprocess ------------------------------------------------------------------


class Server(ServerProcess):
    """`serve_production` in a subprocess (its own process group), with its stdout and stderr in files."""

    def __init__(self, tmp_path: Path, database_url: str, workers: int = 2):
        # NHSV_MFA=optional: these users log in with a password alone (the second factor: tests/accounts/)
        super().__init__(tmp_path, {"NHSV_DATABASE_URL": database_url, "NHSV_SECRET_KEY": SECRET,
                                    "NHSV_THREADS": "2", "NHSV_MFA": "optional"}, workers,
                         start_timeout=START_TIMEOUT)

    def start(self) -> None:
        try:
            super().start()
        except ServerError as problem:
            pytest.fail(str(problem))

    def access_entry(self, request_id: str) -> dict:
        """The access-log line of one request (found by its X-Request-Id), waiting for it a bounded time."""
        found = self.wait_for_entries([request_id], LOG_TIMEOUT)
        if request_id not in found:
            pytest.fail(f"no access-log line for request {request_id} within {LOG_TIMEOUT} s\n{self.logs()}")
        return self.entries.pop(request_id)

    def request(self, method: str, path: str, session: requests.Session | None = None,
                **kwargs) -> tuple[requests.Response, int]:
        """One request on a new connection (so that either worker may take it); returns it and the pid of the
        worker that answered it, from the access log."""
        request_id = uuid.uuid4().hex
        headers = {"Connection": "close", "X-Request-Id": request_id, **kwargs.pop("headers", {})}
        sender = session or requests
        response = sender.request(method, self.base + path, headers=headers, timeout=REQUEST_TIMEOUT,
                                  allow_redirects=False, **kwargs)
        entry = self.access_entry(request_id)
        assert entry["status"] == response.status_code
        assert entry["path"] == path.split("?")[0]
        return response, entry["pid"]


@pytest.fixture
def server_factory(tmp_path):
    servers: list[Server] = []

    def make(database_url: str, workers: int = 2) -> Server:
        server = Server(tmp_path, database_url, workers)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def router_body(dependencies: list[dict], pathname: str) -> dict:
    """A /_dash-update-component body for Dash's pages router, as the browser sends it for `pathname`."""
    spec = next(d for d in dependencies if "_pages_content.children" in d["output"])
    values = {"_pages_location.pathname": pathname, "_pages_location.search": ""}

    def item(dep):
        value = values.get(f"{dep['id']}.{dep['property']}")
        return {"id": dep["id"], "property": dep["property"], "value": value}

    key = spec["output"]
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
               for part in key.strip(".").split("...")]
    return {"output": key, "outputs": outputs, "inputs": [item(d) for d in spec.get("inputs", [])],
            "state": [item(d) for d in spec.get("state", [])], "changedPropIds": ["_pages_location.pathname"]}


def strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return []


def until_both(server: Server, ask, what: str) -> dict[int, list]:
    """Call `ask()` (which returns the answering pid and a result) until every worker has answered."""
    answers: dict[int, list] = {}
    deadline = time.monotonic() + SPREAD_TIMEOUT
    workers = server.worker_pids()
    while not workers <= set(answers):
        server.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: only workers {sorted(answers)} of {sorted(workers)} answered within "
                        f"{SPREAD_TIMEOUT} s")
        pid, result = ask()
        answers.setdefault(pid, []).append(result)
    assert set(answers) == workers, (answers.keys(), workers)
    return answers


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


# --- acceptance 2: `nhsv init` upgrades a warehouse of the previous schema version ---------------------------


def unchanged(after: dict[str, list[tuple]], before: dict[str, list[tuple]]) -> bool:
    """Every row as before; load_run's rows gained one column at the end (0004: status, 'finished' here)."""
    runs = after["load_run"]
    return ({**after, "load_run": [row[:-1] for row in runs]} == before
            and {row[-1] for row in runs} == {"finished"})


def test_init_upgrades_previous_schema_without_losing_data(fresh_database, workbook, monkeypatch):
    old = db.make_engine(fresh_database)
    db.upgrade(old)  # loaded with today's loader, which writes columns of later revisions, then taken back
    with old.begin() as conn:
        reference.load_dimensions(conn)
    texel = good_values(resources={"capaciteit_fte": 0.8})
    report = load.load_files(old, [("hoorn-2026Q2.xlsx", workbook("GM0405", "2026Q2")),
                                   ("hoorn-2026Q3.xlsx", workbook("GM0405", "2026Q3")),
                                   ("texel-2026Q3.xlsx", workbook("GM0448", "2026Q3", texel))], actor="test")
    assert [f.outcome for f in report.files] == ["loaded"] * 3, [f.findings for f in report.files]
    cfg = db.alembic_config()
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        alembic_command.downgrade(cfg, "0001")
    assert db.schema_revision(old) == "0001"
    assert not ACCESS_TABLES & set(inspect(old).get_table_names())
    before = table_snapshot(old)
    assert before["submission"] and before["fact_resources"] and before["mart_municipality_quarter"]
    old.dispose()

    # `nhsv init`, as an administrator runs it after installing a new version.
    monkeypatch.setenv("NHSV_DATABASE_URL", fresh_database)
    cached = db.engine
    monkeypatch.setattr(db, "engine", lambda url=None: cached(url or settings.database_url()))
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert "bijgewerkt" in result.output and db.head_revision() in result.output

    new = db.make_engine(fresh_database)
    try:
        assert db.schema_revision(new) == db.head_revision()
        assert ACCESS_TABLES <= set(inspect(new).get_table_names())
        assert unchanged(table_snapshot(new, list(before)), before)  # every row of every table
        fr, sub = schema.resources, schema.submission
        with new.connect() as conn:
            fte = conn.execute(select(fr.c.capacity_fte).select_from(fr.join(sub, fr.c.submission_id == sub.c.id))
                               .where(sub.c.municipality_code == "GM0448", sub.c.quarter == "2026Q3")).scalar_one()
        assert float(fte) == 0.8
        # The upgraded warehouse works: users can be added, and `nhsv init` again changes nothing.
        auth.add_user(new, EMAIL, "coordinator", None, PASSWORD, actor="test")
        result = CliRunner().invoke(main, ["init"])
        assert result.exit_code == 0 and "al actueel" in result.output
        assert unchanged(table_snapshot(new, list(before)), before)
    finally:
        new.dispose()
        cached(fresh_database).dispose()


# --- JSON-lines logs ---------------------------------------------------------------------------------------


LOGGING_SCRIPT = textwrap.dedent("""
    import logging, warnings
    import flask
    from cli import serve as production

    production.configure_logging()
    log = logging.getLogger("nhsv.test")
    log.info("plain message with a quote \\" and\\nnewline")
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("failed")
    warnings.warn("a warning becomes a log record")
    app = flask.Flask("probe")
    with app.test_request_context("/signalen?x=1", method="POST", headers={"X-Request-Id": "abc"}):
        app.logger.warning("inside a request")
    logging.getLogger("gunicorn.access").info(
        production.ACCESS_LOG_FORMAT,
        {"h": "10.0.0.1", "r": "GET /a?b=c HTTP/1.1", "s": "200", "b": "12", "B": 12, "M": 3, "D": 3456,
         "f": "-", "a": "curl/8", "m": "GET", "U": "/a", "q": "b=c", "{x-request-id}i": "r-1"})
""")


def run_logging_script(log_format: str) -> tuple[list[str], list[str]]:
    env = {**os.environ, "NHSV_LOG_FORMAT": log_format, "PYTHONWARNINGS": "default"}
    done = subprocess.run([sys.executable, "-c", LOGGING_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)  # asserted below, with its stderr
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines(), done.stderr.splitlines()


def test_json_log_format_writes_one_object_per_line():
    out, err = run_logging_script("json")
    entries = [json.loads(line) for line in out + err]  # every line parses
    assert len(err) == 4 and len(out) == 1
    for entry in entries:
        assert {"time", "level", "logger", "message", "pid"} <= entry.keys()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"]), entry["time"]
    plain, failed, warned, in_request = (json.loads(line) for line in err)
    assert plain["message"] == 'plain message with a quote " and\nnewline' and plain["level"] == "INFO"
    assert failed["level"] == "ERROR" and "ZeroDivisionError" in failed["exception"]
    assert warned["logger"] == "py.warnings" and "a warning becomes a log record" in warned["message"]
    assert in_request["logger"] == "probe" and in_request["level"] == "WARNING"
    assert (in_request["method"], in_request["path"], in_request["request_id"]) == ("POST", "/signalen", "abc")
    access = json.loads(out[0])
    assert access["logger"] == "gunicorn.access"
    assert (access["method"], access["path"], access["query"], access["status"], access["bytes"],
            access["duration_ms"], access["remote_addr"], access["request_id"]) == (
        "GET", "/a", "b=c", 200, 12, 3.5, "10.0.0.1", "r-1")
    assert access["message"].startswith('10.0.0.1 "GET /a?b=c HTTP/1.1" 200 12 3ms')


def test_text_log_format_is_plain_lines():
    out, err = run_logging_script("text")
    assert len(err) > 4  # the traceback spans lines
    assert " [INFO] nhsv.test: plain message" in err[0]
    for line in out + err:
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)


def test_json_formatter_takes_odd_access_atoms():
    """A response without a status code or size (a broken connection) still gives a JSON line."""
    atoms = {"h": "10.0.0.1", "r": "GET / HTTP/1.1", "s": "-", "b": "-", "B": None, "M": 0, "D": None,
             "f": "-", "a": "-", "m": "GET", "U": "/", "q": ""}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, production.ACCESS_LOG_FORMAT,
                               (atoms,), None)
    entry = json.loads(production.JsonFormatter().format(record))
    assert entry["path"] == "/" and "status" not in entry and "bytes" not in entry and "query" not in entry
    assert "user_agent" not in entry and "referer" not in entry


def test_json_log_lines_carry_the_request_id_the_app_answered_with():
    """Without a proxy's X-Request-Id the app makes one (and answers with it): the access log and the app's own
    lines name that one, so that a user's 'foutcode' finds both."""
    import flask

    atoms = {"h": "10.0.0.1", "r": "GET / HTTP/1.1", "s": "503", "b": "9", "B": 9, "M": 1, "D": 1000,
             "f": "-", "a": "-", "m": "GET", "U": "/", "q": "", "{x-request-id}o": "made-by-the-app-1"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, production.ACCESS_LOG_FORMAT,
                               (atoms,), None)
    assert json.loads(production.JsonFormatter().format(record))["request_id"] == "made-by-the-app-1"

    app = flask.Flask("probe")
    with app.test_request_context("/"):
        flask.g.request_id = "made-by-the-app-2"
        record = logging.LogRecord("dashboard.auth", logging.ERROR, __file__, 1, "database unavailable", (), None)
        assert json.loads(production.JsonFormatter().format(record))["request_id"] == "made-by-the-app-2"


# --- configuration checks ------------------------------------------------------------------------------------


def test_gunicorn_options(monkeypatch):
    for name in ("NHSV_WORKERS", "NHSV_THREADS", "NHSV_FORWARDED_ALLOW_IPS", "NHSV_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    options = production.gunicorn_options("0.0.0.0", 8050)
    assert options["bind"] == ["0.0.0.0:8050"]
    assert options["workers"] == 2 and options["threads"] == 4 and options["worker_class"] == "gthread"
    assert options["preload_app"] is False
    assert options["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert options["timeout"] >= 60 and options["control_socket_disable"] is True
    assert production.gunicorn_options("::1", 9000, workers=3, threads=1)["bind"] == ["[::1]:9000"]
    assert production.gunicorn_options("::", 80, workers=3)["workers"] == 3

    monkeypatch.setenv("NHSV_WORKERS", "5")
    assert production.gunicorn_options("127.0.0.1", 1)["workers"] == 5
    from gunicorn.config import Config

    config = Config()
    for key, value in production.gunicorn_options("127.0.0.1", 8050).items():
        if key in config.settings:
            config.set(key, value)  # gunicorn accepts every value
    assert config.workers == 5 and config.preload_app is False
    for value in ("", "127.0.0.1, 172.29.80.1, ::1"):
        monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", value)
        config.set("forwarded_allow_ips", production.gunicorn_options("127.0.0.1", 1)["forwarded_allow_ips"])


@pytest.mark.parametrize(("env", "message"), [
    ({"NHSV_WORKERS": "0"}, "NHSV_WORKERS"),
    ({"NHSV_THREADS": "veel"}, "NHSV_THREADS"),
    ({"NHSV_LOG_FORMAT": "xml"}, "NHSV_LOG_FORMAT"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "10.0.0.0/8, proxy.example"}, "NHSV_FORWARDED_ALLOW_IPS"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "127.0.0.1, 172.16.0.0/12"}, "geen netwerken"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "*"}, "geen netwerken"),
    ({"NHSV_FORWARDED_ALLOW_IPS": "proxy.example"}, "ongeldig adres"),
    ({"NHSV_ENV": "production", "NHSV_SECRET_KEY": ""}, "NHSV_SECRET_KEY"),
    ({"NHSV_ENV": "production", "NHSV_SECRET_KEY": "kort"}, "NHSV_SECRET_KEY"),
])
def test_serve_production_refuses_bad_settings_before_starting(monkeypatch, env, message):
    monkeypatch.setattr(db, "engine", functools.lru_cache(maxsize=8)(db.make_engine))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    started = []
    monkeypatch.setattr("gunicorn.app.base.BaseApplication.run", lambda self: started.append(self))  # noqa: PLW0108 - a lambda binds self, list.append would not
    with pytest.raises(production.ConfigurationError, match=message):
        production.serve_production("127.0.0.1", free_port())
    assert not started


def test_development_workers_share_one_generated_secret_key(monkeypatch, tmp_path):
    monkeypatch.setattr(db, "engine", functools.lru_cache(maxsize=8)(db.make_engine))
    monkeypatch.setenv("NHSV_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("NHSV_ENV", "development")
    monkeypatch.setenv("NHSV_SECRET_KEY", "")
    started = []
    monkeypatch.setattr("gunicorn.app.base.BaseApplication.run", lambda self: started.append(self))  # noqa: PLW0108 - a lambda binds self, list.append would not
    production.serve_production("127.0.0.1", free_port(), workers=2)
    assert len(started) == 1
    assert len(os.environ["NHSV_SECRET_KEY"]) >= 32  # set before the fork: every worker signs with it
    assert started[0].cfg.workers == 2 and started[0].cfg.preload_app is False


def test_no_worker_inherits_a_database_connection_of_the_master(monkeypatch, tmp_path):
    """The CLI checks the schema before serving; those pooled connections are closed before the fork."""
    monkeypatch.setattr(db, "engine", functools.lru_cache(maxsize=8)(db.make_engine))
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("NHSV_DATABASE_URL", url)
    master = db.engine(url)
    db.schema_revision(master)
    assert master.pool.checkedin() == 1
    production._release_database_connections()
    assert master.pool.checkedin() == 0  # nothing open is left to share
    assert db.schema_revision(db.engine(url)) == db.schema_revision(master)  # a worker opens its own


# --- trusted proxies -------------------------------------------------------------------------------------------


def _echo(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]


def _call(app, remote_addr: str, forwarded_for: str = "203.0.113.9", proto: str = "https") -> str:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x", "SERVER_PORT": "80",
               "REMOTE_ADDR": remote_addr, "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "HTTP_X_FORWARDED_FOR": forwarded_for, "HTTP_X_FORWARDED_PROTO": proto}
    return b"".join(app(environ, lambda *_args: None)).decode()


class _Server:
    def __init__(self):
        self.wsgi_app = _echo


def test_forwarded_headers_count_only_from_trusted_proxies(monkeypatch):
    monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", "127.0.0.1, 172.29.80.1")
    app = proxies.behind_proxy(_Server()).wsgi_app
    assert _call(app, "127.0.0.1") == "203.0.113.9 https"
    assert _call(app, "172.29.80.1", "198.51.100.1, 203.0.113.9") == "203.0.113.9 https"  # the last hop counts
    assert _call(app, "::ffff:172.29.80.1") == "203.0.113.9 https"  # the proxy, as a dual-stack socket reports it
    assert _call(app, "172.29.80.5") == "172.29.80.5 http"  # a neighbour of the proxy is no proxy
    assert _call(app, "198.51.100.7") == "198.51.100.7 http"  # a direct client cannot forge its address
    assert _call(app, "not-an-address") == "not-an-address http"

    monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", "")
    assert proxies.behind_proxy(_Server()).wsgi_app is _echo
    for networks in ("*", "172.16.0.0/12", "127.0.0.1, 10.0.0.0/8", "::1/128"):
        monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", networks)
        with pytest.raises(ConfigurationError, match="geen netwerken"):
            proxies.behind_proxy(_Server())


def compose_proxy_setup() -> tuple[str, str, str]:
    """The proxy address the compose file trusts by default, and the default subnet and gateway of its network."""
    import yaml

    def default(value: str) -> str:
        match = re.fullmatch(r"\$\{[A-Z_]+:-([^}]*)\}", str(value))
        return match.group(1) if match else str(value)

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    trusted = default(compose["services"]["app"]["environment"]["NHSV_FORWARDED_ALLOW_IPS"])
    ipam = compose.get("networks", {}).get("default", {}).get("ipam", {}).get("config", [{}])[0]
    return trusted, default(ipam.get("subnet", "")), default(ipam.get("gateway", ""))


def test_compose_trusts_only_the_gateway_the_host_proxy_comes_from():
    import ipaddress

    trusted, subnet, gateway = compose_proxy_setup()
    assert proxies.trusted_proxies(trusted) == {ipaddress.ip_address(gateway)}
    assert ipaddress.ip_address(gateway) in ipaddress.ip_network(subnet)


def test_a_container_beside_the_proxy_cannot_rotate_its_address(make_app, engine, monkeypatch):
    """Another container on the compose network sends a new X-Forwarded-For with every wrong password: it is
    slowed down and logged at its real address, as the compose file's proxy setting is applied."""
    import datetime as dt
    import ipaddress

    from dashboard import auth
    from dashboard.auth import throttle
    from tests.test_auth import csrf_token

    trusted, subnet, gateway = compose_proxy_setup()
    monkeypatch.setenv("NHSV_FORWARDED_ALLOW_IPS", trusted)
    now = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(throttle, "utcnow", lambda: now)  # delays do not run out on a slow machine
    app = make_app(NHSV_LOGIN_MAX_FAILURES=1)
    server = proxies.behind_proxy(app.server)
    neighbour = str(ipaddress.ip_network(subnet)[5])
    auth.add_user(engine, "slachtoffer@example.nl", "coordinator", None, PASSWORD, actor="test")
    statuses = []
    for i in range(6):  # 4 per address are free with one per account, each on another account here
        client = server.test_client()
        client.environ_base["REMOTE_ADDR"] = neighbour
        forged = {"X-Forwarded-For": f"203.0.113.{i + 1}"}
        token = csrf_token(client)
        statuses.append(client.post("/login", headers=forged, data={
            "csrf_token": token, "email": f"gok{i}@example.nl", "password": "fout-fout-fout"}).status_code)
    assert statuses == [401, 401, 401, 401, 429, 429]
    with engine.connect() as conn:
        addresses = set(conn.execute(select(schema.audit_log.c.address)
                                     .where(schema.audit_log.c.event.like("login_%"))).scalars())
    assert addresses == {neighbour}
    # the proxy itself is trusted: through it, the client's address counts
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = gateway
    token = csrf_token(client)
    response = client.post("/login", headers={"X-Forwarded-For": "198.51.100.20"}, data={
        "csrf_token": token, "email": "slachtoffer@example.nl", "password": PASSWORD})
    assert response.status_code == 302


def test_the_app_keeps_numpy_to_one_blas_thread(engine):
    """Requests run in parallel already; competing OpenBLAS threads made the suppression 5-20 times slower."""
    from threadpoolctl import threadpool_info

    from dashboard.app import create_app

    create_app()
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    assert blas and all(info["num_threads"] == 1 for info in blas)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_layers_import_one_way_settings_at_the_bottom_serving_on_top():
    """dashboard.wsgi and the production server imported each other; now the server (cli.serve) loads the app
    (wsgi), the app uses the proxy fix and the settings, and those two import neither (tests/test_layers.py checks
    the packages as a whole)."""
    wsgi, serving = _imports(ROOT / "dashboard" / "wsgi.py"), _imports(ROOT / "cli" / "serve.py")
    assert "dashboard.wsgi" in serving
    assert not {name for name in wsgi if name.startswith("cli")}
    for bottom in ("settings.py", "proxies.py"):
        names = _imports(ROOT / "nhsv" / bottom)
        assert not {n for n in names if n.startswith(("dashboard", "cli", "etl"))}, bottom