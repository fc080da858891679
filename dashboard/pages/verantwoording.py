"""Verantwoording: what each measure means, how it is calculated, the small-count rule, sources, checklist."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard import charts, components, data
from dashboard.data import scope
from dashboard.i18n import N_, _
from dashboard.metrics import MEASURES, N_BLOCKS, theme_name
from etl import reference
from etl.domain import SIZE_CLASSES, STATUS_LABELS
from nhsv import settings

dash.register_page(__name__, path="/verantwoording", name=N_("Verantwoording"),
                   title=components.page_title(N_("Verantwoording")), order=9)


def layout(**_kwargs):
    threshold = settings.get_int("NHSV_SMALL_COUNT_THRESHOLD")
    blocks = reference.blocks()
    measures = components.data_table(
        pd.DataFrame({
            _("Maat"): [m.label for m in MEASURES.values() if m.description],
            _("Eenheid"): [m.unit for m in MEASURES.values() if m.description],
            _("Berekening"): [m.description for m in MEASURES.values() if m.description],
        }), _("Maten en hun berekening"))
    sizes = [scope.size_text(size) for size in SIZE_CLASSES]
    year = data.warehouse.population_year()
    cbs_table = f"'Gebieden in Nederland {year}'"  # the table's own name, as CBS publishes it
    return html.Div([
        html.H1(_("Verantwoording")),
        html.P(_("Deze pagina legt uit wat de monitor meet, hoe de maten worden berekend en welke regels gelden "
                 "voor wat u te zien krijgt.")),
        html.Section([
            html.H2(_("Wat wordt gemeten")),
            html.P(_("Elk kwartaal leveren de %(n)s gemeenten van Noord-Holland Samen Veilig aan: de status van de "
                     "%(blocks)s bouwstenen van de regionale checklist (met een korte toelichting), de capaciteit en "
                     "het budget voor de aanpak, het aantal meldingen van radicalisering en polarisatie en welke "
                     "partners deelnemen aan het signaleringsnetwerk. De monitor bevat geen persoonsgegevens: alleen "
                     "aantallen en statussen.", n=len(data.region()), blocks=N_BLOCKS)),
            html.P(_("Status per bouwsteen aan het eind van het kwartaal: %(statuses)s. Gerealiseerd en Geborgd tellen "
                     "als 'op orde'. Een gemeente die niet aanleverde, telt niet als 0 maar als 'niet aangeleverd'.",
                     statuses=", ".join(f"{k} = {charts.status_label(k)}" for k in range(len(STATUS_LABELS))))),
        ], className="card"),
        html.Section([html.H2(_("Maten")), measures,
                      html.P(_("Verandering: het verschil met het kwartaal ervoor. Terugval: een bouwsteen met een "
                               "lagere status dan het kwartaal ervoor. Vergelijkingsgroepen: de regio, het district "
                               "en de grootteklasse (%(sizes)s inwoners).",
                               sizes=_("%(first)s en %(last)s", first=", ".join(sizes[:-1]), last=sizes[-1])))],
                     className="card"),
        html.Section([
            html.H2(_("Wie ziet wat")),
            html.P(_("Regionale coördinatoren en beheerders zien alle gemeenten met naam en alle cijfers exact.")),
            html.P(_("Een gemeente ziet haar eigen cijfers exact, met naam. Andere gemeenten ziet zij nooit "
                     "afzonderlijk, ook niet zonder naam: alleen samengevat in een groep van de regio, een district "
                     "of de eigen grootteklasse, en alleen als die groep ten minste %(n)s andere gemeenten heeft die "
                     "over het kwartaal aanleverden. Zo'n samenvatting is een spreiding (de middelste helft, de "
                     "middelste 80%% en de mediaan, berekend als gewogen gemiddelde van alle waarden, dus nooit de "
                     "waarde van één gemeente) of een telling per status, zoals 'LA6: bij 11 van de 30 gemeenten "
                     "geborgd'. Waarden per inwoner van andere gemeenten (fte per 100.000, euro per 1.000) worden "
                     "afgerond op twee cijfers: met het exacte getal en het inwonertal van het CBS zou u anders "
                     "kunnen uitrekenen om welke gemeente het gaat.", n=scope.MIN_OTHERS)),
            html.P(_("Wie over een kwartaal niet heeft aangeleverd, ziet alleen de coördinator. Een gemeente ziet "
                     "alleen hoeveel gemeenten van de %(n)s aanleverden. Daarom staan tellingen per district of "
                     "grootteklasse, en aantallen per 10.000 inwoners van een groep, er alleen in een kwartaal waarin "
                     "iedereen aanleverde: anders zou u kunnen afleiden in welke groep iemand ontbreekt.",
                     n=len(data.region()))),
            html.P(_("Toelichtingen van andere gemeenten ziet u nooit. Wilt u weten welke gemeenten een bouwsteen op "
                     "orde hebben? De regionale coördinator kan u met hen in contact brengen.")),
            html.H3(_("Kleine aantallen")),
            html.P(_("Aantallen meldingen van 1 tot en met %(highest)s worden buiten de eigen gemeente getoond als "
                     "'<%(threshold)s'; 0 blijft 0. Omdat de regio de som is van de drie districten, en een totaal "
                     "de som van zijn delen, worden zo nodig nog andere aantallen afgeschermd (×). Dat wordt voor "
                     "alle tabellen, grafieken, kerncijfers en exports tegelijk bepaald, zodat een klein aantal ook "
                     "niet door aftrekken over tabellen heen kan worden teruggerekend. Voor uw eigen gemeente geldt "
                     "dat voor het deel van een totaal dat niet van u is. Een aantal per inwoner staat alleen naast "
                     "een getoond aantal. In openbare exports worden aantallen bovendien afgerond op vijftallen en "
                     "staat geen gemeentenaam naast een aantal.", highest=threshold - 1, threshold=threshold)),
            html.P(_("Deze regels worden op de server toegepast, voor elke pagina, elke keuze, elke tabel, elke "
                     "download en elke export. De geautomatiseerde tests van de monitor proberen ze te doorbreken "
                     "zoals een kwaadwillende gebruiker dat zou doen, voor elke gemeente en elk kwartaal.")),
        ], className="card"),
        html.Section([
            html.H2(_("Bronnen")),
            html.Ul([
                html.Li(_("Aanleveringen van de NHSV-gemeenten, per kwartaal, gevalideerd bij het laden.")),
                html.Li(_("Inwonertal: CBS StatLine 86247NED %(table)s (1 januari %(year)s).", table=cbs_table,
                          year=year)),
                # the handreiking's own (Dutch) title
                html.Li(_("Checklist: de regionale handreiking %(title)s.",
                          title="'De bouwstenen voor een effectieve aanpak van polarisatie en radicalisering voor "
                                "gemeenten'")),
                html.Li(_("Gebeurtenissen in de grafieken van Ontwikkeling: een lijst die de coördinatoren "
                          "bijhouden.")),
            ]),
        ], className="card"),
        html.Section([
            html.H2(_("De checklist (versie %(version)s)", version=blocks[0].checklist_version)),
            components.data_table(pd.DataFrame({
                _("Code"): [b.code for b in blocks], _("Thema"): [theme_name(b.theme_code, b.theme) for b in blocks],
                _("Bouwsteen"): [b.label for b in blocks],
                _("Tekst van de handreiking"): [b.description for b in blocks],
            }), _("De %(blocks)s bouwstenen", blocks=N_BLOCKS)),
        ], className="card"),
        html.P(data.source_line(), className="caption"),
    ])
