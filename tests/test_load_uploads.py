"""The upload page's call into the loader: the gemeente check before "al geladen", and a load already running."""

from __future__ import annotations

import base64
import json

from sqlalchemy import text

from dashboard import uploads
from dashboard.viewer import Viewer
from etl import db
from tests.conftest import load_bytes

HOORN = Viewer("gemeente", "GM0405", "hoorn@example.nl")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def data_url(data: bytes) -> str:
    return f"data:{XLSX};base64," + base64.b64encode(data).decode()


def upload_audits(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT detail FROM audit_log WHERE event = 'upload' ORDER BY id")).scalars()
        return [json.loads(row) for row in rows]


def test_a_copy_of_another_gemeentes_loaded_file_is_refused_as_theirs_not_confirmed(engine, workbook):
    alkmaar = workbook("GM0361", "2026Q3")
    load_bytes(engine, "alkmaar.xlsx", alkmaar)
    result = uploads.receive_upload(HOORN, data_url(alkmaar), "alkmaar.xlsx", "GM0405", engine=engine)
    assert result.outcome == "rejected" and not result.accepted
    assert "eerder al geladen" not in result.message
    assert [f.rule for f in result.findings if f.is_fatal] == ["andere_gemeente"]
    assert upload_audits(engine)[-1]["uitkomst"] == "rejected"


def test_an_upload_while_another_load_runs_is_refused_and_records_no_run(engine, workbook, monkeypatch):
    monkeypatch.setattr(uploads, "LOAD_WAIT_SECONDS", 0.5)
    with engine.connect() as conn:
        lock = db.load_lock(conn)  # another load, as far as the lock is concerned
        assert lock.try_acquire()
        try:
            result = uploads.receive_upload(HOORN, data_url(workbook("GM0405", "2026Q3")), "hoorn.xlsx", "GM0405",
                                            engine=engine)
        finally:
            lock.release()
    assert result.outcome == uploads.REFUSED
    assert "andere aanlevering geladen" in result.message and "opnieuw" in result.message
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM load_run")).scalar_one() == 0
    assert upload_audits(engine)[-1]["reden"] == "laden_bezig"
    again = uploads.receive_upload(HOORN, data_url(workbook("GM0405", "2026Q3")), "hoorn.xlsx", "GM0405",
                                   engine=engine)
    assert again.outcome == "loaded"  # once the other load is done
