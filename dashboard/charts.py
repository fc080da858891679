"""Chart builders: pure functions from scoped data to a Chart (figure, title, description, table).

The screens and the quarterly export call the same builders, so an exported chart cannot drift from the
one on screen. No database access and no scope decisions here: the data layer has made those.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard import formatting
from dashboard.metrics import MEASURES, THEMES
from etl.domain import STATUS_LABELS

# Okabe–Ito, safe for the common forms of colour blindness; statuses also carry a symbol.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
OWN_COLOUR, PEER_COLOUR, MUTED = "#0072B2", "#8A8A8A", "#D9D9D9"
STATUS_COLOURS = {0: "#D55E00", 1: "#E69F00", 2: "#56B4E9", 3: "#0072B2"}
STATUS_SYMBOLS = {0: "✕", 1: "◐", 2: "✓", 3: "★", None: "–"}
SEQUENTIAL = [[0, "#C6DBEF"], [0.5, "#4292C6"], [1, "#08306B"]]  # light enough to see, dark enough to read
FONT = "Segoe UI, Roboto, DejaVu Sans, Arial, sans-serif"


# A small template of our own: plotly_white is copied on every use and costs ~13 ms a chart.
TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF", colorway=PALETTE,
    xaxis=dict(gridcolor="#E6E6E6", linecolor="#BDBDBD", zerolinecolor="#BDBDBD", ticks="", automargin=True),
    yaxis=dict(gridcolor="#E6E6E6", linecolor="#BDBDBD", zerolinecolor="#BDBDBD", ticks="", automargin=True),
    hoverlabel=dict(font=dict(family=FONT)),
))


@dataclass
class Chart:
    """What a screen or an export needs of one chart."""

    key: str  # stable id, also the file name in exports
    title: str
    description: str  # accessible summary in words
    figure: go.Figure
    table: pd.DataFrame  # exactly the figures shown, with Dutch column names and formatted values


def _layout(fig: go.Figure, height: int = 380, legend: bool = True) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE, height=height, margin=dict(l=10, r=10, t=30, b=10),
        font=dict(family=FONT, size=13, color="#1A1A1A"), showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        separators=",.",  # Dutch: decimal comma, thousands point
    )
    return fig


def empty(key: str, title: str, message: str) -> Chart:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=14))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return Chart(key, title, message, _layout(fig, 200, False), pd.DataFrame({"Melding": [message]}))


def status_text(status) -> str:
    if status is None or pd.isna(status):
        return "Niet aangeleverd"
    return STATUS_LABELS[int(status)]


# --- maps -------------------------------------------------------------------------------------------

def tile_map(values: pd.DataFrame, positions: dict[str, tuple[int, int, str]], measure: str,
             labelled: bool = True) -> Chart:
    """One equal square per gemeente, roughly in place, coloured by a measure. `values` has code, name,
    value; tiles without a row are drawn neutral (not reported, or not visible to this viewer)."""
    m = MEASURES[measure]
    by_code = values.set_index("code") if not values.empty else pd.DataFrame(columns=["name", "value"])
    xs, ys, texts, colours, hover, custom = [], [], [], [], [], []
    shown = [v for v in by_code["value"].tolist() if v is not None and not pd.isna(v)]
    low, high = (min(shown), max(shown)) if shown else (0, 1)
    for code, (row, col, short) in positions.items():
        xs.append(col)
        ys.append(-row)
        if code in by_code.index:
            value = by_code.loc[code, "value"]
            name = by_code.loc[code, "name"]
            texts.append(f"{short}<br>{m.format(value)}" if labelled else m.format(value))
            colours.append(value if value is not None and not pd.isna(value) else None)
            hover.append(f"{name}: {m.format(value)}")
            custom.append(code)
        else:
            texts.append("")
            colours.append(None)
            hover.append("")
            custom.append("")
    coloured = [k for k, c in enumerate(colours) if c is not None]
    neutral = [k for k, c in enumerate(colours) if c is None]

    def pick(items, ks):
        return [items[k] for k in ks]

    def text_colour(value) -> str:
        # white on the dark end of the scale, black elsewhere (contrast at least 4.5:1 either way)
        share = (value - low) / (high - low) if high > low else 0.5
        return "#FFFFFF" if share > 0.45 else "#000000"

    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=pick(xs, neutral), y=pick(ys, neutral), mode="markers+text", text=pick(texts, neutral),
        customdata=pick(custom, neutral), hovertext=pick(hover, neutral), hoverinfo="text",
        textfont=dict(size=11, color="#000000"), name="geen waarde",
        marker=dict(symbol="square", size=54, color="#EDEDED", line=dict(color="#9A9A9A", width=1))))
    fig.add_trace(go.Scatter(
        x=pick(xs, coloured), y=pick(ys, coloured), mode="markers+text", text=pick(texts, coloured),
        customdata=pick(custom, coloured), hovertext=pick(hover, coloured), hoverinfo="text",
        textfont=dict(size=11, color=[text_colour(colours[k]) for k in coloured]), name=m.label,
        marker=dict(symbol="square", size=54, color=pick(colours, coloured), colorscale=SEQUENTIAL, cmin=low,
                    cmax=high, line=dict(color="#FFFFFF", width=2), showscale=bool(shown),
                    colorbar=dict(title=dict(text=m.short), thickness=12)),
    ))
    fig.update_xaxes(visible=False, range=[-0.7, max(xs) + 0.7])
    fig.update_yaxes(visible=False, range=[min(ys) - 0.7, 0.7], scaleanchor="x")
    _layout(fig, 640, False)
    return _map_chart(fig, values, m, "Kaart van de gemeenten")


def _map_chart(fig: go.Figure, values: pd.DataFrame, m, kind: str) -> Chart:
    """Either map's table alternative and description: every gemeente shown, the highest and the lowest."""
    table = values.sort_values("name")[["name", "value"]].rename(columns={"name": "Gemeente", "value": m.label})
    table[m.label] = table[m.label].map(m.format)
    best = values.dropna(subset=["value"]).sort_values("value", ascending=False)
    description = (f"{kind}, gekleurd naar {m.label.lower()} ({m.unit})." +
                   (f" Hoogste: {best.iloc[0]['name']} ({m.format(best.iloc[0]['value'])}); laagste: "
                    f"{best.iloc[-1]['name']} ({m.format(best.iloc[-1]['value'])})." if len(best) > 1 else ""))
    return Chart("kaart", f"{m.label} per gemeente", description, fig, table)


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def _colour_at(share: float) -> str:
    """Interpolate the sequential scale (share 0..1) to a hex colour."""
    share = min(1.0, max(0.0, share))
    for (a, ca), (b, cb) in zip(SEQUENTIAL, SEQUENTIAL[1:], strict=False):
        if share <= b:
            t = (share - a) / (b - a) if b > a else 0
            rgb = [round(int(ca[i:i + 2], 16) + t * (int(cb[i:i + 2], 16) - int(ca[i:i + 2], 16)))
                   for i in (1, 3, 5)]
            return "#" + "".join(f"{c:02X}" for c in rgb)
    return SEQUENTIAL[-1][1]


def choropleth(values: pd.DataFrame, geojson: dict, measure: str) -> Chart:
    """The same map on real boundaries (after `nhsv geo import`), drawn as plain polygons so that it needs no
    base map or world outline from the internet; boundaries without a value are grey."""
    m = MEASURES[measure]
    by_code = values.set_index("code") if not values.empty else pd.DataFrame(columns=["name", "value"])
    shown = [v for v in by_code["value"].tolist() if v is not None and not pd.isna(v)]
    low, high = (min(shown), max(shown)) if shown else (0, 1)
    fig = go.Figure()
    centres_x, centres_y, centres_text, centres_code = [], [], [], []
    for feature in geojson.get("features", []):
        code = feature["properties"]["statcode"]
        value = by_code.loc[code, "value"] if code in by_code.index else None
        has_value = value is not None and not pd.isna(value)
        colour = _colour_at((value - low) / (high - low) if high > low else 0.5) if has_value else "#EDEDED"
        for ring in _rings(feature["geometry"]):
            xs = [pt[0] for pt in ring]
            ys = [pt[1] for pt in ring]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                                     line=dict(color="#FFFFFF" if has_value else "#9A9A9A", width=1),
                                     hoverinfo="skip", showlegend=False))
        if code in by_code.index:
            ring = max(_rings(feature["geometry"]), key=len)
            centres_x.append(sum(pt[0] for pt in ring) / len(ring))
            centres_y.append(sum(pt[1] for pt in ring) / len(ring))
            centres_text.append(f"{by_code.loc[code, 'name']}: {m.format(value)}")
            centres_code.append(code)
    fig.add_trace(go.Scatter(
        x=centres_x, y=centres_y, mode="markers", customdata=centres_code, hovertext=centres_text,
        hoverinfo="text", showlegend=False,
        marker=dict(size=14, color=[low] * len(centres_x), opacity=0.01, colorscale=SEQUENTIAL, cmin=low,
                    cmax=high, showscale=bool(shown), colorbar=dict(title=dict(text=m.short), thickness=12))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.64)  # 1/cos(52.5°): metres look square
    _layout(fig, 640, False)
    return _map_chart(fig, values, m, "Kaart met de grenzen van de gemeenten")


# --- checklist -----------------------------------------------------------------------------------

def status_heatmap(matrix: pd.DataFrame, codes: list[str], themes: dict[str, str]) -> Chart:
    """Gemeenten × 18 blocks; status by colour and by symbol (never colour alone)."""
    if matrix.empty:
        return empty("bouwstenen", "Bouwstenen per gemeente", "Geen gegevens voor dit kwartaal.")
    z, text, hover = [], [], []
    for _, row in matrix.iterrows():
        statuses = [row.get(c) for c in codes]
        statuses = [None if s is None or pd.isna(s) else int(s) for s in statuses]
        z.append([s if s is not None else -1 for s in statuses])
        text.append([STATUS_SYMBOLS[s] for s in statuses])
        hover.append([f"{row['label']} · {c}: {status_text(s)}" for c, s in zip(codes, statuses, strict=True)])
    colorscale = [[0, "#FFFFFF"], [0.2, "#FFFFFF"], [0.2, STATUS_COLOURS[0]], [0.4, STATUS_COLOURS[0]],
                  [0.4, STATUS_COLOURS[1]], [0.6, STATUS_COLOURS[1]], [0.6, STATUS_COLOURS[2]],
                  [0.8, STATUS_COLOURS[2]], [0.8, STATUS_COLOURS[3]], [1, STATUS_COLOURS[3]]]
    labels = [("★ " if row["own"] else "") + row["label"] for _, row in matrix.iterrows()]
    fig = go.Figure(go.Heatmap(
        z=z, x=codes, y=labels, text=text, texttemplate="%{text}", textfont=dict(size=13, color="#000000"),
        hovertext=hover, hoverinfo="text", colorscale=colorscale, zmin=-1.5, zmax=3.5, showscale=False,
        xgap=2, ygap=2))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=12))
    fig.update_xaxes(side="top")
    theme_of = {c: themes.get(c[:2], c[:2]) for c in codes}
    _layout(fig, max(300, 26 * len(matrix) + 80), False)
    table = pd.DataFrame([{"Gemeente": lab, **{c: status_text(row.get(c)) for c in codes}}
                          for lab, (_, row) in zip(labels, matrix.iterrows(), strict=True)])
    counts = {s: sum(1 for r in z for v in r if v == s) for s in range(4)}
    description = ("Tabel van gemeenten (rijen) en de 18 bouwstenen (kolommen, per thema: " +
                   ", ".join(sorted(set(theme_of.values()), key=list(themes.values()).index)) + "). Symbolen: " +
                   ", ".join(f"{STATUS_SYMBOLS[s]} {STATUS_LABELS[s]}" for s in range(4)) +
                   ", – niet aangeleverd. In totaal " + ", ".join(f"{counts[s]}× {STATUS_LABELS[s].lower()}"
                                                                  for s in range(4)) + ".")
    return Chart("bouwstenen", "Bouwstenen per gemeente", description, fig, table)


def checklist_table(checklist: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Code": checklist["code"], "Thema": checklist["theme"], "Bouwsteen": checklist["label"],
        "Status": [f"{STATUS_SYMBOLS[None if pd.isna(s) else int(s)]} {status_text(s)}" for s in checklist["status"]],
        "Toelichting": checklist["explanation"].fillna(""),
    })


def theme_scores(scores: pd.DataFrame, name: str, group: str) -> Chart:
    """The gemeente's score per theme against the peer group's median and spread (quartiles)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(y=scores["theme"], x=scores["q3"] - scores["q1"], base=scores["q1"], orientation="h",
                         marker=dict(color="#DCE9F5"), name=f"Middelste helft van {group}",
                         hovertemplate="25–75%%: %{base:.0f}–%{x:.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(y=scores["theme"], x=scores["median"], mode="markers", name="Mediaan groep",
                             marker=dict(symbol="line-ns", size=18, line=dict(width=3, color=PEER_COLOUR))))
    fig.add_trace(go.Scatter(y=scores["theme"], x=scores["own"], mode="markers", name=name,
                             marker=dict(symbol="diamond", size=14, color=OWN_COLOUR)))
    fig.update_xaxes(range=[0, 100], title="Voortgangsscore (0–100)")
    fig.update_yaxes(autorange="reversed")
    _layout(fig, 320)
    table = pd.DataFrame({"Thema": scores["theme"], name: scores["own"].map(lambda v: formatting.number(v, 0)),
                          "Mediaan groep": scores["median"].map(lambda v: formatting.number(v, 0)),
                          "25%": scores["q1"].map(lambda v: formatting.number(v, 0)),
                          "75%": scores["q3"].map(lambda v: formatting.number(v, 0)),
                          "Aantal in groep": scores["n"]})
    lines = [f"{r.theme}: {formatting.number(r.own, 0)} tegen mediaan {formatting.number(r.median, 0)}"
             for r in scores.itertuples()]
    return Chart("themascores", f"Score per thema tegen {group}",
                 f"Voortgangsscore van {name} per thema, vergeleken met de mediaan van {group}. " + "; ".join(lines)
                 + ".", fig, table)


def block_history(history: pd.DataFrame, codes: list[str], quarters: list[str]) -> Chart:
    """Each block's status per quarter: when it changed."""
    if history.empty:
        return empty("verloop_bouwstenen", "Verloop per bouwsteen", "Nog geen aanleveringen.")
    pivot = history.pivot(index="block_code", columns="quarter", values="status").reindex(index=codes,
                                                                                         columns=quarters)
    z = [[-1 if pd.isna(v) else int(v) for v in row] for row in pivot.values]
    text = [[STATUS_SYMBOLS[None if v == -1 else v] for v in row] for row in z]
    colorscale = [[0, "#FFFFFF"], [0.2, "#FFFFFF"], [0.2, STATUS_COLOURS[0]], [0.4, STATUS_COLOURS[0]],
                  [0.4, STATUS_COLOURS[1]], [0.6, STATUS_COLOURS[1]], [0.6, STATUS_COLOURS[2]],
                  [0.8, STATUS_COLOURS[2]], [0.8, STATUS_COLOURS[3]], [1, STATUS_COLOURS[3]]]
    xlabels = [formatting.quarter_short(q) for q in quarters]
    fig = go.Figure(go.Heatmap(z=z, x=xlabels, y=codes, text=text, texttemplate="%{text}", colorscale=colorscale,
                               zmin=-1.5, zmax=3.5, showscale=False, xgap=2, ygap=2,
                               textfont=dict(size=12, color="#000000"), hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed")
    _layout(fig, 26 * len(codes) + 80, False)
    table = pd.DataFrame([{"Bouwsteen": c, **{x: status_text(None if v == -1 else v)
                                              for x, v in zip(xlabels, row, strict=True)}}
                          for c, row in zip(codes, z, strict=True)])
    changes = []
    for c, row in zip(codes, z, strict=True):
        for k in range(1, len(row)):
            if row[k] != -1 and row[k - 1] != -1 and row[k] != row[k - 1]:
                changes.append(f"{c} {'omhoog' if row[k] > row[k - 1] else 'omlaag'} in {xlabels[k]}")
    return Chart("verloop_bouwstenen", "Verloop per bouwsteen", "Status van elke bouwsteen per kwartaal. " +
                 ("Veranderingen: " + "; ".join(changes[-12:]) + "." if changes else "Geen veranderingen."),
                 fig, table)


# --- over time ----------------------------------------------------------------------------------

def timeline(frame: pd.DataFrame, series: list[tuple[str, str]], key: str, title: str, unit: str,
             decimals: int = 0) -> Chart:
    """Lines over the quarters for one gemeente; missing quarters stay gaps."""
    fig = go.Figure()
    xlabels = [formatting.quarter_short(q) for q in frame["quarter"]]
    for k, (column, label) in enumerate(series):
        fig.add_trace(go.Scatter(x=xlabels, y=frame[column].tolist(), name=label, mode="lines+markers",
                                 line=dict(color=PALETTE[k % len(PALETTE)], width=2),
                                 marker=dict(symbol=["circle", "square", "diamond", "triangle-up"][k % 4], size=8)))
    fig.update_yaxes(title=unit, rangemode="tozero")
    _layout(fig, 320)
    table = pd.DataFrame({"Kwartaal": xlabels, **{label: frame[column].map(lambda v: formatting.number(v, decimals))
                                                 for column, label in series}})
    last = frame.dropna(subset=[series[0][0]])
    desc = f"{title} per kwartaal."
    if len(last):
        desc += f" Laatste waarde ({xlabels[last.index[-1]]}): " + ", ".join(
            f"{label} {formatting.number(last.iloc[-1][column], decimals)}" for column, label in series) + "."
    return Chart(key, title, desc, fig, table)


def ranking(rows: pd.DataFrame, measure: str) -> Chart:
    """Gemeenten ranked by a measure, the own (or chosen) gemeente highlighted by colour and a marker."""
    m = MEASURES[measure]
    data = rows.dropna(subset=[measure]).sort_values([measure, "label"], ascending=[True, False])
    colours = [OWN_COLOUR if own else PEER_COLOUR for own in data["own"]]
    labels = [("★ " if own else "") + label for label, own in zip(data["label"], data["own"], strict=True)]
    fig = go.Figure(go.Bar(x=data[measure], y=labels, orientation="h", marker=dict(color=colours),
                           text=[m.format(v) for v in data[measure]], textposition="outside",
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    top = data[measure].max() if len(data) else 1
    fig.update_xaxes(title=f"{m.label} ({m.unit})", range=[0, (top or 1) * 1.15])  # room for the labels
    _layout(fig, max(260, 22 * len(data) + 80), False)
    ranked = data.sort_values(measure, ascending=False).reset_index(drop=True)
    table = pd.DataFrame({"Positie": range(1, len(ranked) + 1), "Gemeente": ranked["label"],
                          m.label: ranked[measure].map(m.format)})
    own = ranked.index[ranked["own"]].tolist()
    desc = f"Rangorde naar {m.label.lower()}."
    if own:
        desc += f" {ranked.loc[own[0], 'label']} staat op plaats {own[0] + 1} van {len(ranked)}."
    return Chart(f"rangorde_{measure}", f"Rangorde: {m.label}", desc, fig, table)


def scatter(rows: pd.DataFrame, x: str, y: str) -> Chart:
    mx, my = MEASURES[x], MEASURES[y]
    data = rows.dropna(subset=[x, y])
    fig = go.Figure()
    for own, colour, symbol, name in ((False, PEER_COLOUR, "circle", "Andere gemeenten"),
                                      (True, OWN_COLOUR, "diamond", "Gekozen gemeente")):
        part = data[data["own"] == own]
        fig.add_trace(go.Scatter(x=part[x], y=part[y], mode="markers+text" if own else "markers", name=name,
                                 text=part["label"], textposition="top center",
                                 marker=dict(color=colour, symbol=symbol, size=12 if own else 9),
                                 hovertemplate="%{text}<br>%{x}<br>%{y}<extra></extra>"))
    fig.update_xaxes(title=f"{mx.label} ({mx.unit})")
    fig.update_yaxes(title=f"{my.label} ({my.unit})")
    _layout(fig, 380)
    table = pd.DataFrame({"Gemeente": data["label"], mx.label: data[x].map(mx.format),
                          my.label: data[y].map(my.format)})
    return Chart(f"spreiding_{x}_{y}", f"{mx.label} tegen {my.label}",
                 f"Spreidingsdiagram van {len(data)} gemeenten: {mx.label.lower()} horizontaal, "
                 f"{my.label.lower()} verticaal.", fig, table)


def distribution(rows: pd.DataFrame, measures: list[str]) -> Chart:
    """Each measure's spread in the peer group, with the gemeente's position (as a percentile rank)."""
    fig = go.Figure()
    table_rows = []
    for k, key in enumerate(measures):
        m = MEASURES[key]
        values = rows[key].dropna()
        if values.empty:
            continue
        lo, hi = values.min(), values.max()
        scaled = (values - lo) / (hi - lo) * 100 if hi > lo else values * 0 + 50
        own_rows = rows[rows["own"] & rows[key].notna()]
        fig.add_trace(go.Box(x=scaled, y=[m.label] * len(scaled), orientation="h", name=m.label, boxpoints=False,
                             marker_color=PEER_COLOUR, showlegend=False, hoverinfo="skip"))
        if not own_rows.empty:
            v = own_rows.iloc[0][key]
            pos = (v - lo) / (hi - lo) * 100 if hi > lo else 50
            rank = (values < v).sum() / max(1, len(values) - 1) * 100 if len(values) > 1 else 50
            fig.add_trace(go.Scatter(x=[pos], y=[m.label], mode="markers", showlegend=k == 0,
                                     name=own_rows.iloc[0]["label"],
                                     marker=dict(symbol="diamond", size=14, color=OWN_COLOUR)))
            table_rows.append({"Maat": m.label, "Waarde": m.format(v), "Mediaan groep": m.format(values.median()),
                               "Laagste": m.format(lo), "Hoogste": m.format(hi),
                               "Hoger dan": formatting.percent(rank / 100) + " van de groep"})
        else:
            table_rows.append({"Maat": m.label, "Waarde": "–", "Mediaan groep": m.format(values.median()),
                               "Laagste": m.format(lo), "Hoogste": m.format(hi), "Hoger dan": "–"})
    fig.update_xaxes(title="Positie tussen laagste (0) en hoogste (100) in de groep", range=[-5, 105])
    fig.update_yaxes(autorange="reversed")
    _layout(fig, 60 * len(measures) + 100)
    table = pd.DataFrame(table_rows)
    return Chart("positie", "Positie in de vergelijkingsgroep",
                 "Per maat de spreiding in de groep (doos: middelste helft) en de positie van de gekozen gemeente. "
                 + "; ".join(f"{r['Maat']}: {r['Waarde']} (mediaan {r['Mediaan groep']})" for r in table_rows) + ".",
                 fig, table)


def trend_lines(trends: pd.DataFrame, measure: str, events: pd.DataFrame | None = None) -> Chart:
    m = MEASURES[measure]
    fig = go.Figure()
    quarters = sorted(trends["quarter"].unique()) if not trends.empty else []
    xlabels = {q: formatting.quarter_short(q) for q in quarters}
    for k, (group, part) in enumerate(trends.groupby("group", sort=False)):
        part = part.sort_values("quarter")
        # plain lists: plotly converts pandas columns through narwhals, several ms per trace
        fig.add_trace(go.Scatter(x=[xlabels[q] for q in part["quarter"]], y=part["value"].tolist(), name=group,
                                 mode="lines+markers", text=part["text"].tolist(),
                                 hovertemplate=f"{group} · %{{x}}: %{{text}}<extra></extra>",
                                 line=dict(color=PALETTE[k % len(PALETTE)], width=3 if k == 0 else 2,
                                           dash="solid" if k == 0 else ["dash", "dot", "dashdot"][k % 3]),
                                 marker=dict(symbol=["circle", "square", "diamond", "triangle-up"][k % 4], size=8)))
    notes, shapes, annotations = [], [], []
    if events is not None and not events.empty and quarters:
        for e in events.itertuples():
            q = f"{e.date.year}Q{(e.date.month - 1) // 3 + 1}"
            if q in xlabels:
                # one update for all events: add_vline/add_annotation per event cost ~10 ms each
                shapes.append(dict(type="line", xref="x", yref="paper", x0=xlabels[q], x1=xlabels[q], y0=0, y1=1,
                                   line=dict(color="#555555", dash="dot", width=1)))
                annotations.append(dict(x=xlabels[q], y=1.0, xref="x", yref="paper", text=e.title,
                                        showarrow=False, textangle=-90, xanchor="right", yanchor="top",
                                        font=dict(size=10)))
                notes.append(f"{formatting.date(e.date)}: {e.title}")
    if shapes:
        fig.update_layout(shapes=shapes, annotations=annotations)
    fig.update_yaxes(title=f"{m.label} ({m.unit})", rangemode="tozero")
    _layout(fig, 380)
    table = trends.pivot(index="quarter", columns="group", values="text").reset_index() if not trends.empty \
        else pd.DataFrame()
    if not table.empty:
        table["quarter"] = table["quarter"].map(formatting.quarter_short)
        table = table.rename(columns={"quarter": "Kwartaal"})
    return Chart(f"ontwikkeling_{measure}", f"Ontwikkeling: {m.label}",
                 f"{m.label} per kwartaal voor de regio en de drie districten."
                 + (" Gebeurtenissen: " + "; ".join(notes) + "." if notes else ""), fig, table)


def signal_bars(table, key: str) -> Chart:
    """Stacked bars of protected counts per quarter; hidden cells are not drawn and say so in the table."""
    xlabels = [formatting.quarter_short(q) for q in table.quarters]
    fig = go.Figure()
    for j, column in enumerate(table.columns):
        ys = [row[j].value for row in table.cells]
        fig.add_trace(go.Bar(x=xlabels, y=ys, name=column, marker_color=PALETTE[j],
                             text=[row[j].text for row in table.cells], textposition="inside",
                             marker_pattern_shape=["", "/"][j % 2]))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="Aantal meldingen")
    _layout(fig, 340)
    out = pd.DataFrame({"Kwartaal": xlabels,
                        **{c: [row[j].text for row in table.cells] for j, c in enumerate(table.columns)},
                        "Totaal": [c.text for c in table.row_totals],
                        "Per 10.000 inwoners": table.per_10k, "Ingebracht in ZVH": table.share_zvh})
    hidden = any(c.hidden for row in table.cells for c in row)
    return Chart(key, table.title.capitalize() if table.title.islower() else table.title,
                 f"{table.title} per kwartaal." + (" Kleine aantallen zijn afgeschermd (<5) en niet getekend."
                                                     if hidden else ""), fig, out)


THEME_NAMES = THEMES
