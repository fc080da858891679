"""Plans the loading of one file at a time: its outcome, findings and the versions of its submissions, decided in
Python before anything is written.

A file is planned against what the warehouse holds (looked up once per batch: hashes already loaded, highest
versions, the active block statuses of the quarters before) and against the files of its batch planned before
it. Planning extracts the file (or takes what a parse worker extracted) and validates each of its submissions;
a fault in either fails that file alone, as an error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import SQLAlchemyError

from etl import db, reference, schema
from etl import findings as F
from etl.domain import Quarter, today
from etl.extract.raw import RawSubmission
from etl.load.runs import ALREADY_LOADED, ERROR, LOADED, REJECTED, FileReport, utcnow
from etl.load.workers import Item
from etl.validate import Submission, validate
from etl.validate.context import Context

log = logging.getLogger(__name__)

Pair = tuple[str, str]  # (municipality_code, quarter code)


@dataclass
class Plan:
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


def _pairs_in(item: Item) -> list[Pair]:
    """The (gemeente, kwartaal) pairs of a file, for the batch's look-ups; none for a file extract() fails on,
    which planning parses again and then logs and records as an error."""
    try:
        extracted = item.extracted()
    except Exception:
        log.debug("extract() failed on %s; planning records it", item.name, exc_info=True)
        return []
    return [pair for raw in extracted.submissions if (pair := _pair_of(raw))]


class State:
    """What the warehouse holds, as far as planning needs it, plus the files of the batch planned so far.

    Looked up once per batch (hashes already loaded, highest versions, active block statuses of the quarters
    before); a pair the batch look-up missed is looked up on its own."""

    def __init__(self, conn: Connection, items: Sequence[Item]) -> None:
        self.conn = conn
        with db.planned_for_values(conn):
            self.loaded = _already_loaded(conn, [item.sha256 for item in items])
            pairs = {pair for item in items if item.sha256 not in self.loaded for pair in _pairs_in(item)}
            previous = {(code, Quarter.parse(q).previous().code) for code, q in pairs}
            self.versions: dict[Pair, int] = {**dict.fromkeys(pairs, 0), **_highest_versions(conn, pairs)}
            self.active: dict[Pair, dict[str, int] | None] = {**dict.fromkeys(previous),
                                                               **_active_statuses(conn, previous)}

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

    def apply(self, plan: Plan) -> None:
        """The file is (to be) written: later files of the batch see it."""
        self.versions.update(plan.versions)
        self.active.update(plan.active)
        if plan.report.outcome == LOADED:
            self.loaded.add(plan.report.sha256)


def _highest_versions(conn: Connection, pairs: set[Pair]) -> dict[Pair, int]:
    """The highest submission version of each pair that has one."""
    s = schema.submission
    out: dict[Pair, int] = {}
    for chunk, quarters in db.by_gemeente(pairs):
        for code, q, version in conn.execute(
                select(s.c.municipality_code, s.c.quarter, func.max(s.c.version))
                .where(s.c.municipality_code.in_(chunk), s.c.quarter.in_(quarters))
                .group_by(s.c.municipality_code, s.c.quarter)):
            if (code, q) in pairs:
                out[(code, q)] = version or 0
    return out


def _active_statuses(conn: Connection, pairs: set[Pair]) -> dict[Pair, dict[str, int]]:
    """The block statuses of the active submission of each pair that has one."""
    s, bs = schema.submission, schema.block_status
    out: dict[Pair, dict[str, int]] = {}
    for chunk, quarters in db.by_gemeente(pairs):
        for code, q, block, status in conn.execute(
                select(s.c.municipality_code, s.c.quarter, bs.c.block_code, bs.c.status)
                .join(s, s.c.id == bs.c.submission_id)
                .where(s.c.status == "active", s.c.quarter.in_(quarters), s.c.municipality_code.in_(chunk))):
            if (code, q) in pairs:
                out.setdefault((code, q), {})[block] = status
    return out


def _already_loaded(conn: Connection, digests: Sequence[str]) -> set[str]:
    """The hashes among `digests` of files that were loaded before."""
    sf = schema.source_file
    out: set[str] = set()
    for chunk in db.chunks(sorted(set(digests))):
        out.update(conn.scalars(select(sf.c.sha256).where(db.is_in(conn, sf.c.sha256, chunk), sf.c.outcome == LOADED)))
    return out


def previous_statuses(conn: Connection, code: str, quarter: Quarter) -> dict[str, int] | None:
    """Block statuses of the active submission of the quarter before, or None."""
    s, bs = schema.submission, schema.block_status
    rows = conn.execute(select(bs.c.block_code, bs.c.status).join(s, s.c.id == bs.c.submission_id).where(
        s.c.municipality_code == code, s.c.quarter == quarter.previous().code, s.c.status == "active")).all()
    return {r.block_code: r.status for r in rows} or None


class Planner:
    """Decides, for one file at a time, its outcome, findings and the versions of its submissions."""

    def __init__(self, actor: str, allowed_municipality: str | None) -> None:
        self.actor = actor
        self.allowed_municipality = allowed_municipality
        self.region = reference.region()
        self.context = Context(municipalities=reference.municipalities(), blocks=reference.blocks(),
                               checklist_version=reference.current_checklist_version(), today=today(),
                               previous_statuses=lambda code, quarter: None,
                               allowed_municipality=allowed_municipality)

    def plan(self, state: State, item: Item) -> Plan:
        report = FileReport(name=item.name, sha256=item.sha256, size=len(item.data), outcome=LOADED)
        plan = Plan(report, utcnow())
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

    def error(self, item: Item, rows_offered: int) -> Plan:
        """Nothing of the file is loaded; the attempt is recorded."""
        report = FileReport(name=item.name, sha256=item.sha256, size=len(item.data), outcome=ERROR,
                            rows_offered=rows_offered, rows_rejected=rows_offered)
        report.findings = [F.fatal("interne_fout", "bestand", "er ging iets mis bij het laden; niets van dit "
                                   "bestand is geladen. Probeer het opnieuw of neem contact op met de beheerder")]
        return Plan(report, utcnow())

    def _plan(self, state: State, item: Item, plan: Plan) -> None:
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
