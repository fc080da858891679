"""Validation findings: what is wrong, how bad, where a person finds it, and what to do, in Dutch.

A finding never repeats what a person typed. Findings are stored in the warehouse and shown to whoever sees the
file's load report, and a cell may hold personal data that is not recognised as such (a name typed into a
status cell). So a message says where (``Bouwstenen!C7``, ``regel 12``) and what kind of problem, and describes
a wrong value only through `describe`: a value from a closed list that the project itself defines (a status
label, ja/nee, a field, partner or block code, a gemeente's name or CBS code), a value of a shape that cannot
carry personal data (a short number, a quarter such as ``2026Q5``), or else only its type and length
("een tekst van 9 tekens").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

FATAL = "fatal"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: str
    rule: str
    place: str
    message: str
    municipality_code: str | None = None
    quarter: str | None = None

    @property
    def is_fatal(self) -> bool:
        return self.severity == FATAL

    def text(self) -> str:
        """The place and the message as one line, as shown to users: 'Bouwstenen!C7: onbekende status …'."""
        return f"{self.place}: {self.message}" if self.place else self.message


def fatal(rule: str, place: str, message: str) -> Finding:
    return Finding(FATAL, rule, place, message)


def warning(rule: str, place: str, message: str) -> Finding:
    return Finding(WARNING, rule, place, message)


# Rule identifiers (stored with each finding, documented in the README).
UNREADABLE = "bestand_onleesbaar"
UNSAFE = "bestand_onveilig"
SHEET_MISSING = "tabblad_ontbreekt"
COLUMN_MISSING = "kolom_ontbreekt"
MUNICIPALITY_UNKNOWN = "gemeente_onbekend"
MUNICIPALITY_OUTSIDE = "gemeente_buiten_regio"
QUARTER_MALFORMED = "kwartaal_ongeldig"
QUARTER_FUTURE = "kwartaal_niet_begonnen"
TEMPLATE_VERSION = "sjabloonversie"
ITEM_MISSING = "onderdeel_ontbreekt"
ITEM_UNKNOWN = "onderdeel_onbekend"
ITEM_DUPLICATE = "onderdeel_dubbel"
VALUE_TYPE = "waarde_type"
VALUE_RANGE = "waarde_bereik"
SIGNAL_TOTALS = "meldingen_totalen"
ZVH_EXCEEDS = "zvh_groter_dan_totaal"
PERSONAL_DATA = "persoonsgegevens"
OTHER_MUNICIPALITY = "andere_gemeente"
REGRESSION = "terugval"
MM1_NO_BUDGET = "mm1_zonder_budget"
MM2_NO_CAPACITY = "mm2_zonder_capaciteit"
IMPLAUSIBLE = "onwaarschijnlijk"
NAME_MISMATCH = "naam_wijkt_af"
INTERNAL_ERROR = "interne_fout"  # the file broke the loader itself; nothing of it is loaded
QUARTER_TOO_EARLY = "kwartaal_te_vroeg"  # before the first quarter of the warehouse's quarter dimension

# --- describing a value without repeating it ----------------------------------------------------------------

MAX_SHOWN_DIGITS = 6  # a longer number can be a phone number or a BSN
_SAFE_SHAPES = (
    re.compile(r"-?[0-9]{1,6}(?:[.,][0-9]{1,4})?"),  # a short number: "12", "2,5", "-1" (six digits at most)
    re.compile(r"[0-9]{4}\s*-?\s*[qQkK]?\s*[0-9]{1,2}"),  # something like a quarter: "2026Q5", "2026-3"
    re.compile(r"[A-Za-z]{1,3}[0-9]{1,3}"),  # something like a block code: "LA7", "XX9"
    re.compile(r"[gG][mM]\s?[0-9]{1,6}"),  # something like a CBS code: "GM9999"
)


def describe(value: object, vocabulary: Iterable[str] = ()) -> str:
    """A wrong value as a finding may show it: itself only when it is in `vocabulary` (case and surrounding
    spaces ignored) or of a safe shape, otherwise its type and length. Quoted where shown as typed."""
    if value is None:
        return "een lege cel"
    if isinstance(value, bool):
        return "een ja/nee-waarde (WAAR/ONWAAR)"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return "een datum" if not isinstance(value, dt.time) else "een tijd"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "een ongeldig getal (NaN of oneindig)"
        digits = len(re.sub(r"[^0-9]", "", f"{value:.0f}"))
        if digits <= MAX_SHOWN_DIGITS:
            return f'"{value:g}"' if isinstance(value, float) else f'"{value}"'
        return f"een getal van {digits} cijfers"
    text = str(value).strip()
    for word in vocabulary:
        if text.lower() == str(word).strip().lower():
            return f'"{text}"'
    few_digits = sum(ch.isdigit() for ch in text) <= MAX_SHOWN_DIGITS
    if few_digits and any(shape.fullmatch(text) for shape in _SAFE_SHAPES):
        return f'"{text}"'
    length = len(text)
    return f"een tekst van {length} teken{'s' if length != 1 else ''}"


def subject(value: object, vocabulary: Iterable[str] = ()) -> str:
    """A wrong value as the subject of a sentence: '"ja"' when it may be shown, else 'de waarde (een tekst van
    9 tekens)'."""
    described = describe(value, vocabulary)
    return described if described.startswith('"') else f"de waarde ({described})"
