"""Progressive login delays (OWASP ASVS 5.0, 6.3.1): failed logins slow the next password check down; they never
lock the right password out.

Counters, each under a keyed hash (`config.keyed_hash`) in the table `login_throttle`:

- per **account** (the e-mail field, normalised) and per **client address** (an IPv4 address, or an IPv6 /64:
  one machine easily holds a whole /64), for a browser that has not logged in to that account before;
- per **browser**, for one that has: each successful login leaves a signed device cookie bound to the account,
  and a browser that shows it is counted on its own, not per account or address. What others do to the account,
  or from the same office network, does not slow its user down; its own failures do.

Each password check is counted *before* it is made, by one statement per counter that takes the next slot or
answers nothing (INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING: the row lock on PostgreSQL, the write lock
on SQLite), all counters of one attempt in one transaction. Concurrent requests therefore check no more
passwords than the counters allow: before this, 30 simultaneous wrong passwords got 8 checks where 5 were
allowed. A successful login gives its slot back (the account's and browser's counts start again; the address's
goes down by one, so that an office full of users is not counted as one attacker).

After `free` counted checks the next must wait 1 s, then 2 s, 4 s, … up to `max_delay` (default 300 s). Anyone
without the account's device cookie thus gets at most about 5 + 12 checks an hour, from all addresses together,
and at most 20 + 12 an hour per address over all accounts; the count starts again after `window` (default 24
hours) without a counted check. The user waits at most `max_delay` in a new browser, and not at all in a browser
in which they logged in before. A new NHSV_SECRET_KEY starts every count again and voids the device cookies.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, DateTime, Engine, case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.auth.config import AuthConfig, aware, keyed_hash, utcnow
from etl import schema

ADDRESS_FACTOR = 4  # an address may fail this many times as often as one account before it is slowed down
IPV6_PREFIX = 64
DEVICE_COOKIE_MAX_AGE = dt.timedelta(days=180)
_DEVICE_SALT = "nhsv-device-cookie"
_TIMESTAMP = DateTime(timezone=True)


@dataclass(frozen=True)
class Counter:
    key: str  # keyed hash of what is counted
    free: int  # counted checks before the first delay


@dataclass(frozen=True)
class Policy:
    window: dt.timedelta
    max_delay: dt.timedelta

    @classmethod
    def of(cls, cfg: AuthConfig) -> Policy:
        return cls(cfg.failure_window, cfg.max_delay)


def delay_after(checks: int, free: int, max_delay: dt.timedelta) -> dt.timedelta:
    """The wait before the next password check once `checks` have been counted."""
    if checks < free:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** min(checks - free, 40)), max_delay)  # 2**40 s: far above any maximum


# --- what is counted ---------------------------------------------------------------------------------------


def account_key(email: str) -> str:
    """The keyed hash of a normalised e-mail field: the account's counter, and all the audit log keeps of a failed
    login."""
    return keyed_hash("account", email)


def address_key(remote_addr: str | None) -> str:
    """The keyed hash of a client address: IPv4 as it is, IPv6 by /64 (an IPv4-mapped one as IPv4)."""
    try:
        ip = ipaddress.ip_address((remote_addr or "").split("%")[0])
    except ValueError:
        return keyed_hash("address", "onbekend")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return keyed_hash("address", str(ip.ipv4_mapped))
        return keyed_hash("address", str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False)))
    return keyed_hash("address", str(ip))


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def new_device_cookie(account: str) -> str:
    """A signed cookie value that marks this browser as one in which `account` logged in."""
    return _device_serializer().dumps({"a": account, "d": secrets.token_urlsafe(18)})


def device_key(cookie: str | None, account: str) -> str | None:
    """The browser's counter key, when it carries a valid device cookie of this account; otherwise None."""
    if not cookie or len(cookie) > 400:
        return None
    try:
        payload = _device_serializer().loads(cookie, max_age=int(DEVICE_COOKIE_MAX_AGE.total_seconds()))
    except BadSignature:  # also SignatureExpired: an old or forged cookie is simply no device cookie
        return None
    if not isinstance(payload, dict) or payload.get("a") != account or not isinstance(payload.get("d"), str):
        return None
    return keyed_hash("device", payload["d"])


@dataclass(frozen=True)
class Attempt:
    """The counters one login attempt is counted on."""

    account: Counter | None
    address: Counter | None
    device: Counter | None

    @classmethod
    def of(cls, cfg: AuthConfig, account: str, address: str, device: str | None) -> Attempt:
        if device is not None:
            return cls(None, None, Counter(device, cfg.free_failures))
        return cls(Counter(account, cfg.free_failures), Counter(address, ADDRESS_FACTOR * cfg.free_failures), None)

    @property
    def counters(self) -> list[Counter]:
        return [c for c in (self.account, self.address, self.device) if c is not None]


# --- counting ------------------------------------------------------------------------------------------------


def _insert_for(conn: Connection):
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _take(conn: Connection, counter: Counter, policy: Policy, now: dt.datetime) -> bool:
    """Count one password check on `counter` if its delay is over; atomic, True when counted."""
    t = schema.login_throttle

    def at(checks: int):
        return literal(now + delay_after(checks, counter.free, policy.max_delay), _TIMESTAMP)

    restart = t.c.seen_at < now - policy.window
    checks = t.c.attempts + 1
    # every count whose delay is below the maximum, spelled out: portable SQL without date arithmetic
    below_max = counter.free + math.ceil(math.log2(policy.max_delay.total_seconds())) + 1
    next_at = case((restart, at(1)), *((checks == n, at(n)) for n in range(1, below_max)),
                   else_=literal(now + policy.max_delay, _TIMESTAMP))
    statement = (
        _insert_for(conn)(t)
        .values(key=counter.key, attempts=1, next_at=now + delay_after(1, counter.free, policy.max_delay),
                seen_at=now)
        .on_conflict_do_update(
            index_elements=[t.c.key],
            set_={"attempts": case((restart, 1), else_=checks), "next_at": next_at, "seen_at": now},
            where=(t.c.next_at <= now) | restart)
        .returning(t.c.attempts))
    return conn.execute(statement).first() is not None


def reserve(engine: Engine, counters: list[Counter], policy: Policy, now: dt.datetime | None = None) -> float:
    """Count one password check on every counter, all or none. 0 when counted (check the password now), else
    the seconds to wait. Counters are taken in key order, so two attempts never wait for each other's locks."""
    now = now or utcnow()
    ordered = sorted(counters, key=lambda c: c.key)
    with engine.connect() as conn:
        with conn.begin() as transaction:
            refused = [c.key for c in ordered if not _take(conn, c, policy, now)]
            if refused:
                transaction.rollback()
        if not refused:
            return 0.0
        t = schema.login_throttle
        until = conn.execute(select(t.c.next_at).where(t.c.key.in_(refused))).scalars().all()
    waits = [(aware(value) - now).total_seconds() for value in until]
    return max([1.0, *waits])


def succeeded(engine: Engine, attempt: Attempt, policy: Policy, now: dt.datetime | None = None) -> None:
    """A login succeeded: the account's and the browser's counts start again, the address's goes down by the
    check this login took. Counters idle for longer than the window and the longest delay go on the way."""
    now = now or utcnow()
    t = schema.login_throttle
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.key.in_([c.key for c in (attempt.account, attempt.device) if c])))
        if attempt.address is not None:
            conn.execute(update(t).where(t.c.key == attempt.address.key, t.c.attempts > 0)
                         .values(attempts=t.c.attempts - 1))
        conn.execute(delete(t).where(t.c.seen_at < now - policy.window - policy.max_delay))


def check_allowed(engine: Engine, purpose: str, subject: str, free: int, policy: Policy) -> float:
    """Count one check of `purpose` (a second-factor code, a reset request) for `subject` on its own counter:
    0 when it may be made now, else the seconds to wait. The same delays as password checks."""
    return reserve(engine, [Counter(keyed_hash(purpose, subject), free)], policy)


def forget(engine: Engine, purpose: str, subject: str) -> None:
    """The check succeeded: the count of `purpose` for `subject` starts again."""
    t = schema.login_throttle
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.key == keyed_hash(purpose, subject)))
