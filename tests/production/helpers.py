"""What the production-serving tests share: `serve_production` (gunicorn) in a subprocess with its access log,
and reading its answers (CSRF token, the pages router's request body, texts, answers from every worker)."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.serverprocess import ServerError, ServerProcess

ROOT = Path(__file__).resolve().parent.parent.parent
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
