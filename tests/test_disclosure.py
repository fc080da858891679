"""Property-based tests of the small-count rule and complementary suppression (DOMAIN.md section 5)."""

from __future__ import annotations

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.disclosure import COMPLEMENT_TEXT, protect_count, protect_counts, protect_table, significant, suppress

counts = st.one_of(st.integers(0, 6), st.integers(0, 40))
tables = st.integers(1, 4).flatmap(lambda cols: st.lists(st.lists(counts, min_size=cols, max_size=cols),
                                                        min_size=1, max_size=4))


def _variables(body, table):
    """(true value, shown Cell) for every body cell and total, and the equations linking them."""
    n_rows, n_cols = len(body), len(body[0])
    cells = [(body[i][j], table.cells[i][j]) for i in range(n_rows) for j in range(n_cols)]
    rows = [(sum(body[i]), table.row_totals[i]) for i in range(n_rows)]
    cols = [(sum(body[i][j] for i in range(n_rows)), table.col_totals[j]) for j in range(n_cols)]
    grand = (sum(map(sum, body)), table.grand_total)
    variables = cells + rows + cols + [grand]
    eqs = []
    for i in range(n_rows):
        eqs.append({i * n_cols + j: 1 for j in range(n_cols)} | {len(cells) + i: -1})
    for j in range(n_cols):
        eqs.append({i * n_cols + j: 1 for i in range(n_rows)} | {len(cells) + n_rows + j: -1})
    g = len(variables) - 1
    eqs.append({len(cells) + i: 1 for i in range(n_rows)} | {g: -1})
    eqs.append({len(cells) + n_rows + j: 1 for j in range(n_cols)} | {g: -1})
    return variables, eqs


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_hidden_cell_can_be_worked_out_from_what_is_shown(body):
    table = protect_table(body, threshold=5)
    variables, eqs = _variables(body, table)
    hidden = [k for k, (_, cell) in enumerate(variables) if cell.hidden]
    # counts 1-4 never appear, 0 is shown as 0, and a shown count is the true count
    for value, cell in variables:
        if 1 <= value <= 4:
            assert cell.hidden and cell.text == "<5"
        if not cell.hidden:
            assert cell.value == value and cell.text not in {"1", "2", "3", "4"}
        if value == 0 and not cell.hidden:
            assert cell.text == "0"
    # Plain subtraction: no equation with exactly one hidden member
    for eq in eqs:
        assert sum(1 for k in eq if k in hidden) != 1
    # Any combination of equations (exact rational arithmetic): no hidden value is determined
    if hidden:
        a = sympy.Matrix([[eq.get(k, 0) for k in hidden] for eq in eqs if any(k in eq for k in hidden)])
        rank = a.rank()
        for pos in range(len(hidden)):
            unit = sympy.Matrix([[1 if p == pos else 0 for p in range(len(hidden))]])
            assert a.col_join(unit).rank() > rank, f"hidden cell {hidden[pos]} recoverable in {body}"


@given(st.lists(st.integers(0, 60), min_size=1, max_size=12))
def test_a_row_of_counts_with_its_total(values):
    cells, total = protect_counts(values, threshold=5, total=True)
    hidden = [c for c in cells if c.hidden] + ([total] if total.hidden else [])
    assert len(hidden) != 1
    for v, c in zip(values, cells, strict=True):
        assert (1 <= v <= 4) <= c.hidden


@given(st.integers(0, 500))
def test_public_rounding_hides_small_and_rounds_to_five(value):
    cell = protect_count(value, threshold=5, rounding=5)
    if 1 <= value <= 4:
        assert cell.hidden and cell.text == "<5"
    else:
        assert cell.value % 5 == 0 and abs(cell.value - value) <= 2


def test_complement_marker_is_not_a_small_count_marker():
    table = protect_table([[3, 10], [10, 10]])
    texts = [c.text for row in table.cells for c in row]
    assert "<5" in texts and COMPLEMENT_TEXT in texts


# --- linked tables: a region and its districts, by type and by source -------------------------------------

district = st.lists(st.integers(0, 12), min_size=2, max_size=2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(district, st.integers(0, 1)), min_size=2, max_size=4))
def test_suppression_over_linked_tables_leaves_no_hidden_count_determined(parts):
    """Districts with counts by type (r, p) and by source (the same total split another way), and the region as
    their sum: whatever is hidden, no combination of the identities gives it back (exact arithmetic)."""
    groups = []
    for (r, p), shift in parts:
        total = r + p
        citizens = min(total, max(0, r - shift))
        groups.append([r, p, citizens, total - citizens, total])
    region = [sum(g[k] for g in groups) for k in range(5)]
    table = [region, *groups]
    values = [v for g in table for v in g]
    index = {(g, k): g * 5 + k for g in range(len(table)) for k in range(5)}
    equations = []
    for g in range(len(table)):
        equations.append([(index[g, 0], 1), (index[g, 1], 1), (index[g, 4], -1)])
        equations.append([(index[g, 2], 1), (index[g, 3], 1), (index[g, 4], -1)])
    for k in range(5):
        equations.append([(index[g, k], 1) for g in range(1, len(table))] + [(index[0, k], -1)])
    primary = {v for v, value in enumerate(values) if 0 < value < 5}
    hidden = suppress(values, equations, primary)
    assert primary <= hidden
    if hidden:
        order = sorted(hidden)
        a = sympy.Matrix([[dict(eq).get(v, 0) for v in order] for eq in equations])
        rank = a.rank()
        for pos in range(len(order)):
            unit = sympy.Matrix([[1 if p == pos else 0 for p in range(len(order))]])
            assert a.col_join(unit).rank() > rank, f"cell {order[pos]} recoverable in {table}"


@given(st.floats(min_value=1e-4, max_value=1e6, allow_nan=False))
def test_two_significant_digits(value):
    rounded = significant(value, 2)
    assert abs(rounded - value) <= abs(value) * 0.05 + 1e-12
    mantissa = f"{rounded:.6e}".split("e")[0].replace(".", "").rstrip("0")
    assert len(mantissa) <= 2


def test_suppression_also_protects_small_counts_from_their_bounds():
    """Two districts of 4 under a region of 8 and a third of 0: the equations leave them open, but '1 to 4 each'
    pins them; with the threshold given, one more cell is hidden."""
    values = [8, 4, 4, 0]  # region, three districts
    equations = [[(1, 1), (2, 1), (3, 1), (0, -1)]]
    assert suppress(values, equations, {1, 2}) == {1, 2}  # by equalities alone nothing is determined
    hidden = suppress(values, equations, {1, 2}, threshold=5)
    assert hidden > {1, 2}
