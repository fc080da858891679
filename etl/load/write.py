"""Writes planned files into the warehouse, inside the caller's transaction: each file with its findings, then
their submissions and facts, one statement per table.

A new active version of a (gemeente, kwartaal) supersedes the active one, in the warehouse or earlier among the
files written. What is written is returned per submission, so that the marts are refreshed without reading the
facts back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, tuple_, update

from etl import db, marts, reference, schema
from etl.domain import PARTNERS
from etl.load.plan import Plan
from etl.validate import Submission


def write_files(conn: Connection, run_id: int, plans: Sequence[Plan], actor: str) -> dict[int, marts.Facts]:
    """Files with their findings, then their submissions and facts: one statement per table. Returns the facts
    written, by submission id, for the mart refresh."""
    file_ids = _record_file(conn, run_id, plans, actor)
    subs = [(file_id, plan.at, *row) for file_id, plan in zip(file_ids, plans, strict=True) for row in plan.rows]
    return _insert_submission(conn, run_id, subs, actor) if subs else {}


def _record_file(conn: Connection, run_id: int, plans: Sequence[Plan], actor: str) -> list[int]:
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
    for chunk in db.chunks(older):
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
