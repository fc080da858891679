"""The reference facts (gemeenten, checklist) follow NHSV_REFERENCE_DIR, also after a process has read them once."""

from __future__ import annotations

import shutil

from etl import reference
from nhsv import settings


def test_another_reference_folder_is_read_after_the_first(tmp_path, monkeypatch):
    """The cache was keyed by the argument (None), so a process that switched folders kept the first folder's
    gemeenten: every file of the national benchmark was refused as 'gemeente onbekend'."""
    first = reference.region()
    assert len(first) == 32
    other = tmp_path / "reference"
    shutil.copytree(settings.reference_dir(), other)
    lines = (other / "gemeenten.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    kept = [row for row in rows if "GM0405" not in row]  # Hoorn left out of this folder
    (other / "gemeenten.csv").write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    monkeypatch.setenv("NHSV_REFERENCE_DIR", str(other))
    assert "GM0405" not in reference.region() and len(reference.region()) == 31
    assert reference.blocks() == reference.checklist(other)[reference.current_checklist_version()]
    monkeypatch.delenv("NHSV_REFERENCE_DIR")
    assert reference.region() == first
