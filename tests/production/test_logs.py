"""The server's logs: JSON lines (one object per line, carrying the request id the app answered with) or plain text."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import textwrap

import pytest

from cli import serve as production
from tests.production.helpers import ROOT

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
