"""Verantwoording: what each measure means, how it is calculated, the small-count rule, sources, checklist."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard import components, data
from dashboard.metrics import MEASURES
from etl import reference
from etl.domain import STATUS_LABELS
from nhsv import settings

dash.register_page(__name__, path="/verantwoording", name="Verantwoording", title="Verantwoording — NHSV-monitor",
                   order=9, render_cache=True)


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
            html.P("Elk kwartaal leveren de 32 gemeenten van Noord-Holland Samen Veilig aan: de status van de 18 "
                   "bouwstenen van de regionale checklist (met een korte toelichting), de capaciteit en het "
                   "budget voor de aanpak, het aantal meldingen van radicalisering en polarisatie en welke "
                   "partners deelnemen aan het signaleringsnetwerk. De monitor bevat geen persoonsgegevens: "
                   "alleen aantallen en statussen."),
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
            html.P("Regionale coördinatoren en beheerders zien alle gemeenten met naam en alle cijfers exact. "
                   "Een gemeente ziet haar eigen cijfers exact; andere gemeenten ziet zij zonder naam (Gemeente A, "
                   "B, …; de letters worden per weergave opnieuw toegekend, op volgorde van de waarde), zonder "
                   "inwonertal, zonder toelichtingen en zonder meldingen per gemeente. Een vergelijkingsgroep "
                   "bevat dan ten minste 3 andere gemeenten."),
            html.H3("Kleine aantallen"),
            html.P(f"Aantallen meldingen en interventietrajecten van 1 tot en met {threshold - 1} worden buiten "
                   f"de eigen gemeente getoond als '<{threshold}'; 0 blijft 0. Staat er in een tabel ook een "
                   "totaal, dan wordt zo nodig een tweede cel afgeschermd (×), zodat een klein aantal niet kan "
                   "worden teruggerekend. Een aantal per inwoner staat alleen naast een getoond aantal. In "
                   "openbare exports worden aantallen bovendien afgerond op vijftallen en staat geen gemeentenaam "
                   "naast een aantal."),
        ], className="card"),
        html.Section([
            html.H2("Bronnen"),
            html.Ul([
                html.Li("Aanleveringen van de NHSV-gemeenten, per kwartaal, gevalideerd bij het laden."),
                html.Li("Inwonertal: CBS StatLine 86247NED 'Gebieden in Nederland 2026' (1 januari 2026, "
                        "voorlopig)."),
                html.Li("Checklist: de regionale handreiking 'De bouwstenen voor een effectieve aanpak van "
                        "polarisatie en radicalisering voor gemeenten'."),
                html.Li("Gebeurtenissen in de grafieken van Ontwikkeling: een lijst die de coördinatoren "
                        "bijhouden (data/reference/events.csv)."),
            ]),
        ], className="card"),
        html.Section([
            html.H2(f"De checklist (versie {blocks[0].checklist_version})"),
            components.data_table(pd.DataFrame({
                "Code": [b.code for b in blocks], "Thema": [b.theme for b in blocks],
                "Bouwsteen": [b.label for b in blocks], "Tekst van de handreiking": [b.description for b in blocks],
            }), "De 18 bouwstenen"),
        ], className="card"),
        html.P(data.SOURCE, className="caption"),
    ])
