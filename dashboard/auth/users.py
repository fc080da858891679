"""Users: adding and inviting, listing, disabling and enabling, roles, new passwords and reset links, the second
factor's reset, demo users, and checking a password at login.

Every change here is written to the audit log; disabling a user, changing their role or gemeente, setting a new
password or resetting their second factor ends their sessions in every server process
(`sessions.end_user_sessions`). Passwords are checked against the policy in `passwords`. A refusal (ValueError)
speaks the language of the request that asked (/beheer, Mijn account, the links in mails), Dutch on the command
line; the audit log is written in Dutch.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import Row

from dashboard.auth import passwords, tokens, totp
from dashboard.auth.audit_log import audit
from dashboard.auth.config import aware, utcnow
from dashboard.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from dashboard.auth.sessions import end_user_sessions
from dashboard.i18n import LANGUAGES, gettext
from dashboard.viewer import ADMIN, COORDINATOR, MUNICIPALITY, ROLE_LABELS, ROLES
from etl import schema
from nhsv import settings

# The password_hash of an invited user who has not chosen a password yet: no argon2 hash, so nothing verifies.
NO_PASSWORD = "!uitgenodigd"

DEMO_PASSWORD = "demo-wachtwoord-2026"
DEMO_USERS = (
    ("coordinator@demo.nhsv.nl", COORDINATOR, None),
    ("beheer@demo.nhsv.nl", ADMIN, None),
    ("hoorn@demo.nhsv.nl", MUNICIPALITY, "GM0405"),
    ("texel@demo.nhsv.nl", MUNICIPALITY, "GM0448"),
)

# OWASP ASVS 5.0 / OWASP cheat sheet minimum for argon2id: m = 19 MiB, t = 2, p = 1.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_COST_KIB = 19456
ARGON2_PARALLELISM = 1
# Hashes computed at once in one process. Each holds its 19 MiB while it runs, so four logins at once on a worker's
# four threads add four times that to its peak; on two cores a second hash at once is not done sooner. With the
# malloc setting of cli/serve.py, an in-process replay of the benchmark's users peaked at 244 MB instead of about
# 300. The price: in a burst of logins (the benchmark's 50 in 5 s) a login waits its turn, p95 about 0.5 s.
ARGON2_AT_ONCE = 1


class BoundedHasher(PasswordHasher):
    """argon2-cffi's PasswordHasher, with at most ARGON2_AT_ONCE hashes or verifications at a time per process:
    a burst of logins queues for the CPU it needs anyway instead of adding 19 MiB per thread to the worker."""

    _turn = threading.BoundedSemaphore(ARGON2_AT_ONCE)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._turn:
            return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._turn:
            return super().verify(hash, password)


hasher = BoundedHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_COST_KIB,
                       parallelism=ARGON2_PARALLELISM, hash_len=32, salt_len=16, type=Type.ID)

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_RE = re.compile(r"^[^@\s<>\"'(),;:\\]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")


@functools.cache
def _dummy_hash() -> str:
    """Verified against for unknown e-mail addresses, so that they take as long as a wrong password."""
    return hasher.hash(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


@dataclass(frozen=True)
class UserInfo:
    email: str
    role: str
    municipality_code: str | None
    municipality_name: str | None
    active: bool
    created_at: dt.datetime
    open_sessions: int
    last_login_at: dt.datetime | None = None
    second_factor: bool = False
    invited: bool = False  # has not chosen a password yet
    language: str | None = None  # the interface language the user chose (app_user.language); None: Dutch


# --- the password check at login ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    user: Row | None  # the user's row when the password is right and the user active
    reason: str | None  # why not, in Dutch, for the audit log


def check_password(engine: Engine, email: str, password: str) -> Verdict:
    """One argon2id check, with the same work whether or not the e-mail address belongs to a user."""
    u = schema.user
    with engine.connect() as conn:
        row = conn.execute(select(u).where(u.c.email == email)).first() if email else None
    if row is None or len(password) > 4 * MAX_PASSWORD_LENGTH or row.password_hash == NO_PASSWORD:
        try:
            hasher.verify(_dummy_hash(), password[:4 * MAX_PASSWORD_LENGTH])
        except VerificationError:  # the expected outcome: only the time it took matters
            pass
        reason = ("onbekend e-mailadres" if row is None else
                  "nog geen wachtwoord gekozen" if row.password_hash == NO_PASSWORD else "wachtwoord te lang")
        return Verdict(None, reason)
    try:
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return Verdict(None, "wachtwoord onjuist")
    if not row.active:
        return Verdict(None, "gebruiker uitgeschakeld")
    return Verdict(row, None)


def upgrade_hash(engine: Engine, user: Row, password: str) -> None:
    """Re-hash with the current parameters after a successful login, when the stored hash is weaker."""
    if hasher.check_needs_rehash(user.password_hash):
        with engine.begin() as conn:
            conn.execute(update(schema.user).where(schema.user.c.id == user.id)
                         .values(password_hash=hasher.hash(password)))


# --- validation ----------------------------------------------------------------------------------------------


def _cli_actor() -> str:
    try:
        return f"{getpass.getuser()} (cli)"
    except (KeyError, OSError):  # no user name for this uid (a container without /etc/passwd entry)
        return "cli"


def _validate_email(email: str) -> str:
    email = normalize_email(email)
    if not email or len(email) > 254 or not EMAIL_RE.match(email):
        raise ValueError(gettext("Ongeldig e-mailadres: %(email)s.", email=repr(email)))
    return email


def _validate_password(conn, password: str, email: str | None, municipality_code: str | None) -> None:
    """The policy (`passwords.check`) with this user's e-mail address, gemeente and the region's gemeenten."""
    if password is None or len(password) < MIN_PASSWORD_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        passwords.check(password)  # the length message, before any query
    m = schema.municipality
    names = dict(conn.execute(select(m.c.code, m.c.name).where(m.c.in_region.is_(True))).all())
    passwords.check(password, email, names.get(municipality_code or ""), tuple(names.values()))


def check_password_policy(engine: Engine, password: str, email: str | None = None,
                          municipality_code: str | None = None) -> None:
    """Raise ValueError when `password` breaks the policy for this user."""
    with engine.connect() as conn:
        _validate_password(conn, password, email, municipality_code)


def _validate_role_and_code(conn, role: str, municipality_code: str | None) -> tuple[str, str | None]:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise ValueError(gettext("Onbekende rol %(role)s: kies uit %(roles)s.", role=repr(role),
                                 roles=", ".join(ROLES)))
    code = (municipality_code or "").strip().upper() or None
    if role != MUNICIPALITY:
        if code is not None:
            raise ValueError(gettext("Een gemeentecode hoort alleen bij de rol gemeente, niet bij %(role)s.",
                                     role=role))
        return role, None
    if code is None:
        raise ValueError(gettext("De rol gemeente vraagt om een gemeentecode (--gemeente GMxxxx)."))
    m = schema.municipality
    row = conn.execute(select(m.c.name, m.c.in_region).where(m.c.code == code)).first()
    if row is None:
        raise ValueError(gettext("Onbekende gemeentecode %(code)s.", code=code))
    if not row.in_region:
        raise ValueError(gettext("%(code)s (%(name)s) hoort niet bij de regio NHSV.", code=code, name=row.name))
    return role, code


def _check_new_user(conn, email: str, role: str, municipality_code: str | None) -> tuple[str, str, str | None]:
    email = _validate_email(email)
    role, code = _validate_role_and_code(conn, role, municipality_code)
    u = schema.user
    if conn.execute(select(u.c.id).where(u.c.email == email)).first() is not None:
        raise ValueError(gettext("Er is al een gebruiker met e-mailadres %(email)s.", email=email))
    return email, role, code


# --- management ----------------------------------------------------------------------------------------------


def check_new_user(engine: Engine, email: str, role: str, municipality_code: str | None) -> None:
    """Raise the ValueError add_user would raise for these fields (before asking for a password)."""
    with engine.connect() as conn:
        _check_new_user(conn, email, role, municipality_code)


def add_user(engine: Engine, email: str, role: str, municipality_code: str | None, password: str,
             actor: str | None = None) -> UserInfo:
    """Create a user; ValueError for a bad e-mail, role, gemeente code, password or a duplicate."""
    _validate_email(email)
    u = schema.user
    with engine.begin() as conn:
        email, role, code = _check_new_user(conn, email, role, municipality_code)
        _validate_password(conn, password, email, code)
        conn.execute(insert(u).values(email=email, role=role, municipality_code=code, active=True,
                                      password_hash=hasher.hash(password), session_version=1,
                                      created_at=utcnow()))
    audit("user_added", {"email": email, "role": role, "gemeente": code}, actor=actor or _cli_actor(),
          engine=engine)
    return _user_info(engine, email)


def invite_user(engine: Engine, email: str, role: str, municipality_code: str | None,
                actor: str | None = None, language: str | None = None) -> tuple[UserInfo, str]:
    """Create a user without a password and return the invitation link's path (72 hours, once): the user
    chooses the password, nobody else ever knows it (ASVS 6.4.6). The caller mails the link. `language` ('nl' or
    'en'; None: no choice yet, Dutch) is the user's language for the monitor and its mails from the start."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(gettext("Onbekende taal %(language)s.", language=repr(language)))
    u = schema.user
    with engine.begin() as conn:
        email, role, code = _check_new_user(conn, email, role, municipality_code)
        user_id = conn.execute(insert(u).values(email=email, role=role, municipality_code=code, active=True,
                                                password_hash=NO_PASSWORD, session_version=1, created_at=utcnow(),
                                                language=language)
                               .returning(u.c.id)).scalar_one()
        token = tokens.issue(conn, user_id, tokens.INVITATION, actor)
    audit("user_invited", {"email": email, "role": role, "gemeente": code}, actor=actor or _cli_actor(),
          engine=engine)
    return _user_info(engine, email), tokens.path(tokens.INVITATION, token)


def _user_row(conn, email: str):
    u = schema.user
    row = conn.execute(select(u).where(u.c.email == normalize_email(email))).first()
    if row is None:
        raise ValueError(gettext("Geen gebruiker met e-mailadres %(email)s.", email=normalize_email(email)))
    return row


def list_users(engine: Engine) -> list[UserInfo]:
    """Every user, by e-mail address."""
    u, m, s = schema.user, schema.municipality, schema.user_session
    open_sessions = (select(s.c.user_id, func.count().label("n")).where(s.c.ended_at.is_(None))
                     .group_by(s.c.user_id).subquery())
    query = (select(u.c.email, u.c.role, u.c.municipality_code, m.c.name, u.c.active, u.c.created_at,
                    func.coalesce(open_sessions.c.n, 0), u.c.last_login_at, u.c.totp_enabled_at, u.c.password_hash,
                    u.c.language)
             .select_from(u.outerjoin(m, u.c.municipality_code == m.c.code)
                          .outerjoin(open_sessions, open_sessions.c.user_id == u.c.id))
             .order_by(u.c.email))
    with engine.connect() as conn:
        return [UserInfo(r[0], r[1], r[2], r[3], bool(r[4]), aware(r[5]), int(r[6]),
                         aware(r[7]) if r[7] is not None else None, r[8] is not None, r[9] == NO_PASSWORD, r[10])
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
        tokens.void_all(conn, row.id)
    audit("user_disabled", {"email": row.email, "sessions_ended": ended}, actor=actor or _cli_actor(),
          engine=engine)
    return ended


def set_password(engine: Engine, email: str, password: str, actor: str | None = None) -> int:
    """Give a user a new password and end all their sessions; returns the number of sessions ended."""
    u = schema.user
    with engine.begin() as conn:
        row = _user_row(conn, email)
        _validate_password(conn, password, row.email, row.municipality_code)
        conn.execute(update(u).where(u.c.id == row.id).values(password_hash=hasher.hash(password)))
        ended = end_user_sessions(conn, row.id)
    audit("password_set", {"email": row.email, "sessions_ended": ended}, actor=actor or _cli_actor(),
          engine=engine)
    return ended


def enable_user(engine: Engine, email: str, actor: str | None = None) -> None:
    """Switch a disabled user on again (with the password they had)."""
    u = schema.user
    with engine.begin() as conn:
        row = _user_row(conn, email)
        conn.execute(update(u).where(u.c.id == row.id).values(active=True))
    audit("user_enabled", {"email": row.email}, actor=actor or _cli_actor(), engine=engine)


def change_access(engine: Engine, email: str, role: str, municipality_code: str | None,
                  actor: str | None = None) -> int:
    """Give a user another role or gemeente and end their sessions (what they may see changes at once); returns
    the number of sessions ended. ValueError for a bad role or gemeente."""
    u = schema.user
    with engine.begin() as conn:
        row = _user_row(conn, email)
        role, code = _validate_role_and_code(conn, role, municipality_code)
        if (role, code) == (row.role, row.municipality_code):
            raise ValueError(gettext("Rol en gemeente zijn al zo ingesteld."))
        conn.execute(update(u).where(u.c.id == row.id).values(role=role, municipality_code=code))
        ended = end_user_sessions(conn, row.id)
    audit("user_role_changed", {"email": row.email, "van": [row.role, row.municipality_code], "naar": [role, code],
                                "sessions_ended": ended}, actor=actor or _cli_actor(), engine=engine)
    return ended


def start_password_reset(engine: Engine, email: str, actor: str | None = None) -> tuple[int, str] | None:
    """A password-reset link (30 minutes, once) for an active user: (user id, the link's path), or None for an
    unknown or disabled address. Nothing changes until the link is used; the caller mails it."""
    u = schema.user
    with engine.begin() as conn:
        row = conn.execute(select(u).where(u.c.email == normalize_email(email))).first()
        if row is None or not row.active:
            return None
        token = tokens.issue(conn, row.id, tokens.RESET, actor)
    return row.id, tokens.path(tokens.RESET, token)


def set_password_by_link(engine: Engine, token_id: str, user_id: int, password: str, event: str) -> int:
    """Set the password chosen through a link (invitation or reset), use up the link and end every session;
    returns the sessions ended. ValueError for a refused password or a link used meanwhile."""
    u = schema.user
    with engine.begin() as conn:
        row = conn.execute(select(u).where(u.c.id == user_id)).one()
        _validate_password(conn, password, row.email, row.municipality_code)
        if not tokens.use(conn, token_id):
            raise ValueError(gettext("Deze link is al gebruikt of verlopen."))
        conn.execute(update(u).where(u.c.id == user_id).values(password_hash=hasher.hash(password)))
        ended = end_user_sessions(conn, user_id)
        tokens.void_all(conn, user_id)
    audit(event, {"email": row.email, "sessions_ended": ended}, actor=row.email, engine=engine)
    return ended


def reset_second_factor(engine: Engine, email: str, actor: str | None = None) -> int:
    """Switch a user's second factor off (lost phone) and end their sessions: they enrol again at their next login
    when it is required. Returns the sessions ended."""
    with engine.begin() as conn:
        row = _user_row(conn, email)
        was_on = totp.reset(conn, row.id)
        ended = end_user_sessions(conn, row.id)
    audit("mfa_reset", {"email": row.email, "was_aan": was_on, "sessions_ended": ended},
          actor=actor or _cli_actor(), engine=engine)
    return ended


def record_login(engine: Engine, user_id: int) -> None:
    u = schema.user
    with engine.begin() as conn:
        conn.execute(update(u).where(u.c.id == user_id).values(last_login_at=utcnow()))


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
