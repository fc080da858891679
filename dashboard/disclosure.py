"""Statistical disclosure control (DOMAIN.md section 5): the small-count rule with complementary suppression
decided over any set of linked tables, rounding for public exports, and rounding of figures about others to
significant digits. Pure functions, no I/O; a shown count is written in the interface's language (1.234 or 1,234)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dashboard import formatting
from dashboard.i18n import N_


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: `value` is None when hidden; `text` is what the reader sees."""

    value: int | None
    text: str

    @property
    def hidden(self) -> bool:
        return self.value is None


COMPLEMENT_TEXT = "×"  # hidden so that a small count cannot be worked out by subtraction
COMPLEMENT_NOTE = N_("× = afgeschermd, zodat een klein aantal niet kan worden teruggerekend")


def small_text(threshold: int) -> str:
    return f"<{threshold}"


def round_to(value: int, base: int) -> int:
    return int(base * round(value / base))


@dataclass
class ProtectedTable:
    """A table of counts with row and column totals after suppression. `cells[i][j]` for the body,
    `row_totals[i]`, `col_totals[j]` and `grand_total`; each a Cell."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    col_totals: list[Cell]
    grand_total: Cell


def protect_table(body: Sequence[Sequence[int]], threshold: int = 5, rounding: int | None = None,
                  with_row_totals: bool = True, with_col_totals: bool = True) -> ProtectedTable:
    """One table of counts with its row and column totals: hide counts from 1 to threshold-1, then as many
    more cells as `suppress` needs so that no hidden cell can be worked out from what is shown. With
    `rounding` (public exports) shown counts are rounded to multiples of it afterwards."""
    matrix = np.asarray(body, dtype=int).reshape(len(body), -1) if len(body) else np.zeros((0, 0), dtype=int)
    n_rows, n_cols = matrix.shape
    values: list[int] = list(matrix.flatten())
    index = {("c", i, j): i * n_cols + j for i in range(n_rows) for j in range(n_cols)}
    equations: list[list[tuple[int, int]]] = []  # (variable, coefficient)
    row_total_vars, col_total_vars = [], []
    if with_row_totals:
        for i in range(n_rows):
            values.append(int(matrix[i].sum()))
            row_total_vars.append(len(values) - 1)
            equations.append([(index["c", i, j], 1) for j in range(n_cols)] + [(row_total_vars[i], -1)])
    if with_col_totals:
        for j in range(n_cols):
            values.append(int(matrix[:, j].sum()))
            col_total_vars.append(len(values) - 1)
            equations.append([(index["c", i, j], 1) for i in range(n_rows)] + [(col_total_vars[j], -1)])
    grand_var = None
    if with_row_totals or with_col_totals:
        values.append(int(matrix.sum()))
        grand_var = len(values) - 1
        if with_row_totals:
            equations.append([(v, 1) for v in row_total_vars] + [(grand_var, -1)])
        if with_col_totals:
            equations.append([(v, 1) for v in col_total_vars] + [(grand_var, -1)])
    n_body = n_rows * n_cols
    primary = {k for k, v in enumerate(values) if 0 < v < threshold}
    # complements: a body cell rather than a total, then the smallest
    hidden = suppress(values, equations, primary, rank=lambda v: (int(v >= n_body), values[v], v))

    def cell(k: int | None) -> Cell:
        if k is None:
            return Cell(None, "")
        return shown_cell(values[k], k in primary, k in hidden, threshold, rounding)

    return ProtectedTable(
        cells=[[cell(index["c", i, j]) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[cell(v) for v in row_total_vars],
        col_totals=[cell(v) for v in col_total_vars],
        grand_total=cell(grand_var),
    )


def shown_cell(value: int, primary: bool, hidden: bool, threshold: int, rounding: int | None = None) -> Cell:
    """How one count is shown after suppression: '<5' (primary), '×' (complement) or the (rounded) value."""
    if primary:
        return Cell(None, small_text(threshold))
    if hidden:
        return Cell(None, COMPLEMENT_TEXT)
    shown = value if rounding is None else round_to(value, rounding)
    return Cell(shown, formatting.number(shown))


Equation = Sequence[tuple[int, int]]  # (variable, coefficient) pairs that sum to zero


def suppress(values: Sequence[int], equations: Sequence[Equation], primary: set[int],
             rank: Callable[[int], tuple] | None = None, threshold: int | None = None) -> set[int]:
    """The variables to hide: `primary` and then complements until no hidden variable is determined by the
    shown ones through `equations` (by subtraction or by any linear combination), nor — with `threshold` — by
    the equations together with what a reader knows besides: counts are at least 0, and a primary cell ('<5')
    lies between 1 and threshold-1 (two '<5' districts under a region total of 8 are 4 and 4).

    Every count is a variable; each equation says that its members, with their coefficients, sum to zero
    (cells sum to their total; a region is the sum of its districts). A hidden variable is determined when its
    unit vector lies in the row space of the equations restricted to the hidden variables. While one is, we
    hide a shown variable that shares an equation with it: the lowest by the first element of `rank` (a tier:
    cells a reader needs most, such as the region's total, in a high tier), then one that also protects other
    exposed variables, then the lowest by the rest of `rank` (default: the smallest value).
    """
    equations_of: list[set[int]] = [set() for _ in values]
    coefficients = np.zeros((len(equations), len(values)))
    for r, eq in enumerate(equations):
        for var, coef in eq:
            coefficients[r, var] = coef
            equations_of[var].add(r)
    order = rank or (lambda v: (0, values[v], v))
    hidden = set(primary)
    while True:
        exposed = _recoverable(hidden, coefficients)
        if not exposed and threshold is not None:
            exposed = _pinned(hidden, primary, values, coefficients, threshold)
        if not exposed:
            return hidden
        target = min(exposed)
        candidates = {v for r in equations_of[target] for v, _ in equations[r]} - hidden
        if not candidates:  # recoverable through a chain of equations: widen to every touching equation
            candidates = {v for eq in equations if any(var in hidden for var, _ in eq) for v, _ in eq} - hidden
        if not candidates:
            raise AssertionError("suppression found no complement")
        exposed_eqs = set().union(*(equations_of[v] for v in exposed))
        def cost(v: int, exposed_eqs: set[int] = exposed_eqs) -> tuple:
            tier, *rest = order(v)
            return (tier, -len(equations_of[v] & exposed_eqs), *rest)

        hidden.add(min(candidates, key=cost))


def _pinned(hidden: set[int], primary: set[int], values: Sequence[int], coefficients: np.ndarray,
            threshold: int) -> set[int]:
    """Hidden variables that the equations pin to one whole number together with the bounds a reader knows
    (0 or more; 1 to threshold-1 for a primary cell), by interval propagation: each equation bounds each of its
    members by the bounds of the others, until nothing tightens. (tests/privacy checks the result with a linear
    program per hidden cell, exact for the bounds but about a hundred times as costly.)"""
    n = len(values)
    low = np.array([float(v) for v in values])
    high = low.copy()
    for v in hidden:
        low[v], high[v] = (1.0, float(threshold - 1)) if v in primary else (0.0, np.inf)
    a = coefficients
    positive, negative = a > 0, a < 0
    is_hidden = np.zeros(n, dtype=bool)
    is_hidden[list(hidden)] = True
    for _ in range(100):
        # each term's range: coef * [low, high], ordered by the coefficient's sign
        with np.errstate(invalid="ignore"):
            term_lo = np.where(positive, a * low, np.where(negative, a * high, 0.0))
            term_hi = np.where(positive, a * high, np.where(negative, a * low, 0.0))
        inf_lo, inf_hi = np.isneginf(term_lo), np.isposinf(term_hi)
        sum_lo = np.where(inf_lo, 0.0, term_lo).sum(axis=1, keepdims=True)
        sum_hi = np.where(inf_hi, 0.0, term_hi).sum(axis=1, keepdims=True)
        count_lo, count_hi = inf_lo.sum(axis=1, keepdims=True), inf_hi.sum(axis=1, keepdims=True)
        # the others' range, without the term itself (infinite when another term is)
        rest_lo = np.where(count_lo - inf_lo > 0, -np.inf, sum_lo - np.where(inf_lo, 0.0, term_lo))
        rest_hi = np.where(count_hi - inf_hi > 0, np.inf, sum_hi - np.where(inf_hi, 0.0, term_hi))
        with np.errstate(divide="ignore", invalid="ignore"):
            bound_a, bound_b = -rest_hi / a, -rest_lo / a  # coef * x = -rest
        new_lo = np.where(positive, bound_a, np.where(negative, bound_b, -np.inf))
        new_hi = np.where(positive, bound_b, np.where(negative, bound_a, np.inf))
        tightened_lo = np.nanmax(np.where(np.isnan(new_lo), -np.inf, new_lo), axis=0)
        tightened_hi = np.nanmin(np.where(np.isnan(new_hi), np.inf, new_hi), axis=0)
        grow_lo = is_hidden & (tightened_lo > low + 1e-9)
        shrink_hi = is_hidden & (tightened_hi < high - 1e-9)
        if not grow_lo.any() and not shrink_hi.any():
            break
        low = np.where(grow_lo, tightened_lo, low)
        high = np.where(shrink_hi, tightened_hi, high)
    return {v for v in hidden if np.isfinite(high[v]) and math.floor(high[v] + 1e-6) == math.ceil(low[v] - 1e-6)}


def _recoverable(hidden: set[int], coefficients: np.ndarray) -> set[int]:
    """Hidden variables whose value follows from the shown values and the equations (`coefficients`: one row
    per equation, one column per variable)."""
    if not hidden:
        return set()
    order = sorted(hidden)
    a = coefficients[:, order]
    a = a[np.any(a != 0, axis=1)]  # the equations that touch a hidden variable
    if a.shape[0] == 0:
        return set()
    # e_k lies in the row space of A exactly when it is orthogonal to A's null space, i.e. when column k of
    # a null-space basis is zero: one SVD for all hidden variables instead of one rank per variable.
    _, singular, vt = np.linalg.svd(a)
    tolerance = singular.max(initial=0.0) * max(a.shape) * np.finfo(float).eps
    rank = int((singular > tolerance).sum())
    null_space = vt[rank:]  # (len(order) - rank) x len(order)
    if null_space.shape[0] == 0:
        return set(order)
    free = np.abs(null_space).max(axis=0) > 1e-9
    return {var for k, var in enumerate(order) if not free[k]}


def protect_counts(values: Sequence[int], threshold: int = 5, total: bool = False,
                   rounding: int | None = None) -> tuple[list[Cell], Cell | None]:
    """A single row of counts (e.g. per quarter), with or without a shown total."""
    table = protect_table([list(values)], threshold, rounding, with_row_totals=total, with_col_totals=False)
    return table.cells[0] if table.cells else [], (table.row_totals[0] if total and table.row_totals else None)


def protect_count(value: int | None, threshold: int = 5, rounding: int | None = None) -> Cell:
    """One count shown on its own (no total beside it)."""
    if value is None:
        return Cell(None, "–")
    if 0 < value < threshold:
        return Cell(None, small_text(threshold))
    shown = value if rounding is None else round_to(value, rounding)
    return Cell(shown, formatting.number(shown))


def significant(value: float | None, digits: int = 2) -> float | None:
    """`value` rounded to `digits` significant digits (1.234 -> 1.2, 1,234 -> 1,200). A per-inhabitant figure
    about others at full precision pins a gemeente: value × population is a whole number of 0.1 fte or of €100
    for one CBS population only. At two digits every such figure fits many populations."""
    if value is None or not math.isfinite(value) or value == 0:
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))
