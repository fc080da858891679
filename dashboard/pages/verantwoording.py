"""Verantwoording: what each measure means, how it is calculated, the small-count rule, sources, checklist."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard import components, data
from dashboard.data import scope
from dashboard.metrics import MEASURES, N_BLOCKS
from etl import reference
from etl.domain import STATUS_LABELS
from nhsv import settings

dash.register_page(__name__, path="/verantwoording", name="Verantwoording", title="Verantwoording — NHSV-monitor",
                   order=9)


def layout(**_):
    threshold = settings.get_int("NHSV_SMALL_COUNT_THRESHOLD")
    blocks = reference.blocks()
    measures = components.data_table(
        pd.DataFrame({
            "Maat": [m.label for m in MEASURES.values() if m.description],
            "Eenheid": [m.unit for m in MEASURES.values() if m.description],
            "Berekening": [m.description for m in MEASURES.values() if m.description],
        }), "Maten en hun berekening")
    return html.Div([
        html.H1("Verantwoording"),
        html.P("Deze pagina legt uit wat de monitor meet, hoe de maten worden berekend en welke regels gelden "
               "voor wat u te zien krijgt."),
        html.Section([
            html.H2("Wat wordt gemeten"),
            html.P(f"Elk kwartaal leveren de {len(data.region())} gemeenten van Noord-Holland Samen Veilig aan: de "
                   f"status van de {N_BLOCKS} bouwstenen van de regionale checklist (met een korte toelichting), "
                   "de capaciteit en het budget voor de aanpak, het aantal meldingen van radicalisering en "
                   "polarisatie en welke partners deelnemen aan het signaleringsnetwerk. De monitor bevat geen "
                   "persoonsgegevens: alleen aantallen en statussen."),
            html.P("Status per bouwsteen aan het eind van het kwartaal: " +
                   ", ".join(f"{k} = {label}" for k, label in enumerate(STATUS_LABELS)) +
                   ". Gerealiseerd en Geborgd tellen als 'op orde'. Een gemeente die niet aanleverde, telt niet "
                   "als 0 maar als 'niet aangeleverd'."),
        ], className="card"),
        html.Section([html.H2("Maten"), measures,
                      html.P("Verandering: het verschil met het kwartaal ervoor. Terugval: een bouwsteen met een "
                             "lagere status dan het kwartaal ervoor. Vergelijkingsgroepen: de regio, het district "
                             "en de grootteklasse (< 20.000, 20.000–50.000, 50.000–100.000 en ≥ 100.000 "
                             "inwoners).")], className="card"),
        html.Section([
            html.H2("Wie ziet wat"),
            html.P("Regionale coördinatoren en beheerders zien alle gemeenten met naam en alle cijfers exact."),
            html.P("Een gemeente ziet haar eigen cijfers exact, met naam. Andere gemeenten ziet zij nooit "
                   "afzonderlijk, ook niet zonder naam: alleen samengevat in een groep van de regio, een district of "
                   f"de eigen grootteklasse, en alleen als die groep ten minste {scope.MIN_OTHERS} andere gemeenten "
                   "heeft die over het kwartaal aanleverden. Zo'n samenvatting is een spreiding (de middelste helft, "
                   "de middelste 80% en de mediaan, berekend als gewogen gemiddelde van alle waarden, dus nooit de "
                   "waarde van één gemeente) of een telling per status, zoals 'LA6: bij 11 van de 30 gemeenten "
                   "geborgd'. Waarden per inwoner van andere gemeenten (fte per 100.000, euro per 1.000) worden "
                   "afgerond op twee cijfers: met het exacte getal en het inwonertal van het CBS zou u anders kunnen "
                   "uitrekenen om welke gemeente het gaat."),
            html.P("Wie over een kwartaal niet heeft aangeleverd, ziet alleen de coördinator. Een gemeente ziet "
                   f"alleen hoeveel gemeenten van de {len(data.region())} aanleverden. Daarom staan tellingen per "
                   "district of grootteklasse, en aantallen per 10.000 inwoners van een groep, er alleen in een "
                   "kwartaal waarin iedereen aanleverde: anders zou u kunnen afleiden in welke groep iemand "
                   "ontbreekt."),
            html.P("Toelichtingen van andere gemeenten ziet u nooit. Wilt u weten welke gemeenten een bouwsteen op "
                   "orde hebben? De regionale coördinator kan u met hen in contact brengen."),
            html.H3("Kleine aantallen"),
            html.P(f"Aantallen meldingen van 1 tot en met {threshold - 1} worden buiten de eigen gemeente getoond "
                   f"als '<{threshold}'; 0 blijft 0. Omdat de regio de som is van de drie districten, en een totaal "
                   "de som van zijn delen, worden zo nodig nog andere aantallen afgeschermd (×). Dat wordt voor alle "
                   "tabellen, grafieken, kerncijfers en exports tegelijk bepaald, zodat een klein aantal ook niet "
                   "door aftrekken over tabellen heen kan worden teruggerekend. Voor uw eigen gemeente geldt dat "
                   "voor het deel van een totaal dat niet van u is. Een aantal per inwoner staat alleen naast een "
                   "getoond aantal. In openbare exports worden aantallen bovendien afgerond op vijftallen en staat "
                   "geen gemeentenaam naast een aantal."),
            html.P("Deze regels worden op de server toegepast, voor elke pagina, elke keuze, elke tabel, elke "
                   "download en elke export. De geautomatiseerde tests van de monitor proberen ze te doorbreken "
                   "zoals een kwaadwillende gebruiker dat zou doen, voor elke gemeente en elk kwartaal."),
        ], className="card"),
        html.Section([
            html.H2("Bronnen"),
            html.Ul([
                html.Li("Aanleveringen van de NHSV-gemeenten, per kwartaal, gevalideerd bij het laden."),
                html.Li(f"Inwonertal: CBS StatLine 86247NED 'Gebieden in Nederland {data.warehouse.population_year()}' "
                        f"(1 januari {data.warehouse.population_year()})."),
                html.Li("Checklist: de regionale handreiking 'De bouwstenen voor een effectieve aanpak van "
                        "polarisatie en radicalisering voor gemeenten'."),
                html.Li("Gebeurtenissen in de grafieken van Ontwikkeling: een lijst die de coördinatoren "
                        "bijhouden."),
            ]),
        ], className="card"),
        html.Section([
            html.H2(f"De checklist (versie {blocks[0].checklist_version})"),
            components.data_table(pd.DataFrame({
                "Code": [b.code for b in blocks], "Thema": [b.theme for b in blocks],
                "Bouwsteen": [b.label for b in blocks], "Tekst van de handreiking": [b.description for b in blocks],
            }), f"De {N_BLOCKS} bouwstenen"),
        ], className="card"),
        html.P(data.source_line(), className="caption"),
    ])
