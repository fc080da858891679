"""Maps of the gemeenten coloured by a measure: an equal tile per gemeente, or real boundaries after
`nhsv geo import`. Anyone but a coordinator gets only the own gemeente's value: the rest stays grey."""

from __future__ import annotations

import itertools

import pandas as pd

from dashboard.charts.base import SEQUENTIAL, Chart, figure, missing
from dashboard.i18n import _
from dashboard.metrics import MEASURES


def _by_code(values: pd.DataFrame) -> tuple[dict, dict]:
    """name and value per gemeente code (the maps' lookups)."""
    if values.empty:
        return {}, {}
    codes = values["code"].tolist()
    return dict(zip(codes, values["name"].tolist(), strict=True)), dict(zip(codes, values["value"], strict=True))


def tile_map(values: pd.DataFrame, positions: dict[str, tuple[int, int, str]], measure: str,
             labelled: bool = True) -> Chart:
    """One equal square per gemeente, roughly in place, coloured by a measure. `values` has code, name,
    value; tiles without a row are drawn neutral (not reported, or not visible to this viewer)."""
    m = MEASURES[measure]
    names, value_of = _by_code(values)
    xs, ys, texts, colours, hover, custom = [], [], [], [], [], []
    shown = [v for v in (values["value"].tolist() if not values.empty else []) if not missing(v)]
    low, high = (min(shown), max(shown)) if shown else (0, 1)
    for code, (row, col, short) in positions.items():
        xs.append(col)
        ys.append(-row)
        if code in value_of:
            value = value_of[code]
            formatted = m.format(value)
            texts.append(f"{short}<br>{formatted}" if labelled else formatted)
            colours.append(value if not missing(value) else None)
            hover.append(f"{names[code]}: {formatted}")
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

    # The tiles are cells in the plot's own units, so that they shrink with the chart on a phone instead of
    # overlapping (markers keep their size in pixels): the coloured ones a heatmap (one image, with white gaps
    # between the tiles), the neutral ones a single outlined path; the points on top carry the labels, hover and
    # clicks. (A shape per tile was 342 SVG elements nationally, each laid out on its own.)
    half = 0.46
    outline = " ".join(f"M{x - half},{y - half}H{x + half}V{y + half}H{x - half}Z" for x, y, c in
                       zip(xs, ys, colours, strict=True) if c is None)
    shapes = [dict(type="path", xref="x", yref="y", path=outline, fillcolor="#EDEDED",
                   line=dict(color="#9A9A9A", width=1), layer="below")] if outline else []
    columns, rows = list(range(min(xs), max(xs) + 1)), list(range(min(ys), max(ys) + 1))
    grid: list[list[float | None]] = [[None] * len(columns) for _row in rows]
    for k in coloured:
        grid[ys[k] - rows[0]][xs[k] - columns[0]] = colours[k]
    spread = high > low
    traces = [
        dict(type="heatmap", x=columns, y=rows, z=grid, colorscale=SEQUENTIAL, zmin=low if spread else low - 1,
             zmax=high if spread else high + 1, xgap=2, ygap=2, hoverinfo="skip", name=m.label,
             showscale=len(set(shown)) > 1, colorbar=dict(title=dict(text=m.short), thickness=12)),
        dict(type="scatter", x=pick(xs, neutral), y=pick(ys, neutral), mode="text", text=pick(texts, neutral),
             customdata=pick(custom, neutral), hovertext=pick(hover, neutral), hoverinfo="text",
             textfont=dict(size=10, color="#000000"), name=_("geen waarde")),
        dict(type="scatter", x=pick(xs, coloured), y=pick(ys, coloured), mode="markers+text",
             text=pick(texts, coloured), customdata=pick(custom, coloured), hovertext=pick(hover, coloured),
             hoverinfo="text", textfont=dict(size=10, color=[text_colour(colours[k]) for k in coloured]),
             name=m.label, marker=dict(symbol="square", size=1, opacity=0)),
    ]
    layout = dict(xaxis=dict(visible=False, range=[-0.6, max(xs) + 0.6], fixedrange=True),
                  yaxis=dict(visible=False, range=[min(ys) - 0.6, 0.6], scaleanchor="x", fixedrange=True),
                  shapes=shapes)
    return _map_chart(figure(traces, layout, 640, False), values, m, _("Kaart van de gemeenten"))


def _map_chart(fig: dict, values: pd.DataFrame, m, kind: str) -> Chart:
    """Either map's table alternative and description: every gemeente shown, the highest and the lowest."""
    def table() -> pd.DataFrame:
        frame = values.sort_values("name")[["name", "value"]].rename(columns={"name": _("Gemeente"),
                                                                              "value": m.label})
        frame[m.label] = frame[m.label].map(m.format)
        return frame

    best = values.dropna(subset=["value"]).sort_values("value", ascending=False)
    description = _("%(kind)s, gekleurd naar %(measure)s (%(unit)s).", kind=kind, measure=m.label.lower(),
                    unit=m.unit)
    if len(best) > 1:
        description += " " + _("Hoogste: %(high)s (%(high_value)s); laagste: %(low)s (%(low_value)s).",
                               high=best.iloc[0]["name"], high_value=m.format(best.iloc[0]["value"]),
                               low=best.iloc[-1]["name"], low_value=m.format(best.iloc[-1]["value"]))
    return Chart("kaart", _("%(measure)s per gemeente", measure=m.label), description, fig, table)


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def outline(feature: dict) -> tuple[list, list]:
    """A gemeente's outer rings as one line: x and y with a gap (None) between rings, which plotly fills as
    separate shapes ('toself'). Holes are left out: no NHSV gemeente surrounds another."""
    xs: list = []
    ys: list = []
    for ring in _rings(feature["geometry"]):
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [pt[0] for pt in ring]
        ys += [pt[1] for pt in ring]
    return xs, ys


def _bounds(geojson: dict) -> tuple[float, float, float, float]:
    xs = [pt[0] for f in geojson.get("features", []) for ring in _rings(f["geometry"]) for pt in ring]
    ys = [pt[1] for f in geojson.get("features", []) for ring in _rings(f["geometry"]) for pt in ring]
    return (min(xs), max(xs), min(ys), max(ys)) if xs else (0.0, 1.0, 0.0, 1.0)


def _colour_at(share: float) -> str:
    """Interpolate the sequential scale (share 0..1) to a hex colour."""
    share = min(1.0, max(0.0, share))
    for (a, ca), (b, cb) in itertools.pairwise(SEQUENTIAL):
        if share <= b:
            t = (share - a) / (b - a) if b > a else 0
            rgb = [round(int(ca[i:i + 2], 16) + t * (int(cb[i:i + 2], 16) - int(ca[i:i + 2], 16)))
                   for i in (1, 3, 5)]
            return "#" + "".join(f"{c:02X}" for c in rgb)
    return SEQUENTIAL[-1][1]


CONTEXT_FILL, CONTEXT_LINE = "#F5F5F5", "#C4C4C4"  # gemeenten outside NHSV: surroundings, never coloured
NO_VALUE_FILL, NO_VALUE_LINE = "#EDEDED", "#9A9A9A"


def choropleth(values: pd.DataFrame, geojson: dict, measure: str, geometry_url: str | None = None) -> Chart:
    """The same map on real boundaries (after `nhsv geo import`), drawn as plain polygons so that it needs no
    base map or world outline from the internet. NHSV gemeenten without a value are grey; the province's other
    gemeenten are light grey surroundings, never coloured and never named.

    With `geometry_url` the figure carries no coordinates: each boundary trace has its feature's index as `meta`
    and the page fills in the shapes from that URL (dashboard/assets/maps.js), which the browser keeps for as
    long as the boundaries do not change. Exports draw the full figure."""
    m = MEASURES[measure]
    names, value_of = _by_code(values)
    shown = [v for v in (values["value"].tolist() if not values.empty else []) if not missing(v)]
    low, high = (min(shown), max(shown)) if shown else (0, 1)
    traces = []
    centres_x, centres_y, centres_text, centres_code = [], [], [], []
    for k, feature in enumerate(geojson.get("features", [])):
        props = feature["properties"]
        code = props["statcode"]
        xs, ys = ([], []) if geometry_url else outline(feature)
        if not props.get("nhsv", True):
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=CONTEXT_FILL,
                               line=dict(color=CONTEXT_LINE, width=0.8), hoverinfo="skip", showlegend=False, meta=k))
            continue
        value = value_of.get(code)
        has_value = not missing(value)
        colour = _colour_at((value - low) / (high - low) if high > low else 0.5) if has_value else NO_VALUE_FILL
        traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                           line=dict(color="#FFFFFF" if has_value else NO_VALUE_LINE, width=1), hoverinfo="skip",
                           showlegend=False, meta=k))
        if code in value_of:
            ring = max(_rings(feature["geometry"]), key=len)
            centres_x.append(round(sum(pt[0] for pt in ring) / len(ring), 4))
            centres_y.append(round(sum(pt[1] for pt in ring) / len(ring), 4))
            centres_text.append(f"{names[code]}: {m.format(value)}")
            centres_code.append(code)
    traces.append(dict(
        type="scatter", x=centres_x, y=centres_y, mode="markers", customdata=centres_code, hovertext=centres_text,
        hoverinfo="text", showlegend=False,
        marker=dict(size=14, color=[low] * len(centres_x), opacity=0.01, colorscale=SEQUENTIAL, cmin=low,
                    cmax=high, showscale=bool(shown), colorbar=dict(title=dict(text=m.short), thickness=12))))
    x0, x1, y0, y1 = _bounds(geojson)
    pad_x, pad_y = (x1 - x0) * 0.02, (y1 - y0) * 0.02
    layout = dict(xaxis=dict(visible=False, range=[round(x0 - pad_x, 4), round(x1 + pad_x, 4)], fixedrange=True),
                  yaxis=dict(visible=False, range=[round(y0 - pad_y, 4), round(y1 + pad_y, 4)], scaleanchor="x",
                             scaleratio=1.64, fixedrange=True))  # 1/cos(52.5°): metres look square
    return _map_chart(figure(traces, layout, 640, False), values, m, _("Kaart met de grenzen van de gemeenten"))
