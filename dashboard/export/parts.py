"""What goes into a pack: one Part per folder (a gemeente's profile, or the region's overview), as one audience
may see it, built through the same data layer and chart builders as the screens."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard import charts, data, formatting
from dashboard.disclosure import COMPLEMENT_NOTE, COMPLEMENT_TEXT
from dashboard.metrics import THEMES
from dashboard.viewer import COORDINATOR, MUNICIPALITY, PUBLIC, Viewer
from etl import geo, reference

AUDIENCES = (COORDINATOR, MUNICIPALITY, PUBLIC)
AUDIENCE_LABELS = {COORDINATOR: "regionale coördinatie", MUNICIPALITY: "gemeente", PUBLIC: "openbaar"}
TREND_MEASURES = ("score", "fte_per_100k", "budget_per_1000", "signals_total")
CONTACT = "Noord-Holland Samen Veilig, regionale coördinatie polarisatie en radicalisering"


class ExportError(ValueError):
    """A request the export cannot carry out; the message is Dutch and safe to show."""


def confidentiality_label(audience: str, name: str | None = None) -> str:
    """The label on the cover, on every page, slide and chart of a pack."""
    if audience == COORDINATOR:
        return "Vertrouwelijk — alleen voor de regionale coördinatie"
    if audience == MUNICIPALITY:
        return f"Vertrouwelijk — alleen voor gemeente {name}"
    return "Openbaar"


@dataclass
class Part:
    """One pack folder: a gemeente's profile or the region's overview, as one audience may see it."""

    folder: str  # relative to the pack: 'GM0405', 'regio' or 'GM0405/regio'
    stem: str  # file name stem: 'NHSV_2026Q3_GM0405_Hoorn'
    title: str  # 'Hoorn', 'Regio NHSV'
    subtitle: str
    quarter: str
    label: str
    caption: str  # source, quarter and load date
    summary: list[str]
    charts: list[charts.Chart]
    audience: str = COORDINATOR
    checklist: pd.DataFrame | None = None
    key_figures: list[data.KeyFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    story: int = 0  # how many of `summary`'s first lines are the quarter's story (the rest: key figures)

    @property
    def audience_label(self) -> str:
        return AUDIENCE_LABELS[self.audience]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def gemeente_part(audience: str, code: str, quarter: str, folder: str | None = None) -> Part:
    place = data.region()[code]
    viewer = Viewer(MUNICIPALITY, code) if audience == MUNICIPALITY else Viewer(audience)
    public = audience == PUBLIC
    try:
        p = data.profile(viewer, code, quarter)
    except data.TooFew:
        p = data.profile(viewer, code, quarter, peer_kind="regio")
    checklist = charts.checklist_table(p.checklist)
    notes = []
    if public:
        checklist = checklist.drop(columns=["Toelichting"])
        notes.append("Deze openbare uitgave bevat geen aantallen meldingen of interventietrajecten per gemeente "
                     "en geen toelichtingen van de gemeente.")
    subtitle = (f"{p.district} · {p.size_class} inwoners ({formatting.number(p.population)} inwoners, CBS "
                f"{data.warehouse.population_year()})")
    return Part(folder=folder or code, stem=f"NHSV_{quarter}_{code}_{slug(place.name)}", title=place.name,
                subtitle=subtitle, quarter=quarter, label=confidentiality_label(audience, place.name),
                caption=data.caption(quarter), summary=[p.summary], charts=charts.profile_charts(p, public),
                audience=audience, checklist=checklist, notes=notes, story=1)


def map_chart(viewer: Viewer, quarter: str) -> charts.Chart:
    """The overview's map for this viewer: real boundaries once imported (`nhsv geo import`), else tiles."""
    values = data.map_values(viewer, quarter, "score")
    boundaries = geo.load_boundaries()
    if boundaries:
        return charts.choropleth(values, boundaries, "score")
    return charts.tile_map(values, data.tile_positions(), "score")


def region_part(audience: str, quarter: str, code: str | None = None, folder: str = "regio") -> Part:
    """The overview (map, checklist), the trends per district and the signals per district. For a `gemeente`
    audience `code` is the gemeente whose view of the region this is."""
    viewer = Viewer(MUNICIPALITY, code) if audience == MUNICIPALITY else Viewer(audience)
    own_name = data.region()[code].name if code else None
    out: list[charts.Chart] = []
    notes: list[str] = []
    if audience == COORDINATOR:
        out.append(map_chart(viewer, quarter))
        matrix, codes = data.block_matrix(viewer, quarter)
        out.append(charts.status_heatmap(matrix, codes, THEMES))
    else:
        notes.append("Andere gemeenten staan hierin niet afzonderlijk, alleen samengevat per groep (de regio of een "
                     "district) van ten minste vijf gemeenten. Meldingen staan alleen als totalen van de regio en de "
                     "districten, met aantallen van 1 tot en met 4 als '<5'."
                     + (" Aantallen zijn afgerond op vijftallen." if audience == PUBLIC else ""))
        if audience == MUNICIPALITY:
            out.append(map_chart(viewer, quarter))
        try:
            counts = data.block_counts(viewer, quarter)
            labels = {b.code: b.label for b in reference.blocks()}
            out.append(charts.status_counts(counts.counts, labels, counts.group.name, counts.own, counts.own_name))
        except data.TooFew as refused:
            notes.append(str(refused))
    events = data.events()
    for measure in TREND_MEASURES:
        out.append(charts.trend_lines(data.trends(viewer, measure), measure, events))
    hidden_any = False
    for group in [data.scope.REGION_NAME, *data.districts()]:
        tables = data.signal_tables(viewer, group)
        for table, kind in zip(tables, ("soort", "herkomst"), strict=True):
            name = "regio" if group == data.scope.REGION_NAME else slug(group).lower()
            chart = charts.signal_bars(table, f"meldingen_{kind}_{name}")
            hidden_any |= any(c.text == COMPLEMENT_TEXT for row in table.cells for c in row)
            out.append(chart)
    if hidden_any:
        notes.append(COMPLEMENT_NOTE + ".")
    try:
        key_figures = data.key_figures(viewer, quarter)
    except data.TooFew as refused:
        key_figures, notes = [], [*notes, str(refused)]
    # the quarter's story opens the report and the deck, as it opens the overview; the key figures follow
    story = data.quarter_story(viewer, quarter).sentences
    summary = story + [f"{k.label}: {k.value}" + (f" ({k.change})" if k.change else "") for k in key_figures]
    caption = data.caption(quarter)
    return Part(folder=folder, stem=f"NHSV_{quarter}_regio", title="Regio NHSV",
                subtitle=(f"Overzicht van de {len(data.region())} gemeenten van Noord-Holland Samen Veilig"
                          + (f", zoals gemeente {own_name} het ziet" if own_name else "")),
                quarter=quarter, label=confidentiality_label(audience, own_name), caption=caption,
                summary=summary, charts=out, audience=audience, key_figures=key_figures, notes=notes,
                story=len(story))


def plan(audience: str, codes: Sequence[str], region: bool) -> list[tuple[str, str | None, str]]:
    """(kind, code, folder) of every part of a pack, in order."""
    parts: list[tuple[str, str | None, str]] = [("gemeente", c, c) for c in codes]
    if region:
        if audience == MUNICIPALITY:
            parts += [("regio", c, f"{c}/regio") for c in codes]
        else:
            parts.append(("regio", None, "regio"))
    return parts


def build_part(audience: str, kind: str, code: str | None, folder: str, quarter: str) -> Part:
    if kind == "gemeente":
        return gemeente_part(audience, code or "", quarter, folder)
    return region_part(audience, quarter, code if audience == MUNICIPALITY else None, folder)


def colophon(part: Part, created: str) -> list[tuple[str, str]]:
    """The colophon of a report, a deck and a workbook: source, load date, audience, confidentiality, contact."""
    return [
        ("Bron", part.caption),
        ("Publiek", part.audience_label),
        ("Vertrouwelijkheid", part.label),
        ("Gemaakt op", created),
        ("Gemaakt met", "NHSV-monitor (kwartaalexport)"),
        ("Contact", CONTACT),
    ]
