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
        html.Div(dcc.Graph(figure=chart.figure, config={"displaylogo": False, "responsive": True,
                                                        "modeBarButtonsToRemove": ["select2d", "lasso2d"]},
                           **graph_props),
                 role="img", **{"aria-label": chart.title, "aria-describedby": description_id}),
        html.P(chart.description, id=description_id, className="description"),
        html.P(note, className="note") if note else None,
        html.P(caption, className="caption"),
        html.Details([
            html.Summary("Toon als tabel"),
            data_table(chart.table, chart.title, links),
        ], className="table-alternative"),
        html.A("Download als CSV", href=csv_href, download=f"{chart.key}.csv", className="download"),
    ], className="card", **{"aria-labelledby": None})


def nav_select(name: str, label: str, options: list[tuple[str, str]], value: str | list[str] | None,
               clearable: bool = False, multi: bool = False) -> html.Div:
    """A select whose value goes into the URL's query string (one generic callback does that).

    With `multi` the value is a list; the query string holds it comma-separated."""
    select_id = {"type": "nav-param", "name": name}
    extra = {"multi": True, "searchable": True} if multi else {"searchable": False}
    return html.Div([
        html.Label(label, htmlFor=f"nav-{name}"),
        dcc.Dropdown(id=select_id, options=[{"label": text, "value": v} for v, text in options], value=value,
                     clearable=clearable or multi, className="nav-select", **extra),
    ], className="control")


def quarter_select(quarters: list[str], value: str) -> html.Div:
    return nav_select("kwartaal", "Kwartaal", [(q, formatting.quarter_label(q)) for q in quarters], value)


def key_figures(figures) -> html.Div:
    return html.Div([
        html.Div([
            html.P(f.label, className="kf-label"),
            html.P(f.value, className="kf-value"),
            html.P(f.change or "\u00a0", className="kf-change"),
        ], className="kf", title=f.help) for f in figures
    ], className="key-figures", role="list")


def page_header(title: str, intro: str, controls: list | None = None) -> html.Div:
    return html.Div([
        html.H1(title),
        html.Details([html.Summary("Uitleg"), html.P(intro)], className="uitleg"),
        html.Div(controls or [], className="controls"),
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
