"""A gemeente against a group: its value on the group's bands (10–90% and 25–75%, with the median) in real
units, per measure or per theme; for coordinators also every member by name (scatter, ranking)."""

from __future__ import annotations

import pandas as pd

from dashboard import formatting
from dashboard.charts.base import (
    BAND_INNER,
    BAND_OUTER,
    OWN_COLOUR,
    PEER_COLOUR,
    Chart,
    axis_title,
    empty,
    figure,
    missing,
)
from dashboard.i18n import _
from dashboard.metrics import MEASURES

BAND_COLUMNS = ("p10", "p25", "median", "p75", "p90")


def _band_traces(labels: list[str], rows: pd.DataFrame, own_name: str, group: str, axes: dict,
                 legend: bool, fmt=lambda v: formatting.number(v, 1)) -> list[dict]:
    """The band of each row (p10–p90 light, p25–p75 darker), its median and the own value, on the given axes.
    Hover texts use the texts the data layer published (`<column>_text`) where there are."""
    def col(name: str) -> list:
        return [None if missing(v) else float(v) for v in rows[name].tolist()]

    def texts_of(name: str) -> list[str]:
        if f"{name}_text" in rows.columns:
            return [str(t) for t in rows[f"{name}_text"].tolist()]
        return [fmt(v) for v in col(name)]

    p10, p25, med, p75, p90, own = (col(c) for c in (*BAND_COLUMNS, "own"))
    texts = [f"10–90%: {a}–{b}" for a, b in zip(texts_of("p10"), texts_of("p90"), strict=True)]
    median_word = _("mediaan")

    def segments(low: list, high: list) -> tuple[list, list]:
        """One thick line per row from low to high: only the band's own values are drawn (bars would send
        their widths, numbers nobody published)."""
        xs, ys = [], []
        for label, a, b in zip(labels, low, high, strict=True):
            if a is not None and b is not None:
                xs += [a, b, None]
                ys += [label, label, None]
        return xs, ys

    outer_x, outer_y = segments(p10, p90)
    inner_x, inner_y = segments(p25, p75)
    return [
        dict(type="scatter", mode="lines", x=outer_x, y=outer_y, name=_("10–90% van de groep"),
             line=dict(color=BAND_OUTER, width=14), hoverinfo="skip", showlegend=legend, **axes),
        dict(type="scatter", mode="lines", x=inner_x, y=inner_y, name=_("25–75% van de groep"),
             line=dict(color=BAND_INNER, width=14), hoverinfo="skip", showlegend=legend, **axes),
        dict(type="scatter", mode="markers", y=labels, x=med, name=_("Mediaan van de groep"), showlegend=legend,
             marker=dict(symbol="line-ns", size=22, line=dict(width=3, color=PEER_COLOUR)),
             hovertext=[f"{median_word} {t}; {band}" for t, band in zip(texts_of("median"), texts, strict=True)],
             hoverinfo="text", **axes),
        dict(type="scatter", mode="markers", y=labels, x=own, name=own_name, showlegend=legend,
             marker=dict(symbol="diamond", size=14, color=OWN_COLOUR, line=dict(color="#FFFFFF", width=1)),
             hovertext=[f"{own_name}: {t}" for t in texts_of("own")], hoverinfo="text", **axes),
    ]


def _text(row, column: str) -> str:
    """A value as the data layer formatted it (`<column>_text`, at the precision it was published with)."""
    given = getattr(row, f"{column}_text", None)
    return given if isinstance(given, str) else MEASURES[row.measure].format(getattr(row, column))


def bands(rows: pd.DataFrame, name: str, group: str) -> Chart:
    """Per measure (one row each, each with its own axis in its own unit): the group's bands and the
    gemeente's value. `rows`: measure, own, p10, p25, median, p75, p90, position, and optionally the texts
    (`own_text`, `p10_text`, …) at the precision the values were published with."""
    rows = rows.dropna(subset=["median"]).reset_index(drop=True)
    if rows.empty:
        return empty("positie", _("Positie in de vergelijkingsgroep"), _("Geen gegevens voor deze groep."))
    n = len(rows)
    traces, layout, annotations = [], {}, []
    row = 1 / n
    for k, r in enumerate(rows.itertuples()):
        m = MEASURES[r.measure]
        suffix = "" if k == 0 else str(k + 1)
        axes = dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        traces += _band_traces([m.label], rows.iloc[[k]], name, group, axes, k == 0, m.format)
        top = 1 - k * row
        values = [v for v in (r.p10, r.p90, r.own) if not missing(v)]
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or abs(high) * 0.1 or 1
        # the measure's name and unit above its row, so that the axis has the chart's whole width (on a phone too)
        annotations.append(dict(text=f"<b>{m.label}</b> ({m.unit})", xref="paper", yref="paper", x=0,
                                y=top - 0.02 * row, xanchor="left", yanchor="top", showarrow=False,
                                font=dict(size=12)))
        layout[f"yaxis{suffix}"] = dict(domain=[top - 0.72 * row, top - 0.32 * row], anchor=f"x{suffix}",
                                        showticklabels=False, automargin=False, fixedrange=True)
        layout[f"xaxis{suffix}"] = dict(anchor=f"y{suffix}", range=[max(0, low - pad) if low >= 0 else low - pad,
                                                                   high + pad], nticks=6,
                                        tickformat=",.0%" if m.percent else None, fixedrange=True)
    layout["annotations"] = annotations
    layout["legend"] = dict(orientation="h", yanchor="bottom", y=1.0, x=0)
    layout["margin"] = dict(l=10, r=10, t=60, b=10)
    fig = figure(traces, layout, 110 * n + 90)

    def table() -> pd.DataFrame:
        return pd.DataFrame([{
            _("Maat"): MEASURES[r.measure].label, name: _text(r, "own"),
            **{label: _text(r, c) for c, label in zip(BAND_COLUMNS, band_labels(), strict=True)},
            _("Positie"): r.position} for r in rows.itertuples()])

    description = _("Per maat de spreiding in %(group)s (licht: 10–90%%, donker: 25–75%%, streep: mediaan) en de "
                    "waarde van %(name)s (◆).", group=group, name=name) + " " + "; ".join(
        _("%(measure)s: %(own)s (mediaan %(median)s), %(position)s", measure=MEASURES[r.measure].label,
          own=_text(r, "own"), median=_text(r, "median"), position=r.position)
        for r in rows.itertuples()) + "."
    return Chart("positie", _("Positie in de vergelijkingsgroep"), description, fig, table)


def band_labels() -> tuple[str, ...]:
    """The column names of a band's edges in tables: 10%, 25%, Mediaan, 75%, 90%."""
    return ("10%", "25%", _("Mediaan"), "75%", "90%")


def theme_scores(scores: pd.DataFrame, name: str, group: str) -> Chart:
    """The gemeente's score per theme against the group's bands."""
    labels = scores["theme"].tolist()
    traces = _band_traces(labels, scores, name, group, {}, True, lambda v: formatting.number(v, 0))
    layout = dict(xaxis=dict(range=[-3, 103], title=dict(text=_("Score (0–100)")), tickvals=[0, 25, 50, 75, 100]),
                  yaxis=dict(autorange="reversed"), legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                  margin=dict(l=10, r=10, t=10, b=10))
    fig = figure(traces, layout, 400)

    def table() -> pd.DataFrame:
        return pd.DataFrame({_("Thema"): scores["theme"],
                             name: scores["own"].map(lambda v: formatting.number(v, 0)),
                             **{label: scores[c].map(lambda v: formatting.number(v, 0))
                                for c, label in zip(BAND_COLUMNS, band_labels(), strict=True)}})

    lines = [_("%(theme)s: %(own)s tegen mediaan %(median)s", theme=r.theme, own=formatting.number(r.own, 0),
               median=formatting.number(r.median, 0)) for r in scores.itertuples()]
    return Chart("themascores", _("Score per thema tegen %(group)s", group=group),
                 _("Voortgangsscore van %(name)s per thema (◆), met de spreiding in %(group)s (licht: 10–90%%, "
                   "donker: 25–75%%, streep: mediaan).", name=name, group=group) + " " + "; ".join(lines) + ".",
                 fig, table)


def ranking(rows: pd.DataFrame, measure: str, window: int | None = None) -> Chart:
    """Coordinators: the gemeenten of a group ranked by a measure, the chosen one highlighted (colour and ★).
    With `window`, a longer ranking draws that many places around the chosen gemeente (the table has them all)."""
    m = MEASURES[measure]
    ranked = rows.dropna(subset=[measure]).sort_values([measure, "label"], ascending=[False, True])
    ranked = ranked.reset_index(drop=True)
    own = ranked.index[ranked["own"]].tolist()
    first, last = 0, len(ranked)
    if window is not None and len(ranked) > window:
        first = min(max((own[0] if own else 0) - window // 2, 0), len(ranked) - window)
        last = first + window
    data = ranked.iloc[first:last].iloc[::-1]  # the highest at the top
    colours = [OWN_COLOUR if mine else PEER_COLOUR for mine in data["own"]]
    labels = [("★ " if mine else "") + label for label, mine in zip(data["label"], data["own"], strict=True)]
    trace = dict(type="bar", x=data[measure].tolist(), y=labels, orientation="h", marker=dict(color=colours),
                 text=[m.format(v) for v in data[measure].tolist()], textposition="outside",
                 hovertemplate="%{y}: %{text}<extra></extra>")
    top = ranked[measure].max() if len(ranked) else 1
    layout = dict(xaxis=dict(title=dict(text=axis_title(m)), range=[0, (top or 1) * 1.15]))
    fig = figure([trace], layout, max(260, 22 * len(data) + 80), False)

    def table() -> pd.DataFrame:
        return pd.DataFrame({_("Positie"): range(1, len(ranked) + 1), _("Gemeente"): ranked["label"],
                             m.label: ranked[measure].map(m.format)})

    desc = _("Rangorde naar %(measure)s.", measure=m.label.lower())
    if own:
        desc += " " + _("%(name)s staat op plaats %(place)s van %(n)s.", name=ranked.loc[own[0], "label"],
                        place=own[0] + 1, n=len(ranked))
    if (first, last) != (0, len(ranked)):
        desc += " " + _("Getoond: plaats %(first)s tot en met %(last)s; de tabel heeft alle %(n)s.",
                        first=first + 1, last=last, n=len(ranked))
    return Chart(f"rangorde_{measure}", _("Rangorde: %(measure)s", measure=m.label), desc, fig, table)


def scatter(rows: pd.DataFrame, x: str, y: str) -> Chart:
    """Coordinators: two measures of every gemeente of a group, the chosen one marked."""
    mx, my = MEASURES[x], MEASURES[y]
    data = rows.dropna(subset=[x, y])
    traces = []
    for own, colour, symbol, name in ((False, PEER_COLOUR, "circle", _("Andere gemeenten")),
                                      (True, OWN_COLOUR, "diamond", _("Gekozen gemeente"))):
        part = data[data["own"] == own]
        traces.append(dict(type="scatter", x=part[x].tolist(), y=part[y].tolist(),
                           mode="markers+text" if own else "markers", name=name, text=part["label"].tolist(),
                           textposition="top center", marker=dict(color=colour, symbol=symbol, size=12 if own else 9),
                           hovertemplate="%{text}<br>%{x}<br>%{y}<extra></extra>"))
    layout = dict(xaxis=dict(title=dict(text=axis_title(mx))),
                  yaxis=dict(title=dict(text=axis_title(my))))
    fig = figure(traces, layout, 380)

    def table() -> pd.DataFrame:
        return pd.DataFrame({_("Gemeente"): data["label"], mx.label: data[x].map(mx.format),
                             my.label: data[y].map(my.format)})

    return Chart(f"spreiding_{x}_{y}", _("%(x)s tegen %(y)s", x=mx.label, y=my.label),
                 _("Spreidingsdiagram van %(n)s gemeenten: %(x)s horizontaal, %(y)s verticaal.", n=len(data),
                   x=mx.label.lower(), y=my.label.lower()), fig, table)
