"""Typed values from raw cells: numbers (with a decimal comma or Dutch thousands separators), dates and texts,
and the checks of a veld/waarde table (Gegevens, Middelen, Signalen) for unknown and missing fields, types and
ranges.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

from etl import findings as F
from etl.domain import Field
from etl.extract.raw import Raw
from etl.validate.context import Findings

MAX_NUMBER = 1e9  # a larger count or amount is a typing error (or a number that is not a count at all)


class ValueProblem(Exception):
    pass


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueProblem("geen geheel getal")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueProblem("geen geheel getal")
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+[.,]0+", text):
        return int(re.split(r"[.,]", text)[0])
    raise ValueProblem("geen geheel getal")


def parse_decimal(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueProblem("geen getal")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")  # 12.500,50
    elif "," in text:
        text = text.replace(",", ".")  # decimal comma
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # Dutch thousands separators: 12.500
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueProblem("geen getal")
    return float(text)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueProblem("geen datum")


def _parse_field(spec: Field, raw: Raw) -> Any:
    if spec.kind == "int":
        return parse_int(raw.value)
    if spec.kind == "decimal":
        return parse_decimal(raw.value)
    if spec.kind == "date":
        return parse_date(raw.value)
    return str(raw.value).strip()


_TYPE_HELP = {
    "int": "vul een geheel getal van 0 of meer in",
    "decimal": "vul een getal van 0 of meer in (decimalen met een komma mag)",
    "date": "vul een datum in als dd-mm-jjjj",
    "text": "vul een tekst in",
    "quarter": "vul het kwartaal in als jaar en kwartaal, bijvoorbeeld 2026Q3",
}


def suggestion(key: str, known: Iterable[str]) -> str:
    """' bedoelt u "x"?' for a near miss among the known names, else ''."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f'; bedoelt u "{close[0]}"?' if close else ""


def read_fields(section: str, sheet: str, specs: tuple[Field, ...], raws: dict[str, Raw], fallback: str,
                out: Findings, csv_kind: bool) -> dict[str, Any]:
    """Typed values of a veld/waarde table (Gegevens, Middelen, Signalen): unknown, missing, type, range."""
    values: dict[str, Any] = {}
    known = {s.name for s in specs}
    for name, typed in raws.items():
        if name not in known and (typed.key_cell) not in out.refused:
            out.fatal(F.ITEM_UNKNOWN, typed.key_cell, f"onbekend veld op {sheet} ({F.describe(name, known)})"
                      f"{suggestion(name, known)}; toegestaan zijn: " + ", ".join(sorted(known)))
    for spec in specs:
        raw = raws.get(spec.name)
        if raw is None:
            if spec.required:
                where = f"in de CSV ({section})" if csv_kind else f"op tabblad {sheet}"
                out.fatal(F.ITEM_MISSING, fallback, f"het veld '{spec.name}' ({spec.label}) ontbreekt {where}; "
                          "voeg de regel toe")
            continue
        if raw.place in out.refused:
            continue
        if raw.value is None:
            if spec.required:
                out.fatal(F.VALUE_TYPE, raw.place, f"{spec.name} is leeg; {_TYPE_HELP[spec.kind]}")
            else:
                values[spec.name] = None
            continue
        try:
            value = _parse_field(spec, raw)
        except ValueProblem as problem:
            out.fatal(F.VALUE_TYPE, raw.place, f"{F.subject(raw.value)} is {problem} ({spec.name}); "
                      f"{_TYPE_HELP[spec.kind]}")
            continue
        refused = _number_problem(spec, raw, value)
        if refused is not None:
            out.fatal(refused[0], raw.place, refused[1])
            continue
        values[spec.name] = value
    return values


def _number_problem(spec: Field, raw: Raw, value: Any) -> tuple[str, str] | None:
    """(finding code, message) when a parsed number cannot be a real value: not finite, negative or too large."""
    if spec.kind == "decimal" and not math.isfinite(value):
        # a crafted workbook can hold NaN or infinity in a number cell
        return F.VALUE_TYPE, f"{spec.name} is geen eindig getal (NaN of oneindig); {_TYPE_HELP[spec.kind]}"
    if spec.kind in ("int", "decimal") and value < 0:
        return F.VALUE_RANGE, f"{spec.name} is negatief ({F.describe(raw.value)}); vul 0 of meer in"
    if spec.kind in ("int", "decimal") and value > MAX_NUMBER:
        return F.VALUE_RANGE, f"{spec.name} is onwaarschijnlijk groot ({F.describe(raw.value)}); controleer de waarde"
    return None
