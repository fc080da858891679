"""What the attacks share: reading what the server sent (its texts, and its numbers at the precision they were
sent with, from JSON, plotly's typed arrays and Dutch text) and the public facts of the region (its gemeenten and
their names)."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from dashboard.data import warehouse
from tests.privacy.crawl import Response

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


def step_of_float(value: float) -> float:
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
            yield Number(obj, step_of_float(obj))
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


def array_values(obj) -> list:
    """The values of a figure's data array: a plain list, or plotly's base64 typed array decoded."""
    if isinstance(obj, dict) and "bdata" in obj:
        return _typed_array(obj)
    return list(obj or [])


def parse_count(text: str) -> int | None:
    """A count as a table shows it ('12', '1.234'); None for a count that is not shown ('<5', '×', '–')."""
    text = text.strip()
    return int(text.replace(".", "")) if re.fullmatch(r"\d{1,3}(?:\.\d{3})*|\d+", text) else None


# --- public facts ------------------------------------------------------------------------------------------

def others(own: str) -> dict[str, warehouse.Place]:
    return {c: p for c, p in warehouse.region().items() if c != own}


def name_pattern(name: str) -> re.Pattern:
    base = re.sub(r"\s*\(.*\)$", "", name)  # "Bergen (NH.)" is written "Bergen" too
    return re.compile(r"(?<![\wÀ-ÿ-])" + re.escape(base) + r"(?![\wÀ-ÿ-])")
