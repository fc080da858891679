"""Load rules of SUBMISSION.md section 4: atomic, idempotent by hash, versions kept, lineage, rows add up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from etl import findings as F
from etl import load, schema
from etl.load import write
from tests.conftest import good_values, load_bytes, table_snapshot

WAREHOUSE_TABLES = ["submission", "fact_block_status", "fact_resources", "fact_signals", "fact_network",
                    "mart_municipality_quarter", "mart_block_quarter"]


def test_a_good_workbook_loads_with_lineage(engine, workbook):
    report = load_bytes(engine, "aanlevering_GM0405_2026Q3.xlsx", workbook())
    assert report.outcome == "loaded", report.findings
    assert report.submissions == [("GM0405", "2026Q3", 1)]
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT s.status, f.sha256, f.run_id, s.run_id, b.status AS block_status "
            "FROM fact_block_status b JOIN submission s ON s.id = b.submission_id "
            "JOIN source_file f ON f.id = s.file_id WHERE b.block_code = 'LA1'")).one()
    assert row.status == "active"
    assert row.sha256 == report.sha256
    assert row[2] == row[3]  # the fact's submission and its file belong to the same load run


def test_loading_the_same_file_twice_changes_nothing(engine, workbook):
    data = workbook()
    load_bytes(engine, "a.xlsx", data)
    before = table_snapshot(engine, WAREHOUSE_TABLES)
    again = load_bytes(engine, "copy-of-a.xlsx", data)
    assert again.outcome == "already_loaded"
    assert table_snapshot(engine, WAREHOUSE_TABLES) == before
    with engine.connect() as conn:
        outcomes = conn.execute(select(schema.source_file.c.outcome).order_by(schema.source_file.c.id)).scalars()
        assert list(outcomes) == ["loaded", "already_loaded"]  # the second offer is recorded too


def test_a_changed_resubmission_becomes_active_and_the_earlier_is_kept(engine, workbook):
    load_bytes(engine, "v1.xlsx", workbook())
    second = load_bytes(engine, "v2.xlsx", workbook(values=good_values({"LA1": 3})))
    assert second.submissions == [("GM0405", "2026Q3", 2)]
    with engine.connect() as conn:
        versions = conn.execute(select(schema.submission.c.version, schema.submission.c.status)
                                .order_by(schema.submission.c.version)).all()
        assert [tuple(v) for v in versions] == [(1, "superseded"), (2, "active")]
        # the superseded version's facts are still there
        assert conn.execute(text("SELECT count(*) FROM fact_block_status")).scalar() == 36
        mart_la = conn.execute(text("SELECT score_la FROM mart_municipality_quarter WHERE "
                                    "municipality_code='GM0405' AND quarter='2026Q3'")).scalar()
    assert mart_la == pytest.approx((3 + 1 * 5) / 18 * 100)


@pytest.mark.parametrize("fail_in", ["_write_network", "refresh"])
def test_a_load_failing_halfway_leaves_every_table_as_it_was(engine, workbook, monkeypatch, fail_in):
    load_bytes(engine, "v1.xlsx", workbook(quarter="2026Q2"))
    before = table_snapshot(engine, WAREHOUSE_TABLES)

    def boom(*args, **kwargs):
        raise RuntimeError("injected fault")

    if fail_in == "refresh":
        monkeypatch.setattr(load.marts, "refresh", boom)  # facts written, marts not
    else:
        monkeypatch.setattr(write, fail_in, boom)  # block statuses, resources, signals written, network not
    report = load_bytes(engine, "v2.xlsx", workbook(values=good_values({"LA1": 3})))
    assert report.outcome == "error"
    assert table_snapshot(engine, WAREHOUSE_TABLES) == before
    with engine.connect() as conn:
        f = conn.execute(select(schema.source_file).order_by(schema.source_file.c.id.desc())).first()
    assert f.outcome == "error" and f.rows_loaded == 0 and f.rows_offered == f.rows_rejected


def test_rows_offered_equal_rows_loaded_plus_rejected_for_every_run(engine, workbook):
    bad = workbook(values=good_values(signals={"meldingen_van_burgers": 9}))
    load.load_files(engine, [("good.xlsx", workbook()), ("bad.xlsx", bad), ("good-again.xlsx", workbook())],
                    actor="test")
    with engine.connect() as conn:
        run = conn.execute(select(schema.load_run)).one()
        files = conn.execute(select(schema.source_file)).all()
    assert (run.files_offered, run.files_loaded, run.files_already_loaded, run.files_rejected) == (3, 1, 1, 1)
    assert run.rows_offered == run.rows_loaded + run.rows_rejected
    assert run.rows_loaded == 41 and run.rows_rejected == 41
    for f in files:
        assert f.rows_offered == f.rows_loaded + f.rows_rejected


def test_a_rejected_file_keeps_its_findings_and_a_rejected_version(engine, workbook):
    bad = workbook(values=good_values(signals={"ingebracht_zvh": 99}))
    report = load_bytes(engine, "bad.xlsx", bad)
    assert report.outcome == "rejected"
    with engine.connect() as conn:
        stored = conn.execute(select(schema.finding.c.rule, schema.finding.c.place)).all()
        sub = conn.execute(select(schema.submission.c.status, schema.submission.c.version)).one()
    assert ("zvh_groter_dan_totaal", "Signalen!B6") in [tuple(s) for s in stored]
    assert tuple(sub) == ("rejected", 1)


def test_a_multi_submission_csv_loads_whole_or_not_at_all(engine):
    from tests.conftest import csv_bytes, csv_rows

    good = csv_rows("GM0405", "2026Q2") + csv_rows("GM0361", "2026Q2")
    broken = good + [r for r in csv_rows("GM0400", "2026Q2") if r[3] != "handhaving"]
    rejected = load_bytes(engine, "bulk.csv", csv_bytes(broken))
    assert rejected.outcome == "rejected"
    assert table_snapshot(engine, ["fact_block_status"]) == {"fact_block_status": []}
    loaded = load_bytes(engine, "bulk2.csv", csv_bytes(good, delimiter=";"))
    assert loaded.outcome == "loaded"
    assert sorted(loaded.submissions) == [("GM0361", "2026Q2", 1), ("GM0405", "2026Q2", 1)]


def test_cli_load_exit_codes_and_lines(engine, workbook, tmp_path):
    from click.testing import CliRunner

    from cli.main import main

    (tmp_path / "goed.xlsx").write_bytes(workbook())
    (tmp_path / "fout.xlsx").write_bytes(workbook(values=good_values({"LA1": 0}, signals={"ingebracht_zvh": 99})))
    runner = CliRunner()
    result = runner.invoke(main, ["load", str(tmp_path / "goed.xlsx")])
    assert result.exit_code == 0, result.output
    assert "geladen" in result.output and "goed.xlsx" in result.output
    result = runner.invoke(main, ["load", str(tmp_path)])
    assert result.exit_code == 1
    assert "al geladen" in result.output and "afgewezen" in result.output
    assert "Signalen!B6" in result.output
    run_id = re.search(r"Laadronde (\d+):", result.output).group(1)  # ids differ per database
    result = runner.invoke(main, ["load", str(tmp_path / "bestaat-niet.xlsx")])
    assert result.exit_code == 2
    result = runner.invoke(main, ["runs"])
    assert result.exit_code == 0 and "Laadrondes" in result.output
    result = runner.invoke(main, ["runs", "--findings", run_id])
    assert "Signalen!B6" in result.output and "afgewezen" in result.output


# --- batches: many files per transaction, each file still whole or not at all ------------------------------

LINEAGE_FREE = {"id", "file_id", "run_id", "submission_id", "loaded_at", "received_at", "started_at", "finished_at"}


def content_snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of the warehouse tables without ids and times, which differ between two loads of the same."""
    from sqlalchemy import inspect

    out = {}
    with engine.connect() as conn:
        for name in [*WAREHOUSE_TABLES, "finding", "source_file"]:
            columns = [c["name"] for c in inspect(engine).get_columns(name) if c["name"] not in LINEAGE_FREE]
            rows = conn.execute(text(f"SELECT {', '.join(columns)} FROM {name}")).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def empty_warehouse(engine) -> None:
    from tests.conftest import DATA_TABLES_IN_DELETE_ORDER

    with engine.begin() as conn:
        for table in DATA_TABLES_IN_DELETE_ORDER:
            conn.execute(text(f"DELETE FROM {table}"))


def tricky_files(workbook) -> list[tuple[str, bytes]]:
    """Files whose outcome depends on the files before them: versions, a regression, a copy, a rejection."""
    from tests.conftest import csv_bytes, csv_rows

    high = good_values({"LA1": 3, "KE1": 2})
    return [
        ("hoorn-q2.xlsx", workbook("GM0405", "2026Q2", high)),
        ("hoorn-q3.xlsx", workbook("GM0405", "2026Q3", good_values({"LA1": 2}))),  # LA1 went down since Q2
        ("hoorn-q2-v2.xlsx", workbook("GM0405", "2026Q2", good_values({"LA1": 1}))),  # supersedes the first
        ("copy-of-hoorn-q2.xlsx", workbook("GM0405", "2026Q2", high)),  # the same bytes: already loaded
        ("bad.xlsx", workbook("GM0361", "2026Q2", good_values(signals={"ingebracht_zvh": 99}))),  # rejected
        ("bulk.csv", csv_bytes(csv_rows("GM0361", "2026Q2") + csv_rows("GM0361", "2026Q3", good_values({"LA2": 2})))),
        ("hoorn-q3-v2.xlsx", workbook("GM0405", "2026Q3", good_values({"LA1": 3}))),
    ]


def test_a_batch_loads_exactly_as_the_same_files_one_run_each(engine, workbook):
    files = tricky_files(workbook)
    for name, data in files:
        load.load_files(engine, [(name, data)], actor="test")
    one_by_one = content_snapshot(engine)
    empty_warehouse(engine)
    report = load.load_files(engine, files, actor="test")
    assert [f.outcome for f in report.files] == ["loaded", "loaded", "loaded", "already_loaded", "rejected",
                                                 "loaded", "loaded"]
    assert report.files[2].submissions == [("GM0405", "2026Q2", 2)]
    assert report.files[6].submissions == [("GM0405", "2026Q3", 2)]
    assert [f.place for f in report.files[1].findings if f.rule == "terugval"] == ["Bouwstenen!C2", "Bouwstenen!C8"]
    assert content_snapshot(engine) == one_by_one
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT municipality_code, quarter, version, status FROM submission "
                                     "ORDER BY municipality_code, quarter, version")).all()
    assert [tuple(v) for v in versions] == [
        ("GM0361", "2026Q2", 1, "rejected"), ("GM0361", "2026Q2", 2, "active"), ("GM0361", "2026Q3", 1, "active"),
        ("GM0405", "2026Q2", 1, "superseded"), ("GM0405", "2026Q2", 2, "active"),
        ("GM0405", "2026Q3", 1, "superseded"), ("GM0405", "2026Q3", 2, "active")]


def test_a_batch_in_small_pieces_loads_the_same(engine, workbook, monkeypatch):
    files = tricky_files(workbook)
    load.load_files(engine, files, actor="test")
    whole = content_snapshot(engine)
    empty_warehouse(engine)
    monkeypatch.setattr(load, "BATCH_FILES", 2)
    progress = []
    report = load.load_files(engine, files, actor="test", progress=progress.append)
    assert progress == report.files and [f.name for f in progress] == [name for name, _ in files]
    assert content_snapshot(engine) == whole
    with engine.connect() as conn:
        run = conn.execute(select(schema.load_run)).one()
    assert (run.files_offered, run.files_loaded, run.files_already_loaded, run.files_rejected) == (7, 5, 1, 1)
    assert run.finished_at is not None


def test_a_file_failing_in_the_middle_of_a_batch_takes_only_itself_down(engine, workbook, monkeypatch):
    files = [("hoorn.xlsx", workbook("GM0405", "2026Q2")), ("alkmaar.xlsx", workbook("GM0361", "2026Q2")),
             ("broken.xlsx", workbook("GM0400", "2026Q2")), ("hoorn-q3.xlsx", workbook("GM0405", "2026Q3"))]
    good = [f for f in files if f[0] != "broken.xlsx"]
    load.load_files(engine, good, actor="test")
    expected = content_snapshot(engine)
    empty_warehouse(engine)

    write_network = write._write_network

    def fail_for_one_submission(conn, written):
        if any(sub.municipality_code == "GM0400" for _id, sub in written):
            raise RuntimeError("injected fault")  # block statuses, resources and signals of the batch written
        write_network(conn, written)

    monkeypatch.setattr(write, "_write_network", fail_for_one_submission)
    report = load.load_files(engine, files, actor="test")
    assert [f.outcome for f in report.files] == ["loaded", "loaded", "error", "loaded"]
    assert report.files[3].submissions == [("GM0405", "2026Q3", 1)]
    got = content_snapshot(engine)
    error_file = [r for r in got["source_file"] if "broken.xlsx" in r]
    assert len(error_file) == 1 and "error" in error_file[0]
    got["source_file"] = [r for r in got["source_file"] if "broken.xlsx" not in r]
    got["finding"] = [r for r in got["finding"] if "interne_fout" not in r]
    assert got == expected  # everything of the other files, nothing of the broken one


@pytest.mark.parametrize("fault", ["interrupt", "database lost"])
def test_an_exception_escaping_a_batch_leaves_nothing_of_it_and_keeps_the_batches_before(engine, workbook,
                                                                                         monkeypatch, fault):
    from sqlalchemy.exc import OperationalError

    files = [(f"{code}.xlsx", workbook(code, "2026Q2")) for code in ("GM0405", "GM0361", "GM0400", "GM0373")]
    load.load_files(engine, files[:2], actor="test")
    first_batch = content_snapshot(engine)
    empty_warehouse(engine)
    monkeypatch.setattr(load, "BATCH_FILES", 2)
    refresh = load.marts.refresh
    calls = []

    def fail_in_the_second_batch(conn, pairs, *args):
        calls.append(pairs)
        if len(calls) == 2:  # facts of the second batch written, marts not
            if fault == "interrupt":
                raise KeyboardInterrupt
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"),
                                   connection_invalidated=True)
        refresh(conn, pairs, *args)

    monkeypatch.setattr(load.marts, "refresh", fail_in_the_second_batch)
    with pytest.raises(KeyboardInterrupt if fault == "interrupt" else OperationalError):
        load.load_files(engine, files, actor="test", progress=lambda report: None)
    assert len(calls) == 2  # not loaded again file by file
    assert content_snapshot(engine) == first_batch
    with engine.connect() as conn:
        run = conn.execute(select(schema.load_run)).one()
    assert (run.files_offered, run.files_loaded, run.finished_at) == (2, 2, None)


# A loader in a process of its own: this one may run threads that other tests left (a browser test's server).
LOADER_PROCESS = """
import json, sys, threading
from pathlib import Path
from etl import db, load

paths, beside = json.loads(sys.argv[1]), sys.argv[2]
files = [(Path(p).name, Path(p).read_bytes()) for p in paths]
engine = db.engine()
if beside == "thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
connection = engine.connect() if beside == "connection" else None
report = load.load_files(engine, files, actor="test", parse_worker=True)
print(json.dumps({"workers": report.parse_workers, "outcomes": [f.outcome for f in report.files]}))
"""


def load_in_a_process(files: list[tuple[str, bytes]], folder: Path, beside: str = "nothing") -> dict:
    folder.mkdir()
    for name, data in files:
        (folder / name).write_bytes(data)
    done = subprocess.run([sys.executable, "-c", LOADER_PROCESS, json.dumps([str(folder / n) for n, _ in files]),
                           beside], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent, check=False)  # asserted below, with its stderr
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_parsing_ahead_in_a_worker_process_loads_the_same(engine, workbook, tmp_path):
    """The workers parse and screen for personal data ahead; the loader's own process does both otherwise. Same
    outcomes, rows and findings either way, the refusals for personal data included."""
    from tests.conftest import csv_bytes, csv_rows

    personal = [("telefoon.xlsx", workbook("GM0448", "2026Q2", good_values(
                    explanations={"LA1": "Vastgesteld.", "KE1": "Vragen: bel 06-12345678"}))),
                ("bsn.csv", csv_bytes(csv_rows("GM0361", "2026Q4", good_values(
                    explanations={"LA2": "Casus met bsn 123456782 besproken"}))))]
    files = [*tricky_files(workbook), *personal, ("not-a-workbook.xlsx", b"%PDF-1.4 not a workbook")]
    here = load.load_files(engine, files, actor="test", parse_worker=False)
    assert [f.outcome for f in here.files[-3:]] == ["rejected"] * 3
    assert [[f.rule for f in report.findings if f.is_fatal] for report in here.files[-3:-1]] == [
        [F.PERSONAL_DATA], [F.PERSONAL_DATA]]
    same_process = content_snapshot(engine)
    empty_warehouse(engine)
    ahead = load_in_a_process(files, tmp_path / "files")
    assert ahead["workers"] == min(load.PARSE_WORKERS, os.cpu_count() or 1) > 1
    assert ahead["outcomes"] == [f.outcome for f in here.files]
    assert ahead["outcomes"][-1] == "rejected"
    assert content_snapshot(engine) == same_process


@pytest.mark.parametrize("beside", ["thread", "connection"])
def test_no_parse_workers_are_forked_beside_other_threads_or_a_connection_in_use(engine, workbook, tmp_path,
                                                                                 beside):
    """A fork copies an open connection (whose session then outlives a killed loader) and other threads' locks
    half-held: the loader then parses in its own process, with the same result."""
    files = tricky_files(workbook)
    loaded = load_in_a_process(files, tmp_path / "files", beside)
    assert loaded["workers"] == 0
    assert loaded["outcomes"] == ["loaded", "loaded", "loaded", "already_loaded", "rejected", "loaded", "loaded"]


# --- scope before hash: an upload never learns that another gemeente's file was loaded -------------------------


def test_a_copy_of_another_gemeentes_loaded_file_is_refused_not_reported_as_already_loaded(engine, workbook):
    alkmaar = workbook("GM0361", "2026Q3")
    assert load_bytes(engine, "alkmaar.xlsx", alkmaar).outcome == "loaded"
    before = table_snapshot(engine, WAREHOUSE_TABLES)
    copy = load_bytes(engine, "kopie.xlsx", alkmaar, allowed_municipality="GM0405")  # Hoorn's user uploads it
    assert copy.outcome == "rejected"
    assert [f.rule for f in copy.findings if f.is_fatal] == ["andere_gemeente"]
    assert copy.submissions == [] and table_snapshot(engine, WAREHOUSE_TABLES) == before
    # the gemeente's own file, offered again, is still recognised, and so is any file for a coordinator
    hoorn = workbook("GM0405", "2026Q3")
    assert load_bytes(engine, "hoorn.xlsx", hoorn, allowed_municipality="GM0405").outcome == "loaded"
    assert load_bytes(engine, "hoorn-weer.xlsx", hoorn, allowed_municipality="GM0405").outcome == "already_loaded"
    assert load_bytes(engine, "alkmaar-weer.xlsx", alkmaar).outcome == "already_loaded"


def test_the_loaders_look_ups_are_planned_for_their_values_within_the_block_only(engine):
    """A prepared look-up planned once, on nearly empty tables, took 25 times as long by the middle of a large
    load; inside `planned_for_values` PostgreSQL plans each for its own values, and afterwards as before. SQLite
    has no such setting: the block sends nothing there."""
    from sqlalchemy import event

    from etl import db

    sent: list[str] = []
    with engine.begin() as conn:
        if engine.dialect.name != "postgresql":
            event.listen(conn, "before_cursor_execute", lambda *args: sent.append(args[2]))
            with db.planned_for_values(conn):
                pass
            assert sent == []
            return
        before = conn.execute(text("SHOW plan_cache_mode")).scalar_one()
        with db.planned_for_values(conn):
            assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_custom_plan"
        assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == before != "force_custom_plan"
