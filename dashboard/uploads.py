"""Uploads from the Aanleveren page: receiving a file (size, decoding, scope, the loader, the audit log) and the
gemeente's submission history, each deciding on the server what the viewer may do and see.

The page's callbacks only pass their inputs here together with `context.viewer()`; which gemeente a `gemeente`
user may upload for comes from the viewer, never from anything the page sends.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, and_, exists, select

from dashboard import formatting
from dashboard.data import Forbidden
from dashboard.i18n import N_, _, ngettext
from dashboard.viewer import Viewer
from etl import db, reference, schema
from etl import findings as F
from etl.findings import Finding
from etl.load.runs import ALREADY_LOADED, ERROR, LOADED, OUTCOME_LABELS, REJECTED, FileReport
from nhsv import settings

REFUSED = "refused"  # refused before the loader saw the file (too large, not decodable, not allowed)
# What the file input offers in the browser's file dialog. The loader decides by content, not by this list (a
# file can be dragged in whatever its name), and names what anything else is (.xls, .numbers, .pdf, …).
# .txt: Excel's "Unicode-tekst" is a tab-separated UTF-16 file with that extension.
ACCEPTED_TYPES = ".xlsx,.ods,.csv,.txt"
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
SUBMISSION_STATUS_LABELS = {"active": N_("actief"), "superseded": N_("vervangen"), "rejected": N_("afgewezen")}
# etl.load.runs.OUTCOME_LABELS, marked for extraction here (etl never imports the dashboard); shown through gettext,
# tests/test_i18n.py checks that the two stay the same
OUTCOME_NAMES = (N_("geladen"), N_("al geladen"), N_("afgewezen"), N_("fout"))
MAX_NAME = 200
# How long an upload waits while another load runs (one load at a time per warehouse): well within the 120 s
# after which gunicorn ends a request, and longer than a quarterly load of all 32 gemeenten takes.
LOAD_WAIT_SECONDS = 30
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def max_bytes() -> int:
    return settings.get_int("NHSV_UPLOAD_MAX_BYTES")


def accepted_note(limit: int) -> str:
    """The line under the file input: what may be sent, and what to do with anything else."""
    return _("Het ingevulde sjabloon als Excel-werkmap (.xlsx) of OpenDocument-rekenblad (.ods, LibreOffice), of een "
             "CSV (puntkomma, komma of tab; UTF-8 of Windows-1252); ten hoogste %(size)s. Andere bestanden (.xls, "
             ".xlsm, .numbers, .pdf) worden niet aangenomen: sla ze eerst op als .xlsx, .ods of CSV.",
             size=size_text(limit))


def size_text(n: int) -> str:
    if n >= 1_000_000:
        return f"{formatting.number(n / 1_000_000, 1)} MB"
    if n >= 10_000:
        return f"{round(n / 1000)} kB"
    return f"{n} bytes"


def _too_large(size: int, limit: int) -> str:
    shown, allowed = size_text(size), size_text(limit)
    if shown == allowed:  # 5,0 MB against 5,0 MB says nothing: give the exact numbers
        shown, allowed = (f"{formatting.number(n)} bytes" for n in (size, limit))
    return _("Het bestand is te groot (%(size)s); het mag ten hoogste %(allowed)s zijn.", size=shown, allowed=allowed)


def clean_file_name(name) -> str:
    """The file name as the browser reported it, made harmless: no folders, no control characters, short."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = _CONTROL.sub("", text).strip()
    return text[:MAX_NAME] or "bestand"


def may_upload_for(viewer: Viewer, code: str | None) -> bool:
    """Coordinators and admins for every NHSV gemeente; a gemeente user for the own gemeente only."""
    if viewer.sees_all:
        return code is None or code in reference.region()
    return viewer.role == "gemeente" and code == viewer.municipality_code


def allowed_municipality(viewer: Viewer) -> str | None:
    """What the loader is told: the own gemeente for a gemeente user, None (any) for coordinators and admins."""
    return None if viewer.sees_all else viewer.municipality_code


# --- receiving a file --------------------------------------------------------------------------------

@dataclass
class UploadResult:
    outcome: str  # loaded, already_loaded, rejected, error or refused
    title: str
    message: str
    file_name: str
    findings: list[Finding] = field(default_factory=list)
    submissions: list[tuple[str, str, int]] = field(default_factory=list)
    history_code: str | None = None  # the gemeente whose history to show after this upload

    @property
    def accepted(self) -> bool:
        return self.outcome in (LOADED, ALREADY_LOADED)


def _decoded_size(b64: str) -> int:
    b64 = b64.strip()
    return max(0, len(b64) * 3 // 4 - (len(b64) - len(b64.rstrip("="))))


def _audit(viewer: Viewer, detail: dict) -> None:
    from dashboard.auth import audit

    audit("upload", detail, actor=viewer.email or None)


def _refuse(viewer: Viewer, name: str, message: str, reason: str, detail: dict,
            history_code: str | None) -> UploadResult:
    _audit(viewer, {**detail, "uitkomst": "geweigerd", "reden": reason})
    return UploadResult(REFUSED, _("Geweigerd"), message, name, history_code=history_code)


def receive_upload(viewer: Viewer, contents: str | None, filename: str | None, selected_code: str | None,
                   engine: Engine | None = None) -> UploadResult:
    """Check, load and audit one uploaded file (`contents` as dcc.Upload gives it: a base64 data URL).

    Every attempt is written to the audit log, also a refused one. A gemeente user may only upload for the own
    gemeente: another gemeente chosen on the page is refused here, and a file for another gemeente is refused by
    the loader (it is told the own gemeente, never what the page sent).
    """
    name = clean_file_name(filename)
    selected = str(selected_code).strip().upper() if selected_code else None
    own = viewer.municipality_code
    detail: dict = {"bestand": name, "gemeente_gekozen": selected, "toegestaan": own or "alle gemeenten",
                    "rol": viewer.role}
    history_code = own if not viewer.sees_all else (selected if selected in reference.region() else None)

    if viewer.role not in ("coordinator", "admin", "gemeente"):
        return _refuse(viewer, name, _("U mag geen aanleveringen doen."), "geen_recht", detail, None)
    if not viewer.sees_all and selected not in (None, own):
        own_name = reference.municipalities()[own].name if own in reference.municipalities() else own
        return _refuse(viewer, name, _("U kunt alleen aanleveren voor uw eigen gemeente (%(name)s); er is niets "
                                       "geladen.", name=own_name), F.OTHER_MUNICIPALITY, detail, history_code)
    if viewer.sees_all and selected is not None and selected not in reference.region():
        return _refuse(viewer, name, _("Onbekende gemeente gekozen; kies een gemeente uit de lijst."),
                       F.MUNICIPALITY_UNKNOWN, detail, None)

    if not isinstance(contents, str) or "," not in contents:
        return _refuse(viewer, name, _("Het bestand kon niet worden ontvangen; kies het bestand opnieuw."),
                       F.UNREADABLE, detail, history_code)
    header, _comma, b64 = contents.partition(",")
    limit = max_bytes()
    size = _decoded_size(b64)
    detail["bytes"] = size
    if size > limit:  # before decoding anything
        return _refuse(viewer, name, _too_large(size, limit) + " " + _("Lever alleen het ingevulde sjabloon of de "
                                                                       "CSV aan."),
                       "bestand_te_groot", detail, history_code)
    if not header.startswith("data:") or not header.endswith(";base64"):
        return _refuse(viewer, name, _("Het bestand kon niet worden ontvangen; kies het bestand opnieuw."),
                       F.UNREADABLE, detail, history_code)
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return _refuse(viewer, name, _("Het bestand kon niet worden ontvangen (beschadigd tijdens het versturen); "
                                       "kies het bestand opnieuw."), F.UNREADABLE, detail, history_code)
    if len(data) > limit:
        return _refuse(viewer, name, _too_large(len(data), limit), "bestand_te_groot", detail, history_code)
    detail["bytes"] = len(data)
    detail["sha256"] = hashlib.sha256(data).hexdigest()

    from etl.load import load_files
    from etl.load.runs import LoadBusy

    try:
        report = load_files(engine or db.engine(), [(name, data)], actor=viewer.email or viewer.role,
                            channel="upload", allowed_municipality=allowed_municipality(viewer),
                            wait_seconds=LOAD_WAIT_SECONDS).files[0]
    except LoadBusy:
        return _refuse(viewer, name, _("Er wordt op dit moment een andere aanlevering geladen; er is niets van dit "
                                       "bestand geladen. Probeer het over een paar minuten opnieuw."), "laden_bezig",
                       detail, history_code)
    except Exception:  # the loader records its own failures; this is the warehouse being unreachable
        _audit(viewer, {**detail, "uitkomst": ERROR})
        raise
    finally:
        from dashboard import data as dashboard_data  # not `data`: that name holds the file's bytes

        dashboard_data.warehouse_changed()  # what this request reads next must see the new version
    detail.update(uitkomst=report.outcome, aanleveringen=[f"{c} {q} v{v}" for c, q, v in report.submissions],
                  bevindingen=sorted({f.rule for f in report.findings if f.is_fatal}))
    _audit(viewer, detail)
    return _result(viewer, report, name, history_code)


def _result(viewer: Viewer, report: FileReport, name: str, history_code: str | None) -> UploadResult:
    warnings = [f for f in report.findings if not f.is_fatal]
    if report.outcome == LOADED:
        names = reference.municipalities()
        what = ", ".join(_("%(name)s %(quarter)s (versie %(version)s)", name=names[c].name, quarter=q, version=v)
                         for c, q, v in report.submissions)
        message = _("%(file)s is geladen: %(what)s.", file=name, what=what)
        if warnings:
            message += " " + ngettext("Let op: %(num)s waarschuwing; de aanlevering is wel geladen, maar controleer "
                                      "de punten hieronder.",
                                      "Let op: %(num)s waarschuwingen; de aanlevering is wel geladen, maar controleer "
                                      "de punten hieronder.", len(warnings))
        if viewer.sees_all and report.submissions:
            history_code = report.submissions[0][0]
    elif report.outcome == ALREADY_LOADED:
        message = _("%(file)s is eerder al geladen (zelfde inhoud); er is niets veranderd.", file=name)
    elif report.outcome == REJECTED:
        message = _("%(file)s is niet geladen: er is niets van dit bestand overgenomen. Los de fouten hieronder op en "
                    "lever het bestand opnieuw aan.", file=name)
    else:
        message = _("%(file)s is niet geladen: er ging iets mis. Probeer het opnieuw of neem contact op met de "
                    "beheerder.", file=name)
    return UploadResult(report.outcome, _(OUTCOME_LABELS[report.outcome]).capitalize(), message, name,
                        list(report.findings), list(report.submissions), history_code)


# --- history -----------------------------------------------------------------------------------------

HISTORY_COLUMNS = [N_("Kwartaal"), N_("Versie"), N_("Status"), N_("Ingediend door"), N_("Ontvangen"),
                   N_("Uitkomst bestand"), N_("Bestand")]  # shown through gettext


def _local(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return formatting.date_time(value.astimezone(LOCAL_TIME))


def submission_history(viewer: Viewer, code: str, engine: Engine | None = None, limit: int = 100) -> pd.DataFrame:
    """The gemeente's submissions, newest first: quarter, version, status, who, when, the file's outcome and name.

    Coordinators and admins: any NHSV gemeente; a gemeente user: the own only (Forbidden otherwise). A refused
    attempt by a user of another gemeente is not part of this gemeente's history (it is in the audit log).
    """
    code = str(code or "").strip().upper()
    if viewer.is_public or not (viewer.sees_all or viewer.owns(code)):
        raise Forbidden(_("U kunt alleen de aanleveringen van uw eigen gemeente bekijken."))
    if code not in reference.region():
        raise Forbidden(_("Onbekende gemeente."))
    s, sf, fd = schema.submission, schema.source_file, schema.finding
    other_municipality = exists().where(and_(fd.c.file_id == s.c.file_id, fd.c.rule == F.OTHER_MUNICIPALITY))
    query = (select(s.c.quarter, s.c.version, s.c.status, s.c.actor, sf.c.received_at, sf.c.outcome,
                    sf.c.file_name)
             .join(sf, sf.c.id == s.c.file_id)
             .where(s.c.municipality_code == code, ~other_municipality)
             .order_by(sf.c.received_at.desc(), s.c.quarter.desc(), s.c.version.desc())
             .limit(limit))
    with (engine or db.engine()).connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([[r.quarter, r.version, _(SUBMISSION_STATUS_LABELS.get(r.status, r.status)), r.actor,
                          _local(r.received_at), _(OUTCOME_LABELS.get(r.outcome, r.outcome)), r.file_name]
                         for r in rows], columns=[_(c) for c in HISTORY_COLUMNS])


__all__ = ["ACCEPTED_TYPES", "REFUSED", "UploadResult", "accepted_note", "allowed_municipality", "clean_file_name",
           "max_bytes", "may_upload_for", "receive_upload", "submission_history"]
