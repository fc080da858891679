"""Loads the demo inbox into a fresh warehouse and prints files/s, rows/s and load time / parse-only time.

    python -m benchmarks.load [--seed N] [--database-url URL]

Both timings are taken in the same run on the same files: parse-only reads every file (extract), the load
does everything `nhsv load` does (hash, extract, validate, write facts, findings, marts).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from etl import db, demo, load
from etl.extract import extract


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        plan = demo.generate(inbox, seed=args.seed)
        contents = [(p.name, p.read_bytes()) for p in plan.files]

        start = time.perf_counter()
        rows = sum(extract(data).rows for _, data in contents)
        parse_seconds = time.perf_counter() - start

        engine = db.make_engine(args.database_url or f"sqlite:///{tmp}/bench.db")
        db.init(engine)
        start = time.perf_counter()
        report = load.load_files(engine, contents, actor="benchmark", channel="cli")
        load_seconds = time.perf_counter() - start

    loaded_rows = sum(f.rows_offered for f in report.files)
    print(f"files: {len(contents)}   rows: {rows}   engine: {engine.dialect.name}")
    print(f"parse only: {parse_seconds:6.2f} s   {len(contents) / parse_seconds:7.1f} files/s   "
          f"{rows / parse_seconds:9.0f} rows/s")
    print(f"full load:  {load_seconds:6.2f} s   {len(contents) / load_seconds:7.1f} files/s   "
          f"{loaded_rows / load_seconds:9.0f} rows/s")
    print(f"load / parse-only: {load_seconds / parse_seconds:.2f}x")


if __name__ == "__main__":
    main()
