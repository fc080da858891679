"""What the upload tests share: the viewers, the upload callback called as the browser calls it (with the base64
data URL that dcc.Upload sends), and what the warehouse shows and the audit log records afterwards."""

from __future__ import annotations

import base64
import json

from sqlalchemy import select, text

from dashboard.viewer import Viewer
from etl import schema
from tests.conftest import table_snapshot

HOORN = Viewer("gemeente", "GM0405", "hoorn@example.nl")
TEXEL = Viewer("gemeente", "GM0448", "texel@example.nl")
COORDINATOR = Viewer("coordinator", None, "coord@example.nl")
PASSWORD = "een-goed-wachtwoord-123"
SHOWN_TABLES = ["fact_block_status", "fact_resources", "fact_signals", "fact_network", "mart_municipality_quarter",
                "mart_block_quarter"]


def data_url(data: bytes, mime: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def text_of(node) -> str:
    """All text in a Dash component tree."""
    if node is None:
        return ""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(text_of(n) for n in node)
    return text_of(getattr(node, "children", None))


def upload(module, data: bytes | None, name: str = "aanlevering.xlsx", code: str | None = None,
           contents: str | None = None) -> tuple[str, str]:
    """Call the upload callback as the browser would; (outcome text, history text)."""
    choice = {"gemeente": code, "kwartaal": "2026Q3"}  # what the page was opened with (dcc.Store)
    result, history, reset = module.upload_file(contents if contents is not None else data_url(data), name, choice)
    assert reset is None  # the same file can be chosen again
    return text_of(result), text_of(history)


def shown(engine) -> dict:
    """What the warehouse shows: facts, marts, and the submissions that are or were active."""
    snapshot = table_snapshot(engine, SHOWN_TABLES)
    with engine.connect() as conn:
        snapshot["submission"] = sorted(tuple(r) for r in conn.execute(text(
            "SELECT id, municipality_code, quarter, version, status, file_id FROM submission "
            "WHERE status <> 'rejected'")).all())
    return snapshot


def audit_uploads(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.audit_log.c.actor, schema.audit_log.c.detail)
                            .where(schema.audit_log.c.event == "upload").order_by(schema.audit_log.c.id)).all()
    return [dict(json.loads(r.detail), actor=r.actor) for r in rows]
