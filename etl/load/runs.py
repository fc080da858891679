"""A load run's bookkeeping: its report, its row in load_run with the counts of its files, the load lock it holds,
and the status each run has now.

One load at a time per warehouse: a run holds the load lock (`db.load_lock`) from before it starts until it
ends; another load waits for it up to NHSV_LOAD_WAIT_SECONDS and otherwise raises LoadBusy, recording nothing.
The lock goes with the process however it ends, so a run that holds it is alive; a run without an end whose
lock nobody holds was interrupted, and the next run marks it so.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from etl import db, schema
from etl.findings import Finding
from nhsv import settings

log = logging.getLogger(__name__)

LOADED, ALREADY_LOADED, REJECTED, ERROR = "loaded", "already_loaded", "rejected", "error"
OUTCOME_LABELS = {LOADED: "geladen", ALREADY_LOADED: "al geladen", REJECTED: "afgewezen", ERROR: "fout"}
RUNNING, FINISHED, INTERRUPTED = "running", "finished", "interrupted"  # load_run.status
RUN_STATUS_LABELS = {RUNNING: "bezig", FINISHED: "voltooid", INTERRUPTED: "afgebroken"}

LOCK_POLL_SECONDS = 0.5  # how often a waiting load tries the load lock again


@dataclass
class FileReport:
    name: str
    sha256: str
    size: int
    outcome: str
    findings: list[Finding] = field(default_factory=list)
    submissions: list[tuple[str, str, int]] = field(default_factory=list)  # (gemeente, kwartaal, versie)
    rows_offered: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0


@dataclass(frozen=True)
class RunInfo:
    """A load run as the messages about it show it."""

    id: int
    started_at: dt.datetime
    actor: str
    channel: str
    files_offered: int
    rows_loaded: int

    @classmethod
    def of(cls, row: Row[Any]) -> RunInfo:
        return cls(row.id, row.started_at, row.actor, row.channel, row.files_offered, row.rows_loaded)

    def text(self) -> str:
        """Dutch, for messages: 'laadronde 12 (gestart 13-11-2026 10:02 UTC door jan (cli))'."""
        return f"laadronde {self.id} (gestart {self.started_at:%d-%m-%Y %H:%M} UTC door {self.actor})"


@dataclass
class RunReport:
    run_id: int
    files: list[FileReport] = field(default_factory=list)
    interrupted: list[RunInfo] = field(default_factory=list)  # earlier runs found interrupted, marked by this one
    parse_workers: int = 0  # worker processes that parsed ahead (0: parsed in the loader's own process)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def any_rejected(self) -> bool:
        return any(f.outcome in (REJECTED, ERROR) for f in self.files)


class LoadBusy(Exception):
    """Another load held the warehouse's load lock for the whole wait; this load recorded nothing."""

    def __init__(self, waited: float, holder: RunInfo | None) -> None:
        super().__init__(f"another load holds the load lock (waited {waited:.0f} s): {holder}")
        self.waited = waited
        self.holder = holder


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def run_connection(engine: Engine, wait_seconds: float | None,
                   on_wait: Callable[[RunInfo | None, float], None] | None) -> Iterator[Connection]:
    """The connection a run writes with, holding the load lock; waits for another load up to `wait_seconds`."""
    wait = settings.get_int("NHSV_LOAD_WAIT_SECONDS") if wait_seconds is None else wait_seconds
    with engine.connect() as conn:
        lock = db.load_lock(conn)
        deadline = time.monotonic() + wait
        told = False
        while not lock.try_acquire():
            if not told:
                told = True
                log.info("waiting up to %s s for another load to finish", wait)
                if on_wait is not None:
                    on_wait(_live_run(conn), wait)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LoadBusy(wait, _live_run(conn))
            time.sleep(min(LOCK_POLL_SECONDS, remaining))
        try:
            yield conn
        finally:
            lock.release()


def _live_run(conn: Connection) -> RunInfo | None:
    """The newest run still marked running: the one a live loader is doing, when the load lock is held."""
    lr = schema.load_run
    with conn.begin():
        row = conn.execute(select(lr).where(lr.c.status == RUNNING).order_by(lr.c.id.desc()).limit(1)).first()
    return RunInfo.of(row) if row is not None else None


def start_run(conn: Connection, actor: str, channel: str) -> RunReport:
    """The run's row; runs left "running" are marked interrupted first (holding the lock, this one knows that
    none of them is still going)."""
    lr = schema.load_run
    with conn.begin():
        db.set_loader_timeouts(conn)
        left = conn.execute(select(lr).where(lr.c.status == RUNNING).order_by(lr.c.id)).all()
        if left:
            conn.execute(update(lr).where(lr.c.id.in_([r.id for r in left])).values(status=INTERRUPTED))
        run_id = conn.execute(insert(lr).values(
            started_at=utcnow(), actor=actor, channel=channel, status=RUNNING, files_offered=0, files_loaded=0,
            files_already_loaded=0, files_rejected=0, rows_offered=0, rows_loaded=0, rows_rejected=0,
        ).returning(lr.c.id)).scalar_one()
    interrupted = [RunInfo.of(r) for r in left]
    for run in interrupted:
        log.warning("load run %d (started %s by %s) was interrupted; what its committed batches loaded stays",
                    run.id, run.started_at, run.actor)
    return RunReport(run_id, interrupted=interrupted)


def end_run(conn: Connection, run_id: int, status: str) -> None:
    """Record how the run ended. After an interruption this is best effort: the connection may be what failed,
    and then the next run marks this one."""
    values: dict[str, Any] = {"status": status}
    if status == FINISHED:
        values["finished_at"] = utcnow()
    if status == INTERRUPTED and conn.invalidated:
        log.warning("load run %d was interrupted and its connection lost; the next load marks it", run_id)
        return
    try:
        if conn.in_transaction():
            conn.rollback()
        with conn.begin():
            db.set_loader_timeouts(conn)
            conn.execute(update(schema.load_run).where(schema.load_run.c.id == run_id).values(values))
    except SQLAlchemyError:
        if status == FINISHED:
            raise
        log.warning("could not mark load run %d as interrupted; the next load will", run_id, exc_info=True)


def count_files(conn: Connection, run_id: int, reports: Sequence[FileReport]) -> None:
    """Add the files of a batch to the counts of their run (in the batch's transaction)."""
    if not reports:
        return
    lr = schema.load_run.c
    outcomes = [r.outcome for r in reports]
    conn.execute(update(schema.load_run).where(lr.id == run_id).values({
        lr.files_offered: lr.files_offered + len(reports),
        lr.files_loaded: lr.files_loaded + outcomes.count(LOADED),
        lr.files_already_loaded: lr.files_already_loaded + outcomes.count(ALREADY_LOADED),
        lr.files_rejected: lr.files_rejected + outcomes.count(REJECTED) + outcomes.count(ERROR),
        lr.rows_offered: lr.rows_offered + sum(r.rows_offered for r in reports),
        lr.rows_loaded: lr.rows_loaded + sum(r.rows_loaded for r in reports),
        lr.rows_rejected: lr.rows_rejected + sum(r.rows_rejected for r in reports),
    }))


def run_statuses(engine: Engine, runs: Sequence[Row[Any]]) -> dict[int, str]:
    """The status of each of `runs` (load_run rows) as it is now: a run still marked running is interrupted
    unless a live loader holds the load lock and it is that loader's run (the newest one running)."""
    running = [r.id for r in runs if r.status == RUNNING]
    live: int | None = None
    if running:
        with engine.connect() as conn:
            if db.load_lock(conn).held_elsewhere():
                found = _live_run(conn)
                live = found.id if found is not None else None
    return {r.id: INTERRUPTED if r.status == RUNNING and r.id != live else r.status for r in runs}
