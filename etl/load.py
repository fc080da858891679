"""Loads submission files into the warehouse: one transaction per file, idempotent by file hash, versions kept.

For every file offered the warehouse records its name, SHA-256, size, time, actor and outcome with all of its
findings, also when it is rejected. A file either loads whole (every submission in it, its facts, and the
refreshed marts of the quarters it touched) or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, func, insert, select, update

from etl import findings as F
from etl import marts, reference, schema
from etl.domain import PARTNERS, Quarter, today
from etl.extract import extract
from etl.findings import Finding
from etl.validate import Context, Submission, validate

log = logging.getLogger(__name__)

LOADED, ALREADY_LOADED, REJECTED, ERROR = "loaded", "already_loaded", "rejected", "error"
OUTCOME_LABELS = {LOADED: "geladen", ALREADY_LOADED: "al geladen", REJECTED: "afgewezen", ERROR: "fout"}


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


@dataclass
class RunReport:
    run_id: int
    files: list[FileReport] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def any_rejected(self) -> bool:
        return any(f.outcome in (REJECTED, ERROR) for f in self.files)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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


def start_run(engine: Engine, actor: str, channel: str) -> int:
    with engine.begin() as conn:
        return conn.execute(insert(schema.load_run).values(
            started_at=utcnow(), actor=actor, channel=channel, files_offered=0, files_loaded=0,
            files_already_loaded=0, files_rejected=0, rows_offered=0, rows_loaded=0, rows_rejected=0,
        ).returning(schema.load_run.c.id)).scalar_one()


def finish_run(engine: Engine, run_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(schema.load_run).where(schema.load_run.c.id == run_id).values(finished_at=utcnow()))


def load_files(engine: Engine, files: Sequence[tuple[str, bytes]], actor: str, channel: str = "cli",
               allowed_municipality: str | None = None,
               progress: Callable[[FileReport], None] | None = None) -> RunReport:
    """Loads (name, content) pairs as one run. `allowed_municipality` limits an upload to one gemeente."""
    report = RunReport(start_run(engine, actor, channel))
    for name, data in files:
        file_report = load_one(engine, report.run_id, name, data, actor, allowed_municipality)
        report.files.append(file_report)
        if progress:
            progress(file_report)
    finish_run(engine, report.run_id)
    return report


def load_paths(engine: Engine, paths: Iterable[str | Path], actor: str, channel: str = "cli",
               progress: Callable[[FileReport], None] | None = None) -> RunReport:
    """Loads files and folders; each file is read when its turn comes, so memory stays flat."""
    files = collect_paths(paths)

    class _Lazy(Sequence):
        def __len__(self) -> int:
            return len(files)

        def __getitem__(self, i):  # type: ignore[override]
            return files[i].name, files[i].read_bytes()

    return load_files(engine, _Lazy(), actor, channel, progress=progress)


def load_one(engine: Engine, run_id: int, name: str, data: bytes, actor: str,
             allowed_municipality: str | None = None) -> FileReport:
    digest = hashlib.sha256(data).hexdigest()
    report = FileReport(name=name, sha256=digest, size=len(data), outcome=LOADED)
    try:
        with engine.begin() as conn:
            _load_in_transaction(conn, run_id, report, data, actor, allowed_municipality)
    except Exception:
        log.exception("loading %s failed", name)
        # The transaction rolled back: nothing of the file is in the warehouse. Record the attempt.
        report.outcome = ERROR
        report.rows_loaded = 0
        report.rows_rejected = report.rows_offered
        report.submissions = []
        report.findings = [F.fatal("interne_fout", "bestand", "er ging iets mis bij het laden; niets van dit "
                                   "bestand is geladen. Probeer het opnieuw of neem contact op met de beheerder")]
        with engine.begin() as conn:
            _record_file(conn, run_id, report, actor)
    return report


def _record_file(conn: Connection, run_id: int, report: FileReport, actor: str) -> int:
    file_id = conn.execute(insert(schema.source_file).values(
        run_id=run_id, file_name=report.name[:400], sha256=report.sha256, size_bytes=report.size,
        received_at=utcnow(), actor=actor, outcome=report.outcome, rows_offered=report.rows_offered,
        rows_loaded=report.rows_loaded, rows_rejected=report.rows_rejected,
    ).returning(schema.source_file.c.id)).scalar_one()
    if report.findings:
        conn.execute(insert(schema.finding), [
            dict(run_id=run_id, file_id=file_id, municipality_code=f.municipality_code, quarter=f.quarter,
                 severity=f.severity, rule=f.rule, place=f.place[:120], message=f.message)
            for f in report.findings
        ])
    lr = schema.load_run.c
    outcome_column = {LOADED: lr.files_loaded, ALREADY_LOADED: lr.files_already_loaded,
                      REJECTED: lr.files_rejected, ERROR: lr.files_rejected}[report.outcome]
    conn.execute(update(schema.load_run).where(lr.id == run_id).values({
        lr.files_offered: lr.files_offered + 1,
        outcome_column: outcome_column + 1,
        lr.rows_offered: lr.rows_offered + report.rows_offered,
        lr.rows_loaded: lr.rows_loaded + report.rows_loaded,
        lr.rows_rejected: lr.rows_rejected + report.rows_rejected,
    }))
    return file_id


def _already_loaded(conn: Connection, digest: str) -> bool:
    sf = schema.source_file
    return conn.execute(select(sf.c.id).where(sf.c.sha256 == digest, sf.c.outcome == LOADED).limit(1)).first() \
        is not None


def previous_statuses(conn: Connection, code: str, quarter: Quarter) -> dict[str, int] | None:
    """Block statuses of the active submission of the quarter before, or None."""
    s, bs = schema.submission, schema.block_status
    rows = conn.execute(select(bs.c.block_code, bs.c.status).join(s, s.c.id == bs.c.submission_id).where(
        s.c.municipality_code == code, s.c.quarter == quarter.previous().code, s.c.status == "active")).all()
    return {r.block_code: r.status for r in rows} or None


def _load_in_transaction(conn: Connection, run_id: int, report: FileReport, data: bytes, actor: str,
                         allowed_municipality: str | None) -> None:
    if _already_loaded(conn, report.sha256):
        report.outcome = ALREADY_LOADED
        _record_file(conn, run_id, report, actor)
        return

    extracted = extract(data)
    report.rows_offered = extracted.rows
    in_file: dict[tuple[str, str], dict[str, int]] = {}

    def previous(code: str, quarter: Quarter) -> dict[str, int] | None:
        return in_file.get((code, quarter.previous().code)) or previous_statuses(conn, code, quarter)

    ctx = Context(municipalities=reference.municipalities(), blocks=reference.blocks(),
                  checklist_version=reference.current_checklist_version(), today=today(),
                  previous_statuses=previous, allowed_municipality=allowed_municipality)
    report.findings.extend(extracted.findings)
    valid: list[Submission] = []
    rejected_keys: list[tuple[str, str]] = []
    region = reference.region()

    def quarter_key(raw):
        try:
            return Quarter.parse(str(raw.general["kwartaal"].value)).code
        except Exception:
            return ""

    for raw in sorted(extracted.submissions, key=quarter_key):
        sub, found = validate(raw, ctx)
        report.findings.extend(found)
        if sub is None:
            first = found[0] if found else None
            refused_scope = any(f.rule == F.OTHER_MUNICIPALITY for f in found)
            if first and first.municipality_code in region and first.quarter and not refused_scope:
                # a rejected version in the gemeente's history; never for an upload refused for its scope,
                # which would put another gemeente's attempt into this gemeente's history
                rejected_keys.append((first.municipality_code, first.quarter))
        else:
            valid.append(sub)
            in_file[(sub.municipality_code, sub.quarter.code)] = sub.statuses
    if not extracted.submissions and not extracted.findings:
        report.findings.append(F.fatal(F.UNREADABLE, "bestand", "het bestand bevat geen aanlevering; vul het "
                                       "sjabloon in of voeg regels toe aan de CSV"))

    if any(f.is_fatal for f in report.findings):
        report.outcome = REJECTED
        report.rows_rejected = report.rows_offered
        file_id = _record_file(conn, run_id, report, actor)
        for code, q in rejected_keys:
            _insert_submission(conn, file_id, run_id, code, q, "rejected", None, actor)
        return

    report.outcome = LOADED
    report.rows_loaded = report.rows_offered
    file_id = _record_file(conn, run_id, report, actor)
    touched = []
    for sub in valid:
        version = _insert_submission(conn, file_id, run_id, sub.municipality_code, sub.quarter.code, "active",
                                     sub, actor)
        report.submissions.append((sub.municipality_code, sub.quarter.code, version))
        touched.append((sub.municipality_code, sub.quarter))
    marts.refresh(conn, marts.pairs_to_refresh(touched))


def _insert_submission(conn: Connection, file_id: int, run_id: int, code: str, quarter: str, status: str,
                       sub: Submission | None, actor: str) -> int:
    s = schema.submission
    version = (conn.execute(select(func.max(s.c.version)).where(s.c.municipality_code == code,
                                                                 s.c.quarter == quarter)).scalar() or 0) + 1
    if status == "active":
        conn.execute(update(s).where(s.c.municipality_code == code, s.c.quarter == quarter,
                                     s.c.status == "active").values(status="superseded"))
    submission_id = conn.execute(insert(s).values(
        file_id=file_id, run_id=run_id, municipality_code=code, quarter=quarter, version=version, status=status,
        checklist_version=sub.checklist_version if sub else reference.current_checklist_version(),
        template_version=sub.template_version if sub else None, filled_in_on=sub.filled_in_on if sub else None,
        loaded_at=utcnow(), actor=actor,
    ).returning(s.c.id)).scalar_one()
    if sub is not None:
        _write_block_statuses(conn, submission_id, sub)
        _write_resources_and_signals(conn, submission_id, sub)
        _write_network(conn, submission_id, sub)
    return version


def _write_block_statuses(conn: Connection, submission_id: int, sub: Submission) -> None:
    conn.execute(insert(schema.block_status), [
        dict(submission_id=submission_id, block_code=code, status=status, explanation=sub.explanations.get(code))
        for code, status in sub.statuses.items()
    ])


def _write_resources_and_signals(conn: Connection, submission_id: int, sub: Submission) -> None:
    r, s = sub.resources, sub.signals
    conn.execute(insert(schema.resources).values(
        submission_id=submission_id, capacity_fte=r["capaciteit_fte"], budget_approach_eur=r["budget_aanpak_eur"],
        budget_interventions_eur=r["budget_interventies_eur"], staff_trained=r["medewerkers_getraind"],
        last_training_on=r.get("datum_laatste_training"), interventions_active=r["interventietrajecten_lopend"]))
    conn.execute(insert(schema.signals).values(
        submission_id=submission_id, radicalisation=s["meldingen_radicalisering"],
        polarisation=s["meldingen_polarisatie"], from_citizens=s["meldingen_van_burgers"],
        from_professionals=s["meldingen_van_professionals"], to_safety_house=s["ingebracht_zvh"]))


def _write_network(conn: Connection, submission_id: int, sub: Submission) -> None:
    conn.execute(insert(schema.network), [
        dict(submission_id=submission_id, partner=p, connected=sub.network[p]) for p in PARTNERS
    ])
