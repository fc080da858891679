"""Loads the demo inbox (or a folder of files) into a fresh warehouse and prints files/s, rows/s and load time /
parse-only time.

    python -m benchmarks.load [--seed N] [--inbox FOLDER] [--database-url URL] [--runs N]

Both timings are taken in the same run on the same files: parse-only reads every file (extract), the load
does everything `nhsv load` does (hash, extract, validate, write facts, findings, marts). A PostgreSQL database
named in --database-url is dropped and created again before every run (never name a database others use).
For the national inbox of `benchmarks.synthetic`, set NHSV_REFERENCE_DIR and NHSV_TODAY as that module says.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.run import reset_database
from etl import db, demo, load
from etl.extract import extract


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--inbox", type=Path, default=None, help="load this folder instead of a new demo inbox")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--runs", type=int, default=1, help="repeat, and print the median ratio too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.inbox:
            paths = load.collect_paths([args.inbox])
        else:
            paths = demo.generate(Path(tmp) / "inbox", seed=args.seed).files
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        ratios = []
        for run in range(args.runs):
            for p in paths:  # warm the page cache, so that neither timing pays for the first read from disk
                p.read_bytes()
            start = time.perf_counter()
            rows = sum(extract(p.read_bytes()).rows for p in paths)
            parse_seconds = time.perf_counter() - start

            reset_database(url)
            engine = db.make_engine(url)
            db.init(engine)
            start = time.perf_counter()
            report = load.load_paths(engine, paths, actor="benchmark", channel="cli")
            load_seconds = time.perf_counter() - start
            engine.dispose()

            loaded_rows = sum(f.rows_offered for f in report.files)
            ratios.append(load_seconds / parse_seconds)
            print(f"run {run + 1}: files: {len(paths)}   rows: {rows}   engine: {engine.dialect.name}")
            print(f"parse only: {parse_seconds:6.2f} s   {len(paths) / parse_seconds:7.1f} files/s   "
                  f"{rows / parse_seconds:9.0f} rows/s")
            print(f"full load:  {load_seconds:6.2f} s   {len(paths) / load_seconds:7.1f} files/s   "
                  f"{loaded_rows / load_seconds:9.0f} rows/s")
            print(f"load / parse-only: {load_seconds / parse_seconds:.2f}x", flush=True)
        if args.runs > 1:
            print(f"median load / parse-only over {args.runs} runs: {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
