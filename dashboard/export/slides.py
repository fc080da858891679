"""The pack's deck (PPTX), laid out from measured text rather than fixed row heights.

Every text block is wrapped and measured with the metrics of DejaVu Sans, the widest of the fonts a deck
meets (PowerPoint's Calibri, LibreOffice's Carlito, and DejaVu Sans where neither is installed), so what fits
here fits in every client. Titles shrink to fit (at most two lines), long tables continue on the next slide
("vervolg") with their header repeated, charts fill the area between title and footer (they were rendered at
its shape, dashboard.export.figures), every picture's alternative text is the chart's description, and the
quarter's story is the second slide.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard import charts, formatting
from dashboard.export.figures import png_size
from dashboard.export.parts import Part, colophon
from etl.domain import today

SLIDE_W, SLIDE_H = 960.0, 540.0  # points: 13.333 × 7.5 inches (16:9)
MARGIN = 36.0  # 0.5 inch
GAP = 10.0
INSET_X, INSET_Y = 7.2, 3.6  # python-pptx's default text frame insets (0.1", 0.05")
LINE = 1.3  # line pitch as a multiple of the font size, set exactly: above the glyph height of Calibri, Carlito, DejaVu
FONT = "Calibri"
TITLE_SIZES = (28, 24, 20)
BODY_SIZES = (18, 16, 14)
TABLE_SIZE = 11
FOOTER_SIZE = 10
STATUS_KEYS = {"bouwstenen", "bouwstenen_verdeling", "verloop_bouwstenen"}
_DEJAVU = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@functools.cache
def _font(bold: bool):
    from PIL import ImageFont

    path = _DEJAVU[1 if bold else 0]
    if Path(path).is_file():
        return ImageFont.truetype(path, 100)
    return ImageFont.load_default(100)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of one line of `text` at `size` points."""
    return _font(bold).getlength(text) * size / 100


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to `width` points; a word longer than a line is broken between characters."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            rest = word
            while text_width(rest, size, bold) > width:
                cut = len(rest)
                while cut > 1 and text_width(rest[:cut], size, bold) > width:
                    cut -= 1
                lines.append(rest[:cut])
                rest = rest[cut:]
            line = rest
        lines.append(line)
    return lines


def block_height(lines: int, size: float) -> float:
    return lines * size * LINE + 2 * INSET_Y


@dataclass
class Frame:
    """The free area of a slide between its title and its footer, in points."""
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


class Deck:
    def __init__(self, part: Part) -> None:
        from pptx import Presentation
        from pptx.util import Pt

        self.part = part
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Pt(SLIDE_W), Pt(SLIDE_H)
        self.width = SLIDE_W - 2 * MARGIN
        self.footer_lines = [(line, False) for line in wrap(part.caption, self.width - 2 * INSET_X, FOOTER_SIZE)]
        self.footer_lines += [(line, True) for line in wrap(part.label, self.width - 2 * INSET_X, FOOTER_SIZE, True)]
        self.footer_top = SLIDE_H - 18 - block_height(len(self.footer_lines), FOOTER_SIZE)

    # --- shapes -------------------------------------------------------------------------------------------

    def _text(self, slide, left: float, top: float, width: float, lines: Sequence[tuple[str, bool]], size: float,
              colour: str = "1A1A1A"):
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.util import Pt

        box = slide.shapes.add_textbox(Pt(left), Pt(top), Pt(width), Pt(block_height(len(lines), size)))
        self._fill(box.text_frame, lines, size, colour)
        box.text_frame.auto_size = MSO_AUTO_SIZE.NONE
        return box

    @staticmethod
    def _fill(frame, lines: Sequence[tuple[str, bool]], size: float, colour: str = "1A1A1A") -> None:
        """Paragraphs of already wrapped lines: a line break where the measure put one, so no client re-wraps."""
        from pptx.dml.color import RGBColor
        from pptx.util import Pt

        frame.word_wrap = True
        frame.margin_left = frame.margin_right = Pt(INSET_X)
        frame.margin_top = frame.margin_bottom = Pt(INSET_Y)
        for k, (text, bold) in enumerate(lines):
            paragraph = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
            paragraph.line_spacing = Pt(size * LINE)  # exact: the measured height is the drawn height
            paragraph.space_before = paragraph.space_after = Pt(0)
            run = paragraph.add_run()
            run.text = text
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.name = FONT
            run.font.color.rgb = RGBColor.from_string(colour)

    def footer(self, slide) -> None:
        box = self._text(slide, MARGIN, self.footer_top, self.width, self.footer_lines, FOOTER_SIZE, "4A4A4A")
        box.name = "Bron en vertrouwelijkheid"

    def slide(self, title: str) -> tuple[object, Frame]:
        """A slide with a title that fits (smaller, or on two lines, when long) and the footer."""
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.util import Pt

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # title only: the title stays a real title
        lines, size = self.title_layout(title)
        shape = slide.shapes.title
        top = 20.0
        shape.left, shape.top, shape.width = Pt(MARGIN), Pt(top), Pt(self.width)
        shape.height = Pt(block_height(len(lines), size))
        shape.text_frame.clear()
        self._fill(shape.text_frame, [(line, True) for line in lines], size)
        shape.text_frame.auto_size = MSO_AUTO_SIZE.NONE
        self.footer(slide)
        return slide, Frame(top + block_height(len(lines), size) + GAP, self.footer_top - GAP)

    # --- content --------------------------------------------------------------------------------------------

    def cover(self) -> None:
        from pptx.util import Pt

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # title only: the cover's title is a title
        part = self.part
        inner = self.width - 2 * INSET_X
        title = f"NHSV-monitor: {part.title}"
        size = next((s for s in (40, 34, 28) if len(wrap(title, inner, s, True)) == 1), 28)
        lines = wrap(title, inner, size, True)
        shape = slide.shapes.title
        shape.left, shape.top, shape.width = Pt(MARGIN), Pt(150), Pt(self.width)
        shape.height = Pt(block_height(len(lines), size))
        shape.text_frame.clear()
        self._fill(shape.text_frame, [(line, True) for line in lines], size)
        sub = [(line, False) for line in wrap(f"{formatting.quarter_label(part.quarter).capitalize()} · "
                                              f"{formatting.date(today(), long=True)}", inner, 18)]
        sub += [(line, False) for line in wrap(part.subtitle, inner, 18)]
        self._text(slide, MARGIN, 160 + block_height(len(lines), size), self.width, sub, 18, "4A4A4A")
        self.footer(slide)

    def paragraphs(self, title: str, texts: list[str]) -> None:
        """Paragraphs at the largest size that fits; what does not fit at the smallest continues ('vervolg')."""
        inner = self.width - 2 * INSET_X
        probe = self.slide_frame_height(title)
        for size in BODY_SIZES:
            wrapped = [wrap(t, inner, size) for t in texts]
            if block_height(sum(map(len, wrapped)) + len(wrapped) - 1, size) <= probe:
                break
        pages: list[list[str]] = [[]]
        used = 0
        for lines in wrapped:
            need = len(lines) + (1 if pages[-1] else 0)
            if pages[-1] and block_height(used + need, size) > probe:
                pages.append([])
                used, need = 0, len(lines)
            pages[-1] += ([""] if pages[-1] else []) + lines
            used += need
        for k, page in enumerate(pages):
            slide, frame = self.slide(title if k == 0 else f"{title} (vervolg)")
            self._text(slide, MARGIN, frame.top, self.width, [(line, False) for line in page], size)

    def title_layout(self, title: str) -> tuple[list[str], float]:
        """The title's lines and size: the largest size on one line, else two lines at the smallest (cut with
        an ellipsis beyond that)."""
        inner = self.width - 2 * INSET_X
        for size in TITLE_SIZES:
            lines = wrap(title, inner, size, True)
            if len(lines) == 1:
                return lines, size
        if len(lines) > 2:
            rest = " ".join(lines[1:])
            while rest and text_width(rest + "…", size, True) > inner:
                rest = rest[:-1]
            lines = [lines[0], rest.rstrip() + "…"]
        return lines, size

    def slide_frame_height(self, title: str) -> float:
        """The free height of a slide with this title or its '(vervolg)', whichever is less."""
        lines = max(len(self.title_layout(t)[0]) * self.title_layout(t)[1] for t in (title, f"{title} (vervolg)"))
        return self.footer_top - GAP - (20 + lines * LINE + 2 * INSET_Y + GAP)

    def chart(self, chart: charts.Chart, image: Path) -> None:
        from pptx.util import Pt

        slide, frame = self.slide(chart.title)
        legend = [(line, False) for line in wrap("Legenda: " + charts.status_legend_text(),
                                                 self.width - 2 * INSET_X, 12)] if chart.key in STATUS_KEYS else []
        legend_h = block_height(len(legend), 12) if legend else 0
        box_h = frame.height - legend_h
        width_px, height_px = png_size(image)
        scale = min(self.width / width_px, box_h / height_px)
        w, h = width_px * scale, height_px * scale
        pic = slide.shapes.add_picture(str(image), Pt(MARGIN + (self.width - w) / 2), Pt(frame.top), Pt(w), Pt(h))
        pic.name = chart.title
        set_alt_text(pic, chart.description)
        if legend:
            self._text(slide, MARGIN, frame.top + h, self.width, legend, 12, "4A4A4A")
        slide.notes_slide.notes_text_frame.text = chart.description

    def table(self, title: str, table: pd.DataFrame, weights: dict[str, float]) -> None:
        """A table over as many slides as it needs; row heights from the wrapped text of each cell."""
        from pptx.util import Pt

        columns = [str(c) for c in table.columns]
        total = sum(weights.get(c, 2.0) for c in columns)
        widths = [self.width * weights.get(c, 2.0) / total for c in columns]
        rows = [["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values]
                for values in table.itertuples(index=False)]
        # no column narrower than its longest word: the space comes from the widest column
        for j, column in enumerate(columns):
            words = [w for r in rows for w in r[j].split()] + column.split()
            need = max([text_width(w, TABLE_SIZE, True) for w in words] or [0]) + 2 * INSET_X + 2
            if widths[j] < need:
                widest = max(range(len(widths)), key=widths.__getitem__)
                widths[widest] -= need - widths[j]
                widths[j] = need

        def height(cells: list[str], bold: bool) -> float:
            return max(block_height(len(wrap(text, w - 2 * INSET_X, TABLE_SIZE, bold)), TABLE_SIZE)
                       for text, w in zip(cells, widths, strict=True))

        header_h = height(columns, True)
        heights = [height(r, False) for r in rows]
        available = self.slide_frame_height(title)
        pages: list[list[int]] = [[]]
        used = header_h
        for k, h in enumerate(heights):
            if pages[-1] and used + h > available:
                pages.append([])
                used = header_h
            pages[-1].append(k)
            used += h
        for n, page in enumerate(pages):
            slide, frame = self.slide(title if n == 0 else f"{title} (vervolg)")
            shape = slide.shapes.add_table(len(page) + 1, len(columns), Pt(MARGIN), Pt(frame.top), Pt(self.width),
                                           Pt(header_h + sum(heights[k] for k in page)))
            grid = shape.table
            for j, w in enumerate(widths):
                grid.columns[j].width = Pt(w)
            for i, (cells, h, bold) in enumerate([(columns, header_h, True),
                                                  *[(rows[k], heights[k], False) for k in page]]):
                grid.rows[i].height = Pt(h)
                for j, text in enumerate(cells):
                    cell = grid.cell(i, j)
                    cell.margin_left = cell.margin_right = Pt(INSET_X)
                    cell.margin_top = cell.margin_bottom = Pt(INSET_Y)
                    lines = wrap(text, widths[j] - 2 * INSET_X, TABLE_SIZE, bold)
                    cell.text_frame.clear()
                    self._fill(cell.text_frame, [(line, bold) for line in lines], TABLE_SIZE,
                               "FFFFFF" if bold else "1A1A1A")
                    cell.text_frame.word_wrap = True


def set_alt_text(picture, text: str) -> None:
    """The picture's alternative text (`descr` of its non-visual properties), which python-pptx has no property
    for; screen readers and PowerPoint's accessibility checker read it. tests/export/test_documents.py checks it."""
    picture._element.nvPicPr.cNvPr.set("descr", text)


def write_pptx(part: Part, images: list[Path], path: Path) -> None:
    deck = Deck(part)
    deck.cover()
    story = part.summary[:part.story] if part.story else part.summary
    if story:
        deck.paragraphs("Het kwartaal in het kort", story)
    if part.key_figures:
        deck.table("Kerncijfers", pd.DataFrame({
            "Kerncijfer": [k.label for k in part.key_figures], "Waarde": [k.value for k in part.key_figures],
            "Verandering": [k.change or "–" for k in part.key_figures]}), {"Kerncijfer": 3, "Waarde": 1.5,
                                                                            "Verandering": 3})
    elif part.summary[part.story:]:
        deck.paragraphs("Kerncijfers", part.summary[part.story:])
    if part.notes:
        deck.paragraphs("Let op", part.notes)
    for chart, image in zip(part.charts, images, strict=True):
        deck.chart(chart, image)
    if part.checklist is not None:
        deck.table("Checklist bouwstenen", part.checklist,
                   {"Code": 0.8, "Thema": 2.0, "Bouwsteen": 4.6, "Status": 2.2, "Toelichting": 4.0})
    deck.table("Colofon", pd.DataFrame(colophon(part, formatting.date(today(), long=True)),
                                       columns=["Onderdeel", "Gegeven"]), {"Onderdeel": 1, "Gegeven": 4})
    props = deck.prs.core_properties
    props.title = f"NHSV-monitor — {part.title} — {formatting.quarter_label(part.quarter)}"
    props.subject = part.label
    props.author = "NHSV-monitor"
    props.language = "nl-NL"
    deck.prs.save(path)
