"""Login in front of the whole app: users, server-side sessions, throttling, CSRF, audit log, error pages.

Every request passes one guard (`before_request`, registered before Dash's own hooks): anonymous users reach
only the login page, static assets and the health check; pages redirect to /login, Dash's endpoints (`/_dash-*`)
answer 401. A session is valid only while its row in `user_session` says so, so logout, disabling a user or a
new password end it for every server process, and a copied old cookie stops working.

What a logged-in user may *see* is not decided here but in the data layer, from `current_viewer()`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import flask
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_request_context, jsonify, redirect, render_template, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Engine, delete, func, insert, select, text, update
from werkzeug.exceptions import InternalServerError, Unauthorized

from dashboard.viewer import ADMIN, COORDINATOR, MUNICIPALITY, ROLE_LABELS, ROLES, Viewer
from etl import schema
from nhsv import settings

log = logging.getLogger(__name__)

EXTENSION = "nhsv_auth"
LOGIN_FAILED_MESSAGE = "E-mailadres of wachtwoord onjuist."
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)
ADDRESS_FACTOR = 4  # per address: this many times the per-account limit

DEMO_PASSWORD = "demo-wachtwoord-2026"
DEMO_USERS = (
    ("coordinator@demo.nhsv.nl", COORDINATOR, None),
    ("beheer@demo.nhsv.nl", ADMIN, None),
    ("hoorn@demo.nhsv.nl", MUNICIPALITY, "GM0405"),
    ("texel@demo.nhsv.nl", MUNICIPALITY, "GM0448"),
)

EVENTS = ("login_ok", "login_failed", "login_throttled", "logout", "user_added", "user_disabled", "password_set",
          "export", "upload")

# OWASP ASVS 5.0 / OWASP cheat sheet minimum for argon2id: m = 19 MiB, t = 2, p = 1.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_COST_KIB = 19456
ARGON2_PARALLELISM = 1
hasher = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_COST_KIB,
                        parallelism=ARGON2_PARALLELISM, hash_len=32, salt_len=16, type=Type.ID)
# Verified against for unknown e-mail addresses, so that they take as long as a wrong password.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_RE = re.compile(r"^[^@\s<>\"'(),;:\\]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")
SECRET_WORDS = ("password", "wachtwoord", "secret", "token", "hash", "csrf", "cookie")

PUBLIC_PATHS = frozenset({"/login", "/healthz", "/_favicon.ico"})
PUBLIC_PREFIXES = ("/static/", "/assets/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    """Timestamps from SQLite come back naive; everything is stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _token_key(token: str) -> str:
    """The database keeps only a hash of the session token: a leaked table does not give usable cookies."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# --- configuration ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthConfig:
    engine: Engine
    idle: dt.timedelta
    max_age: dt.timedelta
    max_failures: int
    window: dt.timedelta
    production: bool


def _config() -> AuthConfig:
    return current_app.extensions[EXTENSION]


def _engine_for(database_url: str | None) -> Engine:
    from etl import db

    return db.engine(database_url or settings.database_url())


def _cookie_secure(production: bool) -> bool:
    raw = settings.get("NHSV_COOKIE_SECURE").strip().lower()
    if raw == "":
        return production
    if raw in ("1", "true", "yes", "ja", "on"):
        return True
    if raw in ("0", "false", "no", "nee", "off"):
        return False
    raise RuntimeError(f"NHSV_COOKIE_SECURE moet 1 of 0 zijn (of leeg), niet {raw!r}")


def _secret_key(production: bool) -> str:
    key = settings.get("NHSV_SECRET_KEY").strip()
    if production:
        if not key:
            raise RuntimeError(
                "NHSV_SECRET_KEY ontbreekt: in productie (NHSV_ENV=production) start het dashboard niet zonder "
                "geheime sleutel. Maak er een met: python -c \"import secrets; print(secrets.token_urlsafe(48))\"")
        if len(key) < 32:
            raise RuntimeError("NHSV_SECRET_KEY is te kort: gebruik in productie ten minste 32 willekeurige "
                               "tekens.")
        return key
    return key or secrets.token_urlsafe(48)  # development: a new key per process (sessions end at restart)


def init_app(server: flask.Flask, database_url: str | None = None) -> None:
    """Put login, sessions, CSRF, the guard, /login, /logout, /healthz and error pages on the Flask server.

    Call before creating the Dash app on `server`, so that the guard runs before Dash's own hooks.
    """
    production = settings.is_production()
    secure = _cookie_secure(production)
    if production and not secure:
        log.warning("NHSV_COOKIE_SECURE=0 in productie: de sessiecookie gaat ook over onversleuteld HTTP.")
    server.config.update(
        SECRET_KEY=_secret_key(production),
        SESSION_COOKIE_NAME="__Host-nhsv_session" if secure else "nhsv_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_PATH="/",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_CHECK_DEFAULT=False,  # the guard calls csrf.protect() for everything but Dash's JSON endpoints
        WTF_CSRF_SSL_STRICT=True,
    )
    if production:
        server.config.update(DEBUG=False, PROPAGATE_EXCEPTIONS=False, TESTING=False)
        server.debug = False

    server.extensions[EXTENSION] = AuthConfig(
        engine=_engine_for(database_url),
        idle=dt.timedelta(minutes=settings.get_int("NHSV_SESSION_IDLE_MINUTES")),
        max_age=dt.timedelta(hours=settings.get_int("NHSV_SESSION_MAX_HOURS")),
        max_failures=settings.get_int("NHSV_LOGIN_MAX_FAILURES"),
        window=dt.timedelta(minutes=settings.get_int("NHSV_LOGIN_WINDOW_MINUTES")),
        production=production,
    )

    # The guard first: before CSRF, Flask-Login and Dash register anything.
    server.before_request(_guard)

    login_manager = LoginManager()
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.init_app(server)

    csrf = CSRFProtect()
    csrf.init_app(server)

    server.add_url_rule("/login", "login", _login_view, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout_view, methods=["GET", "POST"])
    server.add_url_rule("/healthz", "healthz", _healthz)
    server.after_request(_security_headers)
    _register_error_handlers(server)


# --- the guard --------------------------------------------------------------------------------------


def _is_public(path: str) -> bool:
    if "/../" in path or path.endswith("/..") or "\\" in path:
        return False
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _is_api(path: str) -> bool:
    """Dash's own endpoints and anything else under /_ (/_dash-*, /_reload-hash): answered with JSON."""
    return path.startswith("/_")


def safe_next(target: str | None) -> str:
    """Only relative targets on this site; anything else (//host, http://, backslashes, /login) becomes '/'."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    if parts.path in ("/login", "/logout"):
        return "/"
    return target


def _login_url(target: str | None = None) -> str:
    target = safe_next(target)
    return "/login" if target == "/" else "/login?" + urlencode({"next": target})


def _unauthorized_json():
    response = jsonify(error="niet ingelogd", message="Log eerst in.", login="/login")
    response.status_code = 401
    return response


def _guard():
    path = request.path
    unsafe = request.method in UNSAFE_METHODS
    if _is_public(path):
        if unsafe:
            _csrf_protect()
        return None
    if not current_user.is_authenticated:
        if _is_api(path):
            return _unauthorized_json()
        target = request.full_path if request.method == "GET" else request.path
        return redirect(_login_url(target.rstrip("?")), 302)
    if unsafe and not path.startswith("/_dash-"):
        _csrf_protect()
    if unsafe and path.startswith("/_dash-") and not request.is_json:
        # Dash sends JSON; a cross-site HTML form cannot (that would need a CORS preflight).
        return jsonify(error="verkeerd verzoek", message="Alleen JSON."), 415
    return None


def _csrf_protect() -> None:
    current_app.extensions["csrf"].protect()


# --- sessions ---------------------------------------------------------------------------------------


class AuthUser(UserMixin):
    """The logged-in user of one request. Its Flask-Login id is the session token, not the user id."""

    def __init__(self, user_id: int, email: str, role: str, municipality_code: str | None, token: str):
        self.user_id = user_id
        self.email = email
        self.role = role
        self.municipality_code = municipality_code
        self._token = token

    def get_id(self) -> str:
        return self._token

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.role, self.municipality_code, self.email)


def _load_user(token: str) -> AuthUser | None:
    cfg = _config()
    if not token or len(token) > 200:
        return None
    key = _token_key(token)
    s, u = schema.user_session, schema.user
    now = utcnow()
    with cfg.engine.begin() as conn:
        row = conn.execute(
            select(s.c.created_at, s.c.last_seen_at, s.c.ended_at, u.c.id, u.c.email, u.c.role,
                   u.c.municipality_code, u.c.active)
            .select_from(s.join(u, s.c.user_id == u.c.id)).where(s.c.id == key)).first()
        if row is None or row.ended_at is not None:
            return None
        created, last_seen = _aware(row.created_at), _aware(row.last_seen_at)
        if not row.active or now - last_seen > cfg.idle or now - created > cfg.max_age:
            conn.execute(update(s).where(s.c.id == key, s.c.ended_at.is_(None)).values(ended_at=now))
            return None
        if now - last_seen >= LAST_SEEN_RESOLUTION:
            conn.execute(update(s).where(s.c.id == key).values(last_seen_at=now))
    return AuthUser(row.id, row.email, row.role, row.municipality_code, token)


def _start_session(engine: Engine, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(schema.user_session).values(id=_token_key(token), user_id=user_id, created_at=now,
                                                        last_seen_at=now, ended_at=None))
    return token


def end_session(engine: Engine, token: str) -> None:
    s = schema.user_session
    with engine.begin() as conn:
        conn.execute(update(s).where(s.c.id == _token_key(token), s.c.ended_at.is_(None))
                     .values(ended_at=utcnow()))


def end_user_sessions(conn, user_id: int) -> int:
    """End every open session of a user (all server processes see it at their next request)."""
    s, u = schema.user_session, schema.user
    result = conn.execute(update(s).where(s.c.user_id == user_id, s.c.ended_at.is_(None))
                          .values(ended_at=utcnow()))
    conn.execute(update(u).where(u.c.id == user_id).values(session_version=u.c.session_version + 1))
    return result.rowcount or 0


def current_viewer() -> Viewer:
    """The viewer of the current request, from the logged-in user; 401 when nobody is logged in."""
    if not has_request_context() or not current_user.is_authenticated:
        raise Unauthorized("niet ingelogd")
    return current_user.viewer


# --- audit log --------------------------------------------------------------------------------------


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
                  else _engine_for(None))
    if actor is None and in_request and current_user and current_user.is_authenticated:
        actor = current_user.email
    if isinstance(detail, (dict, list, tuple)):
        detail = json.dumps(_scrub(detail), ensure_ascii=False, default=str, sort_keys=True)
    address = (request.remote_addr or "")[:64] if in_request else None
    with engine.begin() as conn:
        conn.execute(insert(schema.audit_log).values(
            at=utcnow(), actor=(actor or None) and actor[:254], event=event[:40],
            detail=None if detail is None else str(detail)[:2000], address=address))


# --- throttling -------------------------------------------------------------------------------------


def _throttled(conn, cfg: AuthConfig, email: str, address: str) -> str | None:
    lf = schema.login_failure
    since = utcnow() - cfg.window
    per_account = conn.execute(select(func.count()).select_from(lf)
                               .where(lf.c.email == email, lf.c.at >= since)).scalar_one()
    if per_account >= cfg.max_failures:
        return "account"
    per_address = conn.execute(select(func.count()).select_from(lf)
                               .where(lf.c.address == address, lf.c.at >= since)).scalar_one()
    if per_address >= ADDRESS_FACTOR * cfg.max_failures:
        return "adres"
    return None


# --- views ------------------------------------------------------------------------------------------


def _render_login(status: int = 200, error: str | None = None, notice: str | None = None, email: str = "",
                  next_target: str = "/"):
    response = flask.make_response(render_template(
        "login.html", error=error, notice=notice, email=email, next=safe_next(next_target)), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_view():
    cfg = _config()
    next_target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_target)
        notice = "U bent uitgelogd." if request.args.get("uitgelogd") else None
        return _render_login(notice=notice, next_target=next_target)

    email = normalize_email(request.form.get("email", ""))[:254]
    password = request.form.get("password", "")
    address = (request.remote_addr or "onbekend")[:64]
    u = schema.user

    with cfg.engine.connect() as conn:
        reason = _throttled(conn, cfg, email, address)
    if reason:
        audit("login_throttled", f"te veel mislukte pogingen per {reason}", actor=email or None)
        minutes = int(cfg.window.total_seconds() // 60)
        response = _render_login(
            429, error=f"Te veel mislukte inlogpogingen. Probeer het over {minutes} minuten opnieuw.",
            email=email, next_target=next_target)
        response.headers["Retry-After"] = str(int(cfg.window.total_seconds()))
        return response

    with cfg.engine.connect() as conn:
        row = conn.execute(select(u).where(u.c.email == email)).first() if email else None
    ok = False
    if row is not None and len(password) <= 4 * MAX_PASSWORD_LENGTH:
        try:
            ok = hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        try:  # the same work for an unknown address as for a wrong password
            hasher.verify(_DUMMY_HASH, password[:4 * MAX_PASSWORD_LENGTH])
        except VerificationError:
            pass
    if ok and not row.active:
        ok = False
    if not ok:
        with cfg.engine.begin() as conn:
            conn.execute(insert(schema.login_failure).values(at=utcnow(), email=email, address=address))
        why = "onbekend e-mailadres" if row is None else ("gebruiker uitgeschakeld" if not row.active
                                                          else "wachtwoord onjuist")
        audit("login_failed", why, actor=email or None)
        return _render_login(401, error=LOGIN_FAILED_MESSAGE, email=email, next_target=next_target)

    with cfg.engine.begin() as conn:
        if hasher.check_needs_rehash(row.password_hash):
            conn.execute(update(u).where(u.c.id == row.id).values(password_hash=hasher.hash(password)))
        conn.execute(delete(schema.login_failure).where(schema.login_failure.c.email == email))
    token = _start_session(cfg.engine, row.id)
    session.clear()  # no fixation: nothing from before the login survives, the CSRF token included
    login_user(AuthUser(row.id, row.email, row.role, row.municipality_code, token))
    audit("login_ok", ROLE_LABELS.get(row.role, row.role), actor=row.email)
    return redirect(next_target, 302)


LOGOUT_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Uitloggen — NHSV-monitor</title><style>{{ css }}</style></head>
<body><main class="card"><h1>Uitloggen</h1>
<p>U bent ingelogd als {{ email }}.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button type="submit">Uitloggen</button>
</form>
<p><a href="/">Terug naar de monitor</a></p></main></body></html>"""


def _logout_view():
    cfg = _config()
    if request.method == "GET":  # a link (GET) only shows the form: logging out is a POST with a CSRF token
        response = flask.make_response(flask.render_template_string(LOGOUT_PAGE, css=PAGE_CSS,
                                                                    email=current_user.email))
        response.headers["Cache-Control"] = "no-store"
        return response
    if current_user.is_authenticated:
        email = current_user.email
        end_session(cfg.engine, current_user.get_id())
        audit("logout", None, actor=email)
    logout_user()
    session.clear()
    return redirect("/login?uitgelogd=1", 302)


def _healthz():
    from etl import db

    cfg = _config()
    revision, reachable = None, False
    try:
        with cfg.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        reachable = True
        revision = db.schema_revision(cfg.engine)
    except Exception:  # noqa: BLE001 - the health check reports, it does not raise
        log.exception("health check: database not reachable")
    head = db.head_revision()
    ok = reachable and revision == head
    response = jsonify(status="ok" if ok else "fout", database=reachable, schema_revision=revision,
                       head_revision=head, schema_current=revision == head)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/_dash-layout", "/_dash-update-component", "/_dash-dependencies")):
        response.headers["Cache-Control"] = "no-store"
    return response


# --- error pages ------------------------------------------------------------------------------------

PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f4f5f7;color:#1a1a1a;
margin:0;padding:2rem 1rem;line-height:1.5}
.card{max-width:28rem;margin:2rem auto;background:#fff;border:1px solid #c8ccd2;border-radius:6px;padding:2rem}
h1{font-size:1.5rem;margin-top:0}
a{color:#0b4f8a}
button{font:inherit;background:#0b4f8a;color:#fff;border:0;border-radius:4px;padding:.6rem 1.2rem;cursor:pointer}
a:focus-visible,button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
"""

ERROR_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — NHSV-monitor</title><style>{{ css }}</style></head>
<body><main class="card"><h1>{{ title }}</h1><p>{{ text }}</p>
<p><a href="/">Naar de monitor</a></p></main></body></html>"""

ERROR_TEXTS = {
    400: ("Verzoek niet begrepen", "Dit verzoek kon niet worden verwerkt."),
    403: ("Geen toegang", "U hebt geen toegang tot deze pagina."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet (meer)."),
    405: ("Niet toegestaan", "Deze handeling is hier niet toegestaan."),
    500: ("Er ging iets mis", "Er is een fout opgetreden. Probeer het later opnieuw; blijft het misgaan, neem dan "
                              "contact op met de functioneel beheerder."),
}


def _error_response(code: int):
    title, body = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    if has_request_context() and _is_api(request.path):
        return jsonify(error=title, message=body), code
    html = flask.render_template_string(ERROR_PAGE, title=title, text=body, css=PAGE_CSS)
    return html, code, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _register_error_handlers(server: flask.Flask) -> None:
    @server.errorhandler(CSRFError)
    def _csrf_error(_error):
        if request.path == "/login":
            return _render_login(400, error="Het formulier is verlopen of ongeldig. Probeer het opnieuw.",
                                 next_target=request.values.get("next"))
        return _error_response(400)

    @server.errorhandler(401)
    def _unauthorized(_error):
        if _is_api(request.path):
            return _unauthorized_json()
        return redirect(_login_url(request.full_path.rstrip("?") if request.method == "GET" else "/"), 302)

    for code in (400, 403, 404, 405):
        server.register_error_handler(code, lambda _error, code=code: _error_response(code))

    @server.errorhandler(InternalServerError)
    def _server_error(error):
        # Flask has logged the exception; the answer reveals nothing internal.
        return _error_response(500)



# --- user management (CLI and admin pages) ----------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    email: str
    role: str
    municipality_code: str | None
    municipality_name: str | None
    active: bool
    created_at: dt.datetime
    open_sessions: int


def _cli_actor() -> str:
    try:
        return f"{getpass.getuser()} (cli)"
    except Exception:  # noqa: BLE001
        return "cli"


def _validate_email(email: str) -> str:
    email = normalize_email(email)
    if not email or len(email) > 254 or not EMAIL_RE.match(email):
        raise ValueError(f"Ongeldig e-mailadres: {email!r}.")
    return email


def _validate_password(password: str) -> None:
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Het wachtwoord moet ten minste {MIN_PASSWORD_LENGTH} tekens lang zijn.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"Het wachtwoord mag hoogstens {MAX_PASSWORD_LENGTH} tekens lang zijn.")
    if password.strip() == "":
        raise ValueError("Het wachtwoord mag niet alleen uit spaties bestaan.")


def _validate_role_and_code(conn, role: str, municipality_code: str | None) -> tuple[str, str | None]:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise ValueError(f"Onbekende rol {role!r}: kies uit {', '.join(ROLES)}.")
    code = (municipality_code or "").strip().upper() or None
    if role != MUNICIPALITY:
        if code is not None:
            raise ValueError(f"Een gemeentecode hoort alleen bij de rol gemeente, niet bij {role}.")
        return role, None
    if code is None:
        raise ValueError("De rol gemeente vraagt om een gemeentecode (--gemeente GMxxxx).")
    m = schema.municipality
    row = conn.execute(select(m.c.name, m.c.in_region).where(m.c.code == code)).first()
    if row is None:
        raise ValueError(f"Onbekende gemeentecode {code}.")
    if not row.in_region:
        raise ValueError(f"{code} ({row.name}) hoort niet bij de regio NHSV.")
    return role, code


def _check_new_user(conn, email: str, role: str, municipality_code: str | None) -> tuple[str, str, str | None]:
    email = _validate_email(email)
    role, code = _validate_role_and_code(conn, role, municipality_code)
    u = schema.user
    if conn.execute(select(u.c.id).where(u.c.email == email)).first() is not None:
        raise ValueError(f"Er is al een gebruiker met e-mailadres {email}.")
    return email, role, code


def check_new_user(engine: Engine, email: str, role: str, municipality_code: str | None) -> None:
    """Raise the ValueError add_user would raise for these fields (before asking for a password)."""
    with engine.connect() as conn:
        _check_new_user(conn, email, role, municipality_code)


def add_user(engine: Engine, email: str, role: str, municipality_code: str | None, password: str,
             actor: str | None = None) -> UserInfo:
    """Create a user; ValueError (Dutch) for a bad e-mail, role, gemeente code, password or a duplicate."""
    _validate_email(email)
    _validate_password(password)
    u = schema.user
    with engine.begin() as conn:
        email, role, code = _check_new_user(conn, email, role, municipality_code)
        conn.execute(insert(u).values(email=email, role=role, municipality_code=code, active=True,
                                      password_hash=hasher.hash(password), session_version=1,
                                      created_at=utcnow()))
    audit("user_added", {"email": email, "role": role, "gemeente": code}, actor=actor or _cli_actor(),
          engine=engine)
    return _user_info(engine, email)


def _user_row(conn, email: str):
    u = schema.user
    row = conn.execute(select(u).where(u.c.email == normalize_email(email))).first()
    if row is None:
        raise ValueError(f"Geen gebruiker met e-mailadres {normalize_email(email)}.")
    return row


def list_users(engine: Engine) -> list[UserInfo]:
    """Every user, by e-mail address."""
    u, m, s = schema.user, schema.municipality, schema.user_session
    open_sessions = (select(s.c.user_id, func.count().label("n")).where(s.c.ended_at.is_(None))
                     .group_by(s.c.user_id).subquery())
    query = (select(u.c.email, u.c.role, u.c.municipality_code, m.c.name, u.c.active, u.c.created_at,
                    func.coalesce(open_sessions.c.n, 0))
             .select_from(u.outerjoin(m, u.c.municipality_code == m.c.code)
                          .outerjoin(open_sessions, open_sessions.c.user_id == u.c.id))
             .order_by(u.c.email))
    with engine.connect() as conn:
        return [UserInfo(r[0], r[1], r[2], r[3], bool(r[4]), _aware(r[5]), int(r[6]))
                for r in conn.execute(query)]


def find_user(engine: Engine, email: str) -> UserInfo | None:
    """One user by e-mail address (case-insensitive), or None."""
    return next((i for i in list_users(engine) if i.email == normalize_email(email)), None)


def _user_info(engine: Engine, email: str) -> UserInfo:
    info = find_user(engine, email)
    assert info is not None
    return info


def disable_user(engine: Engine, email: str, actor: str | None = None) -> int:
    """Switch a user off and end all their sessions; returns the number of sessions ended."""
    u = schema.user
    with engine.begin() as conn:
        row = _user_row(conn, email)
        conn.execute(update(u).where(u.c.id == row.id).values(active=False))
        ended = end_user_sessions(conn, row.id)
    audit("user_disabled", {"email": row.email, "sessions_ended": ended}, actor=actor or _cli_actor(),
          engine=engine)
    return ended


def set_password(engine: Engine, email: str, password: str, actor: str | None = None) -> int:
    """Give a user a new password and end all their sessions; returns the number of sessions ended."""
    _validate_password(password)
    u = schema.user
    with engine.begin() as conn:
        row = _user_row(conn, email)
        conn.execute(update(u).where(u.c.id == row.id).values(password_hash=hasher.hash(password)))
        ended = end_user_sessions(conn, row.id)
    audit("password_set", {"email": row.email, "sessions_ended": ended}, actor=actor or _cli_actor(),
          engine=engine)
    return ended


def create_demo_users(engine: Engine) -> list[str]:
    """Create the demo users (idempotent) and return Dutch lines that tell how to log in."""
    if settings.is_production():
        return ["Geen demogebruikers aangemaakt: NHSV_ENV=production (een bekend wachtwoord hoort niet in "
                "productie)."]
    existing = {i.email for i in list_users(engine)}
    lines = [f"Demogebruikers (wachtwoord voor allemaal: {DEMO_PASSWORD}):"]
    m = schema.municipality
    with engine.connect() as conn:
        names = dict(conn.execute(select(m.c.code, m.c.name)).all())
    for email, role, code in DEMO_USERS:
        if email not in existing:
            add_user(engine, email, role, code, DEMO_PASSWORD, actor="demo")
        label = ROLE_LABELS[role] + (f" {names.get(code, code)} ({code})" if code else "")
        lines.append(f"  {email:<28} {label}")
    lines.append("Log in op /login van het dashboard met een van deze e-mailadressen.")
    return lines


__all__ = [
    "AuthUser", "LOGIN_FAILED_MESSAGE", "UserInfo", "add_user", "audit", "check_new_user", "create_demo_users",
    "current_viewer", "disable_user", "end_user_sessions", "find_user", "hasher", "init_app", "list_users",
    "normalize_email", "safe_next", "set_password",
]
