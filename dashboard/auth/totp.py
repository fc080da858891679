"""The second factor: TOTP (RFC 6238, 30-second steps, 6 digits) and ten recovery codes (OWASP ASVS 5.0, 6.5-6.6).

- A code is accepted for the current step or one step either side (clock drift of up to 30 s), and only for a
  step later than the last one accepted: one conditional UPDATE of `totp_last_step` makes a code work once, also
  when two requests bring it at the same moment.
- Recovery codes are 10 characters from 31 letters and digits (49 bits), stored as argon2id hashes; each works
  once. Ten of them are made at enrolment and again on request; the earlier ones then stop working.
- `NHSV_MFA`: `required` (everyone enrols at the next login), `optional` (enrolled users are asked for a code,
  others may enrol under Mijn account) or `off` (no second factor is asked or offered). Empty: required in
  production, optional elsewhere (development and the demo, whose users log in with a password alone).
- Checks of codes are throttled per user like password checks (`throttle`), by the caller.
"""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.engine import Row

from dashboard.auth.config import utcnow
from etl import schema
from nhsv import settings

REQUIRED, OPTIONAL, OFF = "required", "optional", "off"
MODES = (REQUIRED, OPTIONAL, OFF)
ISSUER = "NHSV-monitor"
STEP_SECONDS = 30
DRIFT_STEPS = 1
DIGITS = 6
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 signs, no 0/o or 1/l/i: read off paper
RECOVERY_LENGTH = 10
clock = time.time  # the time codes are checked against (tests move it on by whole steps)


def mode() -> str:
    raw = settings.get("NHSV_MFA").strip().lower()
    if raw == "":
        return REQUIRED if settings.is_production() else OPTIONAL
    if raw not in MODES:
        raise RuntimeError(f"NHSV_MFA moet required, optional of off zijn (of leeg), niet {raw!r}.")
    return raw


def enrolled(user: Row) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def login_step(user: Row) -> str | None:
    """What a user must do after the right password: 'code', 'enrol' or nothing."""
    current = mode()
    if current == OFF:
        return None
    if enrolled(user):
        return "code"
    return "enrol" if current == REQUIRED else None


def _hasher():
    from dashboard.auth.users import hasher

    return hasher


# --- TOTP ----------------------------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI: an <img> the Content-Security-Policy allows (img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#1a1a1a", light="#ffffff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join(c for c in (code or "") if not c.isspace() and c != "-")


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step within the drift window whose code is `code`, latest first; None if none."""
    code = _digits(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((clock() if now is None else now) // STEP_SECONDS)
    for step in range(current + DRIFT_STEPS, current - DRIFT_STEPS - 1, -1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _accept_step(conn: Connection, user_id: int, step: int) -> bool:
    u = schema.user
    result = conn.execute(update(u).where(u.c.id == user_id,
                                          (u.c.totp_last_step.is_(None)) | (u.c.totp_last_step < step))
                          .values(totp_last_step=step))
    return result.rowcount == 1


def check_code(engine: Engine, user: Row, code: str, now: float | None = None) -> bool:
    """True, once, for a valid current code of an enrolled user."""
    if not enrolled(user):
        return False
    step = matching_step(user.totp_secret, code, now)
    if step is None:
        return False
    with engine.begin() as conn:
        return _accept_step(conn, user.id, step)


# --- enrolment -----------------------------------------------------------------------------------------------


def user_row(engine: Engine, user_id: int) -> Row | None:
    with engine.connect() as conn:
        return conn.execute(select(schema.user).where(schema.user.c.id == user_id)).first()


def pending_secret(engine: Engine, user_id: int) -> str:
    """The secret being enrolled: kept while enrolment is unfinished (a reload shows the same QR code), new
    otherwise. Refuses for a user who is enrolled already."""
    u = schema.user
    with engine.begin() as conn:
        row = conn.execute(select(u.c.totp_secret, u.c.totp_enabled_at).where(u.c.id == user_id)).one()
        if row.totp_enabled_at is not None:
            raise ValueError("De tweede factor is al ingesteld.")
        if row.totp_secret:
            return row.totp_secret
        secret = new_secret()
        conn.execute(update(u).where(u.c.id == user_id).values(totp_secret=secret, totp_last_step=None))
        return secret


def confirm(engine: Engine, user_id: int, code: str, now: float | None = None) -> list[str] | None:
    """Finish enrolment with a code from the app: switches the second factor on and returns ten new recovery
    codes (shown once); None when the code is wrong."""
    u = schema.user
    with engine.begin() as conn:
        row = conn.execute(select(u.c.totp_secret, u.c.totp_enabled_at).where(u.c.id == user_id)).one()
        if row.totp_enabled_at is not None or not row.totp_secret:
            return None
        step = matching_step(row.totp_secret, code, now)
        if step is None or not _accept_step(conn, user_id, step):
            return None
        conn.execute(update(u).where(u.c.id == user_id).values(totp_enabled_at=utcnow()))
        return _new_recovery_codes(conn, user_id)


def reset(conn: Connection, user_id: int) -> bool:
    """Switch the second factor off and drop its recovery codes; True when it was on."""
    u = schema.user
    was_on = conn.execute(select(u.c.totp_enabled_at).where(u.c.id == user_id)).scalar_one_or_none() is not None
    conn.execute(update(u).where(u.c.id == user_id).values(totp_secret=None, totp_enabled_at=None,
                                                           totp_last_step=None))
    conn.execute(delete(schema.recovery_code).where(schema.recovery_code.c.user_id == user_id))
    return was_on


# --- recovery codes ------------------------------------------------------------------------------------------


def _new_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return raw[:5] + "-" + raw[5:]


def _normal(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _new_recovery_codes(conn: Connection, user_id: int) -> list[str]:
    r = schema.recovery_code
    conn.execute(delete(r).where(r.c.user_id == user_id))
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    now = utcnow()
    conn.execute(insert(r), [{"user_id": user_id, "code_hash": _hasher().hash(_normal(c)), "created_at": now,
                              "used_at": None} for c in codes])
    return codes


def new_recovery_codes(engine: Engine, user_id: int) -> list[str]:
    with engine.begin() as conn:
        return _new_recovery_codes(conn, user_id)


def recovery_codes_left(engine: Engine, user_id: int) -> int:
    r = schema.recovery_code
    with engine.connect() as conn:
        return len(conn.execute(select(r.c.id).where(r.c.user_id == user_id, r.c.used_at.is_(None))).all())


def use_recovery_code(engine: Engine, user_id: int, code: str) -> bool:
    """True, once, for one of the user's unused recovery codes."""
    typed = _normal(code)
    if len(typed) != RECOVERY_LENGTH:
        return False
    r = schema.recovery_code
    with engine.connect() as conn:
        rows = conn.execute(select(r.c.id, r.c.code_hash).where(r.c.user_id == user_id, r.c.used_at.is_(None))).all()
    for row in rows:
        try:
            _hasher().verify(row.code_hash, typed)
        except (VerificationError, InvalidHashError):
            continue
        with engine.begin() as conn:
            result = conn.execute(update(r).where(r.c.id == row.id, r.c.used_at.is_(None)).values(used_at=utcnow()))
        return result.rowcount == 1
    return False


def looks_like_recovery_code(code: str) -> bool:
    return len(_normal(code)) == RECOVERY_LENGTH
