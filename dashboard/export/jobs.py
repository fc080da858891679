"""Exports started from the app, as jobs in a bounded queue.

A POST starts a job; the page then shows its progress and offers the zip when it is ready. Why not Dash's
background callbacks (DiskcacheManager): they start a process per call, each of which would start its own
Chromium, and they have no bound across users; a pack also does not belong in a callback's result cache. Here:

- the state of each job is a small JSON file (`<data>/exports/jobs/<id>/job.json`), so any server process can
  show its progress and hand out its zip;
- each server process runs at most NHSV_EXPORT_JOBS jobs at a time in its own threads, and they share the
  process's one Chromium (dashboard.export.render); more wait in the queue;
- one job per user at a time (asking again shows the running one) and at most NHSV_EXPORT_QUEUE waiting or
  running jobs per server (a file lock makes the count exact across processes); beyond that: "te druk";
- a job whose process died stops counting after STALE_SECONDS without progress, and shows as failed;
- finished jobs and their zips are removed after KEEP_HOURS.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock

from dashboard.export import pack
from dashboard.i18n import N_
from nhsv import settings

WAITING, RUNNING, DONE, FAILED = "wachtrij", "bezig", "klaar", "mislukt"
ACTIVE = (WAITING, RUNNING)
STALE_SECONDS = 600  # a job without progress this long belongs to a process that is gone
KEEP_HOURS = 24
# Dutch, as a job stores them; the pages show them through gettext (the job runs outside the user's request)
STATE_LABELS = {WAITING: N_("in de wachtrij"), RUNNING: N_("wordt gemaakt"), DONE: N_("klaar"), FAILED: N_("mislukt")}

log = logging.getLogger(__name__)


class QueueFull(Exception):
    """The server has as many exports waiting or running as it allows; the message is Dutch."""


@dataclass
class Job:
    id: str
    owner: str  # the user's e-mail address: only they see the job
    quarter: str
    audience: str
    codes: list[str]
    region: bool
    formats: list[str]
    state: str = WAITING
    done: int = 0
    total: int = 0
    message: str = ""
    files: int = 0
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE and time.time() - self.updated < STALE_SECONDS

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def label(self) -> str:
        if self.state in ACTIVE and not self.active:
            return STATE_LABELS[FAILED]
        return STATE_LABELS[self.state]

    @property
    def zip_name(self) -> str:
        subject = self.codes[0] if self.codes else "regio"
        return f"nhsv_{self.quarter}_{subject}.zip"


def root() -> Path:
    return settings.data_dir() / "exports" / "jobs"


def _folder(job_id: str) -> Path:
    if not job_id.isalnum():
        raise KeyError(job_id)
    return root() / job_id


def _lock() -> FileLock:
    root().mkdir(parents=True, exist_ok=True)
    return FileLock(str(root() / ".lock"), timeout=30)


def _write(job: Job) -> None:
    job.updated = time.time()
    folder = _folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"job.{threading.get_ident()}.tmp"
    tmp.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / "job.json")


def get(job_id: str) -> Job | None:
    try:
        raw = json.loads((_folder(job_id) / "job.json").read_text(encoding="utf-8"))
    except (KeyError, OSError, ValueError):
        return None
    return Job(**raw)


def zip_path(job: Job) -> Path:
    return _folder(job.id) / "pakket.zip"


def _all() -> list[Job]:
    out = []
    if root().is_dir():
        for folder in root().iterdir():
            if folder.is_dir() and (job := get(folder.name)) is not None:
                out.append(job)
    return out


def _clean(jobs: list[Job]) -> list[Job]:
    """Drop jobs older than KEEP_HOURS that are not running; returns the rest."""
    keep = []
    for job in jobs:
        if time.time() - job.created > KEEP_HOURS * 3600 and not job.active:
            shutil.rmtree(_folder(job.id), ignore_errors=True)
        else:
            keep.append(job)
    return keep


class _Workers:
    """The export workers of the process that made them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.pid: int | None = None


_workers = _Workers()


def _pool() -> ThreadPoolExecutor:
    """This process's workers; a forked server process makes its own."""
    with _workers.lock:
        if _workers.executor is None or _workers.pid != os.getpid():
            _workers.executor = ThreadPoolExecutor(max_workers=max(1, settings.get_int("NHSV_EXPORT_JOBS")),
                                                   thread_name_prefix="export-job")
            _workers.pid = os.getpid()
        return _workers.executor


def submit(owner: str, quarter: str, audience: str, codes: list[str], region: bool, formats: list[str],
           on_finish: Callable[[Job], None] | None = None) -> tuple[Job, bool]:
    """Queue an export for `owner`; returns (job, started). When the owner already has one waiting or running,
    that one is returned with started=False. Raises QueueFull when the server's queue is full."""
    with _lock():
        jobs = _clean(_all())
        mine = [j for j in jobs if j.owner == owner and j.active]
        if mine:
            return mine[0], False
        if sum(j.active for j in jobs) >= max(1, settings.get_int("NHSV_EXPORT_QUEUE")):
            raise QueueFull(N_("Er worden nu veel exports gemaakt. Probeer het over een paar minuten opnieuw."))
        job = Job(id=uuid.uuid4().hex, owner=owner, quarter=quarter, audience=audience, codes=list(codes),
                  region=region, formats=list(formats))
        _write(job)
    _pool().submit(_run, job, on_finish)
    return job, True


def _run(job: Job, on_finish: Callable[[Job], None] | None) -> None:
    folder = _folder(job.id)
    target = folder / "pakket"
    job.state = RUNNING
    _write(job)
    last = [0.0]

    def progress(done: int, total: int, _path: str) -> None:
        job.done, job.total = done, total
        if time.monotonic() - last[0] > 0.5 or done == total:
            last[0] = time.monotonic()
            _write(job)

    try:
        result = pack.build_pack(job.quarter, job.audience, job.codes, job.region, job.formats, target,
                                 progress=progress)
        partial = folder / "pakket.zip.tmp"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(target.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(target).as_posix())
        partial.replace(zip_path(job))
        job.files, job.state = len(result.files), DONE
    except pack.ExportError as refused:
        job.state, job.message = FAILED, str(refused)
    except Exception:  # logged with its traceback; the user sees a Dutch message
        log.exception("export job %s failed", job.id)
        job.state, job.message = FAILED, N_("Het pakket kon niet worden gemaakt door een fout op de server.")
    finally:
        shutil.rmtree(target, ignore_errors=True)
        _write(job)
        if on_finish:
            with contextlib.suppress(Exception):
                on_finish(job)


def wait(job_id: str, timeout: float = 300) -> Job | None:
    """Until the job is no longer active (tests, the command line)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get(job_id)
        if job is None or not job.active:
            return job
        time.sleep(0.2)
    return get(job_id)


def created_at(job: Job) -> str:
    return dt.datetime.fromtimestamp(job.created).strftime("%H:%M")
