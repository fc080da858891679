"""Login throttling: failed logins counted per account and per client address, in the database so that every
server process counts the same."""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select

from dashboard.auth.config import AuthConfig, utcnow
from etl import schema

ADDRESS_FACTOR = 4  # per address: this many times the per-account limit


def throttled(engine: Engine, cfg: AuthConfig, email: str, address: str) -> str | None:
    """'account' or 'adres' when too many logins failed within the window, else None."""
    lf = schema.login_failure
    since = utcnow() - cfg.window
    with engine.connect() as conn:
        per_account = conn.execute(select(func.count()).select_from(lf)
                                   .where(lf.c.email == email, lf.c.at >= since)).scalar_one()
        if per_account >= cfg.max_failures:
            return "account"
        per_address = conn.execute(select(func.count()).select_from(lf)
                                   .where(lf.c.address == address, lf.c.at >= since)).scalar_one()
    if per_address >= ADDRESS_FACTOR * cfg.max_failures:
        return "adres"
    return None


def failed(engine: Engine, email: str, address: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.login_failure).values(at=utcnow(), email=email, address=address))


def succeeded(engine: Engine, email: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(schema.login_failure).where(schema.login_failure.c.email == email))
