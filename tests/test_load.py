"""Load rules of SUBMISSION.md section 4: atomic, idempotent by hash, versions kept, lineage, rows add up."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from etl import load, schema
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
        monkeypatch.setattr(load, fail_in, boom)  # block statuses, resources, signals written, network not
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

    from nhsv.cli import main

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
