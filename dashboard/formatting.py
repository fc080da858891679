"""Numbers, percentages, dates and quarters as the interface writes them, per language (dashboard.i18n):
Dutch 1.234,5 · 38,9% · 29-11-2026 · 3e kwartaal 2026; English 1,234.5 · 38.9% · 29/11/2026 · Q3 2026.

The symbols and date patterns are Babel's (CLDR) for each language. The digits are rounded as Python rounds the
stored float, in every language alike: a shown value is the one nearest to the value the data layer published,
which the rounding arguments of the scope rules (dashboard.data.scope) rest on. Babel's own number formatting
rounds the float's shortest decimal form instead (2.675 → 2,68 where the float is 2.67499…) and took about
8 µs a number, against 1 µs here; pages write thousands of them at the national scale.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

from dashboard import i18n
from dashboard.i18n import gettext


@functools.cache
def _locale(lang: str):
    from babel import Locale

    return Locale.parse(i18n.FORMAT_LOCALES[lang])


@functools.cache
def _symbols(lang: str) -> dict[int, str]:
    """Python's ',' and '.' mapped to the language's group and decimal symbols (one pass, no clash)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = _locale(lang)
    return {ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale)}


@functools.cache
def _percent_sign(lang: str) -> str:
    return _locale(lang).number_symbols["latn"]["percentSign"]


def separators(lang: str | None = None) -> str:
    """The decimal and group symbols, in that order, as plotly's `separators` takes them (',.' in Dutch)."""
    symbols = _symbols(lang or i18n.language())
    return symbols[ord(".")] + symbols[ord(",")]


def number(value: float | int | None, decimals: int = 0, missing: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return f"{value:,.{decimals}f}".translate(_symbols(i18n.language()))


def percent(share: float | None, decimals: int = 0, missing: str = "–") -> str:
    """A share 0–1 as a percentage (both languages put the sign right after the number: 38,9% · 38.9%)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return missing
    return number(share * 100, decimals) + _percent_sign(i18n.language())


def signed(value: float | int | None, decimals: int = 0, missing: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if round(value, decimals) == 0:
        return "0" if decimals == 0 else number(0, decimals)
    return ("+" if value > 0 else "−") + number(abs(value), decimals)


def date(value: dt.date | dt.datetime | None, long: bool = False) -> str:
    """29-11-2026 or 29 november 2026 in Dutch; 29/11/2026 or 29 November 2026 in English."""
    from babel.dates import format_date

    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, "long" if long else "short", locale=_locale(i18n.language()))


def date_time(value: dt.datetime | None, seconds: bool = False) -> str:
    """A moment as date and time of day (the value's own time zone): '29-11-2026 14:05' (or '14:05:09')."""
    if value is None:
        return ""
    return f"{date(value)} {value:%H:%M:%S}" if seconds else f"{date(value)} {value:%H:%M}"


def quarter_label(code: str) -> str:
    """'2026Q3' -> '3e kwartaal 2026' / 'Q3 2026': the one way to write a quarter in the interface."""
    from etl.domain import Quarter

    quarter = Quarter.parse(code)
    return gettext("%(number)se kwartaal %(year)s", number=quarter.number, year=quarter.year)


def quarter_short(code: str) -> str:
    """'2026Q3' -> 'K3 2026' / 'Q3 2026', for chart axes."""
    return gettext("K%(number)s %(year)s", number=int(code[5]), year=code[:4])
