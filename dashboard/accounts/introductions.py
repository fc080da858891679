""""Vraag een introductie": a gemeente user asks the coordinators to be put in touch with gemeenten that have a
block in order.

The profile shows a gemeente user only how many comparable gemeenten have the block in order (DOMAIN.md §5); the
link next to that count opens /introductie, which records the request and mails the coordinators the requester,
the block and the names of the region's gemeenten that have it in order. The gemeente user's own pages and mails
never carry those names: the answer is the same whoever has the block, and the coordinators reply outside the
monitor. Coordinators and admins see the requests on /beheer/introducties and mark them handled. The mail to a
coordinator is in that coordinator's language.
"""

from __future__ import annotations

from dash import html
from flask import redirect, request
from flask_login import current_user
from sqlalchemy import insert, select, update

from dashboard import formatting
from dashboard.accounts import mails
from dashboard.accounts.pages import page, require_role
from dashboard.accounts.quarter_status import block_labels, in_order_elsewhere, region_names
from dashboard.auth import config
from dashboard.auth.audit_log import audit
from dashboard.i18n import N_, _, gettext
from dashboard.viewer import ADMIN, COORDINATOR, MUNICIPALITY
from etl import schema
from etl.domain import Quarter
from nhsv import mail

ASK_LABEL = N_("Vraag een introductie")


def ask_link(block_code: str, quarter: str) -> html.A:
    """The link beside a learning-partner count on the gemeente profile (a plain link: /introductie is a Flask page
    with its own form and CSRF token)."""
    return html.A(_(ASK_LABEL), href=f"/introductie?blok={block_code}&kwartaal={quarter}", className="peer-ask",
                  title=_("Vraag de regionale coördinator om een introductie bij een gemeente die %(block)s op orde "
                          "heeft", block=block_code))


def _request_fields() -> tuple[str, str, str] | None:
    """(block code, quarter, block label) from the request, or None when they are not real."""
    block = (request.values.get("blok") or "").strip().upper()[:4]
    try:
        quarter = Quarter.parse(request.values.get("kwartaal") or "").code
    except ValueError:
        return None
    label = block_labels(config.current().engine).get(block)
    return None if label is None else (block, quarter, label)


def ask():
    refused = require_role(MUNICIPALITY)
    if refused:
        return refused
    fields = _request_fields()
    if fields is None:
        return page("introduction.html", 400, error=gettext("Deze bouwsteen of dit kwartaal bestaat niet."))
    block, quarter, label = fields
    context = {"block": block, "label": label, "quarter": quarter, "quarter_label": formatting.quarter_label(quarter),
               "back": f"/gemeente/{current_user.municipality_code}?kwartaal={quarter}"}
    if request.method == "GET":
        return page("introduction.html", **context)
    engine = config.current().engine
    code, email = current_user.municipality_code, current_user.email
    r = schema.introduction_request
    with engine.begin() as conn:
        open_before = conn.execute(select(r.c.id).where(
            r.c.user_id == current_user.user_id, r.c.block_code == block, r.c.quarter == quarter,
            r.c.handled_at.is_(None))).first()
        if open_before is None:
            conn.execute(insert(r).values(user_id=current_user.user_id, municipality_code=code, quarter=quarter,
                                          block_code=block, created_at=config.utcnow()))
    if open_before is None:
        audit("introduction_requested", {"gemeente": code, "bouwsteen": block, "kwartaal": quarter})
        _mail_coordinators(engine, email, code, block, label, quarter)
    return page("introduction.html", sent=True, **context)


def _mail_coordinators(engine, email: str, code: str, block: str, label: str, quarter: str) -> None:
    u, o = schema.user, schema.mail_opt_out
    with engine.connect() as conn:
        off = select(o.c.user_id).where(o.c.kind == "introductie")
        to = conn.execute(select(u.c.email, u.c.language).where(u.c.role == COORDINATOR, u.c.active.is_(True),
                                                                u.c.id.not_in(off))).all()
    names = region_names(engine)
    having = in_order_elsewhere(engine, quarter, block, code)
    for address, language in to:
        with mails.in_language(language):
            quarter_label = formatting.quarter_label(quarter)
        mails.send_or_log(mails.compose(
            "introductie", address, N_("Verzoek om een introductie: %(gemeente)s, %(block)s"), language=language,
            requester=email, gemeente=names.get(code, code), block=block, label=label, quarter_label=quarter_label,
            having=having, link=mail.link("/beheer/introducties")), "introduction request")


def overview():
    refused = require_role(COORDINATOR, ADMIN)
    if refused:
        return refused
    engine = config.current().engine
    r, u = schema.introduction_request, schema.user
    with engine.connect() as conn:
        rows = conn.execute(select(r, u.c.email).select_from(r.join(u, u.c.id == r.c.user_id))
                            .order_by(r.c.handled_at.is_not(None), r.c.created_at.desc()).limit(500)).all()
    names, labels = region_names(engine), block_labels(engine)
    requests = [{"row": row, "gemeente": names.get(row.municipality_code, row.municipality_code),
                 "label": labels.get(row.block_code, ""),
                 "having": in_order_elsewhere(engine, row.quarter, row.block_code, row.municipality_code)}
                for row in rows]
    return page("introductions.html", requests=requests, active="introducties")


def handle():
    refused = require_role(COORDINATOR, ADMIN)
    if refused:
        return refused
    try:
        request_id = int(request.form.get("id", ""))
    except ValueError:
        return redirect("/beheer/introducties", 303)
    r = schema.introduction_request
    with config.current().engine.begin() as conn:
        done = conn.execute(update(r).where(r.c.id == request_id, r.c.handled_at.is_(None))
                            .values(handled_at=config.utcnow(), handled_by=current_user.email)).rowcount
    if done:
        audit("introduction_handled", {"verzoek": request_id})
    return redirect("/beheer/introducties", 303)


def register(server) -> None:
    server.add_url_rule("/introductie", "introduction", ask, methods=["GET", "POST"])
    server.add_url_rule("/beheer/introducties", "introductions", overview)
    server.add_url_rule("/beheer/introducties/afgehandeld", "introduction_handled", handle, methods=["POST"])



