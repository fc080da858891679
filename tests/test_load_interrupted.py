"""Loads that are interrupted, overlap or stall: the next load goes ahead promptly, nothing is lost or doubled.

`nhsv load` runs here as a real process on a generated inbox, slowed inside each batch's transaction (its facts
written, its marts not yet) so that it can be killed, stopped or overtaken there. Whatever happens to it, the
warehouse must end as a load without interruption leaves it, and no process or database session of the killed
loader may stay behind (one that did kept its locks, and the next load waited for them without end).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from cli.main import main
from etl import db, demo, load, schema
from etl.domain import Quarter
from etl.load import plan
from etl.load.runs import run_statuses
from tests.test_load import LINEAGE_FREE, empty_warehouse

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="follows processes through /proc (Linux)"),
]

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "nhsv-test-loader"  # the loader processes' PostgreSQL sessions carry it (PGAPPNAME), to be found
NEXT_LOAD_BOUND = 30  # seconds: the load after an interrupted one finishes within this (it waited 10 minutes)

# A loader whose mart refresh, inside each batch's transaction, first notes that it got there and then waits.
SLOW_LOADER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from etl import marts
    from cli.main import main

    marker, delay = Path(sys.argv[1]), float(sys.argv[2])
    refresh = marts.refresh

    def slow_refresh(*args, **kwargs):
        with marker.open("a") as out:
            out.write("in a batch\\n")
        time.sleep(delay)
        return refresh(*args, **kwargs)

    marts.refresh = slow_refresh
    main(sys.argv[3:], prog_name="nhsv")
""")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """About 200 realistic files: rejected ones, a copy, a correction, CSVs; four batches, parsed by workers."""
    folder = tmp_path_factory.mktemp("interrupted") / "inbox"
    plan = demo.generate(folder, seed=11, last=Quarter(2025, 2))
    assert len(plan.files) > 150
    return folder


def loader_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PGAPPNAME": APP_NAME, "PYTHONPATH": str(ROOT), **extra}


def start_slow_load(inbox: Path, marker: Path, delay: float, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SLOW_LOADER, str(marker), str(delay), "load", "--quiet",
                             str(inbox)], cwd=ROOT, env=loader_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run_load(inbox: Path, timeout: float = 120, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from cli.main import main; main(prog_name='nhsv')", "load",
                           "--quiet", str(inbox)], cwd=ROOT, env=loader_env(**env), capture_output=True, text=True,
                          timeout=timeout, check=False)  # the callers expect failing loads too
    return done, time.monotonic() - started


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the loader ended before {what}: {proc.returncode}\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def marks(marker: Path) -> int:
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be collected


def loader_sessions(engine) -> int:
    """PostgreSQL sessions opened by the loader processes of these tests."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                            {"name": APP_NAME}).scalar_one()


def loaded_content(engine) -> dict[str, list]:
    """What the loads put in the warehouse, told by file content rather than by ids, times or version numbers.

    Version numbers are left out because offering a rejected file again (as a load after an interruption does
    with the files of its committed batches) rightly records another rejected version."""
    from sqlalchemy import inspect

    out: dict[str, list] = {}
    with engine.connect() as conn:
        out["loaded files"] = sorted(conn.execute(text(
            "SELECT file_name, sha256 FROM source_file WHERE outcome = 'loaded'")).all())
        out["outcomes"] = sorted(set(conn.execute(text(
            "SELECT file_name, outcome FROM source_file WHERE outcome <> 'already_loaded'")).all()))
        out["submissions"] = sorted(conn.execute(text(
            "SELECT s.municipality_code, s.quarter, s.status, f.sha256, s.checklist_version, s.template_version, "
            "s.filled_in_on, s.actor FROM submission s JOIN source_file f ON f.id = s.file_id "
            "WHERE s.status <> 'rejected'")).all())
        for table in ("fact_block_status", "fact_resources", "fact_signals", "fact_network"):
            columns = [f"t.{c['name']}" for c in inspect(conn).get_columns(table) if c["name"] != "submission_id"]
            out[table] = sorted((tuple(r) for r in conn.execute(text(
                f"SELECT s.municipality_code, s.quarter, s.status, f.sha256, {', '.join(columns)} FROM {table} t "
                "JOIN submission s ON s.id = t.submission_id JOIN source_file f ON f.id = s.file_id"))), key=repr)
        for table in ("mart_municipality_quarter", "mart_block_quarter"):
            columns = [c["name"] for c in inspect(conn).get_columns(table) if c["name"] not in
                       LINEAGE_FREE | {"submission_id"}]
            out[table] = sorted((tuple(r) for r in conn.execute(text(f"SELECT {', '.join(columns)} FROM {table}"))),
                                key=repr)
    return out


def runs(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(schema.load_run).order_by(schema.load_run.c.id)).all()


def assert_counts_add_up(engine) -> None:
    with engine.connect() as conn:
        for run in runs(engine):
            assert run.rows_offered == run.rows_loaded + run.rows_rejected
            files = conn.execute(select(schema.source_file).where(schema.source_file.c.run_id == run.id)).all()
            assert run.files_offered == len(files)
            assert run.rows_offered == sum(f.rows_offered for f in files)
        errors = conn.execute(text("SELECT file_name FROM source_file WHERE outcome = 'error'")).scalars().all()
    assert errors == []


@pytest.fixture
def uninterrupted(engine, inbox) -> dict[str, list]:
    """The warehouse after one `nhsv load` of the inbox without interruption; emptied again afterwards."""
    done, _seconds = run_load(inbox)
    assert done.returncode == 1, done.stderr  # the inbox holds rejected files: exit code 1, the rest loaded
    content = loaded_content(engine)
    assert len(content["loaded files"]) > 150
    empty_warehouse(engine)
    return content


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_an_interrupted_load_leaves_nothing_behind_and_the_next_one_finishes(engine, inbox, uninterrupted,
                                                                          tmp_path, sig):
    marker = tmp_path / "marker"
    loader = start_slow_load(inbox, marker, delay=1.0)
    workers: list[int] = []
    try:
        wait_for(lambda: marks(marker) >= 2, 90, "the second batch's transaction", loader)
        workers = children_of(loader.pid)
        assert len(workers) == load.PARSE_WORKERS  # the run parses ahead in worker processes
        loader.send_signal(sig)
        loader.wait(timeout=30)
        wait_for(lambda: not any(running(pid) for pid in workers), 5, "the parse workers to end")
        if engine.dialect.name == "postgresql":
            # no process of the loader holds a connection: its sessions, and their locks, are gone
            wait_for(lambda: loader_sessions(engine) == 0, 5, "the loader's sessions to end")
        _out, err = loader.communicate(timeout=10)  # (a worker still running would hold the pipes open)
        if sig == signal.SIGTERM:  # a clean stop: the batch rolled back, the run marked, a Dutch message
            assert loader.returncode == 143, err
            assert "Lading afgebroken" in err and "Traceback" not in err
    finally:
        for pid in [loader.pid, *workers]:  # only if the test failed: leave nothing running
            if running(pid):
                os.kill(pid, signal.SIGKILL)

    interrupted = runs(engine)[-1]
    assert interrupted.finished_at is None and interrupted.files_offered >= load.MIN_BATCH_FILES
    assert interrupted.status == ("interrupted" if sig == signal.SIGTERM else "running")  # a kill -9 cannot say
    shown = CliRunner().invoke(main, ["runs"])
    assert "afgebroken" in shown.output and "voltooid" not in shown.output

    done, seconds = run_load(inbox, timeout=90)
    assert seconds < NEXT_LOAD_BOUND, f"the next load took {seconds:.1f} s"
    assert done.returncode == 1, done.stderr  # the same as without interruption: rejected files, the rest loaded
    if sig == signal.SIGKILL:  # the run a kill -9 left "running" is reported, and marked, by the next one
        assert f"eerder is laadronde {interrupted.id} " in done.stdout
    assert loaded_content(engine) == uninterrupted
    assert_counts_add_up(engine)
    assert [r.status for r in runs(engine)] == ["interrupted", "finished"]


def test_two_loads_at_once_take_turns_and_count_right(engine, inbox, uninterrupted, tmp_path):
    first = start_slow_load(inbox, tmp_path / "first", delay=0.4)
    try:
        wait_for(lambda: marks(tmp_path / "first") >= 1, 90, "the first load's first batch", first)
        second = start_slow_load(inbox, tmp_path / "second", delay=0.0)
        _out2, err2 = second.communicate(timeout=120)
        _out1, err1 = first.communicate(timeout=120)
    finally:
        for proc in (first,):
            if proc.poll() is None:
                proc.kill()
    assert (first.returncode, second.returncode) == (1, 1), err1 + err2  # rejected files in both, nothing else
    assert "Wacht op een andere lading" in err2 and "Traceback" not in err1 + err2
    one, two = runs(engine)
    assert (one.status, two.status) == ("finished", "finished")
    assert two.started_at >= one.finished_at  # one at a time
    assert two.files_offered == one.files_offered
    assert (two.files_loaded, two.files_already_loaded) == (0, one.files_loaded + one.files_already_loaded)
    assert two.files_rejected == one.files_rejected  # the rejected files, offered again, and nothing falsely
    assert two.rows_loaded == 0
    assert_counts_add_up(engine)
    assert loaded_content(engine) == uninterrupted


def test_a_load_gives_up_waiting_with_a_clear_message_and_records_nothing(engine, inbox, monkeypatch):
    monkeypatch.setenv("NHSV_LOAD_WAIT_SECONDS", "1")
    with engine.connect() as conn:  # another load, as far as the lock is concerned
        lock = db.load_lock(conn)
        assert lock.try_acquire()
        try:
            started = time.monotonic()
            result = CliRunner().invoke(main, ["load", str(inbox)])
            waited = time.monotonic() - started
        finally:
            lock.release()
    assert result.exit_code == 3, result.output
    assert "Wacht op een andere lading" in result.output and "niets geladen of vastgelegd" in result.output
    assert 1 <= waited < 10
    assert runs(engine) == []  # no run, no file recorded
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM source_file")).scalar_one() == 0


def test_runs_tells_a_running_load_from_an_interrupted_one(engine, workbook, monkeypatch):
    files = [(f"{code}.xlsx", workbook(code, "2026Q2")) for code in ("GM0405", "GM0361", "GM0400")]
    monkeypatch.setattr(load, "BATCH_FILES", 1)
    monkeypatch.setattr(load, "MIN_BATCH_FILES", 1)
    seen = []

    def look(report):
        seen.append(CliRunner().invoke(main, ["runs"]).output)
        if len(seen) == 2:
            raise KeyboardInterrupt  # Ctrl+C after the second file's batch

    with pytest.raises(KeyboardInterrupt):
        load.load_files(engine, files, actor="test", progress=look)
    assert "bezig" in seen[0] and "afgebroken" not in seen[0]  # the live loader holds the lock: its run is going
    run = runs(engine)[-1]
    assert (run.status, run.files_offered, run.finished_at) == ("interrupted", 2, None)
    shown = CliRunner().invoke(main, ["runs"]).output
    assert "afgebroken" in shown and "bezig" not in shown
    assert "afgebroken" in CliRunner().invoke(main, ["runs", "--findings", str(run.id)]).output

    report = load.load_files(engine, files, actor="test")
    assert [f.outcome for f in report.files] == ["already_loaded", "already_loaded", "loaded"]
    assert report.interrupted == []  # marked when it was interrupted, so not reported again


def test_a_run_left_running_by_a_killed_loader_is_reported_by_the_next(engine, workbook):
    """What a kill -9 leaves (the run's status cannot be written), made here without a process to kill."""
    load.load_files(engine, [("hoorn.xlsx", workbook("GM0405", "2026Q2"))], actor="test")
    with engine.begin() as conn:
        conn.execute(text("UPDATE load_run SET status = 'running', finished_at = NULL"))
    shown = CliRunner().invoke(main, ["runs"]).output
    assert "afgebroken" in shown and "bezig" not in shown  # no loader holds the lock
    report = load.load_files(engine, [("alkmaar.xlsx", workbook("GM0361", "2026Q2"))], actor="test")
    assert [run.id for run in report.interrupted] == [runs(engine)[0].id]
    assert [r.status for r in runs(engine)] == ["interrupted", "finished"]


# --- PostgreSQL: the loader's time limits -------------------------------------------------------------------


@pytest.fixture
def postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout, statement_timeout and idle_in_transaction_session_timeout")
    return engine


def test_the_loaders_transactions_carry_the_time_limits_of_the_settings(postgresql, workbook, monkeypatch):
    monkeypatch.setenv("NHSV_LOAD_LOCK_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("NHSV_LOAD_STATEMENT_TIMEOUT_SECONDS", "11")
    monkeypatch.setenv("NHSV_LOAD_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", "13")
    refresh, seen = load.marts.refresh, []

    def look(conn, *args):
        seen.append(tuple(conn.execute(text(
            "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'), "
            "current_setting('idle_in_transaction_session_timeout')")).one()))
        refresh(conn, *args)

    monkeypatch.setattr(load.marts, "refresh", look)
    load.load_files(postgresql, [("hoorn.xlsx", workbook("GM0405", "2026Q2"))], actor="test")
    assert seen == [("7s", "11s", "13s")]
    with postgresql.connect() as conn:  # SET LOCAL: the pooled connection does not keep them
        assert conn.execute(text("SELECT current_setting('lock_timeout')")).scalar() == "0"


def test_a_load_blocked_by_another_session_stops_at_the_lock_timeout(postgresql, workbook, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "hoorn.xlsx").write_bytes(workbook("GM0405", "2026Q2"))
    with postgresql.connect() as blocker:
        blocker.execute(text("LOCK TABLE source_file IN ACCESS EXCLUSIVE MODE"))  # held until the rollback
        done, seconds = run_load(folder, timeout=60, NHSV_LOAD_LOCK_TIMEOUT_SECONDS="1")
        blocker.rollback()
    assert done.returncode == 4, done.stderr
    assert seconds < 15
    assert "warehouse gaf een fout" in done.stderr and "Traceback" not in done.stderr
    assert [(r.status, r.files_offered) for r in runs(postgresql)] == [("interrupted", 0)]
    with postgresql.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM submission")).scalar_one() == 0


def test_a_loader_stalled_inside_a_transaction_loses_its_session_and_its_locks(postgresql, workbook, monkeypatch):
    monkeypatch.setenv("NHSV_LOAD_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", "1")
    validate = plan.validate
    stalled = threading.Event()

    def stall(*args):  # planning, inside the batch's transaction, after its first look-ups
        stalled.set()
        time.sleep(3)
        return validate(*args)

    monkeypatch.setattr(plan, "validate", stall)
    with pytest.raises(DBAPIError) as failure:
        load.load_files(postgresql, [("hoorn.xlsx", workbook("GM0405", "2026Q2"))], actor="test")
    assert stalled.is_set() and failure.value.connection_invalidated  # the server ended the session
    monkeypatch.setattr(plan, "validate", validate)
    report = load.load_files(postgresql, [("hoorn.xlsx", workbook("GM0405", "2026Q2"))], actor="test",
                             wait_seconds=5)
    assert [f.outcome for f in report.files] == ["loaded"]  # the load lock and the rows were free again
    assert len(report.interrupted) == 1


def test_runs_recorded_before_0004_get_a_status_from_their_end(fresh_database, workbook, monkeypatch):
    from tests.conftest import table_snapshot
    from tests.test_migrations import downgrade

    monkeypatch.setenv("NHSV_DATABASE_URL", fresh_database)
    engine = db.make_engine(fresh_database)
    try:
        db.init(engine)
        load.load_files(engine, [("hoorn.xlsx", workbook("GM0405", "2026Q2"))], actor="test")
        with pytest.raises(KeyboardInterrupt):
            load.load_files(engine, [("alkmaar.xlsx", workbook("GM0361", "2026Q2"))], actor="test",
                            progress=lambda report: (_ for _ in ()).throw(KeyboardInterrupt))
        downgrade(engine, "0003")
        before = table_snapshot(engine, ["load_run"])
        db.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(schema.load_run).order_by(schema.load_run.c.id)).all()
        assert [r.status for r in rows] == ["finished", "running"]  # the second never finished
        after = table_snapshot(engine, ["load_run"])["load_run"]
        assert [r[:-1] for r in after] == before["load_run"]  # everything else as it was (status comes last)
        assert list(run_statuses(engine, rows).values()) == ["finished", "interrupted"]
    finally:
        engine.dispose()
