"""/beheer, for the functional administrator (role admin) only: the users and the audit log.

Users: role, gemeente, last login, second factor, active; add one (an invitation link by mail, 72 hours, once:
the user chooses the password), disable or enable, change role or gemeente (their sessions end, so what they see
changes at once), start a password reset (a link by mail; an invited user who never chose a password gets a new
invitation), reset the second factor (the user is told by mail). Every action is written to the audit log, by
the functions of `dashboard.auth.users` that the command line uses too. An administrator cannot disable or
demote their own account here, so that the last one cannot lock everybody out by a slip.
"""

from __future__ import annotations

import flask
from flask import flash, get_flashed_messages, redirect, request
from flask_login import current_user
from sqlalchemy import select

from dashboard.accounts import audit_query, links, mails
from dashboard.accounts.pages import page, require_role
from dashboard.auth import config, tokens, totp, users
from dashboard.auth.audit_log import audit
from dashboard.viewer import ADMIN, ROLE_LABELS, ROLES
from etl import schema

MAIL_FAILED = ("De mail kon niet worden verstuurd (zie het log van de server); controleer de mailinstellingen en "
               "probeer het opnieuw.")


def _municipalities(engine) -> list[tuple[str, str]]:
    m = schema.municipality
    with engine.connect() as conn:
        return [(r.code, r.name) for r in conn.execute(select(m.c.code, m.c.name).where(m.c.in_region.is_(True))
                                                       .order_by(m.c.name))]


def _messages() -> tuple[list[str], list[str]]:
    found = get_flashed_messages(with_categories=True)
    return [m for c, m in found if c == "fout"], [m for c, m in found if c != "fout"]


def overview():
    refused = require_role(ADMIN)
    if refused:
        return refused
    engine = config.current().engine
    errors, notices = _messages()
    return page("beheer.html", users=users.list_users(engine), municipalities=_municipalities(engine),
                roles=[(r, ROLE_LABELS[r]) for r in ROLES], role_labels=ROLE_LABELS, errors=errors, notices=notices,
                me=current_user.email, mfa_mode=totp.mode(), active="beheer")


def add():
    refused = require_role(ADMIN)
    if refused:
        return refused
    engine = config.current().engine
    role = request.form.get("rol", "")
    code = request.form.get("gemeente", "") if role == "gemeente" else None
    try:
        info, path = users.invite_user(engine, request.form.get("email", ""), role, code, actor=current_user.email)
    except ValueError as problem:
        flash(str(problem), "fout")
        return redirect("/beheer", 303)
    if mails.send_or_log(links.invitation_mail(info.email, info.role, path), "invitation"):
        flash(f"{info.email} is toegevoegd en heeft een uitnodiging gekregen (72 uur geldig).", "ok")
    else:
        flash(f"{info.email} is toegevoegd, maar de uitnodiging kon niet worden verstuurd (zie het log van de "
              "server). Controleer de mailinstellingen en stuur met 'Wachtwoord herstellen' een nieuwe.", "fout")
    return redirect("/beheer", 303)


def _reset_or_invite(engine, info) -> str:
    if info.invited:
        with engine.begin() as conn:
            user_id = conn.execute(select(schema.user.c.id).where(schema.user.c.email == info.email)).scalar_one()
            token = tokens.issue(conn, user_id, tokens.INVITATION, current_user.email)
        audit("user_invited_again", {"email": info.email})
        sent = mails.send_or_log(links.invitation_mail(info.email, info.role,
                                                       tokens.path(tokens.INVITATION, token)), "invitation")
        return f"{info.email} heeft een nieuwe uitnodiging gekregen." if sent else MAIL_FAILED
    started = users.start_password_reset(engine, info.email, actor=current_user.email)
    if started is None:
        raise ValueError("Een uitgeschakelde gebruiker krijgt geen link; schakel hem eerst in.")
    audit("password_reset_started", {"email": info.email})
    user = totp.user_row(engine, started[0])
    sent = mails.send_or_log(links.reset_mail(info.email, started[1], totp.enrolled(user)), "password reset")
    return (f"{info.email} heeft een link gekregen om een nieuw wachtwoord te kiezen (30 minuten geldig)." if sent
            else MAIL_FAILED)


def act():
    refused = require_role(ADMIN)
    if refused:
        return refused
    engine = config.current().engine
    me = current_user.email
    info = users.find_user(engine, request.form.get("email", ""))
    action = request.form.get("actie", "")
    try:
        if info is None:
            raise ValueError("Deze gebruiker bestaat niet (meer).")
        if info.email == me and action in ("uitschakelen", "rol"):
            raise ValueError("Uw eigen account kunt u hier niet uitschakelen of een andere rol geven; vraag een andere "
                             "beheerder.")
        if action == "uitschakelen":
            ended = users.disable_user(engine, info.email, actor=me)
            message = f"{info.email} is uitgeschakeld; {ended} open sessie(s) beëindigd."
        elif action == "inschakelen":
            users.enable_user(engine, info.email, actor=me)
            message = f"{info.email} is weer ingeschakeld."
        elif action == "rol":
            role = request.form.get("rol", "")
            code = request.form.get("gemeente", "") if role == "gemeente" else None
            ended = users.change_access(engine, info.email, role, code, actor=me)
            message = f"Rol van {info.email} gewijzigd; {ended} open sessie(s) beëindigd."
        elif action == "wachtwoord":
            message = _reset_or_invite(engine, info)
        elif action == "tweede-factor":
            ended = users.reset_second_factor(engine, info.email, actor=me)
            told = mails.send_or_log(mails.compose(
                "tweede_factor_hersteld", info.email, "Uw tweede factor voor de NHSV-monitor is uitgezet",
                email=info.email, mfa_required=totp.mode() == totp.REQUIRED), "second factor reset")
            message = (f"De tweede factor van {info.email} is uitgezet; {ended} open sessie(s) beëindigd. "
                       + ("De gebruiker heeft een mail gekregen." if told else MAIL_FAILED))
        else:
            raise ValueError("Onbekende handeling.")
    except ValueError as problem:
        flash(str(problem), "fout")
        return redirect("/beheer", 303)
    flash(message, "fout" if message.endswith(MAIL_FAILED) else "ok")
    return redirect("/beheer", 303)


def audit_page():
    refused = require_role(ADMIN)
    if refused:
        return refused
    engine = config.current().engine
    chosen = audit_query.AuditFilter.from_args(request.args)
    return page("beheer_audit.html", rows=audit_query.rows(engine, chosen), filter=chosen,
                events=audit_query.events(engine), limit=audit_query.PAGE_ROWS, active="beheer")


def audit_csv():
    refused = require_role(ADMIN)
    if refused:
        return refused
    engine = config.current().engine
    chosen = audit_query.AuditFilter.from_args(request.args)
    body = audit_query.to_csv(engine, chosen)
    audit("audit_export", {"filter": chosen.query_string() or "alles"})
    response = flask.make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="auditlog.csv"'
    return response


def register(server: flask.Flask) -> None:
    server.add_url_rule("/beheer", "beheer", overview)
    server.add_url_rule("/beheer/gebruikers", "beheer_add", add, methods=["POST"])
    server.add_url_rule("/beheer/gebruiker", "beheer_act", act, methods=["POST"])
    server.add_url_rule("/beheer/audit", "beheer_audit", audit_page)
    server.add_url_rule("/beheer/audit.csv", "beheer_audit_csv", audit_csv)
