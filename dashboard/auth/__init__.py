"""Login in front of the whole app, by job:

- `guard`: anonymous users reach only /login, static assets and /healthz; Dash's endpoints answer 401;
- `sessions`: server-side sessions (idle and absolute timeouts, ended everywhere at logout), `current_viewer()`;
- `throttle`: progressive delays after failed logins, counted atomically under keyed hashes;
- `users`: adding and inviting, listing, disabling, roles, passwords, demo users; `passwords`: the policy;
- `totp`: the second factor and recovery codes; `second_factor`: the login's second step (/login/code);
- `tokens`: single-use links for invitations and password resets;
- `audit_log`: the audit log (`audit()`);
- `views`: /login, /logout, /healthz; `errors`: Dutch error pages, 503 when the database is away;
- `headers`: request ids, Content-Security-Policy and the other security headers;
- `config`: the settings they share, and the keyed hash.

What a logged-in user may *see* is not decided here but in the data layer, from `current_viewer()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flask
from flask_wtf.csrf import CSRFProtect

from dashboard.auth import config, errors, guard, headers, second_factor, sessions, views
from dashboard.auth.audit_log import audit
from dashboard.auth.guard import safe_next
from dashboard.auth.sessions import AuthUser, current_viewer, end_user_sessions
from dashboard.auth.users import (
    UserInfo,
    add_user,
    change_access,
    check_new_user,
    create_demo_users,
    disable_user,
    enable_user,
    find_user,
    hasher,
    invite_user,
    list_users,
    normalize_email,
    reset_second_factor,
    set_password,
    start_password_reset,
)
from dashboard.auth.views import LOGIN_FAILED_MESSAGE

if TYPE_CHECKING:
    import dash


def init_app(server: flask.Flask, database_url: str | None = None) -> None:
    """Put login, sessions, CSRF, the guard, /login, /logout, /healthz, error pages and security headers on the
    Flask server. Call before creating the Dash app on `server`, so that the guard runs before Dash's hooks."""
    config.configure(server, database_url)
    headers.register_request_id(server)
    guard.register(server)  # before CSRF, Flask-Login and Dash register anything
    sessions.register(server)
    CSRFProtect().init_app(server)
    views.register(server)
    second_factor.register(server)
    headers.register(server)
    errors.register(server)


def init_dash(app: dash.Dash) -> None:
    """Allow the Dash app's inline scripts in the Content-Security-Policy (by hash); call after creating it."""
    headers.use_dash_scripts(app.server, app.csp_hashes)


__all__ = [
    "LOGIN_FAILED_MESSAGE", "AuthUser", "UserInfo", "add_user", "audit", "change_access", "check_new_user",
    "create_demo_users", "current_viewer", "disable_user", "enable_user", "end_user_sessions", "find_user", "hasher",
    "init_app", "init_dash", "invite_user", "list_users", "normalize_email", "reset_second_factor", "safe_next",
    "set_password", "start_password_reset",
]
