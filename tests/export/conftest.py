"""Fixtures of the export tests: the demo warehouse (2024Q1–2025Q4) and the three packs built on it, once for the
whole package (packs that render charts need a Chromium, kaleido's server), and a small warehouse of three gemeenten
with small counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import export
from etl import db
from etl.domain import Quarter
from nhsv import settings
from tests.conftest import good_values, load_bytes
from tests.export.helpers import OTHER, OWN, QUARTER
from tests.warehouses import load_demo


def _browser() -> bool:
    return bool(settings.get("NHSV_BROWSER_PATH").strip() or shutil.which("chromium")
                or shutil.which("google-chrome") or shutil.which("chromium-browser"))


def _point_data_layer_at(mp: pytest.MonkeyPatch, url: str) -> None:
    """Point the data layer (and the audit log) at a warehouse: `db.engine()` resolves NHSV_DATABASE_URL."""
    mp.setenv("NHSV_DATABASE_URL", url)
    mp.setenv("NHSV_TODAY", "2026-11-15")
    if hasattr(db.engine, "cache_clear"):  # an engine() cached on its first URL: resolve the URL before it
        cached = db.engine
        mp.setattr(db, "engine", lambda url=None: cached(url or settings.database_url()))


@pytest.fixture(scope="package")
def demo_url(tmp_path_factory) -> str:
    """The demo (2024Q1–2025Q4, 32 gemeenten) loaded through the loader into this package's SQLite file."""
    return load_demo(tmp_path_factory.mktemp("export-demo"), seed=1, last=Quarter(2025, 4))


@pytest.fixture
def demo_warehouse(demo_url, monkeypatch):
    _point_data_layer_at(monkeypatch, demo_url)
    return demo_url


@pytest.fixture(scope="package")
def packs(demo_url, tmp_path_factory) -> dict[str, Path]:
    """Three packs built once: coordinator (Hoorn and the region, every format), gemeente (Hoorn and its view of
    the region; documents and SVG) and openbaar (Texel and the region; documents)."""
    if not _browser():
        pytest.fail("Chromium is needed for chart exports: apt-get install chromium (scripts/setup.sh --test)")
    root = tmp_path_factory.mktemp("packs")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        _point_data_layer_at(mp, demo_url)
        calls: list[tuple[int, int, str]] = []
        result = export.build_pack(QUARTER, "coordinator", [OWN], True, [*export.DEFAULT_FORMATS, "csv"],
                                   root / "coordinator", progress=lambda *a: calls.append(a))
        out["coordinator"] = result.out_dir
        out["coordinator_calls"] = calls  # type: ignore[assignment]
        out["coordinator_result"] = result  # type: ignore[assignment]
        out["gemeente"] = export.build_pack(QUARTER, "gemeente", [OWN], True, ["svg", "pdf", "pptx", "xlsx"],
                                            root / "gemeente").out_dir
        out["openbaar"] = export.build_pack(QUARTER, "openbaar", [OTHER], True, ["pdf", "pptx", "xlsx"],
                                            root / "openbaar").out_dir
    return out


def _small_values(**signals) -> dict:
    values = good_values()
    values["signals"] = {**values["signals"], **signals}
    return values


@pytest.fixture
def small(engine, workbook, monkeypatch):
    """Three gemeenten, one quarter, small counts: the region's signals by source include a total of 3
    (three times 1 from citizens). Explanations start with characters a spreadsheet reads as a formula."""
    _point_data_layer_at(monkeypatch, str(engine.url.render_as_string(hide_password=False)))
    for code in (OWN, OTHER, "GM0361"):
        values = _small_values()
        values["explanations"] = {"LA1": "-1 bouwsteen; zie =SOM(A1)", "LA2": "@bestuur: besproken"}
        report = load_bytes(engine, f"{code}.xlsx", workbook(code, "2026Q3", values))
        assert report.outcome == "loaded", report.findings
    return engine
