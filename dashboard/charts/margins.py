"""Margins that already fit a chart's axes, so that the browser draws it once.

plotly grows a margin that is too small for the tick labels or an axis title ("automargin") by drawing the whole
chart again. Every chart started from margins of 10 px, so every chart was drawn twice: measured in Chromium, a
chart took 1.5 to 2.5 times as long as with margins that fit. `axis_margins` estimates, from the figure alone, how
much room the axes need (text width from the number of characters) and asks for at least that. automargin stays
on as the safety net: a label longer than estimated still gets its room, at the cost of the second drawing.
An estimate a little too large costs a few pixels of white space.
"""

from __future__ import annotations

import math
import re

# widths of characters of the chart font in em, a little above DejaVu Sans's (the widest of FONT's families)
WIDE_EM, NARROW_EM, OTHER_EM = 0.72, 0.36, 0.6  # digits and capitals; . , : ; ' i l j t f r and space; the rest
NARROW = frozenset(".,:;'ijlftr |")
LINE_EM = 1.35  # height of a line of tick labels, in em
# more labels than fit side by side at 30 degrees in this many pixels (about a chart half the width of a laptop's
# screen) stand upright
CROWDED_PX = 600
TITLE_PX = 28  # an axis title and its distance to the tick labels
PAD_PX = 18  # between the tick labels and the figure's edge
LEFT_PAD_PX = 26  # the same beside a y axis, whose labels plotly stands further off
_TAGS = re.compile(r"<[^>]+>")


def _lines(label: object) -> list[str]:
    """The lines of a tick label as plotly shows them (<br> breaks a line; other tags do not take room)."""
    return [_TAGS.sub("", part) for part in re.split(r"<br\s*/?>", str(label))]


def _numeric_labels(values: list[float]) -> list[str]:
    """The longest tick label plotly may write for an axis over these numbers: the largest absolute value with
    thousands separators, decimals where the values are small fractions, a sign where one is negative."""
    finite = [v for v in values if math.isfinite(v)]
    largest = max((abs(v) for v in finite), default=0.0)
    whole = all(float(v).is_integer() for v in finite)
    text = f"{int(largest):,}" + ("" if whole or largest >= 10 else ".0" if largest >= 1 else ".00")
    return [("-" if any(v < 0 for v in values) else "") + text]


def _axis_values(traces: list[dict], letter: str) -> list:
    """The values the traces put on the x or y axis (a heatmap's y names its rows, a horizontal bar's y its
    categories)."""
    out: list = []
    for trace in traces:
        values = trace.get(letter)
        if values is None:
            continue
        for value in values:
            if isinstance(value, list | tuple):
                out.extend(v for v in value if v is not None)
            elif value is not None:
                out.append(value)
    return out


def _labels(axis: dict, traces: list[dict], letter: str) -> list[str]:
    if axis.get("ticktext") is not None:
        return [str(t) for t in axis["ticktext"]]
    values = _axis_values(traces, letter)
    if any(isinstance(v, str) for v in values):
        return list(dict.fromkeys(str(v) for v in values))  # each category once
    numbers = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers and axis.get("range"):
        numbers = [float(v) for v in axis["range"] if isinstance(v, int | float)]
    labels = _numeric_labels(numbers)
    if "%" in str(axis.get("tickformat", "")) or axis.get("ticksuffix"):
        labels = [label + "%" + str(axis.get("ticksuffix", "")) for label in labels]
    return labels


def _em(line: str) -> float:
    return sum(WIDE_EM if c.isdigit() or c.isupper() else NARROW_EM if c in NARROW else OTHER_EM for c in line)


def _width(labels: list[str], font: float) -> float:
    return max((_em(line) for label in labels for line in _lines(label)), default=0.0) * font


def _height(labels: list[str], font: float) -> float:
    return max((len(_lines(label)) for label in labels), default=1) * LINE_EM * font


def _title(axis: dict) -> bool:
    title = axis.get("title")
    return bool(title.get("text") if isinstance(title, dict) else title)


def _axes(layout: dict, letter: str) -> list[tuple[str, dict]]:
    """The layout's x or y axes with the id traces name them by ('x', 'x2', ...); the first even when unset."""
    found = {key: axis or {} for key, axis in layout.items() if re.fullmatch(f"{letter}axis\\d*", key)}
    found.setdefault(f"{letter}axis", {})
    return [(letter + key[len(letter) + 4:], axis) for key, axis in found.items()]


def _on(traces: list[dict], letter: str, axis_id: str) -> list[dict]:
    return [t for t in traces if t.get(f"{letter}axis", letter) == axis_id]


def axis_margins(traces: list[dict], layout: dict, font: float) -> dict[str, int]:
    """Per side (l, r, t, b), at least the room the visible axes' tick labels and titles need."""
    need = {"l": 0.0, "r": 0.0, "t": 0.0, "b": 0.0}
    for axis_id, yaxis in _axes(layout, "y"):
        if yaxis.get("visible", True) and yaxis.get("showticklabels", True):
            size = (yaxis.get("tickfont") or {}).get("size", font)
            labels = _labels(yaxis, _on(traces, "y", axis_id), "y")
            side = "r" if yaxis.get("side") == "right" else "l"
            need[side] = max(need[side], _width(labels, size) + LEFT_PAD_PX + (TITLE_PX if _title(yaxis) else 0))
    for axis_id, xaxis in _axes(layout, "x"):
        if xaxis.get("visible", True) and xaxis.get("showticklabels", True):
            size = (xaxis.get("tickfont") or {}).get("size", font)
            labels = _labels(xaxis, _on(traces, "x", axis_id), "x")
            width = _width(labels, size)
            tall = _height(labels, size)
            if xaxis.get("tickangle") is None:  # plotly turns crowded labels 30 degrees, very crowded ones 90
                upright = len(labels) * 2.2 * size > CROWDED_PX
                tall = max(tall, width + size if upright else width / 2 + size)
            side = "t" if xaxis.get("side") == "top" else "b"
            need[side] = max(need[side], tall + PAD_PX + (TITLE_PX if _title(xaxis) else 0))
            # the first and the last label are centred on the axis's ends
            need["l"] = max(need["l"], width / 2 + PAD_PX / 2)
            need["r"] = max(need["r"], width / 2 + PAD_PX)
    return {side: math.ceil(px) for side, px in need.items()}
