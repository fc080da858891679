"""Serving the dashboard in production: gunicorn with several workers, JSON-lines logs, trusted proxies.

`serve_production(host, port, workers)` runs gunicorn in this process (the master) with the app of
`dashboard.wsgi`. The app is not preloaded: every worker builds its own app and its own database pool after
the fork, so no connection is ever shared between processes. Whatever must hold across workers lives in the
database (sessions, login throttling); the secret key that signs cookies must be the same in every worker,
so in development a random one is made once here, before the workers start.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import sys
from collections.abc import Mapping

from nhsv import proxies, settings
from nhsv.settings import ConfigurationError

DEFAULT_TIMEOUT = 120  # seconds a request may take (a chart export starts Chromium) before the worker is restarted
GRACEFUL_TIMEOUT = 30
# Seconds an idle connection stays open: longer than a user's pause between two clicks (nginx's default is
# 75 s too). At 5 s the server closed connections at the moment a client reused them, and the request failed
# with a reset. With gthread workers an idle connection waits in the poller, not in a thread.
KEEPALIVE = 75
# A worker is replaced after this many requests (plus jitter), against slow leaks. Not much lower: a new worker
# starts with empty caches (the mart, rendered pages), and at 30 requests/s a limit of 1,000 replaced both
# workers every minute.
MAX_REQUESTS = 10_000
MAX_REQUESTS_JITTER = 1_000
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
TEXT_LOG_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")
MIN_SECRET_KEY_LENGTH = 32
# glibc's malloc in the workers, through its documented environment variable (read when a process starts, so the
# Docker image sets it, and so does tests/serverprocess.py for the tests and benchmarks): blocks of 4 MiB and more
# get a mapping of their own, handed back when freed. Left to itself, glibc raises this threshold to the largest
# block freed so far, 19 MiB after the first login (argon2id's memory), and from then on keeps such blocks in the
# worker's heap. National benchmark, 50 users: a worker's peak 283 MB without it, 230 MB with it; the p95 of the
# requests after the ramp-up 66 ms either way.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "4194304"}


# --- logs -------------------------------------------------------------------------------------------


def _utc_iso(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _access_fields(record: logging.LogRecord) -> dict:
    """Request fields of a gunicorn access-log record (its args are gunicorn's atoms)."""
    atoms = record.args
    if record.name != "gunicorn.access" or not isinstance(atoms, Mapping):
        return {}
    duration_us = _int_or_none(atoms.get("D"))
    fields = {
        "remote_addr": atoms.get("h"),
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "query": atoms.get("q") or None,
        "status": _int_or_none(atoms.get("s")),
        "bytes": _int_or_none(atoms.get("B")),
        "duration_ms": None if duration_us is None else round(duration_us / 1000, 1),
        "referer": None if atoms.get("f") in (None, "-") else atoms.get("f"),
        "user_agent": None if atoms.get("a") in (None, "-") else atoms.get("a"),
        # the app's X-Request-Id answer: the proxy's id, or the one the app made when there was none
        "request_id": atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i"),
    }
    return {key: value for key, value in fields.items() if value is not None}


def _request_fields() -> dict:
    """Fields of the Flask request being handled, when the record is logged inside one."""
    flask = sys.modules.get("flask")
    if flask is None or not flask.has_request_context():
        return {}
    request = flask.request
    fields = {"method": request.method, "path": request.path, "remote_addr": request.remote_addr,
              "request_id": flask.g.get("request_id") or request.headers.get("X-Request-Id")}
    return {key: value for key, value in fields.items() if value}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, pid, and request fields where
    the record has them (gunicorn's access log, or a log call inside a Flask request)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        try:
            entry.update(_access_fields(record) or _request_fields())
        except Exception:  # noqa: BLE001 - a log line is never lost for want of its extra fields
            pass
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format(value: str | None = None) -> str:
    """NHSV_LOG_FORMAT, checked: text or json."""
    fmt = (settings.get("NHSV_LOG_FORMAT") if value is None else value).strip().lower() or "text"
    if fmt not in LOG_FORMATS:
        raise ConfigurationError(f"NHSV_LOG_FORMAT moet text of json zijn, niet {fmt!r}.")
    return fmt


def logging_config(fmt: str | None = None, level: str = "INFO") -> dict:
    """A logging.config.dictConfig dictionary: the app's and gunicorn's logs to standard error, the access
    log to standard output, all in one format (NHSV_LOG_FORMAT: text, or json for one object per line)."""
    fmt = log_format(fmt)
    formatter = ({"()": f"{__name__}.JsonFormatter"} if fmt == "json"
                 else {"format": TEXT_LOG_FORMAT, "datefmt": "%Y-%m-%dT%H:%M:%S%z"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"nhsv": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "nhsv", "stream": "ext://sys.stderr"},
            "stdout": {"class": "logging.StreamHandler", "formatter": "nhsv", "stream": "ext://sys.stdout"},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
            "alembic": {"level": "WARNING"},  # the health check reads the schema version on every call
        },
    }


def configure_logging(fmt: str | None = None, level: str = "INFO") -> None:
    """Set up this process's logging as in production (also for commands run beside the server)."""
    import logging.config

    logging.config.dictConfig(logging_config(fmt, level))
    logging.captureWarnings(True)  # warnings become log records, so that JSON logs stay JSON


# --- gunicorn ---------------------------------------------------------------------------------------


def _positive(name: str, value: int | None) -> int:
    if value is None:
        try:
            value = settings.get_int(name)
        except ValueError:
            raise ConfigurationError(f"{name} moet een geheel getal zijn, niet {settings.get(name)!r}.") from None
    if value < 1:
        raise ConfigurationError(f"{name} moet ten minste 1 zijn, niet {value}.")
    return value


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def gunicorn_options(host: str, port: int, workers: int | None = None, threads: int | None = None) -> dict:
    """The gunicorn settings of a production server (checked; nothing is started)."""
    forwarded = settings.get("NHSV_FORWARDED_ALLOW_IPS").strip()
    proxies.trusted_proxies(forwarded)  # exact addresses only: refused before anything starts
    options = {
        "bind": [_bind(host, port)],
        "workers": _positive("NHSV_WORKERS", workers),
        "worker_class": "gthread",
        "threads": _positive("NHSV_THREADS", threads),
        "timeout": DEFAULT_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": KEEPALIVE,
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "preload_app": False,  # each worker builds its own app and database pool after the fork
        "forwarded_allow_ips": forwarded,
        "access_log_format": ACCESS_LOG_FORMAT,
        "logconfig_dict": logging_config(),
        "proc_name": "nhsv-monitor",
        "control_socket_disable": True,  # no socket file in $HOME; the container is managed from outside
    }
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        options["worker_tmp_dir"] = "/dev/shm"  # heartbeat files on tmpfs, not on a container's overlay disk
    return options


def _check_secret_key() -> None:
    """Every worker must sign and check cookies with the same key."""
    key = settings.get("NHSV_SECRET_KEY").strip()
    if settings.is_production():
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigurationError(
                "NHSV_SECRET_KEY ontbreekt of is korter dan 32 tekens: in productie start de server niet "
                "zonder. Maak er een met: python -c \"import secrets; print(secrets.token_urlsafe(48))\"")
    elif not key:
        os.environ["NHSV_SECRET_KEY"] = secrets.token_urlsafe(48)  # one key for all workers of this start


def _release_database_connections() -> None:
    """Close the connections the master opened (the CLI's schema check), so that no worker inherits one: after
    the fork each worker's pool opens its own."""
    from etl import db

    for engine in {db.engine(), db.engine(settings.database_url())}:
        engine.dispose()


def serve_production(host: str = "0.0.0.0", port: int = 8050, workers: int | None = None,
                     threads: int | None = None) -> None:
    """Run the dashboard under gunicorn until stopped (SIGTERM/SIGINT): `workers` processes (default
    NHSV_WORKERS) with `threads` threads each (default NHSV_THREADS). Raises ConfigurationError for a setting
    that makes a start impossible; otherwise does not return (gunicorn exits the process)."""
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(host, port, workers, threads)
    _check_secret_key()
    unset = sorted(name for name in MALLOC_ENV if name not in os.environ)
    if unset:
        logging.getLogger(__name__).warning(
            "%s niet gezet: de werkprocessen houden meer geheugen vast dan nodig (het Docker-image zet %s)",
            ", ".join(unset), " ".join(f"{k}={v}" for k, v in MALLOC_ENV.items()))
    _release_database_connections()
    logging.captureWarnings(True)

    class NhsvServer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # control_socket_disable came with gunicorn 25.1
                    self.cfg.set(key, value)

        def load(self):
            from dashboard.wsgi import application

            return application

    NhsvServer(usage="nhsv serve --production", prog="nhsv").run()


__all__ = ["ConfigurationError", "JsonFormatter", "configure_logging", "gunicorn_options", "logging_config",
           "serve_production"]
