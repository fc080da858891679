"""What the rule tests share: edits of the template and of CSV lines, and assertions on a load report.

Row map of the template: Gegevens B2 gemeente_code, B3 gemeente_naam, B4 kwartaal, B5 sjabloonversie,
B6 ingevuld_op; Bouwstenen LA1 row 2 … PR2 row 19 (C status, D toelichting); Middelen B2 capaciteit_fte,
B3 budget_aanpak_eur, B4 budget_interventies_eur, B5 medewerkers_getraind, B6 datum_laatste_training,
B7 interventietrajecten_lopend; Signalen B2 radicalisering, B3 polarisatie, B4 van_burgers,
B5 van_professionals, B6 ingebracht_zvh; Netwerk rows 2-8.
CSV lines made by ``csv_rows``: 1 header, 2-19 bouwstenen, 20 toelichting LA1, 21-26 middelen, 27-31 signalen,
32-38 netwerk.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from etl import findings as F
from tests.conftest import csv_bytes, csv_rows

LOADED, REJECTED = "loaded", "rejected"


def set_cell(sheet: str, ref: str, value) -> Callable:
    def edit(wb):
        wb[sheet][ref].value = value
    return edit


def delete_row(sheet: str, row: int) -> Callable:
    def edit(wb):
        wb[sheet].delete_rows(row)
    return edit


def append_row(sheet: str, *values) -> Callable:
    def edit(wb):
        wb[sheet].append(list(values))
    return edit


def remove_sheet(sheet: str) -> Callable:
    def edit(wb):
        del wb[sheet]
    return edit


def edits(*fns: Callable) -> Callable:
    def edit(wb):
        for fn in fns:
            fn(wb)
    return edit


def fatals(report):
    return [f for f in report.findings if f.is_fatal]


def warnings_of(report):
    return [f for f in report.findings if not f.is_fatal]


def assert_rejected_for(report, rule: str, place: str, message_part: str) -> None:
    """Rejected, for this rule only, with a finding of that rule at that place whose message says that."""
    assert report.outcome == REJECTED, report.findings
    found = fatals(report)
    assert {f.rule for f in found} == {rule}, [f.text() for f in found]
    assert any(f.place == place and message_part in f.message for f in found), [f.text() for f in found]


def assert_loaded_with_warning(engine, report, rule: str, place: str, message_part: str) -> None:
    """Loaded, with only warnings of this rule, one of them at that place saying that; kept in the warehouse."""
    assert report.outcome == LOADED, [f.text() for f in report.findings]
    assert not fatals(report)
    found = warnings_of(report)
    assert {f.rule for f in found} == {rule}, [f.text() for f in found]
    assert all(f.severity == F.WARNING for f in found)
    assert any(f.place == place and message_part in f.message for f in found), [f.text() for f in found]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT severity, rule, place FROM finding")).all()
    assert (F.WARNING, rule, place) in [tuple(r) for r in stored]


def csv_file(code="GM0405", quarter="2026Q3", values=None, change: Callable | None = None, **kw) -> bytes:
    rows = csv_rows(code, quarter, values)
    if change:
        rows = change(rows)
    return csv_bytes(rows, **kw)


def set_csv(line: int, value: str, column: int = 4) -> Callable:
    """Changes one cell of a CSV row, by its line number in the file (header = 1)."""
    def change(rows):
        rows = [list(r) for r in rows]
        rows[line - 2][column] = value
        return rows
    return change


def drop_csv(line: int) -> Callable:
    def change(rows):
        return rows[:line - 2] + rows[line - 1:]
    return change


def active_submissions(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT municipality_code, quarter, version, status FROM submission "
            "WHERE status <> 'rejected' ORDER BY municipality_code, quarter, version")).all()]
