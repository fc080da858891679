"""The checklist in charts: every gemeente × block (coordinators), how many gemeenten of a group have each
status per block (everyone else), and one gemeente's blocks over time. Status is carried by colour and by symbol
or pattern, never by colour alone."""

from __future__ import annotations

import pandas as pd

from dashboard import formatting
from dashboard.charts.base import (
    RECENT_QUARTERS,
    STATUS_COLOURS,
    STATUS_PATTERNS,
    STATUS_SYMBOLS,
    Chart,
    empty,
    figure,
    missing,
    recent,
    status_label,
    status_text,
    statuses,
)
from dashboard.i18n import _, ngettext
from etl.domain import IN_ORDER_FROM, MAX_STATUS

_COLORSCALE = [[0, "#FFFFFF"], [0.2, "#FFFFFF"], [0.2, STATUS_COLOURS[0]], [0.4, STATUS_COLOURS[0]],
               [0.4, STATUS_COLOURS[1]], [0.6, STATUS_COLOURS[1]], [0.6, STATUS_COLOURS[2]],
               [0.8, STATUS_COLOURS[2]], [0.8, STATUS_COLOURS[3]], [1, STATUS_COLOURS[3]]]


def _of(block: str, n: int, total: int) -> str:
    """'LA2 (3 van 30)': at how many of the gemeenten a block is in order."""
    return _("%(block)s (%(n)s van %(total)s)", block=block, n=n, total=total)


def status_legend_traces() -> list[dict]:
    """A legend of the statuses inside the figure (colour and symbol together), so that the chart explains
    itself on screen, as an image and on a slide. Points without coordinates: they draw nothing but the legend."""
    items = [(STATUS_SYMBOLS[s], status_label(s), STATUS_COLOURS[s], STATUS_COLOURS[s]) for s in range(MAX_STATUS + 1)]
    items.append((STATUS_SYMBOLS[None], status_text(None).lower(), "#FFFFFF", "#9A9A9A"))
    return [dict(type="scatter", x=[None], y=[None], mode="markers", name=f"{symbol} {label}", hoverinfo="skip",
                 showlegend=True, marker=dict(symbol="square", size=14, color=fill, line=dict(color=edge, width=1)))
            for symbol, label, fill, edge in items]


def legend_below() -> dict:
    """The status legend under a chart, titled in the current language."""
    return dict(orientation="h", yanchor="top", y=-0.02, x=0, title=dict(text=_("Legenda:")), font=dict(size=12))


def _theme_breaks(codes: list[str]) -> list[float]:
    """Positions between blocks of different themes (block codes start with the theme code)."""
    return [k - 0.5 for k in range(1, len(codes)) if codes[k][:2] != codes[k - 1][:2]]


def status_heatmap(matrix: pd.DataFrame, codes: list[str], themes: dict[str, str],
                   shown: slice | None = None) -> Chart:
    """Gemeenten × blocks (coordinators): status by colour and symbol, lines between the themes, and above each
    block how many gemeenten have it in order. With `shown`, the figure and its table hold only those rows (a
    page of a long list); the counts and the description are of every row."""
    if matrix.empty:
        return empty("bouwstenen", _("Bouwstenen per gemeente"), _("Geen gegevens voor dit kwartaal."))
    n = len(matrix)
    columns = [statuses(matrix[c]) if c in matrix.columns else [None] * n for c in codes]
    every_row = list(zip(*columns, strict=True))
    submitted = sum(1 for row in every_row if any(s is not None for s in row))
    in_order = [sum(1 for s in column if s is not None and s >= IN_ORDER_FROM) for column in columns]
    shown = shown or slice(0, n)
    first, last, _step = shown.indices(n)
    rows, names = every_row[shown], matrix["label"].tolist()[shown]
    z = [[-1 if s is None else s for s in row] for row in rows]
    text = [[STATUS_SYMBOLS[s] for s in row] for row in rows]
    names_of = {s: status_text(s) for s in (None, *range(MAX_STATUS + 1))}
    hover = [[f"{name} · {c}: {names_of[s]}" for c, s in zip(codes, row, strict=True)]
             for name, row in zip(names, rows, strict=True)]
    ticks = [f"{c}<br>{k}" for c, k in zip(codes, in_order, strict=True)]
    trace = dict(type="heatmap", z=z, x=list(range(len(codes))), y=names, text=text, texttemplate="%{text}",
                 textfont=dict(size=13, color="#000000"), hovertext=hover, hoverinfo="text",
                 colorscale=_COLORSCALE, zmin=-1.5, zmax=3.5, showscale=False, xgap=2, ygap=2)
    shapes = [dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                   line=dict(color="#1A1A1A", width=2)) for x in _theme_breaks(codes)]
    layout = dict(yaxis=dict(autorange="reversed", tickfont=dict(size=12)),
                  xaxis=dict(side="top", tickmode="array", tickvals=list(range(len(codes))), ticktext=ticks,
                             tickfont=dict(size=10), tickangle=0),
                  shapes=shapes, margin=dict(l=10, r=10, t=50, b=40), legend=legend_below())
    fig = figure([trace, *status_legend_traces()], layout, max(300, 26 * len(rows) + 140))

    def table() -> pd.DataFrame:
        body = pd.DataFrame({_("Gemeente"): names, **{c: [names_of[row[k]] for row in rows]
                                                     for k, c in enumerate(codes)}})
        totals = pd.DataFrame([{_("Gemeente"): _("Op orde (van %(submitted)s)", submitted=submitted),
                                **dict(zip(codes, map(str, in_order), strict=True))}])
        return pd.concat([body, totals], ignore_index=True)

    counts = {s: sum(row.count(s) for row in every_row) for s in range(MAX_STATUS + 1)}
    weakest = sorted(zip(codes, in_order, strict=True), key=lambda x: x[1])[:3]
    description = " ".join([
        _("Tabel van %(n)s gemeenten (rijen) en de %(blocks)s bouwstenen (kolommen, per thema: %(themes)s).",
          n=n, blocks=len(codes),
          themes=", ".join(_(themes[t]) for t in dict.fromkeys(c[:2] for c in codes) if t in themes)),
        _("Boven elke bouwsteen staat bij hoeveel gemeenten hij op orde is."),
        _("Symbolen: %(symbols)s, – niet aangeleverd.",
          symbols=", ".join(f"{STATUS_SYMBOLS[s]} {status_label(s)}" for s in range(4))),
        _("In totaal %(counts)s.", counts=", ".join(f"{counts[s]}× {status_label(s).lower()}" for s in range(4))),
        _("Het minst vaak op orde: %(blocks)s.", blocks=", ".join(_of(c, k, submitted) for c, k in weakest)),
        *([_("Getoond: gemeente %(first)s tot en met %(last)s van %(n)s.", first=first + 1, last=last, n=n)]
          if (first, last) != (0, n) else []),
    ])
    return Chart("bouwstenen", _("Bouwstenen per gemeente"), description, fig, table)


def status_counts(counts: pd.DataFrame, labels: dict[str, str], group: str, own: dict[str, int | None],
                  own_name: str | None) -> Chart:
    """Per block, how many gemeenten of a group have each status (stacked bars with count and symbol), and
    where the own gemeente stands (a marker on its status)."""
    if counts.empty or int(counts.to_numpy().sum()) == 0:
        return empty("bouwstenen_verdeling", _("Status per bouwsteen in %(group)s", group=group),
                     _("Geen gegevens voor dit kwartaal."))
    blocks = list(counts.index)
    ylabels = [f"{b} {labels.get(b, '')}"[:34] for b in blocks]
    total = int(counts.iloc[0].sum())
    traces = []
    for s in range(MAX_STATUS + 1):
        column = [int(v) for v in counts[s].tolist()]
        traces.append(dict(type="bar", orientation="h", y=ylabels, x=column,
                           name=f"{STATUS_SYMBOLS[s]} {status_label(s)}",
                           marker=dict(color=STATUS_COLOURS[s], line=dict(color="#FFFFFF", width=1),
                                       # over the colour, not instead of it (plotly's default replaces it)
                                       pattern=dict(shape=STATUS_PATTERNS[s], fillmode="overlay", size=6,
                                                    solidity=0.25, fgcolor="#000000" if s in (1, 2) else "#FFFFFF")),
                           text=[f"{v}" if v else "" for v in column], textposition="inside",
                           insidetextanchor="middle", textfont=dict(color="#000000" if s in (1, 2) else "#FFFFFF"),
                           hovertemplate=f"%{{y}} · {status_label(s)}: %{{x}}<extra></extra>"))
    if own:
        xs, ys, texts = [], [], []
        for block, label in zip(blocks, ylabels, strict=True):
            s = own.get(block)
            if s is None:
                continue
            before = int(sum(counts.loc[block, t] for t in range(s)))
            xs.append(before + counts.loc[block, s] / 2)
            ys.append(label)
            texts.append(f"{own_name}: {status_label(s)}")
        traces.append(dict(type="scatter", mode="markers", x=xs, y=ys, name=own_name, hovertext=texts,
                           hoverinfo="text", marker=dict(symbol="diamond", size=13, color="#000000",
                                                         line=dict(color="#FFFFFF", width=2))))
    layout = dict(barmode="stack", yaxis=dict(autorange="reversed", tickfont=dict(size=11)),
                  xaxis=dict(title=dict(text=_("Aantal gemeenten (van %(total)s)", total=total)), range=[0, total]),
                  legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, traceorder="normal"),
                  margin=dict(l=10, r=10, t=40, b=10))
    fig = figure(traces, layout, 26 * len(blocks) + 150)

    def table() -> pd.DataFrame:
        out = pd.DataFrame({_("Bouwsteen"): ylabels, **{status_label(s): [int(v) for v in counts[s]]
                                                          for s in range(MAX_STATUS + 1)}})
        if own:
            out[own_name or _("Eigen gemeente")] = [status_text(own.get(b)) for b in blocks]
        return out

    in_order = counts[[s for s in counts.columns if s >= IN_ORDER_FROM]].sum(axis=1)
    lagging = in_order.sort_values().head(3)
    description = " ".join([
        _("Per bouwsteen het aantal gemeenten in %(group)s (%(total)s met een aanlevering) met elke status.",
          group=group, total=total),
        _("Het minst vaak op orde: %(blocks)s.", blocks=", ".join(_of(b, int(v), total) for b, v in lagging.items())),
        *([_("Uw gemeente (%(name)s) is gemarkeerd met ◆.", name=own_name)] if own else [])])
    return Chart("bouwstenen_verdeling", _("Status per bouwsteen in %(group)s", group=group), description, fig,
                 table)


def block_history(history: pd.DataFrame, codes: list[str], quarters: list[str], limit: int = 12,
                  window: int | None = RECENT_QUARTERS) -> Chart:
    """Each block's status per quarter: the chart draws the latest `window` quarters, the table every quarter.
    The description names every change, regressions first; when it must shorten, it says how many more there are."""
    if history.empty:
        return empty("verloop_bouwstenen", _("Verloop per bouwsteen"), _("Nog geen aanleveringen."))
    pivot = history.pivot(index="block_code", columns="quarter", values="status").reindex(index=codes,
                                                                                         columns=quarters)
    z = [[-1 if missing(v) else int(v) for v in row] for row in pivot.to_numpy().tolist()]
    xlabels = [formatting.quarter_short(q) for q in quarters]
    first, shown_note = recent(xlabels, window)
    drawn = [row[first:] for row in z]
    text = [[STATUS_SYMBOLS[None if v == -1 else v] for v in row] for row in drawn]
    trace = dict(type="heatmap", z=drawn, x=xlabels[first:], y=list(codes), text=text, texttemplate="%{text}",
                 colorscale=_COLORSCALE, zmin=-1.5, zmax=3.5, showscale=False, xgap=2, ygap=2,
                 textfont=dict(size=12, color="#000000"), hoverinfo="skip")
    shapes = [dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=y, y1=y, line=dict(color="#1A1A1A", width=2))
              for y in _theme_breaks(list(codes))]
    layout = dict(yaxis=dict(autorange="reversed"), shapes=shapes, margin=dict(l=10, r=10, t=40, b=10),
                  legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, font=dict(size=12)))
    fig = figure([trace, *status_legend_traces()], layout, 26 * len(codes) + 110)

    def table() -> pd.DataFrame:
        return pd.DataFrame([{_("Bouwsteen"): c, **{x: status_text(None if v == -1 else v)
                                                 for x, v in zip(xlabels, row, strict=True)}}
                             for c, row in zip(codes, z, strict=True)])

    downs, ups = [], []
    for c, row in zip(codes, z, strict=True):
        for k in range(1, len(row)):
            if row[k] != -1 and row[k - 1] != -1 and row[k] != row[k - 1]:
                change = _("%(block)s van %(before)s naar %(after)s in %(quarter)s", block=c,
                           before=status_label(row[k - 1]).lower(), after=status_label(row[k]).lower(),
                           quarter=xlabels[k])
                (ups if row[k] > row[k - 1] else downs).append((k, change))
    newest_first = [[c for _, c in sorted(found, key=lambda x: -x[0])] for found in (downs, ups)]
    shown_downs = newest_first[0][:limit]
    shown_ups = newest_first[1][:max(0, limit - len(shown_downs))]
    rest = len(downs) + len(ups) - len(shown_downs) - len(shown_ups)
    parts = [_("Status van elke bouwsteen per kwartaal: %(down)s keer teruggevallen, %(up)s keer vooruitgegaan.",
               down=len(downs), up=len(ups)) if downs or ups
             else _("Status van elke bouwsteen per kwartaal. Geen veranderingen.")]
    if shown_downs:
        parts.append(_("Teruggevallen: %(changes)s.", changes="; ".join(shown_downs)))
    if shown_ups:
        parts.append(_("Vooruitgegaan: %(changes)s.", changes="; ".join(shown_ups)))
    if rest:
        parts.append(ngettext("En %(num)s andere verandering (zie de tabel).",
                              "En %(num)s andere veranderingen (zie de tabel).", rest))
    if shown_note:
        parts.append(shown_note)
    description = " ".join(parts)
    return Chart("verloop_bouwstenen", _("Verloop per bouwsteen"), description, fig, table)


def checklist_table(checklist: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        _("Code"): checklist["code"], _("Thema"): checklist["theme"], _("Bouwsteen"): checklist["label"],
        _("Status"): [f"{STATUS_SYMBOLS[None if missing(s) else int(s)]} {status_text(s)}"
                      for s in checklist["status"]],
        _("Toelichting"): checklist["explanation"].fillna(""),
    })
