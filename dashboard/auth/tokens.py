"""Single-use links by mail: an invitation (72 hours) and a password reset (30 minutes) (OWASP ASVS 5.0, 6.4.1).

The link carries 256 random bits; the table keeps only their SHA-256, so that neither a leaked table nor an
administrator can use a link. A link is used by one conditional UPDATE (`used_at IS NULL`), so two requests with
the same link cannot both set a password. Issuing a link of a purpose voids the user's earlier ones of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import Row

from dashboard.auth.config import aware, utcnow
from etl import schema

INVITATION, RESET = "invitation", "reset"
LIFETIMES = {INVITATION: dt.timedelta(hours=72), RESET: dt.timedelta(minutes=30)}
PATHS = {INVITATION: "/uitnodiging/", RESET: "/wachtwoord-herstellen/"}
MAX_TOKEN_LENGTH = 100


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, user_id: int, purpose: str, created_by: str | None = None) -> str:
    """A new link token for `purpose`; earlier unused ones of the user for it stop working."""
    t = schema.account_token
    now = utcnow()
    conn.execute(update(t).where(t.c.user_id == user_id, t.c.purpose == purpose, t.c.used_at.is_(None))
                 .values(used_at=now))
    token = secrets.token_urlsafe(32)
    conn.execute(insert(t).values(id=_key(token), user_id=user_id, purpose=purpose, created_at=now,
                                  expires_at=now + LIFETIMES[purpose], used_at=None,
                                  created_by=(created_by or None) and created_by[:254]))
    return token


def path(purpose: str, token: str) -> str:
    return PATHS[purpose] + token


def find(engine: Engine, token: str, purpose: str) -> Row | None:
    """The token's row joined to its active user, when the link can still be used; else None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    t, u = schema.account_token, schema.user
    with engine.connect() as conn:
        row = conn.execute(
            select(t.c.id.label("token_id"), t.c.expires_at, t.c.used_at, u.c.id, u.c.email, u.c.role,
                   u.c.municipality_code, u.c.active)
            .select_from(t.join(u, t.c.user_id == u.c.id)).where(t.c.id == _key(token), t.c.purpose == purpose)
        ).first()
    if row is None or row.used_at is not None or not row.active or aware(row.expires_at) <= utcnow():
        return None
    return row


def use(conn: Connection, token_id: str) -> bool:
    """Mark the link used; False when another request used it first (or it expired meanwhile)."""
    t = schema.account_token
    now = utcnow()
    result = conn.execute(update(t).where(t.c.id == token_id, t.c.used_at.is_(None), t.c.expires_at > now)
                          .values(used_at=now))
    return result.rowcount == 1


def void_all(conn: Connection, user_id: int) -> None:
    """Every open link of a user stops working (the user was disabled, or their role changed)."""
    t = schema.account_token
    conn.execute(update(t).where(t.c.user_id == user_id, t.c.used_at.is_(None)).values(used_at=utcnow()))
