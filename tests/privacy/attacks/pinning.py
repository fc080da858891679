"""Attack 2, population pinning: a number that, at the precision it was sent with, is value × population = a whole
number of 0.1 fte, of €100 or of signals for the CBS population of one other gemeente only. Each number is read
with the units its context (axis title, column header, label) lets it denote."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from dashboard.data import warehouse
from tests.privacy.attacks.reading import Number, numbers
from tests.privacy.crawl import Response

# --- what a number may denote --------------------------------------------------------------------------------

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


# --- the pins ------------------------------------------------------------------------------------------------

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
