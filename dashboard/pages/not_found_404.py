"""Dutch page for an address that does not exist (Dash pages picks this module up by its name)."""

import dash
from dash import dcc, html

from dashboard import components
from dashboard.i18n import N_, _

dash.register_page(__name__, path="/404", name=N_("Niet gevonden"), title=components.page_title(N_("Niet gevonden")))


def layout(**_kwargs):
    return html.Div([
        html.H1(_("Pagina niet gevonden")),
        html.P(_("Deze pagina bestaat niet (meer). Controleer het adres of ga naar het overzicht.")),
        dcc.Link(_("Naar het overzicht"), href="/"),
    ], className="empty-state")
