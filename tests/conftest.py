"""Fixtures: a warehouse per test on SQLite (default) or PostgreSQL (NHSV_TEST_DATABASE_URL), and file factories.

Tests build their data in code through the real template writer and loader, never by inserting facts.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

# A fixed "today" keeps quarter rules (not started yet, last completed quarter) reproducible.
os.environ.setdefault("NHSV_TODAY", "2026-11-15")
os.environ.setdefault("NHSV_SECRET_KEY", "test-secret-key-not-for-production")

from etl import db, load, reference, schema
from etl.domain import Quarter
from etl.load.runs import FileReport
from etl.template import build_workbook
from tests.mailserver import smtp  # noqa: F401 - the fixture `smtp`: a real SMTP server (aiosmtpd)

PG_URL = os.environ.get("NHSV_TEST_DATABASE_URL", "")


def pytest_report_header(config):
    return f"warehouse under test: {PG_URL or 'SQLite (temporary file)'}"


def _create_database_if_missing(url: str) -> None:
    """A machine whose PostgreSQL lacks the test database gets it, so that `scripts/test.sh` runs from scratch."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                            {"name": base.database}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{base.database}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_url(tmp_path_factory) -> str:
    if PG_URL:
        _create_database_if_missing(PG_URL)
        engine = db.make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.db'}"
    engine = db.make_engine(url)
    db.init(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    """An empty database of its own: a SQLite file, or a PostgreSQL database created beside the test database
    for this test and dropped afterwards (not the shared one, whose public schema the session fixture resets)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL variant: NHSV_TEST_DATABASE_URL is not set")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"{base.database}_fresh_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


DATA_TABLES_IN_DELETE_ORDER = [
    "mart_block_quarter", "mart_municipality_quarter", "fact_network", "fact_signals", "fact_resources",
    "fact_block_status", "submission", "finding", "source_file", "load_run",
    "user_session", "login_throttle", "audit_log", "recovery_code", "account_token", "mail_opt_out", "notification",
    "introduction_request", "app_user",
]


@pytest.fixture
def engine(_migrated_url, monkeypatch) -> Engine:
    """An empty warehouse (schema and reference data present, no submissions or users)."""
    monkeypatch.setenv("NHSV_DATABASE_URL", _migrated_url)
    eng = db.engine(_migrated_url)
    with eng.begin() as conn:
        for table in DATA_TABLES_IN_DELETE_ORDER:
            conn.execute(text(f"DELETE FROM {table}"))
    from dashboard import data

    data.clear_caches()  # emptied tables can give the same warehouse version again (SQLite reuses ids)
    return eng


@pytest.fixture
def make_app(engine, monkeypatch):
    """make_app(**env): a fresh app (a 'worker') on the test warehouse after setting environment variables."""
    from dashboard.app import create_app

    def make(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        return create_app()

    return make


def table_snapshot(engine: Engine, tables: list[str] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, for 'nothing changed' assertions."""
    names = tables or [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    out = {}
    with engine.connect() as conn:
        for name in names:
            rows = conn.execute(text(f"SELECT * FROM {name}")).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def good_values(statuses: dict[str, int] | None = None, **overrides) -> dict:
    """A consistent submission: every block, field and partner present."""
    values = {
        "statuses": {b.code: 1 for b in reference.blocks()},
        "explanations": {"LA1": "Vastgesteld door het college."},
        "resources": {"capaciteit_fte": 1.5, "budget_aanpak_eur": 40_000.0, "budget_interventies_eur": 10_000.0,
                      "medewerkers_getraind": 4, "datum_laatste_training": dt.date(2026, 8, 12),
                      "interventietrajecten_lopend": 2},
        "signals": {"meldingen_radicalisering": 3, "meldingen_polarisatie": 2, "meldingen_van_burgers": 1,
                    "meldingen_van_professionals": 4, "ingebracht_zvh": 2},
        "network": {p: True for p in ("handhaving", "klantmanagers_wi", "jongerenwerk", "onderwijs",
                                      "sociaal_wijkteam", "wijkagenten", "ggz_ggd")},
    }
    if statuses:
        values["statuses"].update(statuses)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(values.get(key), dict):
            values[key] = {**values[key], **value}
        else:
            values[key] = value
    return values


@pytest.fixture
def workbook() -> Callable[..., bytes]:
    """workbook(code, quarter, values=None, edit=None): template bytes; `edit(wb)` changes it with openpyxl."""

    def make(code: str = "GM0405", quarter: str = "2026Q3", values: dict | None = None,
             edit: Callable | None = None) -> bytes:
        m = reference.municipalities()[code]
        data = build_workbook(m, Quarter.parse(quarter), reference.blocks(), values or good_values(),
                              dt.date(2026, 10, 5))
        if edit is None:
            return data
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data))
        edit(wb)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    return make


def csv_bytes(rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> bytes:
    body = "\n".join(delimiter.join(r) for r in [["gemeente_code", "kwartaal", "onderdeel", "veld", "waarde"],
                                                   *rows]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + body.encode()


def csv_rows(code: str = "GM0405", quarter: str = "2026Q3", values: dict | None = None) -> list[list[str]]:
    from etl.domain import STATUS_LABELS

    v = values or good_values()
    rows = [[code, quarter, "bouwsteen", b, STATUS_LABELS[s]] for b, s in v["statuses"].items()]
    rows += [[code, quarter, "toelichting", b, t] for b, t in v["explanations"].items()]
    for k, x in v["resources"].items():
        rows.append([code, quarter, "middelen", k, x.isoformat() if isinstance(x, dt.date) else str(x)])
    rows += [[code, quarter, "signalen", k, str(x)] for k, x in v["signals"].items()]
    rows += [[code, quarter, "netwerk", k, "ja" if x else "nee"] for k, x in v["network"].items()]
    return rows


def load_bytes(engine: Engine, name: str, data: bytes, **kwargs) -> FileReport:
    return load.load_files(engine, [(name, data)], actor="test", **kwargs).files[0]


@pytest.fixture
def tmp_inbox(tmp_path) -> Path:
    return tmp_path / "inbox"


__all__ = ["csv_bytes", "csv_rows", "good_values", "load_bytes", "schema", "table_snapshot"]
