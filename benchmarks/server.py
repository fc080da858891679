"""A production server under test and a client for it: gunicorn (`cli.serve.serve_production`) in a
subprocess on 127.0.0.1, logged-in `requests` sessions, and the bodies Dash's renderer posts to
/_dash-update-component.

Server time is read from gunicorn's own access log (NHSV_LOG_FORMAT=json: `duration_ms` is gunicorn's %(D)s,
the time from reading the request to sending the response in the worker), matched to the request by its
X-Request-Id. The client's wall time is kept beside it.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from pathlib import Path

import requests

from tests.serverprocess import ServerProcess

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnop"
PASSWORD = "benchmark-wachtwoord-2026"
START_TIMEOUT = 120
REQUEST_TIMEOUT = 30

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."  # the output of Dash's pages router


class Server(ServerProcess):
    """gunicorn with `workers` processes (production settings) in its own process group."""

    def __init__(self, folder: Path, env: dict[str, str], workers: int = 2):
        super().__init__(folder, {"NHSV_SECRET_KEY": SECRET, **env}, workers, start_timeout=START_TIMEOUT,
                         stop_timeout=40)

    def wait_for_log(self, request_ids: list[str], timeout: float = 10) -> dict[str, float]:
        """Server time in ms per X-Request-Id, from the access log."""
        entries = self.wait_for_entries(request_ids, timeout)
        return {r: float(e["duration_ms"]) for r, e in entries.items() if e.get("duration_ms") is not None}


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


def template_body(code: str, quarter: str) -> dict:
    """The Aanleveren page's 'download the pre-filled template' callback."""
    return {"output": "..aanleveren-sjabloon.data...aanleveren-sjabloon-melding.children..",
            "outputs": [{"id": "aanleveren-sjabloon", "property": "data"},
                        {"id": "aanleveren-sjabloon-melding", "property": "children"}],
            "inputs": [{"id": "aanleveren-sjabloon-knop", "property": "n_clicks", "value": 1}],
            "state": [{"id": "aanleveren-keuze", "property": "data", "value": {"gemeente": code,
                                                                              "kwartaal": quarter}}],
            "changedPropIds": ["aanleveren-sjabloon-knop.n_clicks"]}


SHOW_TABLE = '{"key":["MATCH"],"type":"tabel"}.children'
DOWNLOAD_CSV = '..{"key":["MATCH"],"type":"csv-bestand"}.data...{"key":["MATCH"],"type":"csv-melding"}.children..'


def on_request_body(output: str, key: str, pathname: str, search: str = "") -> dict:
    """What the browser posts when 'Toon als tabel' opens (output SHOW_TABLE) or 'Download als CSV' is pressed
    (DOWNLOAD_CSV) on the chart or table `key` of the page at `pathname` + `search` (dashboard.alternatives)."""
    location = [{"id": "_pages_location", "property": "pathname", "value": pathname},
                {"id": "_pages_location", "property": "search", "value": search}]
    if output == SHOW_TABLE:
        trigger = {"id": {"type": "tabel-toon", "key": key}, "property": "n_clicks", "value": 1}
        outputs: dict | list = {"id": {"type": "tabel", "key": key}, "property": "children"}
        state = [{"id": {"type": "tabel", "key": key}, "property": "children", "value": "Tabel wordt geladen…"}]
    else:
        trigger = {"id": {"type": "csv", "key": key}, "property": "n_clicks", "value": 1}
        outputs = [{"id": {"type": "csv-bestand", "key": key}, "property": "data"},
                   {"id": {"type": "csv-melding", "key": key}, "property": "children"}]
        state = []
    changed = json.dumps(trigger["id"], sort_keys=True, separators=(",", ":")) + ".n_clicks"
    return {"output": output, "outputs": outputs, "inputs": [trigger], "state": state + location,
            "changedPropIds": [changed]}


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
