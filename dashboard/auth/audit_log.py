"""The audit log: one row per security-relevant event (logins, logouts, user changes, exports, uploads)."""

from __future__ import annotations

import json

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import Engine, insert

from dashboard.auth.config import EXTENSION, engine_for, utcnow
from etl import schema

EVENTS = ("login_ok", "login_failed", "login_throttled", "logout", "user_added", "user_disabled", "password_set",
          "export", "upload",
          # accounts: invitations, resets, the second factor, /beheer, Mijn account, introductions
          "user_invited", "user_invited_again", "invitation_accepted", "user_enabled", "user_role_changed",
          "password_reset_requested", "password_reset_started", "password_reset", "password_change_failed",
          "mfa_enrolled", "mfa_failed", "mfa_throttled", "mfa_disabled", "mfa_reset", "recovery_code_used",
          "recovery_codes_renewed", "mail_preferences", "audit_export", "introduction_requested",
          "introduction_handled")
SECRET_WORDS = ("password", "wachtwoord", "secret", "token", "hash", "csrf", "cookie")


def _scrub(value):
    """Drop anything that looks like a secret from an audit detail."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()
                if not any(word in str(k).lower() for word in SECRET_WORDS)}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def audit(event: str, detail=None, actor: str | None = None, engine: Engine | None = None) -> None:
    """Write one audit row (UTC). `detail` is a short text or a JSON-able dict (keys naming secrets dropped).

    Inside a request the actor defaults to the logged-in user and the address is the client's; outside one
    (the CLI) pass `engine`, or the warehouse of NHSV_DATABASE_URL is used.
    """
    in_request = has_request_context()
    if engine is None:
        engine = (current_app.extensions[EXTENSION].engine if in_request and EXTENSION in current_app.extensions
                  else engine_for(None))
    if actor is None and in_request and current_user and current_user.is_authenticated:
        actor = current_user.email
    if isinstance(detail, (dict, list, tuple)):
        detail = json.dumps(_scrub(detail), ensure_ascii=False, default=str, sort_keys=True)
    address = (request.remote_addr or "")[:64] if in_request else None
    with engine.begin() as conn:
        conn.execute(insert(schema.audit_log).values(
            at=utcnow(), actor=(actor or None) and actor[:254], event=event[:40],
            detail=None if detail is None else str(detail)[:2000], address=address))
