"""Charts over the quarters: a gemeente's own lines (with its group's band), the trends of the region and the
districts, and the counts of signals per quarter."""

from __future__ import annotations

import pandas as pd

from dashboard import formatting
from dashboard.charts.base import (
    BAND_INNER,
    PALETTE,
    PEER_COLOUR,
    RECENT_QUARTERS,
    SYMBOLS,
    Chart,
    axis_title,
    figure,
    missing,
    recent,
    values,
)
from dashboard.charts.compare import band_labels
from dashboard.i18n import _
from dashboard.metrics import MEASURES


def timeline(frame: pd.DataFrame, series: list[tuple[str, str]], key: str, title: str, unit: str,
             decimals: int = 0, band: pd.DataFrame | None = None, group: str = "") -> Chart:
    """Lines over the quarters for one gemeente (missing quarters stay gaps); with `band` (quarter, p25,
    median, p75 and their texts `p25_text`, … as the data layer published them) also the group's middle half
    and median, where shown."""
    quarters = frame["quarter"].tolist()
    xlabels = [formatting.quarter_short(q) for q in quarters]
    traces: list[dict] = []
    has_band = band is not None and not band.empty
    if has_band:
        at = band.set_index("quarter").reindex(quarters)
        traces += [
            dict(type="scatter", x=xlabels, y=values(at["p25"]), mode="lines", line=dict(width=0),
                 hoverinfo="skip", showlegend=False),
            dict(type="scatter", x=xlabels, y=values(at["p75"]), mode="lines", line=dict(width=0), fill="tonexty",
                 fillcolor=BAND_INNER, name=_("25–75% van de groep"), hoverinfo="skip"),
            dict(type="scatter", x=xlabels, y=values(at["median"]), mode="lines",
                 line=dict(color=PEER_COLOUR, dash="dash", width=2), name=_("Mediaan van de groep"),
                 hovertemplate=_("mediaan") + " %{y}<extra></extra>"),
        ]
    traces += [dict(type="scatter", x=xlabels, y=values(frame[column]), name=label, mode="lines+markers",
                    line=dict(color=PALETTE[k % len(PALETTE)], width=3),
                    marker=dict(symbol=SYMBOLS[k % 4], size=8))
               for k, (column, label) in enumerate(series)]
    fig = figure(traces, dict(yaxis=dict(title=dict(text=unit), rangemode="tozero")), 320)

    def table() -> pd.DataFrame:
        out = pd.DataFrame({_("Kwartaal"): xlabels,
                            **{label: frame[column].map(lambda v: formatting.number(v, decimals))
                               for column, label in series}})
        if has_band:
            labels = band_labels()
            for column, label in (("p25", labels[1]), ("median", labels[2]), ("p75", labels[3])):
                out[f"{label} {group}"] = [t if isinstance(t, str) else "–" for t in at[f"{column}_text"].tolist()]
        return out

    last = frame.dropna(subset=[series[0][0]])
    desc = _("%(title)s per kwartaal.", title=title)
    if len(last):
        position = frame.index.get_loc(last.index[-1])
        desc += " " + _("Laatste waarde (%(quarter)s): %(values)s.", quarter=xlabels[position], values=", ".join(
            f"{label} {formatting.number(last.iloc[-1][column], decimals)}" for column, label in series))
        if has_band and quarters[position] in set(band["quarter"]):
            b = band.set_index("quarter").loc[quarters[position]]
            desc += " " + _("De mediaan van %(group)s was toen %(median)s.", group=group, median=b["median_text"])
    return Chart(key, title, desc, fig, table)


def trend_lines(trends: pd.DataFrame, measure: str, events: pd.DataFrame | None = None) -> Chart:
    """One line per group (region first, then the districts) over the quarters; events numbered at the top."""
    m = MEASURES[measure]
    # plain lists, grouped once: a national chart has 26 lines over 40 quarters, and reading a pandas column an
    # element at a time cost more than drawing the figure
    ordered = trends.sort_values("quarter", kind="stable")
    columns = {c: ordered[c].tolist() for c in ("group", "quarter", "value", "text")}
    quarters = sorted(set(columns["quarter"]))
    xlabels = {q: formatting.quarter_short(q) for q in quarters}
    order = [g for g in dict.fromkeys(trends["group"].tolist()) if not missing(g)]
    # the groups' names as shown ('Regio NHSV' in the reader's language); the data layer gives them as `label`
    names = dict(zip(trends["group"].tolist(), trends["label"].tolist(), strict=True)) if "label" in trends else {}
    by_group: dict[object, list[int]] = {}
    for k, group in enumerate(columns["group"]):
        by_group.setdefault(group, []).append(k)
    traces = []
    for k, group in enumerate(order):
        rows = by_group[group]
        name = names.get(group, group)
        traces.append(dict(type="scatter", x=[xlabels[columns["quarter"][r]] for r in rows],
                           y=values([columns["value"][r] for r in rows]), name=name, mode="lines+markers",
                           text=[columns["text"][r] for r in rows],
                           hovertemplate=f"{name} · %{{x}}: %{{text}}<extra></extra>",
                           line=dict(color=PALETTE[k % len(PALETTE)], width=3 if k == 0 else 2,
                                     dash="solid" if k == 0 else ["dash", "dot", "dashdot"][k % 3]),
                           marker=dict(symbol=SYMBOLS[k % 4], size=8)))
    notes, shapes, annotations = [], [], []
    if events is not None and not events.empty and quarters:
        for date, title in zip(events["date"].tolist(), events["title"].tolist(), strict=True):
            q = f"{date.year}Q{(date.month - 1) // 3 + 1}"
            if q in xlabels:
                number = len(notes) + 1
                shapes.append(dict(type="line", xref="x", yref="paper", x0=xlabels[q], x1=xlabels[q], y0=0, y1=1,
                                   line=dict(color="#555555", dash="dot", width=1)))
                # a number above the plot instead of the title along the line: titles crossed the lines
                annotations.append(dict(x=xlabels[q], y=1.0, xref="x", yref="paper", text=f"<b>{number}</b>",
                                        showarrow=False, yanchor="bottom", font=dict(size=11), hovertext=title,
                                        bordercolor="#555555", borderwidth=1, borderpad=2, bgcolor="#FFFFFF"))
                notes.append(f"{number}: {title} ({formatting.date(date)})")
    layout = dict(shapes=shapes, annotations=annotations, margin=dict(l=10, r=10, t=40, b=10),
                  legend=dict(orientation="h", yanchor="top", y=-0.12, x=0))
    layout["yaxis"] = dict(title=dict(text=axis_title(m)), rangemode="tozero")

    def table() -> pd.DataFrame:
        frame = trends.pivot(index="quarter", columns="group", values="text").reindex(columns=order)
        frame.index = [xlabels[q] for q in frame.index]
        return frame.rename(columns=names).rename_axis(_("Kwartaal")).reset_index()

    fig = figure(traces, layout, 400)
    description = _("%(measure)s per kwartaal voor %(groups)s.", measure=m.label,
                    groups=", ".join(names.get(g, g) for g in order))
    if notes:
        description += " " + _("Gebeurtenissen: %(events)s.", events="; ".join(notes))
    return Chart(f"ontwikkeling_{measure}", _("Ontwikkeling: %(measure)s", measure=m.label), description, fig,
                 table)


def signal_bars(table, key: str, window: int | None = RECENT_QUARTERS) -> Chart:
    """Stacked bars of protected counts per quarter (the latest `window`; the table has every quarter); hidden
    cells are not drawn and say so in the table."""
    xlabels = [formatting.quarter_short(q) for q in table.quarters]
    first, shown_note = recent(xlabels, window)
    rows = table.cells[first:]
    traces = [dict(type="bar", x=xlabels[first:], y=[row[j].value for row in rows], name=column,
                   marker=dict(color=PALETTE[j], pattern=dict(shape=["", "/"][j % 2], fillmode="overlay",
                                                              fgcolor="#FFFFFF", solidity=0.3)),
                   text=[row[j].text for row in rows], textposition="inside")
              for j, column in enumerate(table.columns)]
    fig = figure(traces, dict(barmode="stack", yaxis=dict(title=dict(text=_("Aantal meldingen")))), 340)
    out = pd.DataFrame({_("Kwartaal"): xlabels,
                        **{c: [row[j].text for row in table.cells] for j, c in enumerate(table.columns)},
                        _("Totaal"): [c.text for c in table.row_totals],
                        _("Per 10.000 inwoners"): table.per_10k, _("Ingebracht in ZVH"): table.share_zvh})
    hidden = any(c.hidden for row in table.cells for c in row)
    description = _("%(title)s per kwartaal.", title=table.title)
    if hidden:
        description += " " + _("Kleine aantallen zijn afgeschermd (<5 of ×) en niet getekend.")
    if shown_note:
        description += " " + shown_note
    return Chart(key, table.title, description, fig, out)
