"""The linked-table audit (DOMAIN.md §5): for every viewer of the demo (each of the 32 gemeente users, the public
audience and a coordinator) and every quarter, every count of signals the viewer can obtain about groups —
Signalen's tables by type and by source for the region and each district, Ontwikkeling's trend of totals, the
overview's key figure for the region and each district, and the ZVH share beside them — is collected from the
data layer's answers; the same count must read the same everywhere, and exact linear algebra over the identities
that link them (a total is the sum of its parts by type and by source; the region is the sum of its districts)
must leave every hidden count undetermined.

For the public audience, whose shown counts are rounded to fives, the audit is stricter than needed: it treats
every shown count as exact."""

from __future__ import annotations

import pytest

from dashboard import formatting
from dashboard.data import overview, scope, signals, warehouse
from dashboard.data.trends import trends as trend_rows
from dashboard.viewer import Viewer
from tests.privacy.attacks.hidden_counts import Cell, bounded_inference, differencing
from tests.privacy.attacks.reading import parse_count

pytestmark = pytest.mark.slow


def _truth() -> dict[Cell, int]:
    frame = warehouse.mart(None)
    frame = frame[frame["submitted"]]
    out = {}
    for quarter, rows in frame.groupby("quarter"):
        for group in signals.groups():
            part = rows if group == scope.REGION_NAME else rows[rows["district"] == group]
            for kind in signals.KINDS:
                out[Cell(group, quarter, kind)] = int(part[kind].fillna(0).sum())
    return out


def _obtainable(viewer: Viewer) -> dict[Cell, set[str]]:
    """Every group count the viewer can get, as the texts shown, from every answer that carries one."""
    cells: dict[Cell, set[str]] = {}

    def add(group, quarter, kind, text):
        cells.setdefault(Cell(group, quarter, kind), set()).add(text)

    label_of = {formatting.quarter_short(q): q for q in warehouse.quarters()}
    for group in signals.groups():
        for table in signals.signal_tables(viewer, group):
            kinds = [k for k in signals.KINDS if signals.LABELS[k] in table.columns]
            for q, row, total in zip(table.quarters, table.cells, table.row_totals, strict=True):
                for kind, cell in zip(kinds, row, strict=True):
                    add(group, q, kind, cell.text)
                add(group, q, signals.TOTAL, total.text)
    for row in trend_rows(viewer, "signals_total").to_dict("records"):
        add(row["group"], row["quarter"], signals.TOTAL, row["text"])
    for quarter in warehouse.quarters():
        for counts in signals.quarter_counts(viewer, quarter).values():
            zvh = counts.cells[signals.SAFETY_HOUSE]
            # the ZVH share is shown beside a shown total: with it, the ZVH count is as good as shown
            add(counts.group, quarter, signals.SAFETY_HOUSE, zvh.text if counts.share_zvh is not None else "–")
        for district in (None, *warehouse.districts()):
            try:
                figures = overview.key_figures(viewer, quarter, district)
            except scope.TooFew:
                continue
            signal = next(f for f in figures if f.key == "signals")
            add(district or scope.REGION_NAME, quarter, signals.TOTAL, signal.value)
    assert label_of  # quarters exist
    return cells


def _viewers() -> list[Viewer]:
    return ([Viewer("gemeente", code) for code in sorted(warehouse.region())]
            + [Viewer("openbaar"), Viewer("coordinator")])


def test_no_hidden_count_is_determined_for_any_viewer_or_quarter(privacy_app):
    truth = _truth()
    problems: dict[str, object] = {}
    hidden_total = 0
    for viewer in _viewers():
        cells = _obtainable(viewer)
        shown_twice = {c: t for c, t in cells.items() if len(t) > 1}
        if shown_twice:
            problems[f"{viewer.role} {viewer.municipality_code}: one count, several texts"] = list(
                shown_twice.items())[:3]
        hidden = {c for c, texts in cells.items() if parse_count(next(iter(texts))) is None}
        hidden_total += len(hidden)
        # the audit takes every shown count at its true value (for the public audience: before rounding)
        exact = {c: ({str(truth[c])} if c not in hidden else texts) for c, texts in cells.items()}
        determined = differencing(exact)
        if determined:
            problems[f"{viewer.role} {viewer.municipality_code}: determined"] = list(determined.items())[:3]
        bounded = bounded_inference(exact, scope.threshold())
        if bounded:
            problems[f"{viewer.role} {viewer.municipality_code}: pinned by bounds"] = list(bounded.items())[:3]
        if viewer.role != "openbaar":  # what is shown is the true count
            wrong = {c: t for c, t in cells.items() if c not in hidden and t != {formatting.number(truth[c])}}
            if wrong:
                problems[f"{viewer.role} {viewer.municipality_code}: wrong"] = list(wrong.items())[:3]
    assert not problems, problems
    assert hidden_total > 0, "the demo has small counts, so the audit checks real suppression"


def test_the_audit_finds_what_per_table_protection_gives_away(privacy_app):
    """The same audit over tables protected one by one (the earlier behaviour) finds determined counts."""
    from dashboard.disclosure import protect_table

    truth = _truth()
    cells: dict[Cell, set[str]] = {}
    for quarter in warehouse.quarters():
        for group in signals.groups():
            for parts in (signals.BY_TYPE, signals.BY_SOURCE):
                body = [[truth[Cell(group, quarter, k)] for k in parts]]
                table = protect_table(body, threshold=scope.threshold(), with_col_totals=False)
                for kind, cell in zip(parts, table.cells[0], strict=True):
                    cells.setdefault(Cell(group, quarter, kind), set()).add(
                        cell.text if cell.hidden else str(truth[Cell(group, quarter, kind)]))
                total = table.row_totals[0]
                cells.setdefault(Cell(group, quarter, signals.TOTAL), set()).add(
                    total.text if total.hidden else str(truth[Cell(group, quarter, signals.TOTAL)]))
    assert differencing(cells)


def test_bounds_pin_small_counts_that_equalities_leave_open(privacy_app):
    """The bounds check is not blind: a region total of 8 over two districts shown as '<5' and one of 0 leaves
    the equations open, but 1–4 each forces 4 and 4."""
    quarter = warehouse.quarters()[0]
    first, second, third = warehouse.districts()
    cells = {Cell(scope.REGION_NAME, quarter, signals.TOTAL): {"8"},
             Cell(first, quarter, signals.TOTAL): {"<5"}, Cell(second, quarter, signals.TOTAL): {"<5"},
             Cell(third, quarter, signals.TOTAL): {"0"}}
    assert not differencing(cells)
    assert bounded_inference(cells) == {Cell(first, quarter, signals.TOTAL): 4,
                                        Cell(second, quarter, signals.TOTAL): 4}
