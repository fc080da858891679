"""The attacks of DOMAIN.md section 5 (version 2), as a hostile `gemeente` user would try them with nothing but
what the server sent (tests/privacy/crawl.py), the CBS population table and the public facts of the region.

Each attack returns what it claims to have learnt. The tests judge a claim against the warehouse (the truth),
as an attacker would hope to be right: a claim that is wrong is no leak, a claim that is right is one.

- `names`: another gemeente's name anywhere in what was sent.
- `population_pins`: a number that, at the precision it was sent with, is value × population = a whole number
  of 0.1 fte, of €100 or of signals for the CBS population of one other gemeente only.
- `records` and `linkage`: rows or points that stand for one other gemeente (a pseudonym, a label that is no
  group), and the names that follow from matching such rows across views of different groups.
- `differencing`: hidden counts of signals worked out exactly from every count shown, with the identities that
  link the tables (exact rational arithmetic).
- `non_submitters`: which other gemeente did or did not submit, from group sizes and group populations.
"""

from __future__ import annotations

import base64
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from dashboard.data import scope, signals, warehouse
from etl import reference
from etl.domain import STATUS_LABELS
from tests.privacy.crawl import Response

# --- reading what was sent ----------------------------------------------------------------------------------

_DUTCH_NUMBER = re.compile(r"(?<![\w.,])-?\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\w,]*\d)|(?<![\w.,])-?\d+(?:,\d+)?(?![\w.]*\d)")


def strings(obj) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from strings(value)


def all_text(response: Response) -> str:
    return "\n".join([*strings(response.payload), *response.csv])


@dataclass(frozen=True)
class Number:
    value: float
    step: float  # the precision it was sent with: the true value lies within ± step / 2


def _step_of_float(value: float) -> float:
    """The precision a JSON number carries: its shortest decimal form. JSON does not tell 690.0 from 690 (the
    browser reads both as 690), so a whole number carries a step of one."""
    if float(value).is_integer() and abs(value) < 1e15:
        return 1.0
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return 10.0 ** (int(exponent) - decimals)
    return 10.0 ** -(len(text.split(".")[1]) if "." in text else 0)


def _typed_array(obj: dict) -> list[float]:
    """plotly's base64 typed arrays ({"dtype": "f8", "bdata": ...})."""
    data = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
    return [float(v) for v in data.ravel()]


def numbers(obj) -> Iterator[Number]:
    """Every number in a response: JSON numbers (their step from their shortest text), typed arrays (full
    precision) and numbers written in Dutch in any text (their step from the decimals shown)."""
    if isinstance(obj, bool) or obj is None:
        return
    if isinstance(obj, int):
        yield Number(float(obj), 1.0)
    elif isinstance(obj, float):
        if math.isfinite(obj):
            yield Number(obj, _step_of_float(obj))
    elif isinstance(obj, str):
        yield from _dutch_numbers(obj)
    elif isinstance(obj, dict) and "bdata" in obj and "dtype" in obj:
        for v in _typed_array(obj):
            if math.isfinite(v):
                yield Number(v, 1e-12 * max(1.0, abs(v)))
    elif isinstance(obj, dict | list):
        for value in obj.values() if isinstance(obj, dict) else obj:
            yield from numbers(value)


def _dutch_numbers(text: str) -> Iterator[Number]:
    """Numbers written in Dutch in a text ('1.234,5'), each with the step of the decimals shown."""
    for match in _DUTCH_NUMBER.finditer(text):
        shown = match.group(0)
        decimals = len(shown.split(",")[1]) if "," in shown else 0
        yield Number(float(shown.replace(".", "").replace(",", ".")), 10.0 ** -decimals)


def all_numbers(response: Response) -> Iterator[Number]:
    yield from numbers(response.payload)
    for csv in response.csv:
        yield from numbers(csv)


# What a number denotes, as the attacker reads it from where it stands: an axis title, a column header, a row's
# label, the words before it. A number that denotes a per-inhabitant figure is tried with that unit only; one
# that denotes something else (a score, a share, a count, a change) is no lead; one without any context is tried
# with every unit.
_RATE_WORDS = {"fte_per_100k": ("per 100.000", "fte/100.000", "Capaciteit"),
               "budget_per_1000": ("per 1.000", "€/1.000", "Budget"),
               "signals_per_10k": ("per 10.000", "Meld./10.000")}
_OTHER_WORDS = ("score", "Score", "Bouwstenen", "bouwstenen", "Netwerk", "netwerk", "Terugval", "%", "Aantal",
                "aantal", "Status", "status", "t.o.v.", "Kwartaal", "kwartaal", "Gemeenten met", "Aangeleverd",
                "Radicalisering", "Polarisatie", "burgers", "professionals", "Totaal", "Positie", "Versies",
                "inwoners)", "van 100")
ALL_UNITS = frozenset(("fte_per_100k", "budget_per_1000", "signals_per_10k"))


def units_of(context: str) -> frozenset[str]:
    if "t.o.v." in context:  # a change since the quarter before is no level
        return frozenset()
    rates = {m for m, words in _RATE_WORDS.items() if any(w in context for w in words)}
    if rates:
        return frozenset(rates)
    if any(w in context for w in _OTHER_WORDS) or "Meldingen" in context:
        return frozenset()
    return ALL_UNITS


def _axis_title(layout: dict, axis: str) -> str:
    spec = layout.get(axis) or {}
    title = spec.get("title") if isinstance(spec, dict) else None
    return (title.get("text") or "") if isinstance(title, dict) else str(title or "")


def _clauses(text: str) -> Iterator[str]:
    """A text in the pieces that each say one thing ('Capaciteit: 0,52 (mediaan 1,4)'; 'Budget: 440 …')."""
    for part in re.split(r";\s|\.\s(?=[A-Z])|\n|<br>", text):
        if part.strip():
            yield part


def readings(response: Response) -> Iterator[tuple[Number, frozenset[str]]]:
    """Every number of a response with the units it may denote."""
    yield from _readings(response.payload)
    for title, table in response.tables.items():
        for row in table.astype(str).itertuples(index=False):
            label = row[0]
            for header, cell in zip(table.columns, row, strict=True):
                context = f"{title} | {label} | {header}"
                for number in numbers(cell):
                    yield number, units_of(context)


def _readings(obj, context: str = "") -> Iterator[tuple[Number, frozenset[str]]]:
    if isinstance(obj, dict) and isinstance(obj.get("data"), list) and isinstance(obj.get("layout"), dict):
        yield from _figure_readings(obj)
    elif isinstance(obj, str):
        for clause in _clauses(obj):
            for number in numbers(clause):
                yield number, units_of(clause + " " + context)
    elif isinstance(obj, dict):
        props = obj.get("props") if isinstance(obj.get("props"), dict) else None
        if props is not None:  # a component: its text reads in the context of its label ('Mediane capaciteit')
            label = props.get("title") or props.get("aria-label") or ""
            for key, value in props.items():
                if key in ("children", "figure", "title", "aria-label", "value", "label"):
                    yield from _readings(value, f"{context} {label}")
        else:
            for value in obj.values():
                yield from _readings(value, context)
    elif isinstance(obj, list):
        siblings = " ".join(x for x in obj if isinstance(x, str))
        for value in obj:
            yield from _readings(value, f"{context} {siblings}" if siblings else context)


def _figure_readings(figure: dict) -> Iterator[tuple[Number, frozenset[str]]]:
    """A figure's numbers: its traces' in the context of their axes, its annotations' in their own."""
    layout = figure["layout"]
    labels = [(a["y"], a["text"]) for a in layout.get("annotations") or []
              if isinstance(a, dict) and a.get("yref") == "paper" and isinstance(a.get("y"), int | float)
              and isinstance(a.get("text"), str)]
    for trace in figure["data"]:
        if not isinstance(trace, dict):
            continue
        if trace.get("type") == "heatmap":
            continue  # statuses
        yield from _trace_readings(trace, layout, labels)
    for annotation in layout.get("annotations") or []:
        if isinstance(annotation, dict) and isinstance(annotation.get("text"), str):
            for clause in _clauses(annotation["text"]):
                for number in numbers(clause):
                    yield number, units_of(clause)


def _trace_titles(trace: dict, layout: dict, labels: list[tuple[float, str]]) -> tuple[str, str]:
    """The titles of a trace's x and y axes; in a figure of stacked rows the x title has the row's label."""
    x_title = _axis_title(layout, "xaxis" + str(trace.get("xaxis", "x"))[1:])
    y_axis = layout.get("yaxis" + str(trace.get("yaxis", "y"))[1:]) or {}
    y_title = _axis_title(layout, "yaxis" + str(trace.get("yaxis", "y"))[1:])
    domain = y_axis.get("domain") if isinstance(y_axis, dict) else None
    if domain:  # a figure of stacked rows: the label written above a row names what it shows
        above = [(y, text) for y, text in labels if y >= domain[1] - 1e-9]
        if above:
            x_title += " " + min(above)[1]
    return x_title, y_title


def _trace_readings(trace: dict, layout: dict,
                    labels: list[tuple[float, str]]) -> Iterator[tuple[Number, frozenset[str]]]:
    x_title, y_title = _trace_titles(trace, layout, labels)
    for key in ("x", "base"):
        for number in numbers(trace.get(key)):
            yield number, units_of(x_title) if x_title else ALL_UNITS
    for number in numbers(trace.get("y")):
        yield number, units_of(y_title) if y_title else ALL_UNITS
    for key in ("text", "hovertext", "customdata", "name"):
        value = trace.get(key)
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str):
                for clause in _clauses(text):
                    for number in numbers(clause):
                        yield number, units_of(clause + " " + x_title + " " + y_title)


# --- public facts ------------------------------------------------------------------------------------------

def others(own: str) -> dict[str, warehouse.Place]:
    return {c: p for c, p in warehouse.region().items() if c != own}


def _name_pattern(name: str) -> re.Pattern:
    base = re.sub(r"\s*\(.*\)$", "", name)  # "Bergen (NH.)" is written "Bergen" too
    return re.compile(r"(?<![\wÀ-ÿ-])" + re.escape(base) + r"(?![\wÀ-ÿ-])")


# --- 1. names ------------------------------------------------------------------------------------------------

def names(responses: Iterable[Response], own: str) -> set[str]:
    """The other gemeenten named anywhere in what was sent (district names, which contain 'Waterland', are
    taken out first)."""
    districts = sorted(warehouse.districts(), key=len, reverse=True)
    code_of = {re.sub(r"\s*\(.*\)$", "", p.name): code for code, p in others(own).items()}
    pattern = re.compile(r"(?<![\wÀ-ÿ-])(" + "|".join(re.escape(n) for n in sorted(code_of, key=len, reverse=True))
                         + r")(?![\wÀ-ÿ-])")
    found: set[str] = set()
    for response in responses:
        text = all_text(response)
        for district in districts:
            text = text.replace(district, " ")
        found |= {code_of[m] for m in pattern.findall(text)}
    return found


# --- 2. population pinning ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    """A per-inhabitant measure: value = amount / population × per, the amount a whole number of `step`."""

    measure: str
    per: int
    step: Fraction


UNITS = (Unit("fte_per_100k", 100_000, Fraction(1, 10)), Unit("budget_per_1000", 1_000, Fraction(100)),
         Unit("signals_per_10k", 10_000, Fraction(1)))


def _consistent(number: Number, population: int, unit: Unit) -> bool:
    """Whether value × population / per lies within the number's precision of a positive multiple of the unit."""
    low = (number.value - number.step / 2) * population / unit.per
    high = (number.value + number.step / 2) * population / unit.per
    step = float(unit.step)
    first = math.ceil(low / step - 1e-9)
    return first * step <= high + 1e-9 and high > 0 and first >= 1


@dataclass(frozen=True)
class Pin:
    code: str
    unit: str
    number: Number
    quarter: str | None  # the quarter of the view the number came from (None: a view of every quarter)


_FITS: dict[tuple[Number, str], tuple[str, ...]] = {}  # (number, unit) → the gemeenten of the region it fits


def _fits(number: Number, unit: Unit) -> tuple[str, ...]:
    key = (number, unit.measure)
    if key not in _FITS:
        _FITS[key] = tuple(c for c, p in warehouse.region().items() if _consistent(number, p.population, unit))
    return _FITS[key]


def population_pins(responses: Iterable[Response], own: str, own_values: Iterable[float] = ()) -> set[Pin]:
    """Numbers that fit the CBS population of exactly one other gemeente, for one of the units. Numbers that are
    the own gemeente's own figures (the attacker knows them) are no lead and are left out."""
    known = list(own_values)
    leads: set[tuple[Number, str, str | None]] = set()
    for response in responses:
        for number, units in readings(response):
            if number.value > 0 and number.step <= number.value:
                leads |= {(number, unit, response.quarter) for unit in units}
    units = {u.measure: u for u in UNITS}
    pins: set[Pin] = set()
    for number, unit, quarter in leads:
        if any(abs(v - number.value) <= number.step / 2 + 1e-9 for v in known):
            continue
        fits = [c for c in _fits(number, units[unit]) if c != own]
        if len(fits) == 1:
            pins.add(Pin(fits[0], unit, number, quarter))
    return pins


def own_values(truth, own: str) -> list[float]:
    """Every per-inhabitant figure of the own gemeente, in every quarter."""
    rows = truth[truth["municipality_code"] == own]
    return [float(v) for unit in UNITS for v in rows[unit.measure].dropna()]


def correct_pins(pins: Iterable[Pin], truth) -> set[Pin]:
    """The pins that are right: the gemeente's true value of that measure, in the quarter of the view (any
    quarter for a view of every quarter), is the number at its precision."""
    out = set()
    for pin in pins:
        rows = truth[truth["municipality_code"] == pin.code]
        if pin.quarter is not None:
            rows = rows[rows["quarter"] == pin.quarter]
        if any(abs(v - pin.number.value) <= pin.number.step / 2 + 1e-9 for v in rows[pin.unit].dropna()):
            out.add(pin)
    return out


# --- 3. rows per gemeente and linkage -----------------------------------------------------------------------

_PSEUDONYM = re.compile(r"^Gemeente [A-Z]{1,2}$")


@dataclass(frozen=True)
class Record:
    """One row or point that stands for one other gemeente in one view."""

    view: int  # index of the response
    label: str
    values: tuple[tuple[str, float], ...]  # (what, value)


def records(responses: list[Response], own: str) -> list[Record]:
    """Rows of figures whose label is a pseudonym, or is no group, block, theme or measure: per-gemeente rows
    (ranking bars, scatter points with text, heatmap rows)."""
    others_ = others(own)
    patterns = [_name_pattern(p.name) for p in others_.values()]

    def entity(label) -> bool:
        """A pseudonym, another gemeente's CBS code or its name."""
        if not isinstance(label, str):
            return False
        clean = label.removeprefix("★ ").split("<br>")[0].strip()
        return bool(_PSEUDONYM.match(clean) or clean in others_ or any(p.fullmatch(clean) for p in patterns))

    out = []
    for k, response in enumerate(responses):
        for trace in _traces(response.payload):
            out.extend(_trace_records(k, trace, entity))
    return out


def _trace_records(k: int, trace: dict, entity: Callable[[Any], bool]) -> Iterator[Record]:
    """The rows of one trace whose label is an entity: heatmap rows, horizontal bars, scatter points."""
    kind = trace.get("type")
    if kind == "heatmap" and isinstance(trace.get("y"), list) and isinstance(trace.get("z"), list):
        x = trace.get("x") or []
        columns = [str(c) for c in (trace.get("layout_ticktext") or x)]
        for label, row in zip(trace["y"], trace["z"], strict=False):
            if entity(label):
                yield Record(k, label, tuple((str(c), float(v)) for c, v in zip(columns, row, strict=False)))
    elif kind == "bar" and trace.get("orientation") == "h":
        for label, value in zip(trace.get("y") or [], _values(trace.get("x")), strict=False):
            if entity(label) and value is not None:
                yield Record(k, label, ((f"bar:{trace['axis_title']}", value),))
    elif kind == "scatter" and isinstance(trace.get("text"), list | dict):
        texts = trace["text"] if isinstance(trace["text"], list) else []
        for label, x, y in zip(texts, _values(trace.get("x")), _values(trace.get("y")), strict=False):
            if entity(label):
                yield Record(k, label, (("x", x), ("y", y)))


def _values(obj) -> list:
    if isinstance(obj, dict) and "bdata" in obj:
        return _typed_array(obj)
    return list(obj or [])


def _traces(obj) -> Iterator[dict]:
    """Every trace of every figure in a response, with its x-axis tick texts (heatmap columns) attached."""
    if isinstance(obj, dict):
        if isinstance(obj.get("data"), list) and isinstance(obj.get("layout"), dict):
            xaxis = obj["layout"].get("xaxis") or {}
            ticks = xaxis.get("ticktext")
            title = (xaxis.get("title") or {}).get("text", "") if isinstance(xaxis.get("title"), dict) else ""
            for trace in obj["data"]:
                if isinstance(trace, dict):
                    yield {**trace, "layout_ticktext": [str(t).split("<br>")[0] for t in ticks] if ticks else None,
                           "axis_title": title}
        for value in obj.values():
            yield from _traces(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _traces(value)


def _score_of(record: Record) -> float | None:
    """A heatmap row's score from its block statuses (the public formula), or a ranking/scatter score."""
    statuses = [v for what, v in record.values if re.match(r"^[A-Z]{2}\d$", what)]
    if len(statuses) == len(reference.blocks()) and all(v >= 0 for v in statuses):
        return round(sum(statuses) / (3 * len(statuses)) * 100, 6)
    return None


def linkage(responses: list[Response], found: list[Record], own: str, groups: dict[int, frozenset[str]]
            ) -> dict[str, float]:
    """Match rows across two views of different groups by their score (a heatmap row's statuses give it; a
    ranking by score gives it); a row matched in both whose groups intersect in one other gemeente names it.
    Returns code → the score claimed for it."""
    by_view: dict[int, dict[float, list[Record]]] = {}
    for record in found:
        score = _score_of(record)
        if score is None:
            score = next((round(v, 6) for what, v in record.values if what.startswith("bar:Voortgangsscore")), None)
        if score is not None:
            by_view.setdefault(record.view, {}).setdefault(score, []).append(record)
    claims: dict[str, float] = {}
    for a, b in itertools.combinations(by_view, 2):
        members = (groups.get(a, frozenset()) & groups.get(b, frozenset())) - {own}
        if groups.get(a) == groups.get(b) or responses[a].quarter != responses[b].quarter:
            continue
        for score, in_a in by_view[a].items():
            in_b = by_view[b].get(score, [])
            if len(in_a) == 1 and len(in_b) == 1 and len(members) == 1:
                claims[next(iter(members))] = score
    for view, scores in by_view.items():  # a view of a group with a single other member names it outright
        members = groups.get(view, frozenset()) - {own}
        if len(members) == 1:
            for score in scores:
                claims[next(iter(members))] = score
    return claims


# --- 4. differencing ------------------------------------------------------------------------------------------

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


def _parse(text: str) -> int | None:
    text = text.strip()
    return int(text.replace(".", "")) if re.fullmatch(r"\d{1,3}(?:\.\d{3})*|\d+", text) else None


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
                values = {_parse(t) for t in texts} - {None}
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
        values = {_parse(t) for t in texts} - {None}
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


# --- 5. who did not submit ----------------------------------------------------------------------------------

def group_observations(responses: Iterable[Response], quarter: str) -> list[tuple[frozenset[str], str, tuple]]:
    """What the responses say about the size or population of a group's submitting members in a quarter:
    ('n', (count,)) from counts per status that sum to the group's submitters, ('population', (low, high)) from a
    total of signals and its rate per 10,000."""
    from dashboard import formatting

    places = warehouse.region()
    members = {scope.REGION_NAME: frozenset(places),
               **{d: frozenset(c for c, p in places.items() if p.district == d) for d in warehouse.districts()}}
    short = formatting.quarter_short(quarter)
    out = []
    for response in responses:
        for title, table in response.tables.items():
            status = re.match(r"^Status per bouwsteen in (?:district )?(.+)$", title)
            if status and response.quarter == quarter:
                group = "Regio NHSV" if status.group(1) == "de regio (NHSV)" else status.group(1)
                if group in members and all(s in table.columns for s in STATUS_LABELS):
                    n = int(sum(int(table.iloc[0][s]) for s in STATUS_LABELS))
                    out.append((members[group], "n", (n,)))
            signal = re.match(r"^(?:District )?(.+): meldingen naar soort$", title)
            if signal and signal.group(1) in members:
                for row in table.to_dict("records"):
                    if row.get("Kwartaal") != short:
                        continue
                    total, rate = _parse(str(row["Totaal"])), next(numbers(str(row["Per 10.000 inwoners"])), None)
                    if total and rate and rate.value > 0:
                        low = total / (rate.value + rate.step / 2) * 10_000
                        high = total / max(rate.value - rate.step / 2, 1e-12) * 10_000
                        out.append((members[signal.group(1)], "population", (low, high)))
    totals_seen: dict[str, Number] = {}
    rates_seen: dict[str, Number] = {}
    for response in responses:  # the trends of totals and of rates (the figures' own precision), across views
        totals_seen.update(_trend_points(response, "signals_total", short))
        rates_seen.update(_trend_points(response, "signals_per_10k", short))
    for group, total in totals_seen.items():
        rate = rates_seen.get(group)
        if group in members and total.value and rate and rate.value > 0:
            low = total.value / (rate.value + rate.step / 2) * 10_000
            high = total.value / max(rate.value - rate.step / 2, 1e-12) * 10_000
            out.append((members[group], "population", (low, high)))
    return out


def _trend_points(response: Response, measure: str, short: str) -> dict[str, Number]:
    """Per group, the point of a trend figure of `measure` (known by its y-axis title) in the quarter."""
    from dashboard.charts.base import axis_title
    from dashboard.metrics import MEASURES

    title = axis_title(MEASURES[measure])
    out = {}
    for figure in _figures(response.payload):
        y_title = (figure["layout"].get("yaxis") or {}).get("title") or {}
        if not isinstance(y_title, dict) or y_title.get("text") != title:
            continue
        for trace in figure.get("data", []):
            for x, y in zip(trace.get("x") or [], _values(trace.get("y")), strict=False):
                if x == short and y is not None:
                    out[trace.get("name")] = Number(float(y), _step_of_float(float(y)))
    return out


def _figures(obj) -> Iterator[dict]:
    if isinstance(obj, dict):
        if isinstance(obj.get("data"), list) and isinstance(obj.get("layout"), dict):
            yield obj
        for value in obj.values():
            yield from _figures(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _figures(value)


def non_submitters(responses: list[Response], own: str, quarter: str, own_submitted: bool, n_submitted: int
                   ) -> tuple[set[str], set[str]]:
    """(surely missing, surely submitted): other gemeenten whose submission follows from 'N of 32', the own
    status and the observations, over every set of missing others that fits them."""
    places = warehouse.region()
    pool = sorted(c for c in places if c != own)
    missing = len(places) - n_submitted - (0 if own_submitted else 1)
    if missing <= 0 or missing >= len(pool):
        return set(), set()
    observations = group_observations(responses, quarter)
    fitting = []
    for gone in itertools.combinations(pool, missing):
        absent = set(gone) | (set() if own_submitted else {own})
        ok = True
        for group, kind, value in observations:
            present = [c for c in group if c not in absent]
            if kind == "n" and len(present) != value[0]:
                ok = False
            elif kind == "population":
                population = sum(places[c].population for c in present)
                if not value[0] - 0.5 <= population <= value[1] + 0.5:
                    ok = False
            if not ok:
                break
        if ok:
            fitting.append(set(gone))
    if not fitting:
        return set(), set()
    surely_missing = set.intersection(*fitting)
    surely_submitted = set(pool) - set.union(*fitting)
    return surely_missing, surely_submitted


# --- every attack on one user's crawl ------------------------------------------------------------------------

@dataclass
class Findings:
    """What every attack learnt from everything one gemeente user was sent."""

    own: str
    responses: int
    names: set[str]
    pins: set[Pin]  # the right ones only
    records: list[Record]
    recovered: dict[Cell, int]
    bounded: dict[Cell, int]
    submissions: dict[str, tuple[list[str], list[str]]]  # quarter → (surely missing, surely submitted)


def attack(responses: list[Response], own: str, truth) -> Findings:
    cells = count_cells(responses)
    submissions = {}
    counts = truth[truth["submitted"]].groupby("quarter").size()
    for quarter, n in counts.items():
        if n < len(warehouse.region()):
            submitted = warehouse.submitted_codes(quarter)
            missing, present = non_submitters(responses, own, quarter, own in submitted, len(submitted))
            if missing or present:
                submissions[quarter] = (sorted(missing), sorted(present))
    return Findings(own=own, responses=len(responses), names=names(responses, own),
                    pins=correct_pins(population_pins(responses, own, own_values(truth, own)), truth),
                    records=records(responses, own), recovered=differencing(cells),
                    bounded=bounded_inference(cells, scope.threshold()), submissions=submissions)
