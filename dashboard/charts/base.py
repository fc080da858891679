"""What every chart shares: the Chart record, the palette and symbols, and the figure's common layout.

Charts are pure functions from scoped data to a Chart; the screens and the quarterly export call the same
builders, so an exported chart cannot drift from the one on screen. Figures are plain figure dicts
({"data": [...], "layout": {...}}), which dcc.Graph and kaleido take as they are; tests validate them with plotly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from dashboard import formatting
from dashboard.charts.margins import axis_margins
from dashboard.i18n import N_, _
from etl.domain import STATUS_LABELS

# Okabe–Ito, safe for the common forms of colour blindness; statuses also carry a symbol.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
OWN_COLOUR, PEER_COLOUR, MUTED = "#0072B2", "#6E6E6E", "#D9D9D9"
BAND_OUTER, BAND_INNER = "#E3ECF5", "#B9CFE4"
STATUS_COLOURS = {0: "#D55E00", 1: "#E69F00", 2: "#56B4E9", 3: "#0072B2"}
STATUS_SYMBOLS = {0: "✕", 1: "◐", 2: "✓", 3: "★", None: "–"}
STATUS_PATTERNS = {0: "x", 1: "/", 2: "", 3: "."}
SYMBOLS = ["circle", "square", "diamond", "triangle-up"]
# lines a chart can tell apart: beyond the palette, colour, dash and symbol repeat and two lines look the same
DISTINCT_LINES = len(PALETTE)
RECENT_QUARTERS = 12  # a chart with a column per quarter draws the latest 12 (three years): more columns are too
# narrow to read, on a phone first; its table has every quarter, and Ontwikkeling's lines the whole history
SEQUENTIAL = [[0, "#C6DBEF"], [0.5, "#4292C6"], [1, "#08306B"]]  # light enough to see, dark enough to read
FONT = "Segoe UI, Roboto, DejaVu Sans, Arial, sans-serif"
FONT_SIZE = 13
NOT_REPORTED = N_("Niet aangeleverd")
# etl.domain.STATUS_LABELS, marked for extraction here (etl never imports the dashboard): the statuses as a
# submission writes them, shown through gettext; tests/test_i18n.py checks that the two stay the same
STATUS_NAMES = (N_("Niet gestart"), N_("In ontwikkeling"), N_("Gerealiseerd"), N_("Geborgd"))

TEMPLATE = {"layout": {
    "paper_bgcolor": "#FFFFFF", "plot_bgcolor": "#FFFFFF", "colorway": PALETTE,
    "xaxis": {"gridcolor": "#E6E6E6", "linecolor": "#BDBDBD", "zerolinecolor": "#BDBDBD", "ticks": "",
              "automargin": True},
    "yaxis": {"gridcolor": "#E6E6E6", "linecolor": "#BDBDBD", "zerolinecolor": "#BDBDBD", "ticks": "",
              "automargin": True},
    "hoverlabel": {"font": {"family": FONT}},
}}


class Chart:
    """What a screen or an export needs of one chart: a stable key (also the file name in exports), a title,
    a description in words (for screen readers, alt text and the PDF), the figure, and the table of exactly
    the figures shown. A builder may give the table as a function: a page sends only the figure, and the table
    is made when someone asks for it."""

    __slots__ = ("_table", "description", "figure", "key", "title")

    def __init__(self, key: str, title: str, description: str, figure: dict,
                 table: pd.DataFrame | Callable[[], pd.DataFrame]):
        self.key = key
        self.title = title
        self.description = description
        self.figure = figure
        self._table = table

    @property
    def table(self) -> pd.DataFrame:
        if callable(self._table):
            self._table = self._table()
        return self._table

    def __repr__(self) -> str:
        return f"Chart(key={self.key!r}, title={self.title!r})"


def figure(traces: list[dict], layout: dict, height: int = 380, legend: bool = True) -> dict:
    """A figure with the monitor's look: font, the language's number separators (Dutch: decimal comma, thousands
    point), the legend above the plot, and margins that fit its axes (`dashboard.charts.margins`)."""
    layout = {**layout}
    given = {**dict(l=10, r=10, t=30, b=10), **layout.get("margin", {})}
    needed = axis_margins(traces, layout, FONT_SIZE)
    layout["margin"] = {**given, **{side: max(given[side], needed[side]) for side in needed}}
    layout.update(template=TEMPLATE, height=height, font=dict(family=FONT, size=FONT_SIZE, color="#1A1A1A"),
                  showlegend=legend, separators=formatting.separators())
    layout.setdefault("legend", dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return {"data": traces, "layout": layout}


def empty(key: str, title: str, message: str) -> Chart:
    layout = dict(annotations=[dict(text=message, showarrow=False, font=dict(size=14))],
                  xaxis=dict(visible=False), yaxis=dict(visible=False))
    return Chart(key, title, message, figure([], layout, 200, False), pd.DataFrame({_("Melding"): [message]}))


def recent(labels: list[str], window: int | None = RECENT_QUARTERS) -> tuple[int, str]:
    """Where a chart with a column per quarter (`labels`, oldest first) starts drawing, and the sentence for its
    description that says so ('' when it draws every quarter)."""
    first = max(0, len(labels) - window) if window else 0
    if not first:
        return 0, ""
    return first, _("De grafiek toont de laatste %(shown)s van %(n)s kwartalen (vanaf %(quarter)s); de tabel heeft "
                    "ze alle.", shown=len(labels) - first, n=len(labels), quarter=labels[first])


def missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def status_label(status: int) -> str:
    """A status (0–3) by its name in the current language."""
    return _(STATUS_LABELS[status])


def status_text(status) -> str:
    """A status or its absence ('Niet aangeleverd'), in the current language."""
    return _(NOT_REPORTED) if missing(status) else status_label(int(status))


def statuses(column) -> list[int | None]:
    """A column of statuses as ints, None where missing (NaN, None, pd.NA)."""
    return [None if missing(v) else int(v) for v in column.tolist()]


def values(series) -> list:
    """A column as a plain list, None where missing (plotly draws a gap)."""
    items = series.tolist() if hasattr(series, "tolist") else list(series)
    return [None if missing(v) else v for v in items]


def axis_title(measure) -> str:
    """A measure's name with its unit, short enough for a phone ('Capaciteit (fte/100.000)')."""
    unit = measure.short if measure.per_inhabitants else measure.unit
    return f"{measure.label} ({unit})"


def status_legend_text() -> str:
    return (" · ".join(f"{STATUS_SYMBOLS[s]} {status_label(s)}" for s in range(4))
            + f" · – {_(NOT_REPORTED).lower()}")
