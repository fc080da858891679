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
        NHSV_2026Q3_GM0405_Hoorn_rapport.pdf        tagged, accessible PDF (PDF/UA-1)
        NHSV_2026Q3_GM0405_Hoorn_presentatie.pptx   16:9 deck laid out from measured text
        NHSV_2026Q3_GM0405_Hoorn_gegevens.xlsx      an index sheet and the data of every chart
        figuren/01_themascores.png      print quality (scale 2) and .svg; each carries source, quarter, label
        csv/01_themascores.csv          (format csv, not in the default set)
    regio/                              the region's overview charts in the same formats

The modules, by job: `parts` (what goes in, per audience), `figures` (sizes and the source line), `render`
(one Chromium per process, shared by threads), `report` (PDF), `slides` (PPTX), `workbook` (XLSX, CSV),
`pack` (building, manifest, swap) and `jobs` (exports started from the app, in a bounded queue).

The pack is written into a temporary folder beside `out_dir` and swapped in at the end, so a second run
replaces the first completely and a failed run leaves the earlier pack as it was.
"""

from dashboard.export.figures import SCALE, WIDTH, export_figure, png_size
from dashboard.export.pack import (
    DEFAULT_FORMATS,
    FORMATS,
    GENERATOR,
    MANIFEST,
    PackFile,
    PackResult,
    build_pack,
    read_manifest,
    validate,
    verify,
)
from dashboard.export.parts import (
    AUDIENCE_LABELS,
    AUDIENCES,
    ExportError,
    Part,
    confidentiality_label,
    gemeente_part,
    region_part,
)
from dashboard.export.render import TABS
from dashboard.export.workbook import csv_value, neutralise, spreadsheet_value

__all__ = ["AUDIENCES", "AUDIENCE_LABELS", "DEFAULT_FORMATS", "FORMATS", "GENERATOR", "MANIFEST", "SCALE", "TABS",
           "WIDTH", "ExportError", "PackFile", "PackResult", "Part", "build_pack", "confidentiality_label",
           "csv_value", "export_figure", "gemeente_part", "neutralise", "png_size", "read_manifest", "region_part",
           "spreadsheet_value", "validate", "verify"]
