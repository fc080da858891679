"""The measures as the dashboard shows them: label, unit, format and whether they rest on counts of signals.

One configuration for every page, chart and export (the corona dashboard's metric configuration). The
definitions themselves live in etl/measures.py; this says how to present them and who may see them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import formatting
from dashboard.i18n import N_, _
from etl import measures, reference
from etl.domain import PARTNERS

N_BLOCKS = len(reference.blocks())  # the checklist is versioned data: its current length, not a typed "18"
# what the texts of the measures may refer to ('van %(blocks)s'): counts from the reference data, not typed again
TEXT_PARAMS = {"blocks": N_BLOCKS, "partners": len(PARTNERS)}


@dataclass(frozen=True)
class Measure:
    """A measure as the interface presents it. Its texts are kept in Dutch (the catalogues' source, with
    `%(blocks)s` and `%(partners)s` for counts and `%%` for a percent sign) and given in the current language by
    `label`, `short`, `unit` and `description`."""

    key: str  # column of mart_municipality_quarter
    name: str
    short_name: str
    unit_name: str
    decimals: int = 0
    percent: bool = False
    count_based: bool = False  # rests on small counts: never per other gemeente for gemeente users
    explanation: str = ""
    per_inhabitants: int | None = None  # per how many inhabitants (etl.measures), for rates

    @property
    def label(self) -> str:
        return _(self.name, **TEXT_PARAMS)

    @property
    def short(self) -> str:
        return _(self.short_name, **TEXT_PARAMS)

    @property
    def unit(self) -> str:
        return _(self.unit_name, **TEXT_PARAMS)

    @property
    def description(self) -> str:
        return _(self.explanation, **TEXT_PARAMS) if self.explanation else ""

    def format(self, value) -> str:
        if self.percent:
            return formatting.percent(value, self.decimals)
        return formatting.number(value, self.decimals)


MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("score", N_("Voortgangsscore"), N_("Score"), N_("0–100"), 1,
            explanation=N_("Som van de statussen van de %(blocks)s bouwstenen gedeeld door 3 × %(blocks)s, maal "
                           "100.")),
    Measure("blocks_in_order", N_("Bouwstenen op orde"), N_("Op orde"), N_("van %(blocks)s"),
            explanation=N_("Aantal bouwstenen met status Gerealiseerd of Geborgd.")),
    Measure("fte_per_100k", N_("Capaciteit"), N_("fte/100.000"), N_("fte per 100.000 inwoners"), 2,
            explanation=N_("Capaciteit voor de aanpak in fte per 100.000 inwoners."),
            per_inhabitants=measures.FTE_PER),
    Measure("budget_per_1000", N_("Budget"), N_("€/1.000"), N_("€ per 1.000 inwoners"), 0,
            explanation=N_("Budget voor de aanpak plus geld voor interventietrajecten, per 1.000 inwoners."),
            per_inhabitants=measures.BUDGET_PER),
    Measure("network_coverage", N_("Netwerkdekking"), N_("Netwerk"), N_("%% van %(partners)s partnertypen"), 0,
            percent=True,
            explanation=N_("Aandeel van de %(partners)s partnertypen dat deelneemt aan het signaleringsnetwerk.")),
    Measure("signals_total", N_("Meldingen"), N_("Meldingen"), N_("aantal per kwartaal"), count_based=True,
            explanation=N_("Meldingen van radicalisering en polarisatie in het kwartaal.")),
    Measure("signals_per_10k", N_("Meldingen per 10.000 inwoners"), N_("Meld./10.000"), N_("per 10.000 inwoners"),
            2, count_based=True, explanation=N_("Meldingen in het kwartaal per 10.000 inwoners."),
            per_inhabitants=measures.SIGNALS_PER),
    Measure("share_to_safety_house", N_("Ingebracht in het ZVH"), N_("%% ZVH"), N_("%% van de meldingen"), 0,
            percent=True, count_based=True,
            explanation=N_("Aandeel van de meldingen dat is ingebracht in het Zorg- en Veiligheidshuis (i2o/ICO).")),
    Measure("regressions", N_("Terugval"), N_("Terugval"), N_("bouwstenen"), count_based=False,
            explanation=N_("Aantal bouwstenen met een lagere status dan het kwartaal ervoor.")),
    Measure("score_la", N_("Score Lokale aanpak"), N_("Lokale aanpak"), N_("0–100"), 1),
    Measure("score_ke", N_("Score Kennis en expertise"), N_("Kennis"), N_("0–100"), 1),
    Measure("score_mm", N_("Score Mens en middelen"), N_("Mens/middelen"), N_("0–100"), 1),
    Measure("score_ss", N_("Score Signaleringsstructuur"), N_("Signalering"), N_("0–100"), 1),
    Measure("score_pr", N_("Score Preventie"), N_("Preventie"), N_("0–100"), 1),
)}

# The themes of the checklist by code, as the interface names them (through gettext: `_(THEMES[code])`)
THEMES = {"LA": N_("Lokale aanpak"), "KE": N_("Kennis en expertise"), "MM": N_("Mens en middelen"),
          "SS": N_("Signaleringsstructuur"), "PR": N_("Preventie")}


def theme_name(code: str, given: str = "") -> str:
    """A theme's name in the current language; a theme the interface does not know keeps the checklist's name."""
    return _(THEMES[code]) if code in THEMES else given or code


# Measures a gemeente user may see per other (pseudonymised) gemeente.
PEER_VISIBLE = tuple(k for k, m in MEASURES.items() if not m.count_based)
MAP_MEASURES = ("score", "blocks_in_order", "fte_per_100k", "budget_per_1000", "network_coverage",
                "signals_per_10k")
COMPARE_MEASURES = ("score", "blocks_in_order", "fte_per_100k", "budget_per_1000", "network_coverage",
                    "score_la", "score_ke", "score_mm", "score_ss", "score_pr", "signals_per_10k",
                    "share_to_safety_house")

# Which way is good, per key figure of the overview (+1: higher is better, -1: lower is better, 0: neither, as
# for signals, where more reports may mean better signalling): the tiles colour and mark a change by it.
GOOD_DIRECTION = {"score": 1, "advanced": 1, "regressions": -1, "fte": 1, "signals": 0, "submitted": 1}
