"""Figures of a pack: the builders' charts sized for their place, and the source line added once.

Each chart is rendered twice, without a source line: as PNG at the shape of a slide's chart area (the deck;
with the source line drawn beneath it, the pack's PNG) and as SVG at the width of an A4 text column (the
report; with the source line added as SVG text, the pack's SVG). In the report and the deck the source is text
beside the image, so it is read once; a PNG or SVG used on its own still carries source, quarter and label.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

from dashboard import charts
from dashboard.charts.base import FONT

SCALE = 2  # PNGs are rendered at twice their CSS size: print quality
# The deck's chart area is 12.3 × 5.45 inches (dashboard.export.slides); a render of that shape fills it.
SLIDE_ASPECT = 12.33 / 5.45
SLIDE_HEIGHTS = (560, 760)  # CSS pixels: at least this tall (13 px text ≈ 9 pt on the slide), at most that
DOCUMENT_WIDTH = 760  # CSS pixels of the report's images: 13 px text is about 8 pt across an A4 column
WIDTH = DOCUMENT_WIDTH
CAPTION_COLOUR = "#4A4A4A"
CAPTION_PX = 11
_SVG = "http://www.w3.org/2000/svg"
_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf")


def natural_height(chart: charts.Chart) -> int:
    return int(chart.figure.get("layout", {}).get("height") or 380)


def slide_size(chart: charts.Chart) -> tuple[int, int]:
    """(width, height) in CSS pixels of the deck's render: the chart area's shape, tall enough for the chart."""
    low, high = SLIDE_HEIGHTS
    height = min(high, max(low, natural_height(chart)))
    return round(height * SLIDE_ASPECT), height


def document_size(chart: charts.Chart) -> tuple[int, int]:
    return DOCUMENT_WIDTH, natural_height(chart)


def export_figure(chart: charts.Chart, width: int, height: int) -> dict:
    """The builder's figure (a plain figure dict, which is what the renderer takes) at a given size on white."""
    fig = copy.deepcopy(chart.figure)
    layout = fig.setdefault("layout", {})
    layout["width"], layout["height"] = width, height
    layout["paper_bgcolor"] = "#FFFFFF"
    return fig


def caption_lines(caption: str, label: str) -> list[str]:
    return [caption, label]


def _font(size: int):
    from PIL import ImageFont

    for path in _FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def add_caption_png(source: Path, target: Path, lines: list[str]) -> None:
    """The rendered PNG with the source line drawn in a white strip beneath it."""
    from PIL import Image, ImageDraw

    with Image.open(source) as image:
        image.load()
        size = CAPTION_PX * SCALE
        line_h = round(size * 1.45)
        pad = 8 * SCALE
        strip = pad * 2 + line_h * len(lines)
        out = Image.new("RGB", (image.width, image.height + strip), "#FFFFFF")
        out.paste(image.convert("RGB"), (0, 0))
        draw = ImageDraw.Draw(out)
        font = _font(size)
        for k, line in enumerate(lines):
            draw.text((10 * SCALE, image.height + pad + k * line_h), line, fill=CAPTION_COLOUR, font=font)
        out.save(target, optimize=False, compress_level=6)


def add_caption_svg(source: Path, target: Path, lines: list[str]) -> None:
    """The rendered SVG with the source line as real text in a white strip beneath it."""
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.parse(source)
    root = tree.getroot()
    width = float(str(root.get("width", "0")).removesuffix("px") or 0)
    height = float(str(root.get("height", "0")).removesuffix("px") or 0)
    line_h = round(CAPTION_PX * 1.45)
    strip = 16 + line_h * len(lines)
    root.set("height", f"{height + strip:g}")
    if root.get("viewBox"):
        x, y, w, h = (float(v) for v in root.get("viewBox").replace(",", " ").split())
        root.set("viewBox", f"{x:g} {y:g} {w:g} {h + strip:g}")
    group = ET.SubElement(root, f"{{{_SVG}}}g", {"class": "bron"})
    ET.SubElement(group, f"{{{_SVG}}}rect", {"x": "0", "y": f"{height:g}", "width": f"{width:g}",
                                            "height": f"{strip:g}", "fill": "#FFFFFF"})
    for k, line in enumerate(lines):
        text = ET.SubElement(group, f"{{{_SVG}}}text", {
            "x": "10", "y": f"{height + 8 + CAPTION_PX + k * line_h:g}", "fill": CAPTION_COLOUR,
            "font-family": FONT, "font-size": f"{CAPTION_PX}px"})
        text.text = line
    tree.write(target, encoding="utf-8", xml_declaration=False)


def png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as handle:
        head = handle.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"not a PNG: {path}")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def html_text(text: str) -> str:
    return escape(text)
