"""Connects to the warehouse (SQLite by default, PostgreSQL in production) and keeps its schema current."""

from __future__ import annotations

import logging
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import filelock
from sqlalchemy import (
    ARRAY,
    Connection,
    Engine,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from nhsv import settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration. The health check compares the database with it in every server worker, which then need
# not import alembic (~12 MB per worker); tests/test_migrations.py checks it against alembic's own head.
SCHEMA_HEAD = "0007"

log = logging.getLogger(__name__)

T = TypeVar("T")


def make_engine(url: str | None = None) -> Engine:
    url = url or settings.database_url()
    if url.startswith("sqlite"):
        folder = make_url(url).database
        if folder and folder != ":memory:":
            Path(folder).parent.mkdir(parents=True, exist_ok=True)  # a new warehouse in a folder not made yet
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


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows with the same keys: the loader's one way to write facts and marts.

    - PostgreSQL: one `INSERT … SELECT FROM unnest(<an array per column>)`, a statement however many rows, where
      psycopg's pipelined executemany runs an INSERT per row. Timed inside a load of the national benchmark inbox
      (13,680 files): 13.7 s of inserts against 20.4 s as an executemany (fact_block_status 3.2 against 7.5 s).
      Wide rows gain nothing (the 40 columns of mart_municipality_quarter: 2.5 against 1.7 s, psycopg dumping
      the arrays), the whole does. COPY was faster still (9.9 s) but bypasses SQLAlchemy's errors, on which the
      loader's retry and stop rules depend.
    - SQLite: SQLAlchemy's executemany, which is SQLite's own.
    """
    if not rows:
        return
    rows = list(rows)
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    arrays = []
    for k, name in enumerate(names):
        column = table.c[name]
        same = _ARRAY_ITEM.get(column.type.python_type)
        values = [row[name] for row in rows]
        if same is not None:
            values = [v if v is None else same(v) for v in values]
        arrays.append(bindparam(f"column_{k}", values, type_=ARRAY(column.type)))
    source = func.unnest(*arrays).table_valued(*names).render_derived()  # AS anon_1(name, …)
    conn.execute(insert(table).from_select(names, select(*source.c)))


# psycopg sends a list as an array of one Python type: 1 and 2.5 in a Float column become floats, and an Integer
# column takes only integral values (operator.index refuses 2.5, which an INSERT would round)
_ARRAY_ITEM: dict[type, Callable[[Any], Any]] = {int: operator.index, float: float}


def insert_rows_returning_ids(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert rows into a table with a serial `id` and return the new ids in the order of `rows`: SQLAlchemy
    sends them as multi-row INSERT … RETURNING statements ("insertmanyvalues") and sorts the ids back."""
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(conn.execute(statement, list(rows)).scalars())


def is_in(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL as `column = ANY(array)`, one parameter however many values."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


CHUNK = 1000  # values per IN list (SQLite allows 32,766 parameters per statement)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in slices of at most `size`: one IN list each."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def by_gemeente(pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[Sequence[str], list[str]]]:
    """(gemeenten, quarters) that together cover `pairs` of (gemeente code, quarter), in chunks of gemeenten:
    what to look pairs up by, keeping the rows of `pairs` afterwards. The indexes find gemeenten and quarters; a
    list of pairs made PostgreSQL test every row against each pair."""
    pairs = set(pairs)
    quarters = sorted({q for _, q in pairs})
    for chunk in chunks(sorted({code for code, _ in pairs})):
        yield chunk, quarters


# --- the loader's hold on the warehouse ---------------------------------------------------------------------

# A PostgreSQL advisory lock, per database: ('NHSV' in ASCII, 1 for loading). Advisory locks of other
# applications in the same database would have to pick the same pair by chance to collide.
LOAD_LOCK_KEY = (0x4E485356, 1)
_KEY = {"a": LOAD_LOCK_KEY[0], "b": LOAD_LOCK_KEY[1]}


def set_loader_timeouts(conn: Connection) -> None:
    """PostgreSQL: the loader's time limits for the transaction just begun, from the settings. SET LOCAL: they
    end with the transaction, so a pooled connection that the app uses afterwards never keeps them.

    Without them an interrupted load could leave a session "idle in transaction" holding row locks, and the
    next load waited on those locks without end (10 minutes before anyone noticed, 3 times out of 3)."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text("SELECT set_config('lock_timeout', :lock, true), set_config('statement_timeout', :statement, "
                      "true), set_config('idle_in_transaction_session_timeout', :idle, true)"), {
        "lock": f"{settings.get_int('NHSV_LOAD_LOCK_TIMEOUT_SECONDS')}s",
        "statement": f"{settings.get_int('NHSV_LOAD_STATEMENT_TIMEOUT_SECONDS')}s",
        "idle": f"{settings.get_int('NHSV_LOAD_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS')}s",
    })


@contextmanager
def planned_for_values(conn: Connection) -> Iterator[None]:
    """PostgreSQL: the look-ups inside the block are planned for the values they are given, each time
    (`plan_cache_mode`). The driver prepares a statement it runs often, and
    PostgreSQL may then plan it once for any value, from the tables as they were when it did: early in a load,
    nearly empty. By the middle of the national inbox a batch's look-up of 200 file hashes took 50-77 ms that
    way instead of 2 ms. Not for the inserts: planning each of their rows again made them slower."""
    if conn.dialect.name != "postgresql":
        yield
        return
    before = conn.execute(text("SELECT current_setting('plan_cache_mode')")).scalar_one()
    conn.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"))
    # after a failure inside, the setting is left to the end of the transaction (SET LOCAL): restoring it in a
    # transaction PostgreSQL has aborted would fail and hide the error
    yield
    conn.execute(text("SELECT set_config('plan_cache_mode', :mode, true)"), {"mode": before})


class LoadLock(ABC):
    """One load at a time per warehouse: taken before a run starts, released when it ends, and released by the
    operating system or the database when the process holding it dies, however it dies (kill -9 included).

    `held_elsewhere()` looks without taking the lock where the database allows it; it tells `nhsv runs` whether
    a run without an end is still going or was interrupted."""

    @abstractmethod
    def try_acquire(self) -> bool:
        """See the class."""

    @abstractmethod
    def release(self) -> None:
        """See the class."""

    @abstractmethod
    def held_elsewhere(self) -> bool:
        """See the class."""


class _AdvisoryLock(LoadLock):
    """PostgreSQL: a session-level advisory lock on the connection the run writes with. It outlasts the run's
    commits and ends with the session, so a loader that is killed loses it with its connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def try_acquire(self) -> bool:
        with self.conn.begin():
            return bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), _KEY).scalar())

    def release(self) -> None:
        if self.conn.invalidated or self.conn.closed:
            return  # the session, and its lock, are gone
        try:
            if self.conn.in_transaction():
                self.conn.rollback()
            with self.conn.begin():
                self.conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), _KEY)
        except DBAPIError:
            # The connection broke: its session, and the lock with it, end on the server.
            log.warning("releasing the load lock failed; the connection is closed instead", exc_info=True)
            self.conn.invalidate()

    def held_elsewhere(self) -> bool:
        with self.conn.begin():
            return self.conn.execute(text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
                "AND classid = :a AND objid = :b AND pid <> pg_backend_pid() "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"),
                _KEY).scalar() is True


class _FileLock(LoadLock):
    """SQLite: an exclusive lock (flock) on a file beside the warehouse file, `warehouse.db.load-lock`. SQLite's
    own locks last one transaction; a run is many."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = filelock.FileLock(str(path))

    def try_acquire(self) -> bool:
        try:
            self.lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        return True

    def release(self) -> None:
        self.lock.release()

    def held_elsewhere(self) -> bool:
        probe = filelock.FileLock(str(self.path))
        try:
            probe.acquire(timeout=0)
        except filelock.Timeout:
            return True
        except OSError:  # the folder is read-only here: no loader could have taken the lock from here either
            log.warning("cannot open the load lock %s to look at it", self.path, exc_info=True)
            return False
        probe.release()
        return False


class _NoLock(LoadLock):
    """An in-memory SQLite warehouse belongs to one connection of one process: nobody else can load into it."""

    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def held_elsewhere(self) -> bool:
        return False


def load_lock(conn: Connection) -> LoadLock:
    """The warehouse's load lock, to be taken (PostgreSQL) on `conn`, the connection a run writes with."""
    if conn.dialect.name == "postgresql":
        return _AdvisoryLock(conn)
    database = conn.engine.url.database
    if conn.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        return _FileLock(Path(database + ".load-lock"))
    return _NoLock()
