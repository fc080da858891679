"""Reads a submission file (Excel or OpenDocument workbook, or long CSV) into raw values with their places,
without judging them.

Extraction only finds what makes a file unreadable as a whole (not a workbook or CSV, a sheet or column
missing, unsafe content, an encoding or separator it cannot read); every judgement of values is validation's
(`etl.validate`). The kind of file is decided by its content, never by its name.

What people really send, and how it is read:
- the template as .xlsx, or saved by LibreOffice as .ods (python-calamine reads both), after `etl.archive`
  has checked the zip by streaming it;
- a CSV from Dutch Excel (semicolons, Windows-1252), from LibreOffice or another system (commas, UTF-8 with
  or without BOM), tab-separated ("Unicode-tekst" from Excel: UTF-16 with BOM, tabs), with a first line
  ``sep=;`` as Excel writes it on request;
- anything else (.xls, .xlsb, .xlsm, .numbers, .docx, .pdf, an image) gets a message that names what it is
  and what to send instead.

This module decides the kind of file and hands it to its reader: `kinds` tells the kinds apart (and names what
is not read), `workbook` reads the template as .xlsx or .ods, `encoding` decodes a text file and `long_csv` reads
it as the long CSV. What they produce, raw values with their places, is defined in `raw`.
"""

from __future__ import annotations

from etl import archive
from etl.extract.encoding import decode_text
from etl.extract.kinds import NOT_ACCEPTED, ole_message, refused, sniff
from etl.extract.long_csv import extract_csv
from etl.extract.raw import Extracted
from etl.extract.workbook import extract_workbook
from etl.findings import Finding


def extract(data: bytes) -> Extracted:
    kind = sniff(data)
    if kind == "zip":
        container = archive.inspect(data)
        if container.problem is not None:
            return Extracted(container.kind if container.kind in ("xlsx", "ods") else "unknown", [],
                             [container.problem], 0)
        return extract_workbook(data, container.kind)
    if kind == "ole":
        return refused(ole_message(data))
    if kind == "text":
        decoded = decode_text(data)
        if isinstance(decoded, Finding):
            return Extracted("unknown", [], [decoded], 0)
        return extract_csv(decoded)
    return refused(NOT_ACCEPTED[kind])
