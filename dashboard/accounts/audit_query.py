"""The audit log as /beheer shows and exports it: filtered by user, event and date (UTC days)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import Engine, or_, select

from dashboard.auth.config import aware
from etl import schema

PAGE_ROWS = 200
EXPORT_MAX_ROWS = 100_000
CSV_COLUMNS = ("tijdstip (UTC)", "door", "gebeurtenis", "details", "adres")


@dataclass(frozen=True)
class AuditFilter:
    user: str = ""  # an e-mail address (or part of one): the actor, or the user an event was about
    event: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        def day(value: str | None) -> dt.date | None:
            try:
                return dt.date.fromisoformat(value) if value else None
            except ValueError:
                return None

        return cls((args.get("gebruiker") or "").strip().lower()[:254], (args.get("gebeurtenis") or "").strip()[:40],
                   day(args.get("van")), day(args.get("tot")))

    def query_string(self) -> str:
        from urllib.parse import urlencode

        pairs = {"gebruiker": self.user, "gebeurtenis": self.event, "van": self.since and self.since.isoformat(),
                 "tot": self.until and self.until.isoformat()}
        return urlencode({k: v for k, v in pairs.items() if v})


def _statement(f: AuditFilter):
    a = schema.audit_log
    query = select(a.c.at, a.c.actor, a.c.event, a.c.detail, a.c.address)
    if f.user:
        pattern = "%" + f.user.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(a.c.actor.ilike(pattern, escape="\\"), a.c.detail.ilike(pattern, escape="\\")))
    if f.event:
        query = query.where(a.c.event == f.event)
    if f.since:
        query = query.where(a.c.at >= dt.datetime.combine(f.since, dt.time(), dt.UTC))
    if f.until:
        query = query.where(a.c.at < dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time(), dt.UTC))
    return query.order_by(a.c.id.desc())


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime  # UTC
    actor: str | None
    event: str
    detail: str | None
    address: str | None


def rows(engine: Engine, f: AuditFilter, limit: int = PAGE_ROWS) -> list[AuditRow]:
    with engine.connect() as conn:
        return [AuditRow(aware(r.at), r.actor, r.event, r.detail, r.address)
                for r in conn.execute(_statement(f).limit(limit))]


def events(engine: Engine) -> list[str]:
    a = schema.audit_log
    with engine.connect() as conn:
        return sorted(conn.execute(select(a.c.event).distinct()).scalars())


def _cell(value) -> str:
    """A CSV cell that a spreadsheet does not run as a formula (=, +, -, @ at the start)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(engine: Engine, f: AuditFilter) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows(engine, f, EXPORT_MAX_ROWS):
        writer.writerow([r.at.strftime("%Y-%m-%d %H:%M:%S"), _cell(r.actor), _cell(r.event), _cell(r.detail),
                         _cell(r.address)])
    return "\ufeff" + out.getvalue()  # BOM: Dutch Excel reads the UTF-8 right
