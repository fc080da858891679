"""Builds the full quarterly pack (32 gemeenten and the region) on the demo warehouse and compares the cost per
figure with a bare kaleido export of the same figures, measured in the same run.

    python -m benchmarks.export [--seed N] [--quarter 2026Q3] [--audience coordinator] [--keep DIR]

The pack is what `nhsv export --alle-gemeenten --regio` writes (PNG, SVG, PDF, PPTX, XLSX and the manifest).
The bare export writes each of the pack's figures once as PNG (scale 2) and once as SVG with
`fig.write_image`, one after the other, on kaleido's persistent server started once: the floor that the
pack's own work (data, documents, checksums, the swap) is measured against. Target: the whole pack in at most
2 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 120


def _demo_warehouse(tmp: Path, seed: int) -> None:
    from etl import db, demo, load

    url = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["NHSV_DATABASE_URL"] = url
    engine = db.make_engine(url)
    db.init(engine)
    plan = demo.generate(tmp / "inbox", seed=seed)
    load.load_paths(engine, [str(plan.inbox)], actor="benchmark")
    engine.dispose()


def bare_export(figures, folder: Path) -> float:
    """Seconds for writing every figure (the pack's figure dicts) as PNG (scale 2) and SVG with plotly's own
    write_image, one after the other."""
    import kaleido
    import plotly.io as pio

    from dashboard import export

    if hasattr(pio.defaults, "headers"):
        pio.defaults.headers = None
    folder.mkdir(parents=True, exist_ok=True)
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    try:
        pio.write_image(figures[0], folder / "warm.png")  # the browser is up before the clock starts
        start = time.perf_counter()
        for k, fig in enumerate(figures):
            pio.write_image(fig, folder / f"{k}.png", width=export.WIDTH, scale=export.SCALE)
            pio.write_image(fig, folder / f"{k}.svg", width=export.WIDTH)
        return time.perf_counter() - start
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quarter", default=None, help="default: the latest quarter of the demo")
    parser.add_argument("--audience", default="coordinator", choices=("coordinator", "gemeente", "openbaar"))
    parser.add_argument("--tabs", type=int, default=None, help="kaleido tabs (default: export.TABS)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the pack in this folder")
    parser.add_argument("--use-current-warehouse", action="store_true",
                        help="use NHSV_DATABASE_URL as it is instead of a fresh demo warehouse")
    args = parser.parse_args()
    os.environ.setdefault("NHSV_TODAY", "2026-11-15")

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.use_current_warehouse:
            start = time.perf_counter()
            _demo_warehouse(tmp, args.seed)
            print(f"demo warehouse: {time.perf_counter() - start:.1f} s")

        from dashboard import data, export

        quarter = args.quarter or data.resolve_quarter(None)
        if quarter is None:
            raise SystemExit("the warehouse holds no submissions: load some, or leave out --use-current-warehouse")
        codes = sorted(data.region())
        out = args.keep or tmp / "pack"
        result = export.build_pack(quarter, args.audience, codes, True, export.DEFAULT_FORMATS, out,
                                   keep_figures=True, tabs=args.tabs or export.TABS)
        figures = result.exported_figures
        size = sum(f.bytes for f in result.files)
        bare = bare_export(figures, tmp / "bare")

    n = result.figures
    per_figure = result.seconds / n
    bare_per_figure = bare / n
    print(f"pack: {quarter}, audience {args.audience}, {len(codes)} gemeenten + regio: {result.parts} parts, "
          f"{n} figures, {len(result.files)} files, {size / 1e6:.1f} MB")
    print(f"whole pack:          {result.seconds:7.1f} s   {per_figure:6.3f} s per figure   "
          f"(target {TARGET_SECONDS} s: {'met' if result.seconds <= TARGET_SECONDS else 'MISSED'})")
    print(f"  of which rendering {result.render_seconds:7.1f} s   ({result.renders} renders on "
          f"{args.tabs or export.TABS} tabs, overlapping the documents)")
    print(f"bare kaleido export: {bare:7.1f} s   {bare_per_figure:6.3f} s per figure   (PNG + SVG, write_image, "
          "one server)")
    print(f"pack / bare per figure: {per_figure / bare_per_figure:.2f}x")
    print(f"load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
