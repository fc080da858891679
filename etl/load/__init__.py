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
(`etl.load.workers`, the loader's worker pool) while the main process validates and writes.

One load at a time per warehouse: a run holds the load lock from before it starts until it ends (its
bookkeeping, the lock included, is `etl.load.runs`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, tuple_, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from etl import db, marts, reference, schema
from etl import findings as F
from etl.domain import PARTNERS, Quarter, today
from etl.extract import RawSubmission
from etl.load.runs import (
    ALREADY_LOADED,
    ERROR,
    FINISHED,
    INTERRUPTED,
    LOADED,
    REJECTED,
    FileReport,
    RunInfo,
    RunReport,
    count_files,
    end_run,
    run_connection,
    start_run,
    utcnow,
)
from etl.load.workers import Item, batches, start_pool
from etl.validate import Context, Submission, validate

log = logging.getLogger(__name__)

BATCH_FILES = 200  # files per transaction
MIN_BATCH_FILES = 25  # the first batch; with parse workers, later ones hold at least this many files (or half
# the current batch size) before the writing goes ahead without waiting for the parsing
BATCH_BYTES = 20_000_000  # and at most about this many bytes of files per transaction
PARSE_WORKER_FROM = 40  # a run of at least this many files parses ahead in worker processes
PARSE_WORKERS = 2  # at most, and no more than the cores: the writing in the main process is the next bottleneck
CHUNK = 1000  # values per IN list

Pair = tuple[str, str]  # (municipality_code, quarter code)


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
                planner = _Planner(actor, allowed_municipality)
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


# --- planning: everything that is decided before writing ----------------------------------------------------


@dataclass
class _Plan:
    """What loading one file writes: its report, and its submissions as (code, quarter, version, status, sub)."""

    report: FileReport
    at: dt.datetime
    rows: list[tuple[str, str, int, str, Submission | None]] = field(default_factory=list)
    versions: dict[Pair, int] = field(default_factory=dict)  # the highest version per pair after this file
    active: dict[Pair, dict[str, int]] = field(default_factory=dict)  # block statuses of its active versions

    @property
    def touched(self) -> list[tuple[str, Quarter]]:
        return [(code, Quarter.parse(q)) for code, q, _v, status, _s in self.rows if status == "active"]


def _pair_of(raw: RawSubmission) -> Pair | None:
    """(gemeente, kwartaal) of a raw submission as validation will read it, or None (for look-ups only)."""
    quarter = _quarter_of(raw)
    if quarter is None or "gemeente_code" not in raw.general:
        return None
    return str(raw.general["gemeente_code"].value).strip().upper().replace(" ", ""), quarter


def _quarter_of(raw: RawSubmission) -> str | None:
    """The quarter code of a raw submission, or None where it has none or no valid one (validation says so)."""
    if "kwartaal" not in raw.general:
        return None
    try:
        return Quarter.parse(str(raw.general["kwartaal"].value)).code
    except ValueError:
        return None


class _State:
    """What the warehouse holds, as far as planning needs it, plus the files of the batch planned so far.

    Looked up once per batch (hashes already loaded, highest versions, active block statuses of the quarters
    before); a pair the batch look-up missed is looked up on its own."""

    def __init__(self, conn: Connection, items: Sequence[Item]) -> None:
        self.conn = conn
        self.loaded = _already_loaded(conn, [item.sha256 for item in items])
        pairs = {pair for item in items if item.sha256 not in self.loaded for pair in _pairs_in(item)}
        previous = {(code, Quarter.parse(q).previous().code) for code, q in pairs}
        s, bs = schema.submission, schema.block_status
        self.versions: dict[Pair, int] = dict.fromkeys(pairs, 0)
        self.active: dict[Pair, dict[str, int] | None] = dict.fromkeys(previous)
        for chunk in _chunks(sorted(pairs)):
            for code, q, version in conn.execute(
                    select(s.c.municipality_code, s.c.quarter, func.max(s.c.version))
                    .where(tuple_(s.c.municipality_code, s.c.quarter).in_(chunk))
                    .group_by(s.c.municipality_code, s.c.quarter)):
                self.versions[(code, q)] = version or 0
        for chunk in _chunks(sorted(previous)):
            for code, q, block, status in conn.execute(
                    select(s.c.municipality_code, s.c.quarter, bs.c.block_code, bs.c.status)
                    .join(s, s.c.id == bs.c.submission_id)
                    .where(s.c.status == "active", tuple_(s.c.municipality_code, s.c.quarter).in_(chunk))):
                statuses = self.active.get((code, q))
                if statuses is None:
                    statuses = self.active[(code, q)] = {}
                statuses[block] = status

    def version(self, pair: Pair) -> int:
        if pair not in self.versions:
            s = schema.submission
            self.versions[pair] = self.conn.execute(select(func.max(s.c.version)).where(
                s.c.municipality_code == pair[0], s.c.quarter == pair[1])).scalar() or 0
        return self.versions[pair]

    def statuses(self, code: str, quarter: Quarter) -> dict[str, int] | None:
        pair = (code, quarter.code)
        if pair not in self.active:
            self.active[pair] = previous_statuses(self.conn, code, quarter.next())
        return self.active[pair] or None

    def apply(self, plan: _Plan) -> None:
        """The file is (to be) written: later files of the batch see it."""
        self.versions.update(plan.versions)
        self.active.update(plan.active)
        if plan.report.outcome == LOADED:
            self.loaded.add(plan.report.sha256)


def _already_loaded(conn: Connection, digests: Sequence[str]) -> set[str]:
    """The hashes among `digests` of files that were loaded before."""
    sf = schema.source_file
    out: set[str] = set()
    for chunk in _chunks(sorted(set(digests))):
        out.update(conn.scalars(select(sf.c.sha256).where(db.is_in(conn, sf.c.sha256, chunk), sf.c.outcome == LOADED)))
    return out


def previous_statuses(conn: Connection, code: str, quarter: Quarter) -> dict[str, int] | None:
    """Block statuses of the active submission of the quarter before, or None."""
    s, bs = schema.submission, schema.block_status
    rows = conn.execute(select(bs.c.block_code, bs.c.status).join(s, s.c.id == bs.c.submission_id).where(
        s.c.municipality_code == code, s.c.quarter == quarter.previous().code, s.c.status == "active")).all()
    return {r.block_code: r.status for r in rows} or None


class _Planner:
    """Decides, for one file at a time, its outcome, findings and the versions of its submissions."""

    def __init__(self, actor: str, allowed_municipality: str | None) -> None:
        self.actor = actor
        self.allowed_municipality = allowed_municipality
        self.region = reference.region()
        self.context = Context(municipalities=reference.municipalities(), blocks=reference.blocks(),
                               checklist_version=reference.current_checklist_version(), today=today(),
                               previous_statuses=lambda code, quarter: None,
                               allowed_municipality=allowed_municipality)

    def plan(self, state: _State, item: Item) -> _Plan:
        report = FileReport(name=item.name, sha256=item.sha256, size=len(item.data), outcome=LOADED)
        plan = _Plan(report, utcnow())
        try:
            self._plan(state, item, plan)
        except SQLAlchemyError:
            raise  # the warehouse, not the file: the batch fails
        except Exception:  # a fault in extract or validate on this file: it fails alone, recorded as an error
            log.exception("loading %s failed; it is recorded as an error", item.name)
            return self.error(item, report.rows_offered)
        return plan

    def _in_scope(self, item: Item) -> bool:
        """Whether every submission of the file is for the gemeente the upload is limited to (if any). Checked
        before "al geladen": that answer to a copy of another gemeente's file would confirm its contents. Out of
        scope, the file goes through validation, which refuses it as another gemeente's."""
        if self.allowed_municipality is None:
            return True
        pairs = _pairs_in(item)
        return bool(pairs) and all(code == self.allowed_municipality for code, _q in pairs)

    def error(self, item: Item, rows_offered: int) -> _Plan:
        """Nothing of the file is loaded; the attempt is recorded."""
        report = FileReport(name=item.name, sha256=item.sha256, size=len(item.data), outcome=ERROR,
                            rows_offered=rows_offered, rows_rejected=rows_offered)
        report.findings = [F.fatal("interne_fout", "bestand", "er ging iets mis bij het laden; niets van dit "
                                   "bestand is geladen. Probeer het opnieuw of neem contact op met de beheerder")]
        return _Plan(report, utcnow())

    def _plan(self, state: _State, item: Item, plan: _Plan) -> None:
        report = plan.report
        if report.sha256 in state.loaded and self._in_scope(item):
            report.outcome = ALREADY_LOADED
            return

        extracted = item.extracted()
        report.rows_offered = extracted.rows
        in_file: dict[Pair, dict[str, int]] = {}

        def previous(code: str, quarter: Quarter) -> dict[str, int] | None:
            return in_file.get((code, quarter.previous().code)) or state.statuses(code, quarter.previous())

        ctx = dataclasses.replace(self.context, previous_statuses=previous)
        report.findings.extend(extracted.findings)
        valid: list[Submission] = []
        rejected_keys: list[Pair] = []

        for raw in sorted(extracted.submissions, key=lambda raw: _quarter_of(raw) or ""):
            sub, found = validate(raw, ctx)
            report.findings.extend(found)
            if sub is None:
                first = found[0] if found else None
                refused_scope = any(f.rule == F.OTHER_MUNICIPALITY for f in found)
                if first and first.municipality_code in self.region and first.quarter and not refused_scope:
                    # a rejected version in the gemeente's history; never for an upload refused for its scope,
                    # which would put another gemeente's attempt into this gemeente's history
                    rejected_keys.append((first.municipality_code, first.quarter))
            else:
                valid.append(sub)
                in_file[(sub.municipality_code, sub.quarter.code)] = sub.statuses
        if not extracted.submissions and not extracted.findings:
            report.findings.append(F.fatal(F.UNREADABLE, "bestand", "het bestand bevat geen aanlevering; vul het "
                                           "sjabloon in of voeg regels toe aan de CSV"))

        def add(code: str, quarter: str, status: str, sub: Submission | None) -> int:
            pair = (code, quarter)
            version = (plan.versions[pair] if pair in plan.versions else state.version(pair)) + 1
            plan.versions[pair] = version
            plan.rows.append((code, quarter, version, status, sub))
            return version

        if any(f.is_fatal for f in report.findings):
            report.outcome = REJECTED
            report.rows_rejected = report.rows_offered
            for code, q in rejected_keys:
                add(code, q, "rejected", None)
            return

        report.outcome = LOADED
        report.rows_loaded = report.rows_offered
        for sub in valid:
            version = add(sub.municipality_code, sub.quarter.code, "active", sub)
            report.submissions.append((sub.municipality_code, sub.quarter.code, version))
            plan.active[(sub.municipality_code, sub.quarter.code)] = sub.statuses


# --- writing -------------------------------------------------------------------------------------------------


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


def _load_batch(conn: Connection, run_id: int, items: list[Item], planner: _Planner) -> list[FileReport]:
    """One transaction: plan every file, write them with one statement per table, refresh the marts of the
    pairs touched, commit. If writing fails on the data of a file, the batch is loaded again file by file."""
    _check_alive(conn)
    try:
        with conn.begin():
            _begin(conn)
            state = _State(conn, items)
            plans = []
            for item in items:
                plan = planner.plan(state, item)
                state.apply(plan)
                plans.append(plan)
            written = _write(conn, run_id, plans, planner.actor)
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


def _load_batch_file_by_file(conn: Connection, run_id: int, items: list[Item], planner: _Planner
                             ) -> list[FileReport]:
    """One transaction, each file in a SAVEPOINT with its own mart refresh: a file that fails is recorded as an
    error, and the files after it are planned against what was actually written."""
    _check_alive(conn)
    reports = []
    with conn.begin():
        _begin(conn)
        state = _State(conn, items)
        for item in items:
            plan = planner.plan(state, item)
            try:
                with conn.begin_nested():
                    written = _write(conn, run_id, [plan], planner.actor)
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


def _record_error(conn: Connection, run_id: int, planner: _Planner, item: Item, failed: _Plan) -> _Plan:
    """The savepoint rolled back: nothing of the file is in the warehouse. Record the attempt."""
    plan = planner.error(item, failed.report.rows_offered)
    _write(conn, run_id, [plan], planner.actor)
    return plan


def _pairs_in(item: Item) -> list[Pair]:
    """The (gemeente, kwartaal) pairs of a file, for the batch's look-ups; none for a file extract() fails on,
    which planning parses again and then logs and records as an error."""
    try:
        extracted = item.extracted()
    except Exception:
        log.debug("extract() failed on %s; planning records it", item.name, exc_info=True)
        return []
    return [pair for raw in extracted.submissions if (pair := _pair_of(raw))]


def _chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _write(conn: Connection, run_id: int, plans: Sequence[_Plan], actor: str) -> dict[int, marts.Facts]:
    """Files with their findings, then their submissions and facts: one statement per table. Returns the facts
    written, by submission id, for the mart refresh."""
    file_ids = _record_file(conn, run_id, plans, actor)
    subs = [(file_id, plan.at, *row) for file_id, plan in zip(file_ids, plans, strict=True) for row in plan.rows]
    return _insert_submission(conn, run_id, subs, actor) if subs else {}


def _record_file(conn: Connection, run_id: int, plans: Sequence[_Plan], actor: str) -> list[int]:
    """source_file rows (with the findings) of `plans`, in order; returns their ids."""
    sf = schema.source_file
    file_ids = db.insert_rows_returning_ids(conn, sf, [
        dict(run_id=run_id, file_name=r.name[:400], sha256=r.sha256, size_bytes=r.size, received_at=plan.at,
             actor=actor, outcome=r.outcome, rows_offered=r.rows_offered, rows_loaded=r.rows_loaded,
             rows_rejected=r.rows_rejected)
        for plan in plans for r in [plan.report]
    ])
    findings = [
        dict(run_id=run_id, file_id=file_id, municipality_code=f.municipality_code, quarter=f.quarter,
             severity=f.severity, rule=f.rule, place=f.place[:120], message=f.message)
        for file_id, plan in zip(file_ids, plans, strict=True) for f in plan.report.findings
    ]
    db.insert_rows(conn, schema.finding, findings)
    return file_ids


def _insert_submission(conn: Connection, run_id: int,
                       subs: Sequence[tuple[int, dt.datetime, str, str, int, str, Submission | None]],
                       actor: str) -> dict[int, marts.Facts]:
    """Submission rows (file_id, loaded_at, code, quarter, version, status, sub) with their facts. A new active
    version supersedes the active one of its pair, in the warehouse or earlier in `subs`."""
    s = schema.submission
    last_active = {(code, q): i for i, (_f, _at, code, q, _v, status, _s) in enumerate(subs) if status == "active"}
    older = [(code, q) for (code, q), i in last_active.items() if subs[i][4] > 1]
    for chunk in _chunks(older):
        conn.execute(update(s).where(s.c.status == "active", tuple_(s.c.municipality_code, s.c.quarter).in_(chunk))
                     .values(status="superseded"))
    checklist_version = reference.current_checklist_version()
    rows = [
        dict(file_id=file_id, run_id=run_id, municipality_code=code, quarter=q, version=version,
             status="superseded" if status == "active" and last_active[(code, q)] != i else status,
             checklist_version=sub.checklist_version if sub else checklist_version,
             template_version=sub.template_version if sub else None, filled_in_on=sub.filled_in_on if sub else None,
             loaded_at=at, actor=actor)
        for i, (file_id, at, code, q, version, status, sub) in enumerate(subs)
    ]
    ids = db.insert_rows_returning_ids(conn, s, rows)
    written = [(submission_id, sub) for submission_id, (*_, sub) in zip(ids, subs, strict=True) if sub is not None]
    if not written:
        return {}
    _write_block_statuses(conn, written)
    resources, signals = _write_resources_and_signals(conn, written)
    _write_network(conn, written)
    return {submission_id: marts.Facts(
        statuses=sub.statuses, explanations={code: sub.explanations.get(code) for code in sub.statuses},
        network={p: sub.network[p] for p in PARTNERS}, resources=res, signals=sig)
        for (submission_id, sub), res, sig in zip(written, resources, signals, strict=True)}


def _write_block_statuses(conn: Connection, written: Sequence[tuple[int, Submission]]) -> None:
    db.insert_rows(conn, schema.block_status, [
        dict(submission_id=submission_id, block_code=code, status=status, explanation=sub.explanations.get(code))
        for submission_id, sub in written for code, status in sub.statuses.items()
    ])


def _write_resources_and_signals(conn: Connection, written: Sequence[tuple[int, Submission]]
                                 ) -> tuple[list[dict], list[dict]]:
    resources = [
        dict(submission_id=submission_id, capacity_fte=r["capaciteit_fte"], budget_approach_eur=r["budget_aanpak_eur"],
             budget_interventions_eur=r["budget_interventies_eur"], staff_trained=r["medewerkers_getraind"],
             last_training_on=r.get("datum_laatste_training"), interventions_active=r["interventietrajecten_lopend"])
        for submission_id, sub in written for r in [sub.resources]
    ]
    signals = [
        dict(submission_id=submission_id, radicalisation=s["meldingen_radicalisering"],
             polarisation=s["meldingen_polarisatie"], from_citizens=s["meldingen_van_burgers"],
             from_professionals=s["meldingen_van_professionals"], to_safety_house=s["ingebracht_zvh"])
        for submission_id, sub in written for s in [sub.signals]
    ]
    db.insert_rows(conn, schema.resources, resources)
    db.insert_rows(conn, schema.signals, signals)
    return resources, signals


def _write_network(conn: Connection, written: Sequence[tuple[int, Submission]]) -> None:
    db.insert_rows(conn, schema.network, [
        dict(submission_id=submission_id, partner=p, connected=sub.network[p])
        for submission_id, sub in written for p in PARTNERS
    ])
