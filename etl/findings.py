"""Validation findings: what is wrong, how bad, where a person finds it, and what to do, in Dutch."""

from __future__ import annotations

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
