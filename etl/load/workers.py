"""The loader's worker pool: reads the files offered and parses them ahead in worker processes, and hands them to
the loader in batches.

Parsing (extract) and screening for personal data are the slow part of loading a file; while the loader's
process validates and writes one batch, up to two batches ahead are parsed and screened in forked worker
processes. A worker never outlives its loader: it is forked before the loader opens a connection, ignores Ctrl+C
(which is the loader's) and exits by itself once its loader is gone, however the loader ended. Where forking is
not safe or not worth it, the loader parses and screens in its own process, with the same result.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from etl.extract import extract
from etl.extract.raw import Extracted
from etl.validate import personal

log = logging.getLogger(__name__)

PARSE_TASK_FILES = 8  # files per task for a worker
WORKER_WATCH_SECONDS = 0.5  # how often a parse worker checks that its loader is still there


def start_pool(engine: Engine, workers: int) -> ProcessPoolExecutor | None:
    """Worker processes for extract(), forked (cheap to start, nothing to import again); None where forking is
    not safe or not worth it. Two workers rather than one loaded the regional inbox (351 files) in 1.45x the time
    of parsing it alone instead of 1.56x (medians of 6 runs on 2 cores).

    A fork copies every open file of the process. So the workers are forked before the run opens a connection
    (the engine's idle connections are closed first) and never where the process runs other threads (a fork
    copies their locks half-held) or has a connection in use: a worker holding a copy of the loader's database
    connection kept its session, and the session's locks, alive after the loader was killed. Each worker also
    ends by itself within WORKER_WATCH_SECONDS once its loader is gone, however the loader ended."""
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None  # a single core: the loader's process parses as fast, without the hand-over
    if threading.active_count() > 1:
        log.info("parsing in the loader's process: it runs other threads, which forking is not safe with")
        return None
    if not isinstance(engine.pool, QueuePool) or engine.pool.checkedout():
        log.info("parsing in the loader's process: a connection is in use, which a worker would inherit")
        return None
    engine.dispose()  # the idle connections: a worker would inherit them
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_start, initargs=(os.getpid(),))


def _worker_start(loader_pid: int) -> None:
    """In each parse worker: Ctrl+C is for the loader (which stops the workers), and the worker exits when its
    loader is gone (the worker is then re-parented), also after a kill -9 that gave the loader no chance."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_without_loader, args=(loader_pid,), name="exit-without-loader",
                     daemon=True).start()


def _exit_without_loader(loader_pid: int) -> None:
    while os.getppid() == loader_pid:
        time.sleep(WORKER_WATCH_SECONDS)
    os._exit(1)


def _extract_all(contents: list[bytes]) -> list[Extracted | None]:
    """extract() of several files (one task for the worker: less overhead per file), each submission screened
    for personal data too (most of validation's work, which would otherwise wait for the loader's process);
    None where it raised."""
    out: list[Extracted | None] = []
    for data in contents:
        try:
            extracted = extract(data)
            for raw in extracted.submissions:
                raw.screened = personal.screen(raw)
            out.append(extracted)
        except Exception:  # noqa: BLE001 - any fault of extract() or screen(): the loader does both again, and logs and records it there
            out.append(None)
    return out


@dataclass
class Item:
    """A file offered: its content, hash and (once parsed) what extract() read from it."""

    name: str
    data: bytes
    sha256: str
    future: Future[list[Extracted | None]] | None = None  # the worker's task that parses this file (and others)
    position: int = 0  # this file's place in the task
    _extracted: Extracted | None = None

    def extracted(self) -> Extracted:
        """What extract() read; raises what extract() raises for this file."""
        if self._extracted is None:
            if self.future is not None:
                try:
                    self._extracted = self.future.result()[self.position]  # None: extract raised in the worker
                except BrokenProcessPool:
                    log.warning("a parse worker stopped; %s is parsed in the loader's process", self.name)
                self.future = None
            if self._extracted is None:
                self._extracted = extract(self.data)
        return self._extracted


def batches(files: Iterable[tuple[str, bytes]], pool: ProcessPoolExecutor | None, *, max_files: int,
            first_files: int, max_bytes: int) -> Iterator[list[Item]]:
    """Batches of files: the first of `first_files`, doubling up to `max_files` (the writing starts early), each
    of at most `max_bytes` (at least one file). With workers, up to two batches of files are read and parsed before
    they are needed (bounds the memory)."""
    source = iter(files)
    ahead: deque[Item] = deque()
    limit = 2 * max_files if pool is not None else max_files

    def fill() -> None:
        nonlocal pool
        while len(ahead) < limit:
            task: list[Item] = []
            for name, data in itertools.islice(source, PARSE_TASK_FILES if pool is not None else 1):
                task.append(Item(name, data, hashlib.sha256(data).hexdigest(), position=len(task)))
            if not task:
                return
            if pool is not None:
                try:
                    future = pool.submit(_extract_all, [item.data for item in task])
                except BrokenProcessPool:
                    log.warning("the parse workers stopped; the loader's process parses the rest")
                    pool = None
                else:
                    for item in task:
                        item.future = future
            ahead.extend(task)

    files_per_batch = first_files
    while True:
        fill()
        if not ahead:
            return
        batch = _next_batch(ahead, files_per_batch, first_files, max_bytes)
        fill()  # the workers parse the next batch while this one is written
        files_per_batch = min(max_files, 2 * files_per_batch)
        yield batch


def _next_batch(ahead: deque[Item], files_per_batch: int, min_files: int, max_bytes: int) -> list[Item]:
    """Up to `files_per_batch` files and `max_bytes` (at least one file) from the front of `ahead`; once half of
    them, and at least `min_files`, are taken, no file is waited for that a worker has not parsed yet."""
    batch: list[Item] = []
    size = 0
    while ahead and len(batch) < files_per_batch and (not batch or size + len(ahead[0].data) <= max_bytes):
        if len(batch) >= max(min_files, files_per_batch // 2) and not _parsed(ahead[0]):
            break  # write what is parsed rather than wait for the workers (at the end: a short tail)
        item = ahead.popleft()
        batch.append(item)
        size += len(item.data)
    return batch


def _parsed(item: Item) -> bool:
    return item.future is None or item.future.done()
