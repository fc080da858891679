"""The pack under test (quarter, gemeenten, the texts every caption carries) and reading what an export wrote: PDF
pages and text (pypdf), slides and their titles (python-pptx), SVG text, XLSX sheets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader

from dashboard import data

QUARTER = "2025Q4"  # the demo warehouse's latest quarter
OWN, OTHER = "GM0405", "GM0448"  # Hoorn, Texel
QUARTER_LABEL = "4e kwartaal 2025"
SOURCE = "Bron: aanleveringen van de NHSV-gemeenten"
COUNT_COLUMNS = {"Radicalisering", "Polarisatie", "Van burgers", "Van professionals", "Totaal"}
COUNT_HEADERS = COUNT_COLUMNS | {"Ingebracht in ZVH", "Meldingen", "Lopende interventietrajecten"}
NOTE = "Toelichting bij lege cellen"
AUDIENCES = ("coordinator", "gemeente", "openbaar")


# --- reading what was written -------------------------------------------------------------------------


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pptx_slides(path: Path) -> list[dict]:
    out = []
    for slide in Presentation(path).slides:
        texts, title = [], None
        for shape in slide.shapes:
            if shape == slide.shapes.title:
                title = shape.text_frame.text
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        out.append({"title": title, "text": "\n".join(texts), "notes": notes, "pictures": len(pictures)})
    return out


def xlsx_text(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    return "\n".join(t for t in root.itertext() if t.strip())


def all_text(folder: Path) -> dict[Path, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".pdf":
            out[path] = "\n".join(pdf_text(path))
        elif path.suffix == ".pptx":
            out[path] = "\n".join(s["text"] + "\n" + s["notes"] for s in pptx_slides(path))
        elif path.suffix == ".xlsx":
            out[path] = xlsx_text(path)
        elif path.suffix == ".svg":
            out[path] = svg_text(path)
        elif path.suffix in (".csv", ".json"):
            out[path] = path.read_text(encoding="utf-8-sig")
    return out


def names_in(text: str, codes) -> set[str]:
    """Gemeente names in a text as whole words; district names (Zaanstreek-Waterland) are not gemeenten."""
    for district in data.districts():
        text = text.replace(district, " ")
    places = data.region()
    return {places[c].name for c in codes
            if re.search(r"(?<!\w)" + re.escape(places[c].name) + r"(?!\w)", text)}


def one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


def documents(packs, audience: str, pattern: str) -> list[Path]:
    found = sorted(packs[audience].rglob(pattern))
    assert found, (audience, pattern)
    return found
