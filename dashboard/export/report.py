"""The pack's report: an accessible, tagged PDF (PDF/UA-1) made by WeasyPrint from an HTML template
(dashboard/templates/rapport.html).

Chosen over hand-placed ReportLab because the HTML carries the structure that accessibility needs and
WeasyPrint turns it into the PDF's structure tree: headings become bookmarks and tags in reading order,
`<table>` with `<th scope>` become tables with header cells, `alt` becomes each figure's alternative text,
`<html lang>` the document's language and `<title>` its title. The same template can serve an HTML version.
"""

from __future__ import annotations

import threading
from pathlib import Path

import jinja2

from dashboard import charts, formatting
from dashboard.export.parts import Part, colophon
from dashboard.metrics import N_BLOCKS
from etl.domain import today

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATUS_KEYS = {"bouwstenen", "bouwstenen_verdeling", "verloop_bouwstenen"}
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
_font_config = threading.local()  # WeasyPrint's FontConfiguration is not shared between threads


def document_title(part: Part) -> str:
    return f"NHSV-monitor — {part.title} — {formatting.quarter_label(part.quarter)}"


def html(part: Part, images: list[Path]) -> str:
    created = formatting.date(today(), long=True)
    columns = list(part.checklist.columns) if part.checklist is not None else []
    rows = ([["" if v is None else str(v) for v in values] for values in part.checklist.itertuples(index=False)]
            if part.checklist is not None else [])
    return _env.get_template("rapport.html").render(
        part=part, title=document_title(part), quarter_label=formatting.quarter_label(part.quarter),
        created=created, label_colour="#A3260E" if part.label != "Openbaar" else "#1A1A1A",
        story=part.summary[:part.story] if part.key_figures else part.summary,
        rest=part.summary[part.story:], key_figures=part.key_figures,
        figures=[(c, image.resolve().as_uri()) for c, image in zip(part.charts, images, strict=True)],
        status_keys=STATUS_KEYS, legend=charts.status_legend_text(), n_blocks=N_BLOCKS,
        checklist_columns=columns, checklist_rows=rows, colophon=colophon(part, created))


def write_pdf(part: Part, images: list[Path], path: Path) -> None:
    """The report of one part; `images` are the part's charts (SVG or PNG), in order."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = getattr(_font_config, "value", None)
    if fonts is None:
        fonts = _font_config.value = FontConfiguration()
    document = HTML(string=html(part, images), base_url=str(TEMPLATES))
    document.write_pdf(str(path), pdf_variant="pdf/ua-1", font_config=fonts, uncompressed_pdf=False,
                       custom_metadata=True)
