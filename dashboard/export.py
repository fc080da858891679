"""The quarterly export pack: charts, a report, slides and the data per gemeente and for the region.

    build_pack("2026Q3", "gemeente", ["GM0405"], region=True, formats=("png", "pdf"), out_dir=Path("pakket"))

What is in a pack is decided by the audience, through the same data layer and chart builders as the screens
(`dashboard.data`, `dashboard.charts`): `coordinator` sees everything; `gemeente` gets one pack per gemeente,
built with that gemeente's own viewer, so it holds no other gemeente's name; `openbaar` also rounds counts to
multiples of 5 and names no gemeente beside a count (the data layer's rules for `Viewer('openbaar')`).

Layout of a pack (`out_dir`):

    manifest.json                       every file of the pack with its SHA-256 and size
    GM0405/                             one folder per gemeente (for `gemeente`: also its view of the region
        manifest.json                   in GM0405/regio/), each with its own manifest
        NHSV_2026Q3_GM0405_Hoorn_rapport.pdf
        NHSV_2026Q3_GM0405_Hoorn_presentatie.pptx
        NHSV_2026Q3_GM0405_Hoorn_gegevens.xlsx
        figuren/01_themascores.png      print quality (scale 2) and .svg; each carries source, quarter, label
        csv/01_themascores.csv          (format csv, not in the default set)
    regio/                              the region's overview charts in the same formats

The pack is written into a temporary folder beside `out_dir` and swapped in at the end, so a second run
replaces the first completely and a failed run leaves the earlier pack as it was. One Chromium (kaleido's
persistent server, MathJax off, a local plotly.js and a dead proxy: no network) renders the whole batch.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import hashlib
import json
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from dashboard import charts, data, formatting, i18n
from dashboard.disclosure import COMPLEMENT_NOTE, COMPLEMENT_TEXT
from dashboard.metrics import N_BLOCKS, THEMES
from dashboard.viewer import COORDINATOR, MUNICIPALITY, PUBLIC, Viewer
from etl import reference
from etl.domain import Quarter
from etl.domain import today as _today
from nhsv import settings

AUDIENCES = (COORDINATOR, MUNICIPALITY, PUBLIC)
FORMATS = ("png", "svg", "pdf", "pptx", "xlsx", "csv")
DEFAULT_FORMATS = ("png", "svg", "pdf", "pptx", "xlsx")
AUDIENCE_LABELS = {COORDINATOR: "regionale coördinatie", MUNICIPALITY: "gemeente", PUBLIC: "openbaar"}

WIDTH = 960  # CSS pixels of every exported chart; PNGs are rendered at SCALE times this
SCALE = 2
TABS = 3  # kaleido tabs in the one Chromium: while one reloads plotly.js after a render, the others render
NO_NETWORK_PROXY = "http://127.0.0.1:9"  # every http(s) request from the renderer fails at once
TREND_MEASURES = ("score", "fte_per_100k", "budget_per_1000", "signals_total")
MANIFEST = "manifest.json"
GENERATOR = "nhsv-monitor export"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Progress = Callable[[int, int, str], None]
"""progress(done, total, path): called once per file written, `path` relative to the pack folder."""


class ExportError(ValueError):
    """A request the export cannot carry out; the message is Dutch and safe to show."""


def confidentiality_label(audience: str, name: str | None = None) -> str:
    """The label on the cover, on every page, slide and chart of a pack."""
    if audience == COORDINATOR:
        return "Vertrouwelijk — alleen voor de regionale coördinatie"
    if audience == MUNICIPALITY:
        return f"Vertrouwelijk — alleen voor gemeente {name}"
    return "Openbaar"


# --- what goes into a pack ------------------------------------------------------------------------

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
    checklist: pd.DataFrame | None = None
    key_figures: list[data.KeyFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
                checklist=checklist, notes=notes)


def region_part(audience: str, quarter: str, code: str | None = None, folder: str = "regio") -> Part:
    """The overview (map, checklist), the trends per district and the signals per district. For a `gemeente`
    audience `code` is the gemeente whose view of the region this is."""
    viewer = Viewer(MUNICIPALITY, code) if audience == MUNICIPALITY else Viewer(audience)
    own_name = data.region()[code].name if code else None
    out: list[charts.Chart] = []
    notes: list[str] = []
    if audience == COORDINATOR:
        values = data.map_values(viewer, quarter, "score")
        out.append(charts.tile_map(values, data.tile_positions(), "score"))
        matrix, codes = data.block_matrix(viewer, quarter)
        out.append(charts.status_heatmap(matrix, codes, THEMES))
    else:
        notes.append("Andere gemeenten staan hierin niet afzonderlijk, alleen samengevat per groep (de regio of een "
                     "district) van ten minste vijf gemeenten. Meldingen staan alleen als totalen van de regio en de "
                     "districten, met aantallen van 1 tot en met 4 als '<5'."
                     + (" Aantallen zijn afgerond op vijftallen." if audience == PUBLIC else ""))
        if audience == MUNICIPALITY:
            values = data.map_values(viewer, quarter, "score")
            out.append(charts.tile_map(values, data.tile_positions(), "score"))
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
    summary = data.quarter_story(viewer, quarter).sentences + [
        f"{k.label}: {k.value}" + (f" ({k.change})" if k.change else "") for k in key_figures]
    caption = data.caption(quarter)
    return Part(folder=folder, stem=f"NHSV_{quarter}_regio", title="Regio NHSV",
                subtitle=(f"Overzicht van de {len(data.region())} gemeenten van Noord-Holland Samen Veilig"
                          + (f", zoals gemeente {own_name} het ziet" if own_name else "")),
                quarter=quarter, label=confidentiality_label(audience, own_name), caption=caption,
                summary=summary, charts=out, key_figures=key_figures, notes=notes)


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


# --- figures ---------------------------------------------------------------------------------------

def export_figure(chart: charts.Chart, caption: str, label: str) -> dict:
    """The builder's figure (as a plain figure dict, which is what the renderer takes) with the source, quarter
    and label printed beneath it, so that the image still carries them when it is used on its own. The footer
    goes below the x-axis' tick labels and title."""
    fig = copy.deepcopy(chart.figure)
    layout = fig.setdefault("layout", {})
    axis = layout.get("xaxis", {})
    below = 6
    if axis.get("visible") is not False and axis.get("side") != "top":
        below += 26  # tick labels
        if (axis.get("title") or {}).get("text"):
            below += 24
    margin = dict(layout.get("margin") or {})
    margin["b"] = max(margin.get("b") or 0, below + 40)
    layout["margin"] = margin
    layout["height"] = (layout.get("height") or 380) + 40
    layout["width"] = WIDTH
    layout["paper_bgcolor"] = "#FFFFFF"
    layout["annotations"] = [*layout.get("annotations", []), dict(
        text=escape(caption) + "<br>" + escape(label), xref="paper", yref="paper", x=0, y=0, xanchor="left",
        yanchor="top", yshift=-below, align="left", showarrow=False, font=dict(size=11, color="#4A4A4A"))]
    return fig


def _local_plotly_js() -> str | None:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return str(path) if path.is_file() else None


class Renderer:
    """kaleido's persistent server: one Chromium for the whole batch, MathJax off, plotly.js from the installed
    plotly package and every network request sent to a dead proxy (no network at render time)."""

    def __init__(self, tabs: int = TABS) -> None:
        self.tabs = tabs
        self.renders = 0
        self.seconds = 0.0
        self._started = False

    def __enter__(self) -> Renderer:
        import kaleido
        import plotly.io as pio

        if hasattr(pio.defaults, "headers"):
            pio.defaults.headers = None  # the server takes no per-call headers; silences a warning per call
        options: dict = dict(n=self.tabs, mathjax=False, proxy_server=NO_NETWORK_PROXY)
        if plotly_js := _local_plotly_js():
            options["plotlyjs"] = plotly_js
        if browser := settings.get("NHSV_BROWSER_PATH").strip():
            options["path"] = browser
        server = getattr(kaleido, "_global_server", None)
        if server is not None and server.is_running():
            return self  # someone else's server (the app's): use it, and leave it running
        kaleido.start_sync_server(silence_warnings=True, **options)
        self._started = True
        return self

    def __exit__(self, *exc) -> None:
        if self._started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            self._started = False

    def render(self, jobs: Sequence[tuple[dict, Path, str]]) -> None:
        """Write every (figure, path, format) job; the tabs share the work."""
        import kaleido

        if not jobs:
            return
        start = time.perf_counter()
        specs = [{"fig": fig, "path": str(path),
                  "opts": {"format": fmt, "width": WIDTH, "scale": SCALE if fmt == "png" else 1}}
                 for fig, path, fmt in jobs]
        kaleido.write_fig_from_object_sync(specs, cancel_on_error=True)
        self.seconds += time.perf_counter() - start
        self.renders += len(jobs)


# --- text cells ------------------------------------------------------------------------------------

_DUTCH_NUMBER = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,\d+)?%?$|^-?\d+(?:,\d+)?%?$")


def neutralise(value):
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_value(value):
    """Dutch-formatted numbers ('1.234,5', '38%') become numbers with a number format; other text is
    neutralised. Returns (value, number_format or None)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, None
    if isinstance(value, bool):
        return ("ja" if value else "nee"), None
    if isinstance(value, int | float):
        return value, None
    text = str(value)
    if _DUTCH_NUMBER.match(text):
        percent = text.endswith("%")
        digits = text.rstrip("%").replace(".", "").replace(",", ".")
        number = float(digits)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        if percent:
            return number / 100, "0" + ("." + "0" * decimals if decimals else "") + "%"
        if decimals == 0:
            return int(number), "#,##0"
        return number, "#,##0." + "0" * decimals
    return neutralise(text), None


def csv_value(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    return text if _DUTCH_NUMBER.match(text) else neutralise(text)


# --- writers ---------------------------------------------------------------------------------------

def _sheet_title(index: int, title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "", f"{index:02d} {title}")[:31].strip()
    name, k = base, 2
    while name.lower() in used:
        name = f"{base[:28]}~{k}"
        k += 1
    used.add(name.lower())
    return name


def write_xlsx(part: Part, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wb = Workbook()
    info = wb.active
    info.title = "Over dit bestand"
    rows = [("NHSV-monitor", f"{part.title} — {formatting.quarter_label(part.quarter)}"),
            ("Vertrouwelijkheid", part.label), ("Bron", part.caption),
            ("Gemaakt op", formatting.date(_today(), long=True)), ("", "")]
    rows += [("Samenvatting", line) for line in part.summary]
    rows += [("Let op", note) for note in part.notes]
    rows += [("", ""), ("Blad", "Inhoud")]
    used = {info.title.lower()}
    names = [_sheet_title(k, c.title, used) for k, c in enumerate(part.charts, start=1)]
    rows += [(n, f"{c.title}. {c.description}") for n, c in zip(names, part.charts, strict=True)]
    if part.checklist is not None:
        rows.append(("Checklist", f"De {N_BLOCKS} bouwstenen met hun status."))
    for r in rows:
        info.append([neutralise(v) for v in r])
    info["A1"].font = Font(bold=True, size=14)
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 110
    for row in info.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    def table_sheet(name: str, title: str, table: pd.DataFrame) -> None:
        ws = wb.create_sheet(name)
        ws.append([neutralise(title)])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([neutralise(part.caption)])
        ws.append([neutralise(part.label)])
        ws.append([])
        ws.append([neutralise(str(c)) for c in table.columns])
        for cell in ws[5]:
            cell.font = bold
        for values in table.itertuples(index=False):
            ws.append([spreadsheet_value(v)[0] for v in values])
            for cell, v in zip(ws[ws.max_row], values, strict=True):
                fmt = spreadsheet_value(v)[1]
                if fmt:
                    cell.number_format = fmt
        ws.freeze_panes = "A6"
        for k, column in enumerate(table.columns, start=1):
            width = max([len(str(column)), *[len(str(v)) for v in table[column].head(200)]] or [8])
            ws.column_dimensions[ws.cell(row=5, column=k).column_letter].width = min(60, max(9, width + 2))

    for name, chart in zip(names, part.charts, strict=True):
        table_sheet(name, chart.title, chart.table)
    if part.checklist is not None:
        table_sheet("Checklist", "Checklist bouwstenen", part.checklist)
    wb.properties.title = f"NHSV-monitor — {part.title} — {formatting.quarter_label(part.quarter)}"
    wb.properties.subject = part.label
    wb.properties.creator = "NHSV-monitor"
    wb.save(path)


def write_csv(part: Part, chart: charts.Chart, path: Path) -> None:
    """A chart's table for spreadsheets set to Dutch (semicolon, UTF-8 with BOM), with source and label first."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([neutralise(chart.title)])
        writer.writerow([neutralise(part.caption)])
        writer.writerow([neutralise(part.label)])
        writer.writerow([])
        writer.writerow([csv_value(c) for c in chart.table.columns])
        for values in chart.table.itertuples(index=False):
            writer.writerow([csv_value(v) for v in values])


def write_pptx(part: Part, images: list[Path], path: Path) -> None:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    grey = RGBColor(0x4A, 0x4A, 0x4A)
    margin = Inches(0.5)

    def footer(slide) -> None:
        box = slide.shapes.add_textbox(margin, prs.slide_height - Inches(0.75), prs.slide_width - 2 * margin,
                                       Inches(0.6))
        frame = box.text_frame
        frame.word_wrap = True
        frame.text = part.caption
        frame.paragraphs[0].runs[0].font.size = Pt(11)
        frame.paragraphs[0].runs[0].font.color.rgb = grey
        para = frame.add_paragraph()
        para.text = part.label
        para.runs[0].font.size = Pt(11)
        para.runs[0].font.bold = True

    def title_only(text: str):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        title = slide.shapes.title
        title.text = text
        title.left, title.top, title.width, title.height = margin, Inches(0.3), prs.slide_width - 2 * margin, \
            Inches(0.9)
        title.text_frame.paragraphs[0].runs[0].font.size = Pt(28)
        return slide

    cover = prs.slides.add_slide(prs.slide_layouts[0])
    cover.shapes.title.text = f"NHSV-monitor: {part.title}"
    cover.placeholders[1].text = (f"{formatting.quarter_label(part.quarter).capitalize()} · "
                                  f"{formatting.date(_today(), long=True)}\n{part.label}")
    # the default template's placeholders are laid out for 4:3; centre them on the 16:9 slide
    for shape, top, height in ((cover.shapes.title, Inches(2.0), Inches(1.5)),
                               (cover.placeholders[1], Inches(3.6), Inches(1.6))):
        shape.left, shape.top, shape.width, shape.height = margin, top, prs.slide_width - 2 * margin, height
    footer(cover)

    if part.summary or part.notes:
        slide = title_only("Samenvatting")
        box = slide.shapes.add_textbox(margin, Inches(1.4), prs.slide_width - 2 * margin, Inches(5))
        frame = box.text_frame
        frame.word_wrap = True
        lines = part.summary + part.notes
        frame.text = lines[0]
        for line in lines[1:]:
            frame.add_paragraph().text = line
        for para in frame.paragraphs:
            for run in para.runs:
                run.font.size = Pt(18 if len(lines) < 4 else 16)
        footer(slide)

    top, bottom = Inches(1.3), prs.slide_height - Inches(0.85)
    for chart, image in zip(part.charts, images, strict=True):
        slide = title_only(chart.title)
        width_px, height_px = png_size(image)
        box_w, box_h = prs.slide_width - 2 * margin, bottom - top
        scale = min(box_w / width_px, box_h / height_px)
        w, h = int(width_px * scale), int(height_px * scale)
        pic = slide.shapes.add_picture(str(image), Emu(int((prs.slide_width - w) / 2)), top, Emu(w), Emu(h))
        pic.name = chart.key
        slide.notes_slide.notes_text_frame.text = chart.description  # read aloud by screen readers too
        footer(slide)

    if part.checklist is not None:
        slide = title_only("Checklist bouwstenen")
        columns = list(part.checklist.columns)
        rows = len(part.checklist) + 1
        shape = slide.shapes.add_table(rows, len(columns), margin, Inches(1.25), prs.slide_width - 2 * margin,
                                       Inches(0.25) * rows)
        table = shape.table
        widths = {"Code": 0.7, "Thema": 2.2, "Bouwsteen": 4.8, "Status": 2.0, "Toelichting": 4.6}
        total = sum(widths.get(c, 2) for c in columns)
        for k, c in enumerate(columns):
            table.columns[k].width = int((prs.slide_width - 2 * margin) * widths.get(c, 2) / total)
        for j, c in enumerate(columns):
            table.cell(0, j).text = c
        for i, values in enumerate(part.checklist.itertuples(index=False), start=1):
            for j, v in enumerate(values):
                table.cell(i, j).text = "" if v is None else str(v)
        for r in range(rows):
            table.rows[r].height = Inches(0.25)
            for j in range(len(columns)):
                for para in table.cell(r, j).text_frame.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(9)
        footer(slide)

    prs.core_properties.title = f"NHSV-monitor — {part.title} — {formatting.quarter_label(part.quarter)}"
    prs.core_properties.subject = part.label
    prs.core_properties.author = "NHSV-monitor"
    prs.save(path)


def png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as handle:
        head = handle.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"not a PNG: {path}")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


_FONTS: dict[str, str] = {}
_FONT_LOCK = threading.Lock()
_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/DejaVuSans.ttf", "/Library/Fonts/DejaVuSans-Bold.ttf"),
    ("C:/Windows/Fonts/DejaVuSans.ttf", "C:/Windows/Fonts/DejaVuSans-Bold.ttf"),
]


def _pdf_fonts() -> dict[str, str]:
    """A Unicode font for the report (DejaVu Sans has the status symbols ✓ ★ ◐ ✕), else reportlab's Vera
    with the symbols left out."""
    with _FONT_LOCK:
        if _FONTS:
            return _FONTS
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for regular, bold in _FONT_CANDIDATES:
            if Path(regular).is_file() and Path(bold).is_file():
                pdfmetrics.registerFont(TTFont("NHSV", regular))
                pdfmetrics.registerFont(TTFont("NHSV-Bold", bold))
                _FONTS.update(regular="NHSV", bold="NHSV-Bold", symbols="yes")
                return _FONTS
        import reportlab

        vera = Path(reportlab.__file__).parent / "fonts"
        pdfmetrics.registerFont(TTFont("NHSV", str(vera / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("NHSV-Bold", str(vera / "VeraBd.ttf")))
        _FONTS.update(regular="NHSV", bold="NHSV-Bold", symbols="")
        return _FONTS


def write_pdf(part: Part, images: list[Path], path: Path) -> None:
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        Image,
        KeepTogether,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )

    rl_config.useA85 = 0  # binary image streams: smaller, and no slow ASCII85 encoding in pure Python
    fonts = _pdf_fonts()
    regular, bold = fonts["regular"], fonts["bold"]
    ink, muted, accent = colors.HexColor("#1A1A1A"), colors.HexColor("#4A4A4A"), colors.HexColor("#0072B2")
    confidential = part.label != "Openbaar"
    style = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=26, leading=32, textColor=ink, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=14, leading=19, textColor=muted,
                                   spaceAfter=4),
        "label": ParagraphStyle("label", fontName=bold, fontSize=13, leading=17, borderPadding=8,
                                textColor=colors.HexColor("#A3260E") if confidential else ink,
                                borderColor=colors.HexColor("#A3260E") if confidential else muted, borderWidth=1.2,
                                spaceBefore=18, spaceAfter=18),
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=17, leading=22, textColor=ink, spaceBefore=4,
                             spaceAfter=8),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=16, textColor=ink, spaceBefore=10,
                             spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=15, textColor=ink, spaceAfter=6),
        "caption": ParagraphStyle("caption", fontName=regular, fontSize=8.5, leading=11.5, textColor=muted,
                                  spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=9.6, textColor=ink),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8, leading=9.6, textColor=colors.white),
    }

    def para(text: str, name: str = "body") -> Paragraph:
        return Paragraph(escape(text), style[name])

    def plain(text: str) -> str:
        return text if fonts["symbols"] else re.sub(r"[✕◐✓★]\s?", "", text)

    page_w, page_h = A4
    left = right = 20 * mm
    top, bottom_margin = 18 * mm, 20 * mm
    frame_w, frame_h = page_w - left - right, page_h - top - bottom_margin
    header_line = f"NHSV-monitor · {part.title} · {formatting.quarter_label(part.quarter)}"

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(muted)
        canvas.drawString(left, page_h - 11 * mm, header_line)
        canvas.setFont(bold, 8)
        canvas.setFillColor(colors.HexColor("#A3260E") if confidential else muted)
        canvas.drawString(left, 10 * mm, part.label)
        canvas.setFont(regular, 8)
        canvas.setFillColor(muted)
        canvas.drawRightString(page_w - right, 10 * mm, f"pagina {doc.page}")
        canvas.restoreState()

    doc = BaseDocTemplate(
        str(path), pagesize=A4, leftMargin=left, rightMargin=right, topMargin=top, bottomMargin=bottom_margin,
        title=f"NHSV-monitor — {part.title} — {formatting.quarter_label(part.quarter)}", author="NHSV-monitor",
        subject=part.label, creator=GENERATOR, lang="nl-NL")
    frame = Frame(left, bottom_margin, frame_w, frame_h, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("cover", [frame], onPage=decorate),
                          PageTemplate("body", [frame], onPage=decorate)])

    story: list = [Spacer(1, 55 * mm), para("NHSV-monitor", "subtitle"),
                   para(f"Kwartaalrapportage {part.title}", "title"), para(part.subtitle, "subtitle"),
                   para(formatting.quarter_label(part.quarter).capitalize(), "subtitle"),
                   para(f"Datum: {formatting.date(_today(), long=True)}", "subtitle"),
                   para(part.label, "label"), para(part.caption, "caption"),
                   NextPageTemplate("body"), PageBreak()]

    story.append(para("Samenvatting", "h1"))
    story += [para(line) for line in part.summary]
    for note in part.notes:
        story.append(para(note, "caption"))
    story.append(Spacer(1, 4 * mm))
    story.append(para("Inhoud: " + "; ".join(f"figuur {k} {c.title}" for k, c in enumerate(part.charts, 1))
                      + ("; de checklist van de bouwstenen." if part.checklist is not None else "."), "caption"))

    max_image_h = frame_h - 40 * mm
    for k, (chart, image) in enumerate(zip(part.charts, images, strict=True), start=1):
        width_px, height_px = png_size(image)
        w = frame_w
        h = w * height_px / width_px
        if h > max_image_h:
            w, h = w * max_image_h / h, max_image_h
        block = [para(f"Figuur {k}. {chart.title}", "h2"), Image(str(image), width=w, height=h),
                 Spacer(1, 2 * mm), para(plain(chart.description), "caption"),
                 para(f"{part.caption} {part.label}.", "caption")]
        story.append(KeepTogether(block))

    if part.checklist is not None:
        story.append(PageBreak())
        story.append(para("Checklist bouwstenen", "h1"))
        story.append(para(f"Status van de {N_BLOCKS} bouwstenen aan het eind van het "
                          f"{formatting.quarter_label(part.quarter)}.", "caption"))
        columns = list(part.checklist.columns)
        widths = {"Code": 12, "Thema": 34, "Bouwsteen": 60, "Status": 31, "Toelichting": 38}  # mm
        col_w = [widths.get(c, 30) * mm for c in columns]
        col_w[columns.index("Bouwsteen")] += frame_w - sum(col_w)
        rows = [[Paragraph(escape(c), style["head"]) for c in columns]]
        for values in part.checklist.itertuples(index=False):
            rows.append([Paragraph(escape(plain("" if v is None else str(v))), style["cell"]) for v in values])
        table = Table(rows, colWidths=col_w, repeatRows=1)
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), accent),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F2F5F8")]),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#C8C8C8")),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        story.append(table)
        story.append(Spacer(1, 3 * mm))
        story.append(para(part.caption, "caption"))
    doc.build(story)


# --- the pack ------------------------------------------------------------------------------------------

@dataclass
class PackFile:
    path: str  # relative to the pack folder, with forward slashes
    sha256: str
    bytes: int


@dataclass
class PackResult:
    out_dir: Path
    files: list[PackFile]
    parts: int
    figures: int
    seconds: float
    render_seconds: float
    renders: int
    exported_figures: list[dict] = field(default_factory=list)  # with keep_figures=True (benchmarks)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def validate(quarter: str, audience: str, codes: Sequence[str], region: bool, formats: Iterable[str],
             out_dir: Path) -> tuple[str, list[str], list[str]]:
    """The request checked and normalised: (quarter, codes, formats). Raises ExportError (Dutch)."""
    if audience not in AUDIENCES:
        raise ExportError(f"onbekend publiek {audience!r}; kies uit {', '.join(AUDIENCES)}")
    if isinstance(formats, str):
        formats = formats.split(",")
    wanted = [f.strip().lower() for f in formats if f and f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ExportError(f"onbekend formaat {', '.join(unknown)}; kies uit {', '.join(FORMATS)}")
    if not wanted:
        raise ExportError("geen formaat gekozen")
    try:
        quarter = Quarter.parse(quarter).code
    except ValueError:
        raise ExportError(f"{quarter!r} is geen kwartaal; schrijf bijvoorbeeld 2026Q3") from None
    if quarter not in data.quarters():
        raise ExportError(f"er zijn geen gegevens over {quarter}; geladen kwartalen: "
                          + (", ".join(sorted(data.quarters())) or "geen"))
    places = data.region()
    chosen: list[str] = []
    for code in codes:
        code = code.strip().upper()
        if code not in places:
            raise ExportError(f"{code} is geen NHSV-gemeente (gebruik de CBS-code, bijvoorbeeld GM0405)")
        if code not in chosen:
            chosen.append(code)
    if not chosen and not region:
        raise ExportError("kies ten minste één gemeente of de regio")
    if audience == MUNICIPALITY and not chosen:
        raise ExportError("een pakket voor een gemeente vraagt om de gemeente (de regio zoals die gemeente haar "
                          "ziet komt in het pakket van de gemeente)")
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ExportError(f"{out_dir} bestaat al en is geen map")
        if any(out_dir.iterdir()) and not _is_pack(out_dir):
            raise ExportError(f"de map {out_dir} bestaat al en is geen exportpakket; kies een nieuwe of lege map")
    return quarter, chosen, [f for f in FORMATS if f in wanted]


def _is_pack(folder: Path) -> bool:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False


@i18n.in_dutch  # the packs are the region's documents: Dutch, whatever the language of the request that asks
def build_pack(quarter: str, audience: str, codes: Sequence[str], region: bool,
               formats: Iterable[str] = DEFAULT_FORMATS, out_dir: Path | str = "export",
               progress: Progress | None = None, *, keep_figures: bool = False,
               tabs: int = TABS) -> PackResult:
    """Build the quarterly pack into `out_dir` (replaced as a whole); returns the files with their checksums.

    audience: coordinator | gemeente | openbaar. codes: CBS codes of the gemeenten with a pack of their own;
    region: also the region's overview. formats: any of png, svg, pdf, pptx, xlsx, csv. `progress(done,
    total, path)` is called once per file. Raises ExportError (Dutch) on a request it cannot carry out.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    quarter, codes, formats = validate(quarter, audience, codes, region, formats, out_dir)
    parts_plan = plan(audience, codes, region)
    # the data of every part first (fast, and it fixes the progress total), then the figures and documents
    parts = [build_part(audience, kind, code, folder, quarter) for kind, code, folder in parts_plan]
    needs_png = bool({"png", "pdf", "pptx"} & set(formats))
    per_chart = ("png" in formats) + ("svg" in formats) + ("csv" in formats)
    per_part = ("pdf" in formats) + ("pptx" in formats) + ("xlsx" in formats) + 1  # + the part's manifest
    total = sum(len(part.charts) * per_chart + per_part for part in parts) + 1
    done = 0

    def report(rel: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, max(total, done), rel)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = out_dir.parent / f".{out_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    scratch = work / ".render"  # PNGs needed for PDF or PPTX only, left out of the pack
    work.mkdir()
    files: list[PackFile] = []
    figures: list[dict] = []
    n_figures = 0
    renderer = Renderer(tabs) if needs_png or "svg" in formats else None
    try:
        with (renderer or contextlib.nullcontext(),
              ThreadPoolExecutor(max_workers=1, thread_name_prefix="render") as pool):
            pending: tuple[Part, Future, list[Path], list[str]] | None = None
            for part in parts:
                target = work / part.folder
                (target / "figuren").mkdir(parents=True, exist_ok=True)
                jobs, pngs, rendered = [], [], []
                for k, chart in enumerate(part.charts, start=1):
                    name = f"{k:02d}_{chart.key}"
                    if needs_png or "svg" in formats:
                        fig = export_figure(chart, part.caption, part.label)
                        if keep_figures:
                            figures.append(fig)
                    if needs_png:
                        if "png" in formats:
                            png = target / "figuren" / f"{name}.png"
                            rendered.append(f"{part.folder}/figuren/{name}.png")
                        else:
                            png = scratch / part.folder / f"{name}.png"
                            png.parent.mkdir(parents=True, exist_ok=True)
                        jobs.append((fig, png, "png"))
                        pngs.append(png)
                    if "svg" in formats:
                        jobs.append((fig, target / "figuren" / f"{name}.svg", "svg"))
                        rendered.append(f"{part.folder}/figuren/{name}.svg")
                n_figures += len(part.charts)
                future = pool.submit(renderer.render, jobs) if renderer else _done_future()
                if pending:
                    _finish_part(*pending, formats=formats, work=work, files=files, report=report)
                pending = (part, future, pngs, rendered)
            if pending:
                _finish_part(*pending, formats=formats, work=work, files=files, report=report)
        shutil.rmtree(scratch, ignore_errors=True)
        manifest = {
            "generator": GENERATOR, "version": 1, "quarter": quarter, "audience": audience,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "date": _today().isoformat(),
            "gemeenten": codes, "regio": region, "formats": formats,
            "files": [f.__dict__ for f in sorted(files, key=lambda f: f.path)],
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        report(MANIFEST)
        _swap(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return PackResult(out_dir=out_dir, files=files, parts=len(parts_plan), figures=n_figures,
                      seconds=time.perf_counter() - started, render_seconds=renderer.seconds if renderer else 0.0,
                      renders=renderer.renders if renderer else 0, exported_figures=figures)


def _done_future() -> Future:
    future: Future = Future()
    future.set_result(None)
    return future


def _finish_part(part: Part, future: Future, pngs: list[Path], rendered: list[str], *, formats: list[str],
                 work: Path, files: list[PackFile], report: Callable[[str], None]) -> None:
    """Write the part's documents once its figures are rendered (the next part renders meanwhile)."""
    target = work / part.folder
    written: list[str] = []

    def add(rel: str) -> None:
        written.append(rel)
        report(rel)

    if "csv" in formats:
        (target / "csv").mkdir(exist_ok=True)
        for k, chart in enumerate(part.charts, start=1):
            write_csv(part, chart, target / "csv" / f"{k:02d}_{chart.key}.csv")
            add(f"{part.folder}/csv/{k:02d}_{chart.key}.csv")
    if "xlsx" in formats:
        write_xlsx(part, target / f"{part.stem}_gegevens.xlsx")
        add(f"{part.folder}/{part.stem}_gegevens.xlsx")
    future.result()  # the figures of this part are on disk from here on
    for rel in rendered:
        add(rel)
    if "pdf" in formats:
        write_pdf(part, pngs, target / f"{part.stem}_rapport.pdf")
        add(f"{part.folder}/{part.stem}_rapport.pdf")
    if "pptx" in formats:
        write_pptx(part, pngs, target / f"{part.stem}_presentatie.pptx")
        add(f"{part.folder}/{part.stem}_presentatie.pptx")
    if not any((target / "figuren").iterdir()):
        (target / "figuren").rmdir()
    entries = []
    for rel in written:
        path = work / rel
        entry = PackFile(rel, _sha256(path), path.stat().st_size)
        files.append(entry)
        entries.append({**entry.__dict__, "path": rel[len(part.folder) + 1:]})
    own = {"generator": GENERATOR, "version": 1, "part": part.title, "quarter": part.quarter,
           "label": part.label, "caption": part.caption, "files": sorted(entries, key=lambda e: e["path"])}
    manifest = target / MANIFEST
    manifest.write_text(json.dumps(own, ensure_ascii=False, indent=2), encoding="utf-8")
    rel = f"{part.folder}/{MANIFEST}"
    files.append(PackFile(rel, _sha256(manifest), manifest.stat().st_size))
    report(rel)


def _swap(work: Path, out_dir: Path) -> None:
    """Put the finished pack in place of the earlier one (two renames; the old one is removed after)."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}"
        out_dir.rename(old)
    try:
        work.rename(out_dir)
    except BaseException:
        if old is not None:
            old.rename(out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(out_dir: Path | str) -> dict:
    return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))


def verify(out_dir: Path | str) -> list[str]:
    """Files of a pack whose checksum or size no longer match its manifest (empty when the pack is intact)."""
    out_dir = Path(out_dir)
    bad = []
    for entry in read_manifest(out_dir)["files"]:
        path = out_dir / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            bad.append(entry["path"])
    return bad


__all__ = ["AUDIENCES", "DEFAULT_FORMATS", "FORMATS", "ExportError", "PackFile", "PackResult", "build_pack",
           "confidentiality_label", "neutralise", "read_manifest", "validate", "verify"]
