"""`nhsv init` upgrades a warehouse of the previous schema version without losing data (issue 8, acceptance 2)."""

from __future__ import annotations

from alembic import command as alembic_command
from click.testing import CliRunner
from sqlalchemy import inspect, select

from cli.main import main
from dashboard import auth
from etl import db, load, reference, schema
from nhsv import settings
from tests.conftest import good_values, table_snapshot
from tests.production.helpers import ACCESS_TABLES, EMAIL, PASSWORD

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
