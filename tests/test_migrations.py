"""Migrations: the migrated schema is the declared one, and 0003 (mart indexes by quarter) keeps the data."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from etl import db, load, reference, schema
from tests.conftest import table_snapshot

MART_INDEXES = {"mart_municipality_quarter": "ix_mart_municipality_quarter_by_quarter",
                "mart_block_quarter": "ix_mart_block_quarter_by_quarter"}


def downgrade(engine, revision: str) -> None:
    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def mart_indexes(engine) -> dict[str, list[tuple[str, list[str]]]]:
    found = {}
    for table in MART_INDEXES:
        found[table] = sorted((ix["name"], ix["column_names"]) for ix in inspect(engine).get_indexes(table))
    return found


def test_the_migrated_schema_is_the_declared_one(fresh_database):
    engine = db.make_engine(fresh_database)
    try:
        db.upgrade(engine)
        assert db.schema_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_the_recorded_head_is_alembics_head():
    """db.SCHEMA_HEAD spares each server worker alembic; a new migration must move it along."""
    assert db.head_revision() == ScriptDirectory.from_config(db.alembic_config()).get_current_head()


def test_the_revision_read_with_sql_is_the_one_alembic_reads(fresh_database):
    engine = db.make_engine(fresh_database)
    try:
        assert db.schema_revision(engine) is None  # an empty database
        for revision in ("0001", "0002", db.head_revision()):
            db.upgrade(engine, revision)
            with engine.connect() as conn:
                assert MigrationContext.configure(conn).get_current_revision() == revision
            assert db.schema_revision(engine) == revision
    finally:
        engine.dispose()


def test_0003_adds_the_mart_indexes_by_quarter_and_keeps_every_row(fresh_database, workbook):
    engine = db.make_engine(fresh_database)
    try:
        # loaded with today's loader, then taken back to 0002 (the loader writes columns of later revisions)
        db.upgrade(engine)
        with engine.begin() as conn:
            reference.load_dimensions(conn)
        report = load.load_files(engine, [("hoorn-q2.xlsx", workbook("GM0405", "2026Q2")),
                                          ("hoorn-q3.xlsx", workbook("GM0405", "2026Q3"))], actor="test")
        assert [f.outcome for f in report.files] == ["loaded", "loaded"]
        downgrade(engine, "0002")
        assert mart_indexes(engine) == {table: [] for table in MART_INDEXES}
        before = table_snapshot(engine)
        assert before["mart_municipality_quarter"] and before["mart_block_quarter"]

        db.upgrade(engine, "0003")
        assert db.schema_revision(engine) == "0003"
        assert mart_indexes(engine) == {table: [(name, ["quarter", "municipality_code"])]
                                        for table, name in MART_INDEXES.items()}
        assert table_snapshot(engine, list(before)) == before

        downgrade(engine, "0002")
        assert mart_indexes(engine) == {table: [] for table in MART_INDEXES}
        assert table_snapshot(engine, list(before)) == before
        db.upgrade(engine, "0003")
        assert table_snapshot(engine, list(before)) == before
    finally:
        engine.dispose()
