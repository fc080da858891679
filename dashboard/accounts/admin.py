"""/beheer, for the functional administrator (role admin) only: the users and the audit log.

Users: role, gemeente, last login, second factor, active; add one (an invitation link by mail, 72 hours, once:
the user chooses the password), disable or enable, change role or gemeente (their sessions end, so what they see
changes at once), start a password reset (a link by mail; an invited user who never chose a password gets a new
invitation), reset the second factor (the user is told by mail). Every action is written to the audit log, by
the functions of `dashboard.auth.users` that the command line uses too. An administrator cannot disable or
demote their own account here, so that the last one cannot lock everybody out by a slip.

The page and its answers speak the administrator's language; the mails speak their recipient's (a new user's is
chosen on the form). The audit log is kept in Dutch.
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
from dashboard.i18n import LANGUAGES, N_, NAMES, gettext, ngettext
from dashboard.viewer import ADMIN, ROLE_LABELS, ROLES
from etl import schema

MAIL_FAILED = N_("De mail kon niet worden verstuurd (zie het log van de server); controleer de mailinstellingen en "
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
    role_labels = {r: gettext(label) for r, label in ROLE_LABELS.items()}
    return page("beheer.html", users=users.list_users(engine), municipalities=_municipalities(engine),
                roles=[(r, role_labels[r]) for r in ROLES], role_labels=role_labels, errors=errors, notices=notices,
                languages=[(code, NAMES[code]) for code in LANGUAGES], me=current_user.email, mfa_mode=totp.mode(),
                active="beheer")


def add():
    refused = require_role(ADMIN)
    if refused:
        return refused
    engine = config.current().engine
    role = request.form.get("rol", "")
    code = request.form.get("gemeente", "") if role == "gemeente" else None
    language = request.form.get("taal") if request.form.get("taal") in LANGUAGES else None
    try:
        info, path = users.invite_user(engine, request.form.get("email", ""), role, code, actor=current_user.email,
                                       language=language)
    except ValueError as problem:
        flash(str(problem), "fout")
        return redirect("/beheer", 303)
    if mails.send_or_log(links.invitation_mail(info.email, info.role, path, info.language), "invitation"):
        flash(gettext("%(email)s is toegevoegd en heeft een uitnodiging gekregen (72 uur geldig).", email=info.email),
              "ok")
    else:
        flash(gettext("%(email)s is toegevoegd, maar de uitnodiging kon niet worden verstuurd (zie het log van de "
                      "server). Controleer de mailinstellingen en stuur met 'Wachtwoord herstellen' een nieuwe.",
                      email=info.email), "fout")
    return redirect("/beheer", 303)


def _reset_or_invite(engine, info) -> str:
    if info.invited:
        with engine.begin() as conn:
            user_id = conn.execute(select(schema.user.c.id).where(schema.user.c.email == info.email)).scalar_one()
            token = tokens.issue(conn, user_id, tokens.INVITATION, current_user.email)
        audit("user_invited_again", {"email": info.email})
        sent = mails.send_or_log(links.invitation_mail(info.email, info.role, tokens.path(tokens.INVITATION, token),
                                                       info.language), "invitation")
        return (gettext("%(email)s heeft een nieuwe uitnodiging gekregen.", email=info.email) if sent
                else gettext(MAIL_FAILED))
    started = users.start_password_reset(engine, info.email, actor=current_user.email)
    if started is None:
        raise ValueError(gettext("Een uitgeschakelde gebruiker krijgt geen link; schakel hem eerst in."))
    audit("password_reset_started", {"email": info.email})
    user = totp.user_row(engine, started[0])
    sent = mails.send_or_log(links.reset_mail(info.email, started[1], totp.enrolled(user), user.language),
                             "password reset")
    return (gettext("%(email)s heeft een link gekregen om een nieuw wachtwoord te kiezen (30 minuten geldig).",
                    email=info.email) if sent else gettext(MAIL_FAILED))


def _ended(sessions: int) -> str:
    return ngettext("%(num)s open sessie beëindigd.", "%(num)s open sessies beëindigd.", sessions)


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
            raise ValueError(gettext("Deze gebruiker bestaat niet (meer)."))
        if info.email == me and action in ("uitschakelen", "rol"):
            raise ValueError(gettext("Uw eigen account kunt u hier niet uitschakelen of een andere rol geven; vraag "
                                     "een andere beheerder."))
        if action == "uitschakelen":
            ended = users.disable_user(engine, info.email, actor=me)
            message = gettext("%(email)s is uitgeschakeld; %(ended)s", email=info.email, ended=_ended(ended))
        elif action == "inschakelen":
            users.enable_user(engine, info.email, actor=me)
            message = gettext("%(email)s is weer ingeschakeld.", email=info.email)
        elif action == "rol":
            role = request.form.get("rol", "")
            code = request.form.get("gemeente", "") if role == "gemeente" else None
            ended = users.change_access(engine, info.email, role, code, actor=me)
            message = gettext("Rol van %(email)s gewijzigd; %(ended)s", email=info.email, ended=_ended(ended))
        elif action == "wachtwoord":
            message = _reset_or_invite(engine, info)
        elif action == "tweede-factor":
            ended = users.reset_second_factor(engine, info.email, actor=me)
            told = mails.send_or_log(mails.compose(
                "tweede_factor_hersteld", info.email, N_("Uw tweede factor voor de NHSV-monitor is uitgezet"),
                language=info.language, email=info.email, mfa_required=totp.mode() == totp.REQUIRED),
                "second factor reset")
            message = (gettext("De tweede factor van %(email)s is uitgezet; %(ended)s", email=info.email,
                               ended=_ended(ended)) + " "
                       + (gettext("De gebruiker heeft een mail gekregen.") if told else gettext(MAIL_FAILED)))
        else:
            raise ValueError(gettext("Onbekende handeling."))
    except ValueError as problem:
        flash(str(problem), "fout")
        return redirect("/beheer", 303)
    flash(message, "fout" if message.endswith(gettext(MAIL_FAILED)) else "ok")
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
