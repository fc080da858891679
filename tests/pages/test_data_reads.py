"""What the pages read through the data layer: the coordinators' events file read again when it changes, and the
cache of reads kept per warehouse version and safe for a worker's threads."""

from __future__ import annotations

import pytest

from dashboard import data
from dashboard.data import warehouse as store
from etl import load


def test_events_are_read_again_when_the_coordinators_edit_the_file(monkeypatch, tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    monkeypatch.setenv("NHSV_REFERENCE_DIR", str(reference))
    assert data.events().empty  # no file: no events
    path = reference / "events.csv"
    path.write_text("date,title,description\n2026-06-16,DTN juni 2026,Dreigingsbeeld\n", encoding="utf-8")
    assert data.events()["title"].tolist() == ["DTN juni 2026"]
    path.write_text("date,title,description\n2026-06-16,DTN juni 2026,Dreigingsbeeld\n"
                    "2026-12-08,DTN december 2026,Dreigingsbeeld\n", encoding="utf-8")
    assert data.events()["title"].tolist() == ["DTN juni 2026", "DTN december 2026"]
    changed = data.events()
    changed.loc[0, "title"] = "gewijzigd"  # a caller's change does not reach the next caller
    assert data.events()["title"].tolist() == ["DTN juni 2026", "DTN december 2026"]


def test_cached_reads_follow_the_warehouse_version(engine, workbook):
    """One cache for the data layer's reads: kept per warehouse version, the older version's entries dropped
    once a file is loaded."""
    computed = []

    def compute(name):
        computed.append(name)
        return f"{name}{len(computed)}"

    assert store.cached(engine, "a", lambda: compute("a")) == "a1"
    assert store.cached(engine, "a", lambda: compute("a")) == "a1"  # not computed again
    report = load.load_files(engine, [("hoorn.xlsx", workbook("GM0405", "2026Q2"))], actor="test")
    assert report.files[0].outcome == "loaded"
    assert store.cached(engine, "a", lambda: compute("a")) == "a2"  # a new version: read again
    assert not any(key[0] == str(engine.url) and key[1] != store.warehouse_version(engine)
                   for key in list(store._CACHE))  # the old version's entries are gone


def test_cached_reads_are_safe_for_a_workers_threads(monkeypatch):
    """A server worker's threads share the cache: misses, evictions and a new version at the same time must
    neither raise nor hand a thread another key's value."""
    import sys
    import threading

    class Engine:
        url = "sqlite:///threads"

    calls = iter(range(10**9))
    monkeypatch.setattr(store, "warehouse_version", lambda _eng: next(calls) // 50)  # a new version now and then
    interval = sys.getswitchinterval()
    problems = []

    def work(thread: int) -> None:
        try:
            for i in range(3000):
                key = (thread, i % 20)
                if store.cached(Engine, key, lambda key=key: key) != key:
                    problems.append(f"wrong value for {key}")
        except Exception as problem:  # noqa: BLE001 - any exception is the failure reported
            problems.append(repr(problem))

    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
        store.clear_caches()
    assert problems == []


def test_threads_that_miss_the_same_key_compute_it_once(monkeypatch):
    """Users arriving together after a load miss the same reads (the whole mart, a quarter's signals): one thread
    computes, the others wait for its value instead of computing it again. A computation that fails lets the next
    thread try; a read that needs another cached read inside it does not wait for itself."""
    import threading

    class Engine:
        url = "sqlite:///single-flight"

    monkeypatch.setattr(store, "warehouse_version", lambda _eng: 1)
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow() -> str:
        calls.append(threading.get_ident())
        started.set()
        release.wait(10)
        return store.cached(Engine, "inner", lambda: "inner") + " and mart"

    results: list[str] = []
    try:
        threads = [threading.Thread(target=lambda: results.append(store.cached(Engine, "mart", slow)))
                   for _ in range(6)]
        threads[0].start()
        assert started.wait(10)
        for t in threads[1:]:
            t.start()
        release.set()
        for t in threads:
            t.join(10)
        assert results == ["inner and mart"] * 6
        assert len(calls) == 1

        def fails() -> str:
            raise RuntimeError("database gone")

        with pytest.raises(RuntimeError, match="database gone"):
            store.cached(Engine, "flaky", fails)
        assert store.cached(Engine, "flaky", lambda: "read after all") == "read after all"
    finally:
        release.set()
        store.clear_caches()


def test_a_read_computed_while_a_load_came_is_not_kept(monkeypatch):
    """A read that began before a load and ends after it is handed to its request, but not kept: no later request
    would read an older version's entry, and the whole mart is some 26 MB nationally."""
    class Engine:
        url = "sqlite:///moved-on"

    version = {"now": 1}
    monkeypatch.setattr(store, "warehouse_version", lambda _eng: version["now"])

    def read_during_a_load() -> str:
        version["now"] = 2
        store.cached(Engine, "other", lambda: "another request, after the load")
        return "mart of version 1"

    try:
        assert store.cached(Engine, "mart", read_during_a_load) == "mart of version 1"
        assert [key[1:] for key in store._CACHE if key[0] == Engine.url] == [(2, "other")]
    finally:
        store.clear_caches()
