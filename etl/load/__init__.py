"""Loads submission files into the warehouse: in batches of files, idempotent by file hash, versions kept.

For every file offered the warehouse records its name, SHA-256, size, time, actor and outcome with all of its
findings, also when it is rejected. A file either loads whole (every submission in it, its facts, and the
refreshed marts of the quarters it touched) or not at all.

How: files are taken in batches (up to BATCH_FILES files or BATCH_BYTES bytes), one transaction per batch.
Every file of a batch is first planned in Python (hash, extract, validate, version numbers) against what the
warehouse and the earlier files of the batch hold; then the batch is written with one statement per table,
the marts of the (gemeente, quarter) pairs it touched are refreshed once, and the batch commits: the marts
are never out of step with the facts. If writing the batch fails on a file's data, it is rolled back and loaded
again file by file, each file in a SAVEPOINT with its own mart refresh, so that a file that cannot be written is
recorded as an error and the other files load. An exception that escapes (the database lost or timed out, an
interrupt) leaves nothing of the batch behind; the batches committed before it stay loaded, and the run is
recorded as interrupted. For larger runs, parsing (extract) runs ahead in up to PARSE_WORKERS worker processes
while the main process validates and writes.

This module runs a load and its batches' transactions; the rest is in its own modules:
- `runs` — the run's bookkeeping: its report, its row in load_run, the load lock (one load at a time), statuses;
- `workers` — the worker pool that parses ahead, and the cutting of the files into batches;
- `plan` — planning each file (outcome, findings, versions) before anything is written;
- `write` — writing the planned files, their submissions and facts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sized
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from etl import db, marts
from etl.load.plan import Plan, Planner, State
from etl.load.runs import (
    FINISHED,
    INTERRUPTED,
    FileReport,
    RunInfo,
    RunReport,
    count_files,
    end_run,
    run_connection,
    start_run,
)
from etl.load.workers import Item, batches, start_pool
from etl.load.write import write_files

log = logging.getLogger(__name__)

BATCH_FILES = 200  # files per transaction
MIN_BATCH_FILES = 25  # the first batch; with parse workers, later ones hold at least this many files (or half
# the current batch size) before the writing goes ahead without waiting for the parsing
BATCH_BYTES = 20_000_000  # and at most about this many bytes of files per transaction
PARSE_WORKER_FROM = 40  # a run of at least this many files parses ahead in worker processes
PARSE_WORKERS = 2  # at most, and no more than the cores: the writing in the main process is the next bottleneck


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and every file (not hidden) in folders named, in name order. Missing paths raise."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(str(path))
    return out


def load_files(engine: Engine, files: Iterable[tuple[str, bytes]], actor: str, channel: str = "cli",
               allowed_municipality: str | None = None,
               progress: Callable[[FileReport], None] | None = None,
               parse_worker: bool | None = None,
               wait_seconds: float | None = None,
               on_wait: Callable[[RunInfo | None, float], None] | None = None) -> RunReport:
    """Loads (name, content) pairs as one run. `allowed_municipality` limits an upload to one gemeente.

    `progress` is called with each file's report, in order, once the batch holding the file has committed.
    `parse_worker`: parse ahead in worker processes (default: for runs of PARSE_WORKER_FROM files or more).
    While another load runs, this one waits up to `wait_seconds` (default: NHSV_LOAD_WAIT_SECONDS), calling
    `on_wait(the other run or None, wait_seconds)` once, and then raises LoadBusy without recording anything."""
    if parse_worker is None:
        parse_worker = isinstance(files, Sized) and len(files) >= PARSE_WORKER_FROM
    # The workers are started before this run opens any connection or takes the lock: a worker then has no copy
    # of either, and a loader that is killed leaves no session behind that holds its locks.
    workers = min(PARSE_WORKERS, os.cpu_count() or 1) if parse_worker else 0
    pool = start_pool(engine, workers) if workers else None
    try:
        with run_connection(engine, wait_seconds, on_wait) as conn:
            report = start_run(conn, actor, channel)
            report.parse_workers = workers if pool is not None else 0
            try:
                planner = Planner(actor, allowed_municipality)
                for batch in batches(files, pool, max_files=BATCH_FILES, first_files=MIN_BATCH_FILES,
                                     max_bytes=BATCH_BYTES):
                    for file_report in _load_batch(conn, report.run_id, batch, planner):
                        report.files.append(file_report)
                        if progress:
                            progress(file_report)
            except BaseException:
                end_run(conn, report.run_id, INTERRUPTED)
                raise
            end_run(conn, report.run_id, FINISHED)
            return report
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class _Files:
    """The files of `paths` as (name, content), each read shortly before its turn, so memory stays flat."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        return ((path.name, path.read_bytes()) for path in self.paths)


def load_paths(engine: Engine, paths: Iterable[str | Path], actor: str, channel: str = "cli",
               progress: Callable[[FileReport], None] | None = None, wait_seconds: float | None = None,
               on_wait: Callable[[RunInfo | None, float], None] | None = None) -> RunReport:
    """Loads files and folders (see load_files)."""
    return load_files(engine, _Files(collect_paths(paths)), actor, channel, progress=progress,
                      wait_seconds=wait_seconds, on_wait=on_wait)


# --- a batch's transaction -----------------------------------------------------------------------------------


def _begin(conn: Connection) -> None:
    """At the start of each of the loader's transactions. SQLite: open the transaction now, with the write lock
    (pysqlite would open it only at the first INSERT, after the first SAVEPOINT, whose RELEASE would then
    commit). PostgreSQL: the loader's time limits."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    db.set_loader_timeouts(conn)


def _warehouse_failed(exc: BaseException) -> bool:
    """The warehouse failed, not a file: the connection lost, a time limit or a lock wait passed, the database
    locked or unavailable. Loading the batch file by file would fail the same way, and record every file of it
    as an error although nothing is wrong with them."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and bool(exc.connection_invalidated))


def _check_alive(conn: Connection) -> None:
    """A connection that was lost is not used again: SQLAlchemy would open a new one, which would not hold the
    load lock (on PostgreSQL the lock belongs to the lost session)."""
    if conn.invalidated:
        raise RuntimeError("the loader's connection to the warehouse was lost; the load stops")


def _load_batch(conn: Connection, run_id: int, items: list[Item], planner: Planner) -> list[FileReport]:
    """One transaction: plan every file, write them with one statement per table, refresh the marts of the
    pairs touched, commit. If writing fails on the data of a file, the batch is loaded again file by file."""
    _check_alive(conn)
    try:
        with conn.begin():
            _begin(conn)
            state = State(conn, items)
            plans = []
            for item in items:
                plan = planner.plan(state, item)
                state.apply(plan)
                plans.append(plan)
            written = write_files(conn, run_id, plans, planner.actor)
            marts.refresh(conn, marts.pairs_to_refresh(pair for plan in plans for pair in plan.touched), written)
            count_files(conn, run_id, [plan.report for plan in plans])
        return [plan.report for plan in plans]
    except (IntegrityError, DataError):
        log.warning("the warehouse refused the data of a batch of %d files; loading them one at a time", len(items),
                    exc_info=True)
    except Exception as exc:
        if _warehouse_failed(exc):
            raise
        log.exception("writing a batch of %d files failed; loading them one at a time", len(items))
    return _load_batch_file_by_file(conn, run_id, items, planner)


def _load_batch_file_by_file(conn: Connection, run_id: int, items: list[Item], planner: Planner
                             ) -> list[FileReport]:
    """One transaction, each file in a SAVEPOINT with its own mart refresh: a file that fails is recorded as an
    error, and the files after it are planned against what was actually written."""
    _check_alive(conn)
    reports = []
    with conn.begin():
        _begin(conn)
        state = State(conn, items)
        for item in items:
            plan = planner.plan(state, item)
            try:
                with conn.begin_nested():
                    written = write_files(conn, run_id, [plan], planner.actor)
                    marts.refresh(conn, marts.pairs_to_refresh(plan.touched), written)
            except (IntegrityError, DataError):
                log.warning("the warehouse refused the data of %s; it is recorded as an error", item.name,
                            exc_info=True)
                plan = _record_error(conn, run_id, planner, item, plan)
            except Exception as exc:
                if _warehouse_failed(exc) or conn.invalidated:
                    raise
                log.exception("loading %s failed; it is recorded as an error", item.name)
                plan = _record_error(conn, run_id, planner, item, plan)
            else:
                state.apply(plan)
            reports.append(plan.report)
        count_files(conn, run_id, reports)
    return reports


def _record_error(conn: Connection, run_id: int, planner: Planner, item: Item, failed: Plan) -> Plan:
    """The savepoint rolled back: nothing of the file is in the warehouse. Record the attempt."""
    plan = planner.error(item, failed.report.rows_offered)
    write_files(conn, run_id, [plan], planner.actor)
    return plan
