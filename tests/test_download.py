"""'Exporteer' in the app: a GET only asks, a POST with CSRF starts a job in the user's own scope, the page shows
progress and hands out the zip; six exports at once all finish, correct, on one Chromium (issue 19)."""

from __future__ import annotations

import io
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from dashboard import auth, data
from dashboard.export import jobs
from tests.auth.helpers import login
from tests.conftest import good_values, load_bytes

PASSWORD = "download-test-wachtwoord"
GEMEENTEN = ("GM0405", "GM0361", "GM0392", "GM0448", "GM0400")


@pytest.fixture
def client(engine, workbook, tmp_path, monkeypatch):
    from dashboard.app import create_app

    monkeypatch.setenv("NHSV_DATA_DIR", str(tmp_path / "data"))
    for code in GEMEENTEN:
        load_bytes(engine, f"{code}.xlsx", workbook(code, "2026Q3", good_values({"LA1": 2})))
        auth.add_user(engine, f"{code.lower()}@test.nl", "gemeente", code, PASSWORD)
    auth.add_user(engine, "coord@test.nl", "coordinator", None, PASSWORD)
    app = create_app()
    return app.server


def _xlsx_text(archive: zipfile.ZipFile) -> str:
    out = []
    for name in archive.namelist():
        if name.endswith(".xlsx"):
            wb = load_workbook(io.BytesIO(archive.read(name)), read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    out.extend(str(v) for v in row if v is not None)
    return "\n".join(out)


def _start(client, query: str):
    """As a browser: the GET page's form, posted with its CSRF token and fields."""
    page = client.get(f"/exporteer?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    return client.post("/exporteer", data=fields)


def _finish(client, location: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(location + ".json").get_json()
        if state["state"] not in jobs.ACTIVE:
            return state
        time.sleep(0.3)
    raise AssertionError(f"{location} did not finish")


def test_a_get_starts_nothing_and_a_post_needs_the_csrf_token(client, tmp_path):
    c = client.test_client()
    login(c, "gm0405@test.nl", PASSWORD)
    page = c.get("/exporteer?kwartaal=2026Q3&regio=1")
    assert page.status_code == 200 and "Maak het pakket" in page.get_data(as_text=True)
    assert not (tmp_path / "data" / "exports" / "jobs").exists() or not any(
        p.is_dir() for p in (tmp_path / "data" / "exports" / "jobs").iterdir())
    refused = c.post("/exporteer", data={"kwartaal": "2026Q3", "regio": "1"})
    assert refused.status_code == 400
    forged = c.get("/exporteer?kwartaal=2026Q3&gemeente=GM0361")
    assert forged.status_code == 403 and "eigen gemeente" in forged.get_data(as_text=True)


def _browsers() -> int:
    """Chromium browsers started under this test process: its descendants that run Chromium's main process
    (the others are its zygotes, renderers and utilities, with a --type= argument)."""
    parents, commands = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[pid] = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            commands[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
    me = str(os.getpid())

    def mine(pid: str) -> bool:
        for _ in range(50):
            pid = parents.get(pid, "0")
            if pid == me:
                return True
            if pid in ("0", "1"):
                return False
        return False

    return sum(1 for pid, argv in commands.items()
               if argv and b"chrom" in Path(argv[0].decode(errors="replace")).name.encode()
               and not any(a.startswith(b"--type=") for a in argv) and mine(pid))


@pytest.mark.slow
def test_six_exports_at_once_all_finish_on_one_browser(client, engine):
    """Five gemeente users and a coordinator press 'Exporteer' at the same moment: every pack is made, each in
    its own scope, with one running per user, and this server process never has more than one Chromium."""
    users = [f"{c.lower()}@test.nl" for c in GEMEENTEN] + ["coord@test.nl"]
    before = _browsers()
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _browsers() - before)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    results: dict[str, tuple] = {}
    problems: list[str] = []
    barrier = threading.Barrier(len(users))

    clients = {}
    for email in users:  # logged in one after the other, as six people would have been already
        clients[email] = client.test_client()
        assert login(clients[email], email, PASSWORD).status_code == 302

    def export(email: str) -> None:
        try:
            c = clients[email]
            query = "kwartaal=2026Q3&regio=1"
            barrier.wait()
            started = _start(c, query)
            assert started.status_code == 303, started.get_data(as_text=True)
            location = started.headers["Location"]
            again = _start(c, query)  # a second press shows the same job: one per user
            assert again.headers["Location"] == location
            state = _finish(c, location)
            assert "Download het pakket" in c.get(location).get_data(as_text=True)
            archive = zipfile.ZipFile(io.BytesIO(c.get(state["zip"]).data))
            results[email] = (state, archive)
        except Exception as problem:  # noqa: BLE001 - reported below with the user
            problems.append(f"{email}: {problem!r}")

    threads = [threading.Thread(target=export, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    stop.set()
    sampler.join()
    assert not problems, problems
    assert len(results) == 6 and all(s["state"] == jobs.DONE for s, _ in results.values())
    assert peak[0] == 1, peak[0]  # the one browser of this process, shared by its export threads
    names = {c: p.name for c, p in data.region().items()}
    for code in GEMEENTEN:
        _, archive = results[f"{code.lower()}@test.nl"]
        listed = archive.namelist()
        assert f"{code}/regio/manifest.json" in listed and any(n.endswith("_rapport.pdf") for n in listed)
        content = _xlsx_text(archive)
        assert names[code] in content
        others = [n for c, n in names.items() if c != code]
        assert not [n for n in others if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", content)], code
    _, archive = results["coord@test.nl"]
    assert "regio/manifest.json" in archive.namelist()
    # someone else's job is not there for another user
    c = client.test_client()
    login(c, "gm0405@test.nl", PASSWORD)
    other = results["coord@test.nl"][0]["zip"]
    assert c.get(other).status_code == 404
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, detail FROM audit_log WHERE event = 'export'")).all()
    assert sum("gemaakt" in r.detail for r in rows) == 6 and sum('"gestart"' in r.detail for r in rows) == 6


def test_without_a_session_the_export_redirects_to_the_login(client):
    response = client.test_client().get("/exporteer?kwartaal=2026Q3")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
