"""Attack 3, records and linkage: rows or points that stand for one other gemeente (a pseudonym, a label that is no
group), and the names that follow from matching such rows across views of different groups."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from etl import reference
from tests.privacy.attacks.reading import array_values, name_pattern, others
from tests.privacy.crawl import Response

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
    patterns = [name_pattern(p.name) for p in others_.values()]

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
        for label, value in zip(trace.get("y") or [], array_values(trace.get("x")), strict=False):
            if entity(label) and value is not None:
                yield Record(k, label, ((f"bar:{trace['axis_title']}", value),))
    elif kind == "scatter" and isinstance(trace.get("text"), list | dict):
        texts = trace["text"] if isinstance(trace["text"], list) else []
        for label, x, y in zip(texts, array_values(trace.get("x")), array_values(trace.get("y")), strict=False):
            if entity(label):
                yield Record(k, label, (("x", x), ("y", y)))


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
