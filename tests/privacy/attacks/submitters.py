"""Attack 5, non-submitters: which other gemeente did or did not submit, from "N of 32", group sizes and group
populations."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

from dashboard.data import scope, warehouse
from etl.domain import STATUS_LABELS
from tests.privacy.attacks.reading import Number, array_values, numbers, parse_count, step_of_float
from tests.privacy.crawl import Response


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
                    total, rate = parse_count(str(row["Totaal"])), next(numbers(str(row["Per 10.000 inwoners"])), None)
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
            for x, y in zip(trace.get("x") or [], array_values(trace.get("y")), strict=False):
                if x == short and y is not None:
                    out[trace.get("name")] = Number(float(y), step_of_float(float(y)))
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
