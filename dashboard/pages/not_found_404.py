"""Dutch page for an address that does not exist (Dash pages picks this module up by its name)."""

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Niet gevonden", title="Niet gevonden — NHSV-monitor")


def layout(**_):
    return html.Div([
        html.H1("Pagina niet gevonden"),
        html.P("Deze pagina bestaat niet (meer). Controleer het adres of ga naar het overzicht."),
        dcc.Link("Naar het overzicht", href="/"),
    ], className="empty-state")
