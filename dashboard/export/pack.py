"""Building a pack: the parts' data, their figures on the process's one browser, the documents, checksums and
the swap into place. See the package's docstring for what a pack holds."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dashboard import data, i18n
from dashboard.export import figures, render, report, slides, workbook
from dashboard.export.parts import AUDIENCES, ExportError, Part, build_part, plan
from dashboard.viewer import MUNICIPALITY
from etl.domain import Quarter
from etl.domain import today as _today

FORMATS = ("png", "svg", "pdf", "pptx", "xlsx", "csv")
DEFAULT_FORMATS = ("png", "svg", "pdf", "pptx", "xlsx")
MANIFEST = "manifest.json"
GENERATOR = "nhsv-monitor export"

Progress = Callable[[int, int, str], None]
"""progress(done, total, path): called once per file written, `path` relative to the pack folder."""


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
    wanted = _checked_formats(formats)
    quarter = _checked_quarter(quarter)
    chosen = _checked_codes(codes)
    if not chosen and not region:
        raise ExportError("kies ten minste één gemeente of de regio")
    if audience == MUNICIPALITY and not chosen:
        raise ExportError("een pakket voor een gemeente vraagt om de gemeente (de regio zoals die gemeente haar "
                          "ziet komt in het pakket van de gemeente)")
    _check_folder(Path(out_dir))
    return quarter, chosen, [f for f in FORMATS if f in wanted]


def _checked_formats(formats: Iterable[str]) -> list[str]:
    """The formats asked for (a list or one comma-separated text), lower case; at least one, all known."""
    if isinstance(formats, str):
        formats = formats.split(",")
    wanted = [f.strip().lower() for f in formats if f and f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ExportError(f"onbekend formaat {', '.join(unknown)}; kies uit {', '.join(FORMATS)}")
    if not wanted:
        raise ExportError("geen formaat gekozen")
    return wanted


def _checked_quarter(quarter: str) -> str:
    """The quarter's code, when it is one that is loaded."""
    try:
        quarter = Quarter.parse(quarter).code
    except ValueError:
        raise ExportError(f"{quarter!r} is geen kwartaal; schrijf bijvoorbeeld 2026Q3") from None
    if quarter not in data.quarters():
        raise ExportError(f"er zijn geen gegevens over {quarter}; geladen kwartalen: "
                          + (", ".join(sorted(data.quarters())) or "geen"))
    return quarter


def _checked_codes(codes: Sequence[str]) -> list[str]:
    """The CBS codes in upper case, each once, in the order given; every one an NHSV gemeente."""
    places = data.region()
    chosen: list[str] = []
    for given in codes:
        code = given.strip().upper()
        if code not in places:
            raise ExportError(f"{code} is geen NHSV-gemeente (gebruik de CBS-code, bijvoorbeeld GM0405)")
        if code not in chosen:
            chosen.append(code)
    return chosen


def _check_folder(out_dir: Path) -> None:
    """The folder is new, empty or an earlier pack (which is replaced)."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ExportError(f"{out_dir} bestaat al en is geen map")
        if any(out_dir.iterdir()) and not _is_pack(out_dir):
            raise ExportError(f"de map {out_dir} bestaat al en is geen exportpakket; kies een nieuwe of lege map")


def _is_pack(folder: Path) -> bool:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False


@dataclass
class _Rendered:
    """A part's figures: the deck's PNGs and the report's SVGs (in the scratch folder, without source line)."""
    slide_pngs: list[Path]
    document_svgs: list[Path]
    names: list[str]


@i18n.in_dutch  # the packs are the region's documents: Dutch, whatever the language of the request that asks
def build_pack(quarter: str, audience: str, codes: Sequence[str], region: bool,
               formats: Iterable[str] = DEFAULT_FORMATS, out_dir: Path | str = "export",
               progress: Progress | None = None, *, keep_figures: bool = False,
               tabs: int = render.TABS) -> PackResult:
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
    wants_png = bool({"png", "pptx"} & set(formats))
    wants_svg = bool({"svg", "pdf"} & set(formats))
    per_chart = ("png" in formats) + ("svg" in formats) + ("csv" in formats)
    per_part = ("pdf" in formats) + ("pptx" in formats) + ("xlsx" in formats) + 1  # + the part's manifest
    total = sum(len(part.charts) * per_chart + per_part for part in parts) + 1
    done = 0

    def report_file(rel: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, max(total, done), rel)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = out_dir.parent / f".{out_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    scratch = work / ".render"  # figures without the source line, for the documents; left out of the pack
    work.mkdir()
    files: list[PackFile] = []
    kept: list[dict] = []
    n_figures = 0
    browser_block = render.renderer(tabs) if wants_png or wants_svg else contextlib.nullcontext()
    try:
        with browser_block as browser, ThreadPoolExecutor(max_workers=1, thread_name_prefix="render") as pool:
            pending: tuple[Part, Future, _Rendered] | None = None
            for part in parts:
                (work / part.folder).mkdir(parents=True, exist_ok=True)
                (scratch / part.folder).mkdir(parents=True, exist_ok=True)
                jobs: list[render.Job] = []
                rendered = _Rendered([], [], [])
                for k, chart in enumerate(part.charts, start=1):
                    name = f"{k:02d}_{chart.key}"
                    rendered.names.append(name)
                    if wants_png:
                        width, height = figures.slide_size(chart)
                        fig = figures.export_figure(chart, width, height)
                        png = scratch / part.folder / f"{name}.png"
                        jobs.append((fig, png, "png", width, height))
                        rendered.slide_pngs.append(png)
                        if keep_figures:
                            kept.append(fig)
                    if wants_svg:
                        width, height = figures.document_size(chart)
                        svg = scratch / part.folder / f"{name}.svg"
                        jobs.append((figures.export_figure(chart, width, height), svg, "svg", width, height))
                        rendered.document_svgs.append(svg)
                n_figures += len(part.charts)
                future = pool.submit(browser.render, jobs) if browser else _done_future()
                if pending:
                    _finish_part(*pending, formats=formats, work=work, files=files, announce=report_file)
                pending = (part, future, rendered)
            if pending:
                _finish_part(*pending, formats=formats, work=work, files=files, announce=report_file)
            render_seconds, renders = (browser.seconds, browser.renders) if browser else (0.0, 0)
        shutil.rmtree(scratch, ignore_errors=True)
        manifest = {
            "generator": GENERATOR, "version": 2, "quarter": quarter, "audience": audience,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "date": _today().isoformat(),
            "gemeenten": codes, "regio": region, "formats": formats,
            "files": [f.__dict__ for f in sorted(files, key=lambda f: f.path)],
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        report_file(MANIFEST)
        _swap(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return PackResult(out_dir=out_dir, files=files, parts=len(parts_plan), figures=n_figures,
                      seconds=time.perf_counter() - started, render_seconds=render_seconds, renders=renders,
                      exported_figures=kept)


def _done_future() -> Future:
    future: Future = Future()
    future.set_result(None)
    return future


def _finish_part(part: Part, future: Future, rendered: _Rendered, *, formats: list[str], work: Path,
                 files: list[PackFile], announce: Callable[[str], None]) -> None:
    """Write the part's documents once its figures are rendered (the next part renders meanwhile)."""
    target = work / part.folder
    written: list[str] = []

    def add(rel: str) -> None:
        written.append(rel)
        announce(rel)

    if "csv" in formats:
        (target / "csv").mkdir(exist_ok=True)
        for name, chart in zip(rendered.names, part.charts, strict=True):
            workbook.write_csv(part, chart, target / "csv" / f"{name}.csv")
            add(f"{part.folder}/csv/{name}.csv")
    if "xlsx" in formats:
        workbook.write_xlsx(part, target / f"{part.stem}_gegevens.xlsx")
        add(f"{part.folder}/{part.stem}_gegevens.xlsx")
    future.result()  # the figures of this part are on disk from here on
    lines = figures.caption_lines(part.caption, part.label)
    if {"png", "svg"} & set(formats):
        (target / "figuren").mkdir(exist_ok=True)
    for k, name in enumerate(rendered.names):
        if "png" in formats:
            figures.add_caption_png(rendered.slide_pngs[k], target / "figuren" / f"{name}.png", lines)
            add(f"{part.folder}/figuren/{name}.png")
        if "svg" in formats:
            figures.add_caption_svg(rendered.document_svgs[k], target / "figuren" / f"{name}.svg", lines)
            add(f"{part.folder}/figuren/{name}.svg")
    if "pdf" in formats:
        report.write_pdf(part, rendered.document_svgs, target / f"{part.stem}_rapport.pdf")
        add(f"{part.folder}/{part.stem}_rapport.pdf")
    if "pptx" in formats:
        slides.write_pptx(part, rendered.slide_pngs, target / f"{part.stem}_presentatie.pptx")
        add(f"{part.folder}/{part.stem}_presentatie.pptx")
    entries = []
    for rel in written:
        path = work / rel
        entry = PackFile(rel, _sha256(path), path.stat().st_size)
        files.append(entry)
        entries.append({**entry.__dict__, "path": rel[len(part.folder) + 1:]})
    own = {"generator": GENERATOR, "version": 2, "part": part.title, "quarter": part.quarter,
           "label": part.label, "caption": part.caption, "files": sorted(entries, key=lambda e: e["path"])}
    manifest = target / MANIFEST
    manifest.write_text(json.dumps(own, ensure_ascii=False, indent=2), encoding="utf-8")
    rel = f"{part.folder}/{MANIFEST}"
    files.append(PackFile(rel, _sha256(manifest), manifest.stat().st_size))
    announce(rel)


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
