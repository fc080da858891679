"""The pack as a whole: every file in the manifest with its checksum, figures as print-quality PNG and as SVG, the
region part's charts; running again replaces a pack, requests it cannot carry out are refused; the `nhsv export`
command and its progress."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dashboard import data, export
from etl import schema
from tests.export.helpers import OTHER, OWN, QUARTER, QUARTER_LABEL, SOURCE, one, pdf_text, pptx_slides, svg_text

# --- the pack as a whole ------------------------------------------------------------------------------


def test_manifest_lists_every_file_with_checksum(packs):
    folder = packs["coordinator"]
    manifest = export.read_manifest(folder)
    assert manifest["generator"] == export.GENERATOR and manifest["quarter"] == QUARTER
    listed = {e["path"] for e in manifest["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    assert export.verify(folder) == []
    part = json.loads((folder / OWN / "manifest.json").read_text(encoding="utf-8"))
    assert {f"{OWN}/{e['path']}" for e in part["files"]} == {p for p in on_disk if p.startswith(OWN + "/")} - {
        f"{OWN}/manifest.json"}
    # nothing left beside the pack
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []
    # one progress call per file, ending at the total
    calls = packs["coordinator_calls"]
    assert [c[0] for c in calls] == list(range(1, len(calls) + 1))
    assert calls[-1][0] == calls[-1][1] == len(manifest["files"]) + 1


def test_png_is_print_quality_and_svg_is_svg(packs):
    figures = packs["coordinator"] / OWN / "figuren"
    pngs, svgs = sorted(figures.glob("*.png")), sorted(figures.glob("*.svg"))
    assert len(pngs) == len(svgs) == 5
    for png in pngs:
        width, height = export.png_size(png)
        # the deck's shape (12.33 × 5.45 in) at scale 2, with the source line beneath
        assert width >= 1200 * export.SCALE and 0.40 < height / width < 0.75, (png, width, height)
    for svg in svgs:
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")
        text = svg_text(svg)
        assert SOURCE in text and QUARTER_LABEL in text and "Vertrouwelijk" in text  # the image carries them


def test_region_pack_has_the_overview_charts(packs):
    folder = packs["gemeente"] / OWN / "regio"
    names = sorted(p.stem for p in (folder / "figuren").glob("*.svg"))
    keys = {n.split("_", 1)[1] for n in names}
    assert {"kaart", "bouwstenen_verdeling", "ontwikkeling_score", "ontwikkeling_signals_total",
            "meldingen_soort_regio"} <= keys
    assert sum(k.startswith("meldingen_") for k in keys) == 2 * (1 + len(data.districts()))
    slides = pptx_slides(one(folder, "*_presentatie.pptx"))
    assert sum(s["pictures"] for s in slides) == len(names)
    assert "Vertrouwelijk — alleen voor gemeente Hoorn" in "\n".join(pdf_text(one(folder, "*_rapport.pdf")))


# --- replacing, refusing ------------------------------------------------------------------------------


def test_running_again_replaces_the_pack(small, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    export.build_pack("2026Q3", "coordinator", [OWN, OTHER], True, ["xlsx"], out)
    (out / "stray.txt").write_text("oud")
    export.build_pack("2026Q3", "coordinator", [OWN], False, ["xlsx"], out)
    assert not (out / "stray.txt").exists() and not (out / OTHER).exists() and not (out / "regio").exists()
    assert export.verify(out) == []
    before = export.read_manifest(out)

    def broken(*args, **kwargs):
        raise RuntimeError("schijf vol")

    from dashboard.export import workbook

    monkeypatch.setattr(workbook, "write_xlsx", broken)
    with pytest.raises(RuntimeError):
        export.build_pack("2026Q3", "coordinator", [OTHER], False, ["xlsx"], out)
    assert export.read_manifest(out) == before and export.verify(out) == []  # the earlier pack is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]


def test_requests_it_cannot_carry_out(small, tmp_path):
    folder = tmp_path / "eigen"
    folder.mkdir()
    (folder / "notities.txt").write_text("niet weggooien")
    cases = [
        dict(quarter="2026Q3", audience="iedereen", codes=[OWN], region=False, formats=["xlsx"]),
        dict(quarter="2026K3", audience="coordinator", codes=[OWN], region=False, formats=["xlsx"]),
        dict(quarter="2030Q1", audience="coordinator", codes=[OWN], region=False, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="coordinator", codes=["GM0363"], region=False, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="coordinator", codes=[], region=False, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="gemeente", codes=[], region=True, formats=["xlsx"]),
        dict(quarter="2026Q3", audience="coordinator", codes=[OWN], region=False, formats=["docx"]),
    ]
    for case in cases:
        with pytest.raises(export.ExportError):
            export.build_pack(**case, out_dir=tmp_path / "pack")
    with pytest.raises(export.ExportError, match="geen exportpakket"):
        export.build_pack("2026Q3", "coordinator", [OWN], False, ["xlsx"], folder)
    assert (folder / "notities.txt").read_text() == "niet weggooien"


# --- the command --------------------------------------------------------------------------------------


def test_cli_help_validation_and_audit(small, tmp_path):
    from cli.export import export as command

    runner = CliRunner()
    help_text = runner.invoke(command, ["--help"])
    assert help_text.exit_code == 0 and "--kwartaal" in help_text.output and "openbaar" in help_text.output
    for args in (["--audience", "iedereen", "--regio"], ["--audience", "coordinator"],
                 ["--audience", "coordinator", "--regio", "--kwartaal", "2030Q1"],
                 ["--audience", "coordinator", "--gemeente", "GM9999"],
                 ["--audience", "gemeente", "--regio"],
                 ["--audience", "coordinator", "--regio", "--formats", "png,doc"]):
        result = runner.invoke(command, [*args, "-o", str(tmp_path / "x")])
        assert result.exit_code == 2, (args, result.output)
    assert not (tmp_path / "x").exists()
    result = runner.invoke(command, ["--kwartaal", "2026Q3", "--gemeente", f"{OWN},{OTHER}", "--audience",
                                     "gemeente", "--formats", "xlsx", "-o", str(tmp_path / "pakket")])
    assert result.exit_code == 0, result.output
    assert "Klaar" in result.output and export.verify(tmp_path / "pakket") == []
    assert sorted(p.name for p in (tmp_path / "pakket").iterdir()) == [OWN, OTHER, "manifest.json"]
    with small.connect() as conn:
        rows = conn.execute(select(schema.audit_log).where(schema.audit_log.c.event == "export")).all()
    assert len(rows) == 1 and rows[0].actor == "cli"
    detail = json.loads(rows[0].detail)
    assert detail["publiek"] == "gemeente" and detail["gemeenten"] == [OWN, OTHER]
    assert detail["kwartaal"] == "2026Q3"


def test_progress_counts_every_file_of_the_pack(small, tmp_path):
    """The progress total is known from the parts' data before anything is drawn: it ends at exactly 100%."""
    seen = []
    result = export.build_pack("2026Q3", "coordinator", [OWN], True, ("xlsx", "csv"), tmp_path / "pakket",
                               progress=lambda done, total, path: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] == len(result.files) + 1  # + the pack's own manifest
    assert all(total == seen[0][1] for _, total in seen)
