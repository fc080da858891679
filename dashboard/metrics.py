"""The measures as the dashboard shows them: label, unit, format and whether they rest on counts of signals.

One configuration for every page, chart and export (the corona dashboard's metric configuration). The
definitions themselves live in etl/measures.py; this says how to present them and who may see them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import formatting
from etl import measures, reference
from etl.domain import PARTNERS

N_BLOCKS = len(reference.blocks())  # the checklist is versioned data: its current length, not a typed "18"


@dataclass(frozen=True)
class Measure:
    key: str  # column of mart_municipality_quarter
    label: str
    short: str
    unit: str
    decimals: int = 0
    percent: bool = False
    count_based: bool = False  # rests on small counts: never per other gemeente for gemeente users
    description: str = ""
    per_inhabitants: int | None = None  # per how many inhabitants (etl.measures), for rates

    def format(self, value) -> str:
        if self.percent:
            return formatting.percent(value, self.decimals)
        return formatting.number(value, self.decimals)


MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("score", "Voortgangsscore", "Score", "0–100", 1,
            description=f"Som van de statussen van de {N_BLOCKS} bouwstenen gedeeld door 3 × {N_BLOCKS}, maal 100."),
    Measure("blocks_in_order", "Bouwstenen op orde", "Op orde", f"van {N_BLOCKS}",
            description="Aantal bouwstenen met status Gerealiseerd of Geborgd."),
    Measure("fte_per_100k", "Capaciteit", "fte/100.000", "fte per 100.000 inwoners", 2,
            description="Capaciteit voor de aanpak in fte per 100.000 inwoners.", per_inhabitants=measures.FTE_PER),
    Measure("budget_per_1000", "Budget", "€/1.000", "€ per 1.000 inwoners", 0,
            description="Budget voor de aanpak plus geld voor interventietrajecten, per 1.000 inwoners.",
            per_inhabitants=measures.BUDGET_PER),
    Measure("network_coverage", "Netwerkdekking", "Netwerk", f"% van {len(PARTNERS)} partnertypen", 0, percent=True,
            description=f"Aandeel van de {len(PARTNERS)} partnertypen dat deelneemt aan het signaleringsnetwerk."),
    Measure("signals_total", "Meldingen", "Meldingen", "aantal per kwartaal", count_based=True,
            description="Meldingen van radicalisering en polarisatie in het kwartaal."),
    Measure("signals_per_10k", "Meldingen per 10.000 inwoners", "Meld./10.000", "per 10.000 inwoners", 2,
            count_based=True, description="Meldingen in het kwartaal per 10.000 inwoners.",
            per_inhabitants=measures.SIGNALS_PER),
    Measure("share_to_safety_house", "Ingebracht in het ZVH", "% ZVH", "% van de meldingen", 0, percent=True,
            count_based=True, description="Aandeel van de meldingen dat is ingebracht in het Zorg- en "
                                          "Veiligheidshuis (i2o/ICO)."),
    Measure("regressions", "Terugval", "Terugval", "bouwstenen", count_based=False,
            description="Aantal bouwstenen met een lagere status dan het kwartaal ervoor."),
    Measure("score_la", "Score Lokale aanpak", "Lokale aanpak", "0–100", 1),
    Measure("score_ke", "Score Kennis en expertise", "Kennis", "0–100", 1),
    Measure("score_mm", "Score Mens en middelen", "Mens/middelen", "0–100", 1),
    Measure("score_ss", "Score Signaleringsstructuur", "Signalering", "0–100", 1),
    Measure("score_pr", "Score Preventie", "Preventie", "0–100", 1),
)}

THEMES = {"LA": "Lokale aanpak", "KE": "Kennis en expertise", "MM": "Mens en middelen",
          "SS": "Signaleringsstructuur", "PR": "Preventie"}

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
