"""The demo runs through the real pipeline; the README documents every setting."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from etl import schema
from nhsv import settings


@pytest.mark.slow
def test_demo_loads_the_inbox_through_the_loader(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("NHSV_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--keep", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "afgewezen" in result.output
    inbox = tmp_path / "demo-inbox"
    files = sorted(p.name for p in inbox.iterdir())
    assert any(f.endswith(".csv") for f in files) and any(f.endswith(".xlsx") for f in files)
    with engine.connect() as conn:
        run = conn.execute(select(schema.load_run)).one()
        statuses = conn.execute(select(schema.submission.c.status)).scalars().all()
        mart = conn.execute(select(schema.municipality_quarter)).all()
        messages = conn.execute(select(schema.finding.c.message).where(schema.finding.c.severity == "fatal")
                                ).scalars().all()
    assert run.files_offered == len(files)
    assert run.files_loaded > 300 and run.files_already_loaded == 1 and run.files_rejected == 3
    assert run.rows_offered == run.rows_loaded + run.rows_rejected
    assert {"active", "superseded", "rejected"} <= set(statuses)
    quarters = {r.quarter for r in mart}
    assert min(quarters) == "2024Q1" and max(quarters) == "2026Q3"  # NHSV_TODAY is 2026-11-15
    assert sum(1 for r in mart if not r.submitted) >= 2  # missing submissions are rows, not gaps
    assert any("persoonsgegevens" in m for m in messages)
    # larger gemeenten tend to be further along
    last = {r.municipality_code: r for r in mart if r.quarter == "2026Q3" and r.submitted}
    big = [r.score for r in last.values() if r.population >= 100_000]
    small = [r.score for r in last.values() if r.population < 20_000]
    assert sum(big) / len(big) > sum(small) / len(small)
    # signal counts scale with population and are often small
    totals = [r.signals_total for r in mart if r.submitted]
    assert sum(1 for t in totals if 1 <= t <= 4) > len(totals) / 4
    runs = CliRunner().invoke(main, ["runs", "--findings", str(run.id)])
    assert "Bouwstenen!C7: onbekende status" in runs.output
    # the demo's mails are files in the outbox, and the demo says where
    outbox = tmp_path / "outbox"
    assert f"in {outbox};" in result.output.replace("\n", "")
    assert list(outbox.glob("*.eml")), "the demo puts the quarter's reminders in the outbox"


def test_demo_is_deterministic(tmp_path):
    from etl import demo, reference
    from etl.domain import Quarter

    some = {code: m for code, m in reference.region().items() if code in ("GM0405", "GM0479", "GM0448")}
    a = demo.generate(tmp_path / "a", seed=3, last=Quarter(2024, 4), municipalities=some)
    b = demo.generate(tmp_path / "b", seed=3, last=Quarter(2024, 4), municipalities=some)
    assert len(a.files) >= 8
    assert [p.read_bytes() for p in a.files] == [p.read_bytes() for p in b.files]
    c = demo.generate(tmp_path / "c", seed=4, last=Quarter(2024, 4), municipalities=some)
    assert [p.read_bytes() for p in a.files] != [p.read_bytes() for p in c.files]


def test_readme_documents_every_setting():
    readme = (settings.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`(NHSV_[A-Z_]+)`", readme, flags=re.M))
    missing = {s.name for s in settings.SETTINGS} - documented
    assert not missing, f"settings missing from the README table: {sorted(missing)}"
    for s in settings.SETTINGS:
        assert s.help


def test_help_explains_every_command():
    runner = CliRunner()
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in main.commands:
        assert command in result.output
        sub = runner.invoke(main, [command, "--help"])
        assert sub.exit_code == 0 and len(sub.output) > 80
