"""The production server in a subprocess, for the integration tests and the benchmarks.

`ServerProcess` runs `cli.serve.serve_production` (gunicorn) on 127.0.0.1 in its own process group,
with stdout and stderr in files, waits until /healthz answers and every worker is up, reads its JSON-lines
access log, and stops the whole group. With NHSV_LOG_FORMAT=json (set here) gunicorn writes one JSON object
per access-log line, with the request's X-Request-Id, status, worker pid and `duration_ms`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from cli.serve import MALLOC_ENV
from nhsv.settings import PROJECT_ROOT


class ServerError(RuntimeError):
    """The server did not start, or it died; the message ends with its logs."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """gunicorn with `workers` processes and production settings; `env` is added to this environment."""

    def __init__(self, folder: Path, env: Mapping[str, str], workers: int = 2, start_timeout: float = 120,
                 stop_timeout: float = 30) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.stdout_path, self.stderr_path = folder / "server.out", folder / "server.err"
        # the image's environment (Dockerfile): NHSV_ENV=production and glibc's malloc setting
        self.env = {**os.environ, **MALLOC_ENV, "NHSV_ENV": "production", "NHSV_COOKIE_SECURE": "0",
                    "NHSV_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1", **env}
        self.process: subprocess.Popen | None = None
        self.entries: dict[str, dict] = {}  # access-log entries read so far, by request id
        self._offset = 0

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        import requests

        code = (f"from cli.serve import serve_production; "
                f"serve_production('127.0.0.1', {self.port}, {self.workers})")
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=self.env,
                                            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200 and \
                        len(self.worker_pids()) == self.workers:
                    return
            time.sleep(0.25)
        self.stop()
        raise ServerError(f"gunicorn did not answer /healthz within {self.start_timeout:.0f} s\n{self.logs()}")

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise ServerError(f"gunicorn is not running (exit code {code})\n{self.logs()}")

    def stop(self) -> None:
        """SIGTERM to the process group (master and workers), SIGKILL if it does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def worker_pids(self) -> set[int]:
        if self.process is None:
            return set()
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(pid) for pid in path.read_text().split()}
        except OSError:
            return set()

    def logs(self, tail: int = 6000) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}"
                         for p in (self.stdout_path, self.stderr_path) if p.exists())

    def read_access_log(self) -> dict[str, dict]:
        """Reads the complete access-log lines written since the last call into `entries`; returns it."""
        if not self.stdout_path.exists():
            return self.entries
        with self.stdout_path.open("rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        complete = chunk[:chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict) and entry.get("request_id"):
                    self.entries[entry["request_id"]] = entry
        return self.entries

    def wait_for_entries(self, request_ids: list[str], timeout: float = 10) -> dict[str, dict]:
        """The access-log entries of these requests, waiting a bounded time for lines still being written;
        requests without a line by then are missing from the answer."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.read_access_log()
            if all(r in found for r in request_ids) or time.monotonic() > deadline:
                return {r: found[r] for r in request_ids if r in found}
            time.sleep(0.05)
