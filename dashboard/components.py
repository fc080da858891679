"""Reusable page parts: chart cards with caption, description, table alternative and CSV download;
selectors that put the quarter and filters in the URL; key figures; empty and error states."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

import pandas as pd
from dash import dcc, html

from dashboard import formatting
from dashboard.charts import Chart

CSV_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_HTML = "dash_html_components"  # the namespace of dash.html's components, as they serialise


def neutralise(value) -> str:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if value.__class__ is str:  # most cells: formatted already
        text = value
    else:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return "'" + text if text.startswith(CSV_INJECTION_PREFIXES) else text


def _rows(table: pd.DataFrame):
    """The table's rows as tuples of the values itertuples(index=False) gives, at a fifth of its cost."""
    return zip(*(column.tolist() for _, column in table.items()), strict=True)


def table_csv(table: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in table.columns])
    writer.writerows([neutralise(v) for v in row] for row in _rows(table))
    return buffer.getvalue()


def _cell_text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


class _Element(dict):
    """A Dash component as the JSON it serialises to ({"props": ..., "type": "Td", "namespace": ...}): Dash sends
    a layout as JSON, so the browser receives exactly the same tree, without the component's generated
    constructor (~10 µs each). Its props read as attributes too (`.children`, `.scope`, `.href`), like a
    component's, for code that walks a layout in Python."""

    __slots__ = ()

    def __getattr__(self, name: str):
        try:
            return dict.__getitem__(self, "props")[name]
        except KeyError:
            raise AttributeError(name) from None


def element(tag: str, children=None, **props) -> _Element:
    """A dash.html element (`tag`: "Tr", "Td", "Ul", …) as its JSON, for pages that build hundreds of rows.
    Props use Dash's names (className, scope); None values are left out, as Dash leaves them out."""
    given = {"children": children, **props}
    return _Element(props={k: v for k, v in given.items() if v is not None}, type=tag, namespace=_HTML)


def link(text: str, href: str) -> _Element:
    """A dcc.Link as its JSON (see `element`)."""
    return _Element(props={"children": text, "href": href}, type="Link", namespace="dash_core_components")


def data_table(table: pd.DataFrame, caption: str, links: dict[str, str] | None = None) -> html.Div:
    """An accessible HTML table; `links` maps a first-column value to a URL.

    The body's rows and cells are `_Element`s rather than Dash components: a 342 × 19 table has ~6,500 cells,
    60-80 ms as components against ~6 ms this way, for the same JSON (tests/test_chart_equivalence.py)."""
    head = html.Thead(html.Tr([_Element(props={"children": str(c), "scope": "col"}, type="Th", namespace=_HTML)
                               for c in table.columns]))
    body_rows = []
    for row in _rows(table):
        texts = [value if value.__class__ is str else _cell_text(value) for value in row]
        cells = [_Element(props={"children": text}, type="Td", namespace=_HTML) for text in texts[1:]]
        if texts:
            first: str | dict = texts[0]
            if links and first in links:
                first = _Element(props={"children": first, "href": links[first]}, type="Link",
                                 namespace="dash_core_components")
            cells.insert(0, _Element(props={"children": first, "scope": "row"}, type="Th", namespace=_HTML))
        body_rows.append(_Element(props={"children": cells}, type="Tr", namespace=_HTML))
    return html.Div(html.Table([html.Caption(caption), head, html.Tbody(body_rows)], className="data-table"),
                    className="table-scroll", tabIndex="0", role="region", **{"aria-label": caption})


class Offered(NamedTuple):
    """A table a page offers as 'Toon als tabel' and 'Download als CSV' (see dashboard.alternatives). `make`
    builds it, only when one of them asks (a chart's table is not built for a page view)."""
    title: str
    make: Callable[[], pd.DataFrame]
    links: dict[str, str] | None
    filename: str


_OFFERED: ContextVar[dict[str, Offered] | None] = ContextVar("offered_tables", default=None)


@contextmanager
def collecting() -> Iterator[dict[str, Offered]]:
    """While a page is rendered inside this block, the tables it offers are gathered, by key."""
    found: dict[str, Offered] = {}
    token = _OFFERED.set(found)
    try:
        yield found
    finally:
        _OFFERED.reset(token)


def offer(key: str, title: str, table: pd.DataFrame | Callable[[], pd.DataFrame], links: dict[str, str] | None = None,
          filename: str | None = None) -> None:
    """Make a table available on request. A normal render sends only the figure: the table and its CSV are
    rendered when asked for, by rendering the page again for the same URL and user (dashboard.alternatives)."""
    found = _OFFERED.get()
    if found is not None:
        make = table if callable(table) else (lambda: table)
        found.setdefault(key, Offered(title, make, links, filename or f"{key}.csv"))


def table_alternative(key: str) -> html.Details:
    """'Toon als tabel': opening it asks the server for the table (dashboard.alternatives.show_table)."""
    return html.Details([
        html.Summary("Toon als tabel", id={"type": "tabel-toon", "key": key}),
        html.Div("Tabel wordt geladen…", id={"type": "tabel", "key": key}, className="table-slot"),
    ], className="table-alternative")


def csv_download(key: str) -> html.Div:
    """'Download als CSV': pressing it asks the server for the CSV (dashboard.alternatives.download_csv)."""
    return html.Div([
        html.Button("Download als CSV", id={"type": "csv", "key": key}, type="button", className="download"),
        dcc.Download(id={"type": "csv-bestand", "key": key}),
        html.Span(id={"type": "csv-melding", "key": key}, role="status", className="download-status"),
    ], className="download-row")


def chart_card(chart: Chart, caption: str, graph_id: str | dict | None = None,
               links: dict[str, str] | None = None, note: str = "") -> html.Section:
    """A chart with its title, caption (source, quarter, load date), description for screen readers,
    a 'toon als tabel' alternative and a CSV download of exactly the figures shown (both on request)."""
    description_id = f"beschrijving-{chart.key}"
    offer(chart.key, chart.title, lambda: chart.table, links)
    graph_props = {"id": graph_id} if graph_id is not None else {}
    return html.Section([
        html.H2(chart.title),
        # the figure's JSON as built: chart.figure would build a go.Figure, which Dash would then deep-copy
        html.Figure(dcc.Graph(figure=chart.figure_json(),
                              config={"displaylogo": False, "responsive": True,
                                      "modeBarButtonsToRemove": ["select2d", "lasso2d"]},
                              **graph_props),
                    **{"aria-label": chart.title, "aria-describedby": description_id}),
        html.P(chart.description, id=description_id, className="description"),
        html.P(note, className="note") if note else None,
        html.P(caption, className="caption"),
        table_alternative(chart.key),
        csv_download(chart.key),
    ], className="card")


def nav_select(name: str, label: str, options: list[tuple[str, str]], value: str | list[str] | None,
               clearable: bool = False, multi: bool = False) -> html.Div:
    """A native <select> in the page's filter form: 'Toepassen' puts its value in the query string and the
    page renders itself from the URL. Native controls work with keyboard and screen readers as they are.

    `clearable` adds an empty first option ('alle'); with `multi` several values can be chosen."""
    chosen = set(param_list(value)) if multi else {value}
    # Options as their JSON (see `element`): 342 options (a national gemeente list) take ~0.1 ms to build and
    # encode this way against ~3.5 ms as html.Option components.
    items = [element("Option", "(alle)", value="", selected=value in (None, ""))] if clearable and not multi else []
    items += [_Element(props={"children": text, "value": v, "selected": v in chosen}, type="Option", namespace=_HTML)
              for v, text in options]
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
