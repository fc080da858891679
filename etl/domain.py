"""Domain vocabulary shared by extraction, validation, loading and the dashboard: quarters, statuses, fields."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from nhsv import settings

STATUS_LABELS = ("Niet gestart", "In ontwikkeling", "Gerealiseerd", "Geborgd")
STATUS_BY_LABEL = {label.lower(): value for value, label in enumerate(STATUS_LABELS)}
IN_ORDER_FROM = 2  # Gerealiseerd and Geborgd count as "op orde"
MAX_STATUS = 3

PARTNERS = {
    "handhaving": "Handhaving",
    "klantmanagers_wi": "Klantmanagers Werk & Inkomen",
    "jongerenwerk": "Jongerenwerk",
    "onderwijs": "Onderwijs / scholen",
    "sociaal_wijkteam": "Sociaal wijkteam",
    "wijkagenten": "Wijkagenten",
    "ggz_ggd": "GGZ / GGD",
}

YES_NO = {"ja": True, "nee": False}


@dataclass(frozen=True)
class Field:
    """A reported value of the Gegevens, Middelen or Signalen sheet."""

    name: str
    kind: str  # text, int, decimal, date, quarter
    required: bool = True
    label: str = ""


GENERAL_FIELDS = (
    Field("gemeente_code", "text", label="CBS-code van de gemeente (GMxxxx)"),
    Field("gemeente_naam", "text", required=False, label="Naam van de gemeente (ter controle)"),
    Field("kwartaal", "quarter", label="Kwartaal (bijv. 2026Q3)"),
    Field("sjabloonversie", "int", label="Versie van het sjabloon"),
    Field("ingevuld_op", "date", required=False, label="Datum van invullen"),
)
RESOURCE_FIELDS = (
    Field("capaciteit_fte", "decimal", label="Capaciteit voor de aanpak (fte)"),
    Field("budget_aanpak_eur", "decimal", label="Budget voor de aanpak (euro)"),
    Field("budget_interventies_eur", "decimal", label="Geld voor interventietrajecten (euro)"),
    Field("medewerkers_getraind", "int", label="Medewerkers getraind dit kwartaal"),
    Field("datum_laatste_training", "date", required=False, label="Datum laatste training"),
    Field("interventietrajecten_lopend", "int", label="Lopende interventietrajecten"),
)
SIGNAL_FIELDS = (
    Field("meldingen_radicalisering", "int", label="Meldingen radicalisering"),
    Field("meldingen_polarisatie", "int", label="Meldingen polarisatie"),
    Field("meldingen_van_burgers", "int", label="Meldingen van burgers"),
    Field("meldingen_van_professionals", "int", label="Meldingen van professionals"),
    Field("ingebracht_zvh", "int", label="Ingebracht in het Zorg- en Veiligheidshuis"),
)

TEMPLATE_VERSIONS = (1,)
EXPLANATION_MAX = 500

_QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER_RE.match(str(text).strip())
        if not match:
            raise ValueError(f"not a quarter: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def position(self) -> int:
        return self.year * 4 + self.number - 1

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    @property
    def label(self) -> str:
        """Dutch label, e.g. '3e kwartaal 2026'."""
        return f"{self.number}e kwartaal {self.year}"

    def __str__(self) -> str:
        return self.code


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    out, q = [], first
    while q <= last:
        out.append(q)
        q = q.next()
    return out


def today() -> dt.date:
    """Today's date, or the NHSV_TODAY setting (to reproduce a run)."""
    value = settings.get("NHSV_TODAY").strip()
    return dt.date.fromisoformat(value) if value else dt.date.today()


def current_quarter() -> Quarter:
    return Quarter.of(today())


def last_completed_quarter() -> Quarter:
    return current_quarter().previous()


SIZE_CLASSES = ("< 20.000", "20.000–50.000", "50.000–100.000", "≥ 100.000")


def size_class(population: int) -> str:
    """Size class by population (DOMAIN.md section 4)."""
    if population < 20_000:
        return SIZE_CLASSES[0]
    if population < 50_000:
        return SIZE_CLASSES[1]
    if population < 100_000:
        return SIZE_CLASSES[2]
    return SIZE_CLASSES[3]
