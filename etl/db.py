"""Connects to the warehouse (SQLite by default, PostgreSQL in production) and keeps its schema current."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import ARRAY, Connection, Engine, Table, any_, bindparam, create_engine, event, insert, inspect, text
from sqlalchemy.sql.elements import ColumnElement

from nhsv import settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration. The health check compares the database with it in every server worker, which then need
# not import alembic (~12 MB per worker); tests/test_migrations.py checks it against alembic's own head.
SCHEMA_HEAD = "0005"


def make_engine(url: str | None = None) -> Engine:
    url = url or settings.database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def engine(url: str | None = None) -> Engine:
    """One engine per URL per process; without a URL, the one the settings name now."""
    return _engine_for(url or settings.database_url())


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(eng: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (create it on an empty database)."""
    from alembic import command

    cfg = alembic_config()
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def schema_revision(eng: Engine) -> str | None:
    """The revision alembic recorded in the database (None for an empty one), read without alembic."""
    with eng.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(versions) > 1:
        raise RuntimeError(f"the warehouse records more than one schema revision: {sorted(versions)}")
    return versions[0] if versions else None


def head_revision() -> str:
    return SCHEMA_HEAD


def init(eng: Engine) -> None:
    """Create or upgrade the warehouse and (re)load the reference data; safe to run again."""
    from etl import reference

    upgrade(eng)
    with eng.begin() as conn:
        reference.load_dimensions(conn)


def insert_rows(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Insert many rows with the same keys in one go: COPY on PostgreSQL (psycopg), else an executemany."""
    if not rows:
        return
    if conn.dialect.driver == "psycopg":
        from psycopg import sql

        columns = list(rows[0])
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
        with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    if conn.dialect.name == "sqlite":
        # Straight to the driver's executemany: SQLAlchemy's per-row parameter handling costs more than SQLite's
        # own work here. The column types still convert the values (dates and times to SQLAlchemy's text form).
        columns = list(rows[0])
        converters = [table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in columns]
        statement = "INSERT INTO {} ({}) VALUES ({})".format(
            conn.dialect.identifier_preparer.format_table(table),
            ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns), ", ".join("?" * len(columns)))
        conn.exec_driver_sql(statement, [
            tuple(row[c] if convert is None or row[c] is None else convert(row[c])
                  for c, convert in zip(columns, converters, strict=True))
            for row in rows
        ])
        return
    conn.execute(insert(table), rows)


def insert_rows_returning_ids(conn: Connection, table: Table, rows: list[dict]) -> list[int]:
    """Insert rows into a table with a serial `id` and return the new ids in the order of `rows`. PostgreSQL
    (psycopg): the ids are taken from the table's sequence and the rows copied in, which spares a statement with
    a parameter per value."""
    if not rows:
        return []
    if conn.dialect.driver == "psycopg":
        ids = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence(:name, 'id')) FROM generate_series(1, :n)"),
                                {"name": table.name, "n": len(rows)}).scalars())
        insert_rows(conn, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    return list(conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())


def is_in(conn: Connection, column, values: list) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL as `column = ANY(array)`, one parameter however many values."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
