"""Dutch number, percentage and date formats (1.234,5 · 38,9% · 29-11-2026)."""

from __future__ import annotations

import datetime as dt
import math

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def number(value: float | int | None, decimals: int = 0, missing: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")


def percent(share: float | None, decimals: int = 0, missing: str = "–") -> str:
    """A share 0–1 as a Dutch percentage."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return missing
    return number(share * 100, decimals) + "%"


def signed(value: float | int | None, decimals: int = 0, missing: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if round(value, decimals) == 0:
        return "0" if decimals == 0 else number(0, decimals)
    return ("+" if value > 0 else "−") + number(abs(value), decimals)


def date(value: dt.date | dt.datetime | None, long: bool = False) -> str:
    if value is None:
        return "–"
    if long:
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{value:%d-%m-%Y}"


def quarter_label(code: str) -> str:
    """'2026Q3' -> '3e kwartaal 2026' (etl.domain.Quarter.label: one way to write a quarter in the interface)."""
    from etl.domain import Quarter

    return Quarter.parse(code).label


def quarter_short(code: str) -> str:
    """'2026Q3' -> 'K3 2026'."""
    return f"K{code[5]} {code[:4]}"
