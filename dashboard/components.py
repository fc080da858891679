"""Reusable page parts: chart cards with caption, description, table alternative and CSV download;
selectors that put the quarter and filters in the URL; key figures; empty and error states."""

from __future__ import annotations

import csv
import io
import urllib.parse

import pandas as pd
from dash import dcc, html

from dashboard import formatting
from dashboard.charts import Chart

CSV_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return "'" + text if text.startswith(CSV_INJECTION_PREFIXES) else text


def table_csv(table: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in table.columns])
    for row in table.itertuples(index=False):
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def data_table(table: pd.DataFrame, caption: str, links: dict[str, str] | None = None) -> html.Div:
    """An accessible HTML table; `links` maps a first-column value to a URL."""
    head = html.Thead(html.Tr([html.Th(str(c), scope="col") for c in table.columns]))
    body_rows = []
    for row in table.itertuples(index=False):
        cells = []
        for k, value in enumerate(row):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            if k == 0:
                content = dcc.Link(text, href=links[text]) if links and text in links else text
                cells.append(html.Th(content, scope="row"))
            else:
                cells.append(html.Td(text))
        body_rows.append(html.Tr(cells))
    return html.Div(html.Table([html.Caption(caption), head, html.Tbody(body_rows)], className="data-table"),
                    className="table-scroll", tabIndex="0", role="region", **{"aria-label": caption})


def chart_card(chart: Chart, caption: str, graph_id: str | dict | None = None,
               links: dict[str, str] | None = None, note: str = "") -> html.Section:
    """A chart with its title, caption (source, quarter, load date), description for screen readers,
    a 'toon als tabel' alternative and a CSV download of exactly the figures shown."""
    description_id = f"beschrijving-{chart.key}"
    csv_href = "data:text/csv;charset=utf-8," + urllib.parse.quote("\ufeff" + table_csv(chart.table))
    graph_props = {"id": graph_id} if graph_id is not None else {}
    return html.Section([
        html.H2(chart.title),
        html.Figure(dcc.Graph(figure=chart.figure, config={"displaylogo": False, "responsive": True,
                                                           "modeBarButtonsToRemove": ["select2d", "lasso2d"]},
                              **graph_props),
                    **{"aria-label": chart.title, "aria-describedby": description_id}),
        html.P(chart.description, id=description_id, className="description"),
        html.P(note, className="note") if note else None,
        html.P(caption, className="caption"),
        html.Details([
            html.Summary("Toon als tabel"),
            data_table(chart.table, chart.title, links),
        ], className="table-alternative"),
        html.A("Download als CSV", href=csv_href, download=f"{chart.key}.csv", className="download"),
    ], className="card")


def nav_select(name: str, label: str, options: list[tuple[str, str]], value: str | list[str] | None,
               clearable: bool = False, multi: bool = False) -> html.Div:
    """A native <select> in the page's filter form: 'Toepassen' puts its value in the query string and the
    page renders itself from the URL. Native controls work with keyboard and screen readers as they are.

    `clearable` adds an empty first option ('alle'); with `multi` several values can be chosen."""
    chosen = set(param_list(value)) if multi else {value}
    items = [html.Option("(alle)", value="", selected=value in (None, ""))] if clearable and not multi else []
    items += [html.Option(text, value=v, selected=v in chosen) for v, text in options]
    props = {"multiple": True, "size": min(8, max(3, len(options)))} if multi else {}
    return html.Div([
        html.Label(label, htmlFor=f"nav-{name}"),
        html.Select(items, id=f"nav-{name}", name=name, className="nav-select", **props),
    ], className="control")


def param_list(value) -> list[str]:
    """A multi-valued query parameter as a list, whether it came as repeated keys or comma-separated."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [part for item in items for part in str(item).split(",") if part]


def quarter_select(quarters: list[str], value: str) -> html.Div:
    return nav_select("kwartaal", "Kwartaal", [(q, formatting.quarter_label(q)) for q in quarters], value)


def key_figures(figures) -> html.Div:
    return html.Div([
        html.Div([
            html.P(f.label, className="kf-label"),
            html.P(f.value, className="kf-value"),
            html.P(f.change or "\u00a0", className="kf-change"),
        ], className="kf", title=f.help, role="listitem") for f in figures
    ], className="key-figures", role="list", **{"aria-label": "Kerncijfers"})


def page_header(title: str, intro: str, controls: list | None = None) -> html.Div:
    form = html.Form([*controls, html.Div(html.Button("Toepassen", type="submit", className="apply"),
                                          className="control control-apply")],
                     method="get", className="controls", role="search",
                     **{"aria-label": "Keuzes voor deze pagina"}) if controls else None
    return html.Div([
        html.H1(title),
        html.Details([html.Summary("Uitleg"), html.P(intro)], className="uitleg"),
        form,
    ], className="page-header")


def empty_state(title: str, message: str) -> html.Div:
    return html.Div([html.H1(title), html.Div([html.P(message)], className="empty-state", role="status")])


def forbidden(message: str) -> html.Div:
    return html.Div([html.H1("Geen toegang"), html.P(message, className="empty-state", role="alert")])


def status_legend() -> html.P:
    from dashboard.charts import STATUS_SYMBOLS
    from etl.domain import STATUS_LABELS

    return html.P("Legenda: " + " · ".join(f"{STATUS_SYMBOLS[s]} {STATUS_LABELS[s]}" for s in range(4))
                  + " · – niet aangeleverd", className="legend")


def export_link(href: str, text: str) -> html.P:
    """A download of the quarterly pack for this view, built on the server in the user's own scope."""
    return html.P([html.A(text, href=href, className="export-link", download=""),
                   html.Span(" · het maken duurt enkele seconden", className="note")])
