"""Where a quarter's submissions stand, for the reminders, the coordinators' digest and introduction requests.

Small read-only queries of the warehouse of their own (the dashboard's data layer serves the pages; these serve
mail that leaves the monitor): who submitted, who was rejected and why, who is missing, which blocks went down
where, which warnings came with the active submissions, and who has a block in order. Names of gemeenten are in
here: only coordinators' mails use them; a gemeente's own mail gets only its own rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from etl import schema
from etl.domain import IN_ORDER_FROM, Quarter
from nhsv import settings


def deadline(quarter: Quarter) -> dt.date:
    """The last day to submit `quarter`: NHSV_DEADLINE_DAYS after it ends."""
    return quarter.end + dt.timedelta(days=settings.get_int("NHSV_DEADLINE_DAYS"))


@dataclass(frozen=True)
class Rejection:
    file_id: int
    file_name: str
    findings: list[str]  # "place: message" of the fatal findings (which never repeat a cell's content)


@dataclass
class QuarterStatus:
    quarter: Quarter
    names: dict[str, str]  # code -> name, the region's gemeenten
    active: set[str] = field(default_factory=set)
    rejected: dict[str, list[Rejection]] = field(default_factory=dict)  # only of gemeenten without an active one
    regressions: dict[str, list[str]] = field(default_factory=dict)  # block code -> codes that went down
    warnings: dict[str, list[str]] = field(default_factory=dict)  # code -> warnings of its active submission
    block_labels: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """Gemeenten without an active submission (rejected ones included), by name."""
        return sorted((c for c in self.names if c not in self.active), key=lambda c: self.names[c])


def block_labels(engine: Engine) -> dict[str, str]:
    """Block code -> label, of the newest checklist version."""
    b = schema.block
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(b.c.checklist_version))).scalar_one()
        rows = conn.execute(select(b.c.code, b.c.label).where(b.c.checklist_version == newest)
                            .order_by(b.c.position)).all()
    return {r.code: r.label for r in rows}


def region_names(engine: Engine) -> dict[str, str]:
    m = schema.municipality
    with engine.connect() as conn:
        return dict(conn.execute(select(m.c.code, m.c.name).where(m.c.in_region.is_(True))).all())


def status_of(engine: Engine, quarter: Quarter) -> QuarterStatus:
    s, sf, fd, bq = schema.submission, schema.source_file, schema.finding, schema.block_quarter
    status = QuarterStatus(quarter, region_names(engine), block_labels=block_labels(engine))
    with engine.connect() as conn:
        subs = conn.execute(select(s.c.municipality_code, s.c.status, s.c.file_id, sf.c.file_name)
                            .join(sf, sf.c.id == s.c.file_id).where(s.c.quarter == quarter.code)
                            .order_by(s.c.id)).all()
        found = conn.execute(select(fd.c.municipality_code, fd.c.file_id, fd.c.severity, fd.c.place, fd.c.message)
                             .where(fd.c.quarter == quarter.code).order_by(fd.c.id)).all()
        down = conn.execute(select(bq.c.block_code, bq.c.municipality_code)
                            .where(bq.c.quarter == quarter.code, bq.c.previous_status.is_not(None),
                                   bq.c.status < bq.c.previous_status)
                            .order_by(bq.c.block_code, bq.c.municipality_code)).all()
    status.active = {r.municipality_code for r in subs if r.status == "active"}
    active_files = {r.file_id for r in subs if r.status == "active"}
    for r in subs:
        if r.status == "rejected" and r.municipality_code not in status.active and r.municipality_code in status.names:
            findings = [f"{f.place}: {f.message}" for f in found if f.file_id == r.file_id and f.severity == "fatal"]
            status.rejected.setdefault(r.municipality_code, []).append(Rejection(r.file_id, r.file_name, findings))
    for f in found:
        if f.severity == "warning" and f.file_id in active_files:
            status.warnings.setdefault(f.municipality_code, []).append(f"{f.place}: {f.message}")
    for r in down:
        if r.municipality_code in status.names:
            status.regressions.setdefault(r.block_code, []).append(r.municipality_code)
    return status


def in_order_elsewhere(engine: Engine, quarter: str, block_code: str, except_code: str) -> list[str]:
    """Names of the region's other gemeenten with `block_code` in order in `quarter` (for coordinators only)."""
    bq, m = schema.block_quarter, schema.municipality
    with engine.connect() as conn:
        return list(conn.execute(
            select(m.c.name).select_from(bq.join(m, m.c.code == bq.c.municipality_code))
            .where(bq.c.quarter == quarter, bq.c.block_code == block_code, bq.c.status >= IN_ORDER_FROM,
                   m.c.in_region.is_(True), bq.c.municipality_code != except_code)
            .order_by(m.c.name)).scalars())
