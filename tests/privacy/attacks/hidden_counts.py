"""Attack 4, differencing: hidden counts of signals worked out exactly from every count shown, with the identities
that link the tables (exact rational arithmetic), and with the bounds a reader knows besides (a linear program)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sympy

from dashboard.data import scope, signals, warehouse
from tests.privacy.attacks.reading import parse_count
from tests.privacy.crawl import Response


@dataclass(frozen=True)
class Cell:
    group: str
    quarter: str
    kind: str


def count_cells(responses: Iterable[Response]) -> dict[Cell, set[str]]:
    """Every count of signals shown for a group and quarter, from the tables as their CSV gives them: Signalen's
    tables by type and source, and Ontwikkeling's trend of signals. Values are the texts shown ('12', '<5', '×')."""
    from dashboard import formatting

    label_of = {formatting.quarter_short(q): q for q in warehouse.quarters()}
    kinds = {v: k for k, v in signals.LABELS.items()}
    out: dict[Cell, set[str]] = {}
    for response in responses:
        for title, table in response.tables.items():
            match = re.match(r"^(?:District )?(.+): meldingen naar (soort|herkomst)$", title)
            if match and "Kwartaal" in table.columns:
                group = match.group(1)
                for row in table.to_dict("records"):
                    quarter = label_of.get(row["Kwartaal"])
                    for column, value in row.items():
                        if column in kinds and quarter:
                            out.setdefault(Cell(group, quarter, kinds[column]), set()).add(str(value))
            elif title == "Ontwikkeling: Meldingen" and "Kwartaal" in table.columns:
                for row in table.to_dict("records"):
                    quarter = label_of.get(row["Kwartaal"])
                    for group, value in row.items():
                        if group != "Kwartaal" and quarter:
                            out.setdefault(Cell(group, quarter, signals.TOTAL), set()).add(str(value))
    return out


def differencing(cells: dict[Cell, set[str]]) -> dict[Cell, int]:
    """The hidden cells whose value follows exactly from the shown ones and the identities (a total is the sum
    of its parts by type and by source; the region is the sum of the districts), per quarter. Exact rational
    arithmetic (sympy). Returns cell → the value worked out."""
    districts = warehouse.districts()
    out: dict[Cell, int] = {}
    for quarter in sorted({c.quarter for c in cells}):
        variables, index, rows = _identities(quarter, districts)
        known: dict[int, int] = {}
        for cell, texts in cells.items():
            if cell.quarter == quarter and cell in index:
                values = {parse_count(t) for t in texts} - {None}
                if len(values) == 1:
                    known[index[cell]] = values.pop()  # type: ignore[assignment]
        # every cell not shown exactly is unknown; the hidden ones are those shown as '<5', '×' or '–'
        hidden = [n for n in range(len(variables)) if n not in known]
        asked = {n for n in hidden if variables[n] in cells}
        if asked:
            out.update({variables[n]: value for n, value in _solved(rows, known, hidden, asked).items()})
    return out


def _identities(quarter: str, districts: Iterable[str]) -> tuple[list[Cell], dict[Cell, int], list[list[int]]]:
    """The cells of a quarter (every kind of count, for the region and each district), their indices, and the
    identities as rows of coefficients that sum to 0: a total is the sum of its parts by type and by source; the
    region is the sum of the districts."""
    variables = [Cell(g, quarter, k) for g in (scope.REGION_NAME, *districts) for k in signals.KINDS]
    index = {v: n for n, v in enumerate(variables)}
    rows = []
    for g in (scope.REGION_NAME, *districts):
        for parts in (signals.BY_TYPE, signals.BY_SOURCE):
            row = [0] * len(variables)
            for p in parts:
                row[index[Cell(g, quarter, p)]] = 1
            row[index[Cell(g, quarter, signals.TOTAL)]] = -1
            rows.append(row)
    for k in signals.KINDS:
        row = [0] * len(variables)
        for d in districts:
            row[index[Cell(d, quarter, k)]] = 1
        row[index[Cell(scope.REGION_NAME, quarter, k)]] = -1
        rows.append(row)
    return variables, index, rows


def _solved(rows: list[list[int]], known: dict[int, int], hidden: list[int], asked: set[int]) -> dict[int, int]:
    """The asked hidden variables that the identities fix exactly, by index: A x_hidden = b, with the known values
    moved to the right-hand side, in reduced row echelon form."""
    out: dict[int, int] = {}
    a = sympy.Matrix([[row[h] for h in hidden] for row in rows])
    b = sympy.Matrix([-sum(row[k] * v for k, v in known.items()) for row in rows])
    reduced, pivots = a.row_join(b).rref()
    for r, pivot in enumerate(pivots):
        if pivot >= len(hidden):
            continue
        if hidden[pivot] in asked and all(reduced[r, c] == 0 for c in range(len(hidden)) if c != pivot):
            value = reduced[r, len(hidden)]
            out[hidden[pivot]] = int(value) if value == int(value) else value
    return out


def bounded_inference(cells: dict[Cell, set[str]], threshold: int = 5) -> dict[Cell, int]:
    """Hidden cells pinned by the identities together with what a reader knows of them besides: a count is a
    whole number of at least 0, and one shown as '<5' lies between 1 and 4. For each hidden cell a linear
    program finds its least and greatest value; where no other whole number fits, it is worked out."""
    from scipy.optimize import linprog

    districts = warehouse.districts()
    out: dict[Cell, int] = {}
    for quarter in sorted({c.quarter for c in cells}):
        variables, _index, int_rows = _identities(quarter, districts)
        rows = [[float(c) for c in row] for row in int_rows]
        bounds, asked = _bounds(cells, variables, threshold)
        for n in asked:
            ends = []
            for sign in (1, -1):
                objective = [0.0] * len(variables)
                objective[n] = sign
                result = linprog(objective, A_eq=rows, b_eq=[0.0] * len(rows), bounds=bounds, method="highs")
                if not result.success:
                    break
                ends.append(sign * result.fun)
            if len(ends) == 2 and math.floor(ends[1] + 1e-6) == math.ceil(ends[0] - 1e-6):
                out[variables[n]] = round(ends[0])
    return out


def _bounds(cells: dict[Cell, set[str]], variables: list[Cell],
            threshold: int) -> tuple[list[tuple[float, float | None]], list[int]]:
    """Each variable's bounds as a reader knows them (a value shown, '<5' as 1 to 4, else at least 0), and the
    indices of the hidden cells that were shown."""
    bounds: list[tuple[float, float | None]] = []
    asked = []
    for n, v in enumerate(variables):
        texts = cells.get(v, set())
        values = {parse_count(t) for t in texts} - {None}
        if len(values) == 1:
            value = float(values.pop())  # type: ignore[arg-type]
            bounds.append((value, value))
        elif any(t.startswith("<") for t in texts):
            bounds.append((1, threshold - 1))
            asked.append(n)
        else:
            bounds.append((0, None))
            if v in cells:
                asked.append(n)
    return bounds, asked
