"""A production server under test and a client for it: gunicorn (`nhsv.production.serve_production`) in a
subprocess on 127.0.0.1, logged-in `requests` sessions, and the bodies Dash's renderer posts to
/_dash-update-component.

Server time is read from gunicorn's own access log (NHSV_LOG_FORMAT=json: `duration_ms` is gunicorn's %(D)s,
the time from reading the request to sending the response in the worker), matched to the request by its
X-Request-Id. The client's wall time is kept beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from nhsv.settings import PROJECT_ROOT

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnop"
PASSWORD = "benchmark-wachtwoord-2026"
START_TIMEOUT = 120
REQUEST_TIMEOUT = 30

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
MAP_ID = {"name": "overzicht", "type": "map"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with `workers` processes (production settings) in its own process group."""

    def __init__(self, folder: Path, env: dict[str, str], workers: int = 2):
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.stdout_path, self.stderr_path = folder / "server.out", folder / "server.err"
        self.env = {**os.environ, **env, "NHSV_ENV": "production", "NHSV_SECRET_KEY": SECRET,
                    "NHSV_COOKIE_SECURE": "0", "NHSV_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        code = (f"from nhsv.production import serve_production; "
                f"serve_production('127.0.0.1', {self.port}, {self.workers})")
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=self.env,
                                            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {self.process.returncode}\n{self.logs()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200 and \
                        len(self.worker_pids()) == self.workers:
                    return
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within {START_TIMEOUT} s\n{self.logs()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def worker_pids(self) -> set[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(pid) for pid in path.read_text().split()}
        except OSError:
            return set()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                         for p in (self.stdout_path, self.stderr_path) if p.exists())

    def durations(self) -> dict[str, float]:
        """Server time in ms per X-Request-Id, from the access log written so far."""
        out = {}
        for line in self.stdout_path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("request_id") and entry.get("duration_ms") is not None:
                    out[entry["request_id"]] = float(entry["duration_ms"])
        return out

    def wait_for_log(self, request_ids: list[str], timeout: float = 10) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.durations()
            if all(r in found for r in request_ids) or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


# --- memory and CPU of the workers --------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS (kB) of a process, or {} when it is gone."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
    except OSError:
        return {}
    return out


def proc_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- a logged-in client ---------------------------------------------------------------------------------


def login(base: str, email: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    html = session.get(base + "/login", timeout=REQUEST_TIMEOUT).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    response = session.post(base + "/login", data={"csrf_token": match.group(1), "email": email,
                                                   "password": password},
                            headers={"Referer": base + "/login"}, allow_redirects=False, timeout=REQUEST_TIMEOUT)
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise RuntimeError(f"login of {email} failed: {response.status_code}")
    return session


def router_body(pathname: str, search: str = "") -> dict:
    """What the browser posts when Dash's pages router renders `pathname` + `search`."""
    return {"output": ROUTER_OUTPUT,
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}


def map_click_body(code: str | None) -> dict:
    """The overview map's click callback (dashboard.layout.open_profile). With code None it is the no-op: the
    callback runs and answers no_update, through the same endpoint, guard, session check and dispatch."""
    data = {"points": [{"customdata": code}]} if code else None
    return {"output": "url.href", "outputs": {"id": "url", "property": "href"},
            "inputs": [[{"id": MAP_ID, "property": "clickData", "value": data}]], "state": [],
            "changedPropIds": [json.dumps(MAP_ID, separators=(",", ":"), sort_keys=True) + ".clickData"]}


def template_body(code: str, quarter: str) -> dict:
    """The Aanleveren page's 'download the pre-filled template' callback."""
    return {"output": "..aanleveren-sjabloon.data...aanleveren-sjabloon-melding.children..",
            "outputs": [{"id": "aanleveren-sjabloon", "property": "data"},
                        {"id": "aanleveren-sjabloon-melding", "property": "children"}],
            "inputs": [{"id": "aanleveren-sjabloon-knop", "property": "n_clicks", "value": 1}],
            "state": [{"id": "aanleveren-keuze", "property": "data", "value": {"gemeente": code,
                                                                              "kwartaal": quarter}}],
            "changedPropIds": ["aanleveren-sjabloon-knop.n_clicks"]}


def post_callback(session: requests.Session, base: str, body: dict, close: bool = True
                  ) -> tuple[requests.Response, str, float]:
    """POST one callback; returns the response, its request id and the client's wall time in ms."""
    request_id = uuid.uuid4().hex
    headers = {"X-Request-Id": request_id}
    if close:
        headers["Connection"] = "close"  # a new connection, so that either worker may take it
    start = time.perf_counter()
    response = session.post(base + "/_dash-update-component", json=body, headers=headers,
                            timeout=REQUEST_TIMEOUT, allow_redirects=False)
    return response, request_id, (time.perf_counter() - start) * 1000
