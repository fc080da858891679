"""English beside Dutch (issue 21), without the app: the catalogue is complete and current (every wrapped text has
an English translation with the same placeholders, etl's labels included, shipped with the package), and numbers,
dates, quarters and measures follow the language. The app in English is tested in tests/test_i18n_app.py."""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import charts, components, formatting, i18n, uploads
from dashboard.charts.base import figure
from dashboard.metrics import MEASURES, THEMES
from etl import reference
from etl.domain import STATUS_LABELS
from etl.load.runs import OUTCOME_LABELS

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "dashboard" / "translations" / "messages.pot"
PO = i18n.catalogue_path("en")


# --- the catalogue ------------------------------------------------------------------------------------------


def _catalogue(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalogue) -> set:
    return {m.id for m in catalogue if m.id}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    po = _catalogue(PO)
    assert _ids(po) == _ids(_catalogue(POT)), "the English .po is not updated from messages.pot (pybabel update)"
    missing, broken = [], []
    for message in po:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings) or "fuzzy" in message.flags:
            missing.append(ids[0])
            continue
        expected = _placeholders(ids[0])
        if any(_placeholders(s) - expected for s in strings) or ("%%" in ids[0]) != any("%%" in s for s in strings):
            broken.append(ids[0])
    assert not missing, f"{len(missing)} texts without English: {missing[:10]}"
    assert not broken, f"placeholders differ from the Dutch: {broken[:10]}"
    assert len(po) > 400  # the whole interface, not a sample


def test_the_template_is_current(tmp_path):
    """Extracting again finds no message the template lacks (and keeps none that is gone): every wrapped
    string is in the catalogue that the English .po follows."""
    target = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "from babel.messages.frontend import main; main()", "-q", "extract",
                    "-F", "babel.cfg", "-o", str(target), "."], cwd=ROOT, check=True)
    fresh, stored = _ids(_catalogue(target)), _ids(_catalogue(POT))
    assert fresh == stored, (f"new: {sorted(map(str, fresh - stored))[:10]}; "
                             f"gone: {sorted(map(str, stored - fresh))[:10]}")


def test_every_wrapped_literal_is_in_the_template():
    """pybabel's extractor passes over a call inside another call's arguments and over f-strings without a word;
    every literal handed to `_`, `N_`, `gettext` or `ngettext` in the code must be in the template all the same."""
    names = {"_", "N_", "gettext", "ngettext"}
    found: set = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            literals = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name in names and literals:
                found.add(tuple(literals) if name == "ngettext" else literals[0])
    assert len(found) > 400
    assert not found - _ids(_catalogue(POT)), sorted(map(str, found - _ids(_catalogue(POT))))


def test_etl_labels_shown_in_the_interface_are_in_the_catalogue():
    """The statuses and load outcomes come from etl (which never imports the dashboard); the dashboard marks them
    for extraction itself, so the two lists must stay the same."""
    assert tuple(charts.base.STATUS_NAMES) == tuple(STATUS_LABELS)
    assert set(uploads.OUTCOME_NAMES) == set(OUTCOME_LABELS.values())
    ids = _ids(_catalogue(PO))
    assert set(STATUS_LABELS) | set(OUTCOME_LABELS.values()) <= ids
    with i18n.force_language("en"):
        assert [charts.status_label(s) for s in range(4)] == ["Not started", "In development", "Realised", "Embedded"]


def test_the_catalogues_ship_with_the_package():
    """A non-editable install (the Docker image) carries the .po it reads at start and the template."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        patterns = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["dashboard"]
    shipped = {path for pattern in patterns for path in (ROOT / "dashboard").glob(pattern)}
    assert {PO, POT} <= shipped
    assert "translations" not in (ROOT / ".dockerignore").read_text(encoding="utf-8")


def test_a_missing_catalogue_falls_back_to_dutch(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    i18n.translations.cache_clear()
    try:
        with caplog.at_level("ERROR"), i18n.force_language("en"):
            assert i18n.gettext("Toon als tabel") == "Toon als tabel"
        assert "no translations for 'en'" in caplog.text
    finally:
        monkeypatch.undo()
        i18n.translations.cache_clear()
    with i18n.force_language("en"):
        assert i18n.gettext("Toon als tabel") == "Show as table"


# --- numbers, dates and quarters ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang, expected", [
    ("nl", ["1.234,5", "38,9%", "−1.234", "29-11-2026", "29 november 2026", "3e kwartaal 2026", "K3 2026",
            "29-11-2026 14:05", ",."]),
    ("en", ["1,234.5", "38.9%", "−1,234", "29/11/2026", "29 November 2026", "Q3 2026", "Q3 2026",
            "29/11/2026 14:05", ".,"]),
])
def test_numbers_dates_and_quarters_follow_the_language(lang, expected):
    with i18n.force_language(lang):
        assert [formatting.number(1234.5, 1), formatting.percent(0.389, 1), formatting.signed(-1234),
                formatting.date(dt.date(2026, 11, 29)), formatting.date(dt.date(2026, 11, 29), long=True),
                formatting.quarter_label("2026Q3"), formatting.quarter_short("2026Q3"),
                formatting.date_time(dt.datetime(2026, 11, 29, 14, 5)), formatting.separators()] == expected
        assert figure([], {})["layout"]["separators"] == expected[-1]
        config = components.graph_config()
        assert config["locale"] == lang and config["locales"][lang]["format"] == {
            "decimal": expected[-1][0], "thousands": expected[-1][1]}
        assert config["locales"][lang]["dictionary"]["Download plot as a png"] == (
            "Download als PNG" if lang == "nl" else "Download as PNG")


def test_digits_are_rounded_alike_in_both_languages():
    """The digits come from the stored float (2.675 is 2.67499…), as the scope rules' rounding assumes;
    only the symbols differ."""
    with i18n.force_language("nl"):
        dutch = [formatting.number(v, 2) for v in (2.675, 0.125, 1e6 / 3)]
    with i18n.force_language("en"):
        english = [formatting.number(v, 2) for v in (2.675, 0.125, 1e6 / 3)]
    assert dutch == ["2,67", "0,12", "333.333,33"] and english == ["2.67", "0.12", "333,333.33"]


def test_measures_speak_the_language():
    m = MEASURES["fte_per_100k"]
    assert (m.label, m.short, m.unit) == ("Capaciteit", "fte/100.000", "fte per 100.000 inwoners")
    with i18n.force_language("en"):
        assert (m.label, m.short, m.unit) == ("Capacity", "FTE/100,000", "FTE per 100,000 inhabitants")
        assert MEASURES["network_coverage"].unit == "% of 7 partner types"
        assert MEASURES["blocks_in_order"].unit == f"of {len(reference.blocks())}"
        assert next(i18n.gettext(t) for t in THEMES.values()) == "Local approach"
