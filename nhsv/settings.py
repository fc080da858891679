"""Every setting of the monitor in one table: name, default and meaning (the README documents each)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """A setting makes a start impossible; the message (Dutch) says which and what to do."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("NHSV_DATABASE_URL", "sqlite:///data/warehouse.db",
            "SQLAlchemy URL of the warehouse; a relative SQLite path is taken from the project folder. "
            "Production: postgresql+psycopg://user@host/db."),
    Setting("NHSV_REFERENCE_DIR", "data/reference",
            "Folder with gemeenten.csv, checklist.csv and events.csv."),
    Setting("NHSV_DATA_DIR", "data", "Folder for generated data: demo inbox, exports, imported boundaries."),
    Setting("NHSV_TODAY", "",
            "Date (YYYY-MM-DD) the monitor takes as today, e.g. to reproduce a demo; empty: the real date."),
    Setting("NHSV_ENV", "development",
            "development or production. Production turns debug off, requires a secret key and secure cookies."),
    Setting("NHSV_SECRET_KEY", "",
            "Key that signs session cookies and CSRF tokens. Required in production; "
            "in development a random key per start is used when empty."),
    Setting("NHSV_COOKIE_SECURE", "",
            "Send cookies over HTTPS only (1/0). Empty: on in production, off in development."),
    Setting("NHSV_SESSION_IDLE_MINUTES", "30", "Minutes without activity after which a session ends."),
    Setting("NHSV_SESSION_MAX_HOURS", "12", "Hours after login after which a session ends regardless of activity."),
    Setting("NHSV_LOGIN_MAX_FAILURES", "5",
            "Password checks per account (per client address: 4x this) that fail without slowing down; after "
            "that each next check waits twice as long, up to NHSV_LOGIN_MAX_DELAY_SECONDS. The right password "
            "is never locked out, and a browser in which the account logged in before is counted on its own."),
    Setting("NHSV_LOGIN_WINDOW_MINUTES", "1440",
            "Minutes without a failed login after which the count of an account, address or browser starts "
            "again; longer than the longest delay."),
    Setting("NHSV_LOGIN_MAX_DELAY_SECONDS", "300",
            "Longest wait between two password checks of one account, address or browser."),
    Setting("NHSV_SMALL_COUNT_THRESHOLD", "5",
            "Counts from 1 up to this value minus 1 are shown as '<N' outside the viewer's own scope."),
    Setting("NHSV_UPLOAD_MAX_BYTES", "5000000", "Largest submission file accepted by the upload page."),
    Setting("NHSV_LOAD_WAIT_SECONDS", "300",
            "Seconds a load waits while another load of the same warehouse runs (one at a time); then nhsv load "
            "stops with exit code 3 and records nothing."),
    Setting("NHSV_LOAD_LOCK_TIMEOUT_SECONDS", "60",
            "PostgreSQL lock_timeout of the loader's transactions: a load that waits longer for a lock held by "
            "another session stops (exit code 4) instead of hanging; 0: no limit."),
    Setting("NHSV_LOAD_STATEMENT_TIMEOUT_SECONDS", "600",
            "PostgreSQL statement_timeout of the loader's transactions; 0: no limit."),
    Setting("NHSV_LOAD_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", "60",
            "PostgreSQL idle_in_transaction_session_timeout of the loader's transactions: the server ends a "
            "loader's session that keeps a transaction open and idle this long (a stopped or hung loader), and "
            "with it its locks; 0: no limit."),
    Setting("NHSV_BROWSER_PATH", "",
            "Chromium or Chrome used for chart exports; empty: found on the PATH (/usr/bin/chromium)."),
    Setting("NHSV_EXPORT_JOBS", "2",
            "Exports from the app that one server process builds at the same time (they share its one Chromium); "
            "more wait in the queue."),
    Setting("NHSV_EXPORT_QUEUE", "8",
            "Exports from the app waiting or running on the server at once (one per user); beyond that a new "
            "one is refused with 'probeer het later opnieuw'."),
    Setting("NHSV_LOG_FORMAT", "text", "text or json (one JSON object per line, for production)."),
    Setting("NHSV_WORKERS", "2", "Server processes of nhsv serve --production (gunicorn workers)."),
    Setting("NHSV_THREADS", "4", "Threads per server process of nhsv serve --production."),
    Setting("NHSV_FORWARDED_ALLOW_IPS", "127.0.0.1,::1",
            "Exact addresses (comma-separated; no networks, no *) of the reverse proxies whose X-Forwarded-For "
            "and X-Forwarded-Proto are trusted for the client address and HTTPS; empty: none."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a setting: the environment first, then its default."""
    if name not in _BY_NAME:
        raise KeyError(f"unknown setting {name}")
    value = os.environ.get(name)
    return _BY_NAME[name].default if value is None else value


def get_int(name: str) -> int:
    return int(get(name))


def resolve_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def database_url() -> str:
    """The warehouse URL with a relative SQLite path anchored at the project folder."""
    url = get("NHSV_DATABASE_URL")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        path = resolve_path(url[len(prefix):])
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return url


def reference_dir() -> Path:
    return resolve_path(get("NHSV_REFERENCE_DIR"))


def data_dir() -> Path:
    return resolve_path(get("NHSV_DATA_DIR"))


def is_production() -> bool:
    return get("NHSV_ENV").strip().lower() == "production"
