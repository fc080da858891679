"""The in-app 'Exporteer' zip: the pack of the current view in the logged-in user's own scope, audited."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from dashboard import auth, data
from tests.conftest import good_values, load_bytes
from tests.test_auth import login

PASSWORD = "download-test-wachtwoord"


@pytest.fixture
def client(engine, workbook):
    from dashboard.app import create_app

    for code in ("GM0405", "GM0361", "GM0392", "GM0448", "GM0400"):
        load_bytes(engine, f"{code}.xlsx", workbook(code, "2026Q3", good_values({"LA1": 2})))
    auth.add_user(engine, "hoorn@test.nl", "gemeente", "GM0405", PASSWORD)
    auth.add_user(engine, "coord@test.nl", "coordinator", None, PASSWORD)
    return create_app().server.test_client()


def _xlsx_text(archive: zipfile.ZipFile) -> str:
    out = []
    for name in archive.namelist():
        if name.endswith(".xlsx"):
            wb = load_workbook(io.BytesIO(archive.read(name)), read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    out.extend(str(v) for v in row if v is not None)
    return "\n".join(out)


def test_a_gemeente_user_downloads_only_their_own_pack(client, engine):
    login(client, "hoorn@test.nl", PASSWORD)
    response = client.get("/exporteer?kwartaal=2026Q3&formats=xlsx")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert any(n.startswith("GM0405") for n in archive.namelist()) and "manifest.json" in archive.namelist()
    content = _xlsx_text(archive)
    assert "Hoorn" in content
    others = [p.name for c, p in data.region().items() if c != "GM0405"]
    assert not [n for n in others if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", content)]

    forged = client.get("/exporteer?kwartaal=2026Q3&gemeente=GM0361&formats=xlsx")
    assert forged.status_code == 403 and "eigen gemeente" in forged.get_data(as_text=True)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, detail FROM audit_log WHERE event = 'export' ORDER BY id")).all()
    assert len(rows) == 2 and all(r.actor == "hoorn@test.nl" for r in rows)
    assert "geweigerd" in rows[1].detail and "GM0361" in rows[1].detail


def test_a_coordinator_downloads_a_named_gemeente_pack(client):
    login(client, "coord@test.nl", PASSWORD)
    response = client.get("/exporteer?kwartaal=2026Q3&gemeente=GM0361&formats=xlsx")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert any(n.startswith("GM0361") for n in archive.namelist())
    assert "Alkmaar" in _xlsx_text(archive)


def test_without_a_session_the_export_redirects_to_the_login(client):
    response = client.get("/exporteer?kwartaal=2026Q3")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
