"""`nhsv notify`: the quarter's mails, meant to run daily from cron or a compose service.

For the quarter being submitted (the last completed one; `--kwartaal` for another) and its deadline
(`NHSV_DEADLINE_DAYS` after the quarter's end):

| kind | to | when |
|---|---|---|
| `kwartaal_open` | the users of a gemeente without an active submission | from the quarter's end to the deadline |
| `herinnering` | the same | in the last `NHSV_REMINDER_DAYS` before the deadline |
| `afgewezen` | the users of a gemeente whose file was rejected (still without an active submission) | once per file |
| `ontbreekt` | the users of a gemeente without an active submission | after the deadline |
| `overzicht` | coordinators | after the deadline: missing, rejected, regressions by block, warnings |

Each mail goes to an active user who has not switched its kind off (Mijn account), at most once per kind, quarter,
user and file: a row in `notification` is claimed (a unique key) before the mail is sent and given back when
sending fails, so a second run, or two runs at once, send nothing twice, and a failed mail is tried again on the
next run. A gemeente's mail holds only its own gemeente's data.

Each mail is in its recipient's language (app_user.language, Dutch when none): the quarter and the deadline are
written out in it, as are the subject and the text; what the region wrote itself (findings, block labels) stays.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy import exc as sa_exc

from dashboard import formatting
from dashboard.accounts import mails, preferences
from dashboard.accounts.quarter_status import QuarterStatus, deadline, status_of
from dashboard.auth.config import utcnow
from dashboard.i18n import N_
from dashboard.viewer import COORDINATOR, MUNICIPALITY
from etl import schema
from etl.domain import Quarter, last_completed_quarter, today
from nhsv import mail, settings

log = logging.getLogger("dashboard.accounts")


def long_date(day: dt.date) -> str:
    """The deadline as the mails write it, in the language of the moment: '30 oktober 2026', '30 October 2026'."""
    return formatting.date(day, long=True)


@dataclass(frozen=True)
class Planned:
    kind: str
    quarter: str
    user_id: int
    email: str
    ref: str
    mail: mail.Mail


@dataclass
class NotifyReport:
    quarter: str
    deadline: dt.date
    sent: list[Planned] = field(default_factory=list)
    already_sent: int = 0
    failed: list[tuple[Planned, str]] = field(default_factory=list)


def _recipients(engine: Engine, role: str) -> list:
    """Active users of a role with the kinds they switched off."""
    u, o = schema.user, schema.mail_opt_out
    with engine.connect() as conn:
        users = conn.execute(select(u.c.id, u.c.email, u.c.municipality_code, u.c.language)
                             .where(u.c.role == role, u.c.active.is_(True)).order_by(u.c.email)).all()
        off: dict[int, set[str]] = {}
        for row in conn.execute(select(o.c.user_id, o.c.kind)):
            off.setdefault(row.user_id, set()).add(row.kind)
    return [(r, off.get(r.id, set())) for r in users]


def _municipality_mails(status: QuarterStatus, code: str, day: dt.date, due: dt.date) -> list[tuple[str, str, dict]]:
    """(kind, ref, context) of the mails due to the users of gemeente `code` today, the quarter and the deadline
    written in the language of the moment."""
    q = status.quarter
    if code in status.active:
        return []
    base = {"gemeente": status.names[code], "quarter_label": formatting.quarter_label(q.code),
            "deadline": long_date(due),
            "link": mail.link(f"/aanleveren?kwartaal={q.code}")}
    due_mails = []
    if q.end < day <= due:
        due_mails.append(("kwartaal_open", "", base))
        if day >= due - dt.timedelta(days=settings.get_int("NHSV_REMINDER_DAYS")):
            due_mails.append(("herinnering", "", {**base, "days_left": (due - day).days}))
    if day > due:
        due_mails.append(("ontbreekt", "", base))
    for rejection in status.rejected.get(code, []):
        due_mails.append(("afgewezen", str(rejection.file_id), {**base, "file_name": rejection.file_name,
                                                                "findings": rejection.findings}))
    return due_mails


SUBJECTS = {  # filled from the mail's context by mails.compose, in the recipient's language
    "kwartaal_open": N_("Aanleveren voor het %(quarter_label)s kan nu"),
    "herinnering": N_("Herinnering: aanleveren %(quarter_label)s uiterlijk %(deadline)s"),
    "ontbreekt": N_("De aanlevering over het %(quarter_label)s ontbreekt"),
    "afgewezen": N_("Uw aanlevering over het %(quarter_label)s is afgewezen"),
    "overzicht": N_("Overzicht aanleveringen %(quarter_label)s"),
}


def _digest_context(status: QuarterStatus, due: dt.date) -> dict:
    q, names = status.quarter, status.names

    def profile(code: str) -> str:
        return mail.link(f"/gemeente/{code}?kwartaal={q.code}")

    return {
        "quarter_label": formatting.quarter_label(q.code), "deadline": long_date(due), "total": len(names),
        "submitted": len(status.active & set(names)),
        "link": mail.link(f"/aanlevering?kwartaal={q.code}"),
        "missing": [(names[c], profile(c)) for c in status.missing if c not in status.rejected],
        "rejected": [(names[c], profile(c), [f for r in rs for f in r.findings])
                     for c, rs in sorted(status.rejected.items(), key=lambda item: names[item[0]])],
        "regressions": [(b, status.block_labels.get(b, ""), [names[c] for c in sorted(codes, key=names.get)])
                        for b, codes in status.regressions.items()],
        "warnings": [(names[c], profile(c), ws) for c, ws in sorted(status.warnings.items(),
                                                                     key=lambda item: names.get(item[0], ""))
                     if c in names],
    }


def plan(engine: Engine, day: dt.date | None = None, quarter: Quarter | None = None) -> tuple[list[Planned], dt.date]:
    """Every mail due today for the quarter, before looking at what was sent already."""
    day = day or today()
    quarter = quarter or last_completed_quarter()
    due = deadline(quarter)
    status = status_of(engine, quarter)
    planned: list[Planned] = []
    for user, off in _recipients(engine, MUNICIPALITY):
        if user.municipality_code not in status.names:
            continue
        with mails.in_language(user.language):
            due_mails = _municipality_mails(status, user.municipality_code, day, due)
        for kind, ref, context in due_mails:
            if kind in off or kind not in preferences.kinds_for(MUNICIPALITY):
                continue
            planned.append(Planned(kind, quarter.code, user.id, user.email, ref,
                                   mails.compose(kind, user.email, SUBJECTS[kind], language=user.language,
                                                 **context)))
    if day > due:
        digests: dict[str, dict] = {}  # one context per language
        for user, off in _recipients(engine, COORDINATOR):
            if "overzicht" not in off:
                language = mails.language_of(user.language)
                if language not in digests:
                    with mails.in_language(language):
                        digests[language] = _digest_context(status, due)
                planned.append(Planned("overzicht", quarter.code, user.id, user.email, "",
                                       mails.compose("overzicht", user.email, SUBJECTS["overzicht"],
                                                     language=language, **digests[language])))
    return planned, due


def _claim(engine: Engine, item: Planned) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(insert(schema.notification).values(kind=item.kind, quarter=item.quarter, user_id=item.user_id,
                                                            ref=item.ref, recipient=item.email, sent_at=utcnow()))
    except sa_exc.IntegrityError:
        return False  # sent before (or by a run at the same moment)
    return True


def _give_back(engine: Engine, item: Planned) -> None:
    n = schema.notification
    with engine.begin() as conn:
        conn.execute(delete(n).where(n.c.kind == item.kind, n.c.quarter == item.quarter, n.c.user_id == item.user_id,
                                     n.c.ref == item.ref))


def run(engine: Engine, day: dt.date | None = None, quarter: Quarter | None = None,
        dry_run: bool = False) -> NotifyReport:
    planned, due = plan(engine, day, quarter)
    quarter_code = (quarter or last_completed_quarter()).code
    report = NotifyReport(quarter_code, due)
    n = schema.notification
    with engine.connect() as conn:
        done = {(r.kind, r.user_id, r.ref) for r in conn.execute(
            select(n.c.kind, n.c.user_id, n.c.ref).where(n.c.quarter == quarter_code))}
    for item in planned:
        if (item.kind, item.user_id, item.ref) in done:
            report.already_sent += 1
            continue
        if dry_run:
            report.sent.append(item)
            continue
        if not _claim(engine, item):
            report.already_sent += 1
            continue
        try:
            mail.send(item.mail)
        except mails.SEND_ERRORS as problem:
            _give_back(engine, item)
            log.error("notification not sent (%s to %s): %s: %s", item.kind, item.email, type(problem).__name__,
                      problem)
            report.failed.append((item, f"{type(problem).__name__}: {problem}"))
            continue
        report.sent.append(item)
    return report
