"""Reusable page parts: chart cards with caption, description, table alternative and CSV download;
selectors that put the quarter and filters in the URL; key figures; empty and error states."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from dashboard import formatting, i18n
from dashboard.charts import Chart
from dashboard.i18n import _

CSV_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The chart toolbar: nothing but a PNG download (no upload to an outside service, no zoom tools), in the page's
# language through plotly.js's own `locales` option. The SVG download sits beside the CSV download under the chart.
# plotly.js's own (English) texts of the tools in use, and what the toolbar says instead
TOOLBAR_NAMES = {"Download plot as a PNG": i18n.N_("Download als PNG"),
                 "Download plot as a png": i18n.N_("Download als PNG"), "Download plot": i18n.N_("Download"),
                 "Double-click to zoom back out": i18n.N_("Dubbelklik om uit te zoomen"),
                 "Autoscale": i18n.N_("Automatisch schalen"), "Zoom": i18n.N_("Zoomen"),
                 "Reset axes": i18n.N_("Assen herstellen")}
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtons": [["toImage"]], "showSendToCloud": False,
                "showEditInChartStudio": False, "showLink": False}


def graph_config() -> dict:
    """dcc.Graph's config in the current language: the toolbar's texts and plotly's number separators."""
    lang = i18n.language()
    symbols = formatting.separators(lang)
    locale = {"dictionary": {k: _(v) for k, v in TOOLBAR_NAMES.items()},
              "format": {"decimal": symbols[0], "thousands": symbols[1]}}
    return {**GRAPH_CONFIG, "locale": lang, "locales": {lang: locale}}


def neutralise(value) -> str:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if value.__class__ is str:  # most cells: formatted already
        text = value
    else:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return "'" + text if text.startswith(CSV_INJECTION_PREFIXES) else text


def _rows(table: pd.DataFrame):
    return table.itertuples(index=False, name=None)


def table_csv(table: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in table.columns])
    writer.writerows([neutralise(v) for v in row] for row in _rows(table))
    return buffer.getvalue()


def _cell_text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def data_table(table: pd.DataFrame, caption: str, links: dict[str, str] | None = None) -> html.Div:
    """An accessible HTML table; `links` maps a first-column value to a URL."""
    head = html.Thead(html.Tr([html.Th(str(c), scope="col") for c in table.columns]))
    body_rows = []
    for row in _rows(table):
        texts = [_cell_text(value) for value in row]
        if not texts:
            continue
        first = dcc.Link(texts[0], href=links[texts[0]]) if links and texts[0] in links else texts[0]
        body_rows.append(html.Tr([html.Th(first, scope="row"), *[html.Td(t) for t in texts[1:]]]))
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
        html.Summary(_("Toon als tabel"), id={"type": "tabel-toon", "key": key}),
        html.Div(_("Tabel wordt geladen…"), id={"type": "tabel", "key": key}, className="table-slot"),
    ], className="table-alternative")


def downloads(key: str, svg_name: str | None = None) -> html.Div:
    """'Download als SVG' (the chart as drawn, in the browser) and 'Download als CSV' (asks the server for the
    figures shown: dashboard.alternatives.download_csv)."""
    return html.Div([
        html.Button(_("Download als SVG"), id={"type": "svg", "key": key}, type="button", className="download",
                    value=svg_name) if svg_name else None,
        html.Button(_("Download als CSV"), id={"type": "csv", "key": key}, type="button", className="download"),
        dcc.Download(id={"type": "csv-bestand", "key": key}),
        html.Span(id={"type": "csv-melding", "key": key}, role="status", className="download-status"),
    ], className="download-row")


def csv_download(key: str) -> html.Div:
    return downloads(key)


def file_stem(quarter: str | None, subject: str) -> str:
    """The start of a downloaded chart's file name: NHSV_2026Q3_Hoorn."""
    clean = re.sub(r"[^A-Za-z0-9]+", "_", subject).strip("_")
    return "_".join(p for p in ("NHSV", quarter or "", clean) if p)


def chart_card(chart: Chart, caption: str, graph_id: str | dict | None = None,
               links: dict[str, str] | None = None, note: str = "", stem: str = "NHSV",
               narrow=None) -> html.Section:
    """A chart with its title, caption (source, quarter, load date), description for screen readers, a 'toon
    als tabel' alternative and downloads: the figure as PNG (toolbar) or SVG, the figures shown as CSV (on
    request). `stem` starts the files' names (`file_stem`). `narrow`, when given, takes the figure's place on
    narrow screens (CSS decides, not a width guessed on the server)."""
    description_id = f"beschrijving-{chart.key}"
    offer(chart.key, chart.title, lambda: chart.table, links, filename=f"{stem}_{chart.key}.csv")
    name = f"{stem}_{chart.key}"
    config = {**graph_config(), "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2}}
    return html.Section([
        html.H2(chart.title),
        html.Figure(dcc.Graph(figure=chart.figure, config=config, id=graph_id or {"type": "grafiek", "key": chart.key}),
                    className="wide-only" if narrow is not None else None,
                    **{"aria-label": chart.title, "aria-describedby": description_id}),
        html.Div(narrow, className="narrow-only") if narrow is not None else None,
        html.P(chart.description, id=description_id, className="description"),
        html.P(note, className="note") if note else None,
        html.P(caption, className="caption"),
        table_alternative(chart.key),
        downloads(chart.key, name),
    ], className="card")


def nav_select(name: str, label: str, options: list[tuple[str, str]], value: str | list[str] | None,
               clearable: bool = False, multi: bool = False) -> html.Div:
    """A native <select> in the page's filter form: 'Toepassen' puts its value in the query string and the
    page renders itself from the URL. Native controls work with keyboard and screen readers as they are.

    `clearable` adds an empty first option ('alle'); with `multi` several values can be chosen.

    The options travel as one attribute, `data-options` ([value, text, selected] each), which assets/selects.js
    turns into the <option>s: a Dash component per option cost the browser about 0.2 ms each to build, and the
    national gemeente lists hold 342 options (Vergelijken has two of them)."""
    chosen = set(param_list(value)) if multi else {value}
    items = [["", _("(alle)"), value in (None, "")]] if clearable and not multi else []
    items += [[v, text, v in chosen] for v, text in options]
    props = {"multiple": True, "size": min(8, max(3, len(options)))} if multi else {}
    return html.Div([
        html.Label(label, htmlFor=f"nav-{name}"),
        html.Select(id=f"nav-{name}", name=name, className="nav-select",
                    **{"data-options": json.dumps(items, ensure_ascii=False, separators=(",", ":"))}, **props),
    ], className="control")


def param_list(value) -> list[str]:
    """A multi-valued query parameter as a list, whether it came as repeated keys or comma-separated."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [part for item in items for part in str(item).split(",") if part]


def quarter_select(quarters: list[str], value: str) -> html.Div:
    return nav_select("kwartaal", _("Kwartaal"), [(q, formatting.quarter_label(q)) for q in quarters], value)


def change_view(key: str, change: str, delta: float | None) -> html.P:
    """A key figure's change, marked by direction and by whether that direction is good for this measure
    (dashboard.metrics.GOOD_DIRECTION): an arrow and a word, and a colour, never the colour alone."""
    from dashboard.metrics import GOOD_DIRECTION

    good = GOOD_DIRECTION.get(key, 0)
    if not change or delta is None or delta == 0 or good == 0:
        arrow = "" if not change or delta in (None, 0) else ("▲ " if delta > 0 else "▼ ")
        return html.P(arrow + (change or "\u00a0"), className="kf-change")
    better = (delta > 0) == (good > 0)
    return html.P([("▲ " if delta > 0 else "▼ ") + change,
                   html.Span(" " + (_("(beter)") if better else _("(slechter)")), className="visually-hidden")],
                  className="kf-change " + ("kf-good" if better else "kf-bad"))


def key_figures(figures, links: dict[str, str] | None = None) -> html.Div:
    """The key figures as tiles; `links` maps a figure's key to a page that explains it (e.g. who is missing)."""
    links = links or {}

    def value(f):
        return html.A(f.value, href=links[f.key]) if f.key in links else f.value

    return html.Div([
        html.Div([
            html.P(f.label, className="kf-label"),
            html.P(value(f), className="kf-value"),
            change_view(f.key, f.change, f.delta),
        ], className="kf", title=f.help, role="listitem") for f in figures
    ], className="key-figures", role="list", **{"aria-label": _("Kerncijfers")})


def control_group(legend: str, controls: list) -> html.Fieldset:
    """Filters that belong together, under a visible legend (screen readers announce it with each control)."""
    return html.Fieldset([html.Legend(legend), *controls], className="control-group")


def page_header(title: str, intro: str, controls: list | None = None) -> html.Div:
    form = html.Form([*controls,
                      html.Div(html.Button(_("Toepassen"), type="submit", className="apply"),
                               className="control control-apply")],
                     method="get", className="controls", role="search",
                     **{"aria-label": _("Keuzes voor deze pagina")}) if controls else None
    return html.Div([
        html.H1(title),
        html.Details([html.Summary(_("Uitleg")), html.P(intro)], className="uitleg"),
        form,
    ], className="page-header")


def page_title(name: str):
    """A page's document title in the current language (Dash calls it per request): 'Overzicht — NHSV-monitor'."""
    def title(**_kwargs) -> str:
        return f"{_(name)} — NHSV-monitor"

    return title


def empty_state(title: str, message: str) -> html.Div:
    return html.Div([html.H1(title), html.Div([html.P(message)], className="empty-state", role="status")])


def no_data(title: str) -> html.Div:
    """The empty warehouse, with the next step."""
    return html.Div([html.H1(title), html.Div([
        html.P(_("Er zijn nog geen aanleveringen geladen.")),
        html.P([_("Lever de gegevens van een kwartaal aan via "), dcc.Link(_("Aanleveren"), href="/aanleveren"),
                _(", of laat de beheerder bestanden laden met nhsv load.")])], className="empty-state", role="status")])


def forbidden(message: str) -> html.Div:
    return html.Div([html.H1(_("Geen toegang")), html.P(message, className="empty-state", role="alert")])


# rows per page of a long list (the coordinators' checklist grid, the tables per gemeente): the region (32) on one
# page; a national list (342) in pages, because a browser draws the grid's every symbol on its own (some 6,000, over
# a second) and a table of every gemeente is some 3,000 cells to send and lay out
PAGE_ROWS = 40


class Page(NamedTuple):
    rows: slice  # the rows of this page, to cut the whole list with
    nav: html.Nav | None  # links to the other pages; None when the list fits on one


def page_of(path: str, params: dict[str, str | None], vanaf: str | None, total: int, label: str) -> Page:
    """Which PAGE_ROWS rows of a list of `total` to show for the query parameter `vanaf` (1-based, rounded down
    to a page, within the list; anything else is the first page), and the links to the pages around it."""
    size = PAGE_ROWS
    try:
        wanted = int(vanaf or 1)
    except (TypeError, ValueError):  # not a number, or the parameter twice
        wanted = 1
    start = (min(max(wanted, 1), max(total, 1)) - 1) // size * size + 1
    nav = _pager(path, params, start, total, size, label) if total > size else None
    return Page(slice(start - 1, start - 1 + size), nav)


def _pager(path: str, params: dict[str, str | None], start: int, total: int, size: int, label: str) -> html.Nav:
    """Links to the previous and next `size` rows of a long list (the query parameter `vanaf`, 1-based) and
    where this page is: 'Gemeente 41 tot en met 80 van 342'. The other parameters stay as they are."""
    def href(first: int) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{path}?{urlencode({**query, 'vanaf': first})}"

    last = min(start + size - 1, total)
    return html.Nav([
        dcc.Link(_("← Vorige %(n)s", n=size), href=href(max(1, start - size))) if start > 1 else None,
        html.Span(_("Gemeente %(first)s tot en met %(last)s van %(n)s", first=start, last=last, n=total),
                  className="pager-where", role="status"),
        dcc.Link(_("Volgende %(n)s →", n=min(size, total - last)), href=href(start + size)) if last < total else None,
    ], className="pager", **{"aria-label": label})


def status_legend() -> html.P:
    from dashboard.charts import status_legend_text

    return html.P(_("Legenda: ") + status_legend_text(), className="legend")


def compact_rows(rows: list[tuple[object, str, list[str]]], label: str) -> html.Ul:
    """A list for narrow screens: per row a heading (text or link), a short summary, and groups of symbols."""
    # a row's groups are one text, each group held together by no-break spaces (a line breaks between groups
    # only): four components a row instead of one per group, which nationally (342 rows) halved the page's size
    return html.Ul([html.Li([html.Span(head, className="compact-head"), " ",
                             html.Span(summary, className="compact-summary"),
                             html.Span("   ".join(g.replace(" ", "\u00a0") for g in groups),
                                       className="compact-groups")])
                    for head, summary, groups in rows], className="compact-list", **{"aria-label": label})


def story(sentences: list[str], title: str | None = None) -> html.Section:
    title = title or _("Het kwartaal in het kort")
    return html.Section([html.H2(title), *[html.P(s) for s in sentences]], className="summary-box story",
                        **{"aria-label": title})


def export_link(href: str, text: str) -> html.P:
    """The quarterly pack for this view: the link opens a page that starts it (a POST), in the user's own scope."""
    return html.P([html.A(text, href=href, className="export-link"),
                   html.Span(" · " + _("het pakket wordt op de server gemaakt; u ziet de voortgang"),
                             className="note")])
