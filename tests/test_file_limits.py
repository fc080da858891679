"""Hostile workbooks (.xlsx and .ods): zips that lie about their sizes, inflate a thousandfold, overlap, or place
cells a million rows down. Each is refused before any reader opens it, and checking it costs little memory:
peak memory (VmHWM) is measured in a fresh process that loads the file through the real loader."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import textwrap
import zipfile

import pytest

from etl import archive
from etl import findings as F
from etl.extract import extract
from tests.conftest import load_bytes
from tests.files import (
    ODS_HEAD,
    ODS_TAIL,
    deflated,
    inflating,
    ods_from_xlsx,
    ods_with_content,
    rezip,
    stored,
    zip_parts,
)

PEAK_LIMIT_MB = 400
UPLOAD_BYTES = 5_000_000  # NHSV_UPLOAD_MAX_BYTES
MB = 1024 * 1024
SPACES = b" " * MB


def _sheet_name(parts: dict[str, bytes], title: str) -> str:
    """The part name of a worksheet by its title, as workbook.xml and its relationships say."""
    import re

    rels = dict(re.findall(rb'Id="(rId\d+)"[^>]*Target="([^"]+)"', parts["xl/_rels/workbook.xml.rels"])
                + [(b, a) for a, b in re.findall(rb'Target="([^"]+)"[^>]*Id="(rId\d+)"',
                                                 parts["xl/_rels/workbook.xml.rels"])])
    rid = re.search(rb'<sheet [^>]*name="' + title.encode() + rb'"[^>]*r:id="(rId\d+)"', parts["xl/workbook.xml"])
    assert rid, title
    target = rels[rid.group(1)].decode().lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _padded(data: bytes, replace: dict, size: int = UPLOAD_BYTES, folder: str = "xl/media") -> bytes:
    """The file with its parts replaced, grown to `size` bytes with a stored picture of random bytes (nothing a
    reader inflates)."""
    base = len(rezip(data, replace=replace))
    noise = stored(f"{folder}/image1.png", random.Random(1).randbytes(size - base - 200))
    return rezip(data, replace=replace, add=[noise])


def xlsx_declaring_4000_inflating_1gb(workbook) -> bytes:
    """The issue's file: a worksheet that declares 4,000 bytes (with the CRC of those) and inflates to 1 GB."""
    good = workbook()
    parts = zip_parts(good)
    name = _sheet_name(parts, "Bouwstenen")
    sheet = parts[name]
    split = sheet.index(b"<sheetData")
    liar = inflating(sheet[:split], SPACES, 1024, sheet[split:], declared=4000)
    return _padded(good, {name: liar})


def xlsx_honest_bomb(workbook) -> bytes:
    """A worksheet that declares what it is: 1 GB of spaces in 1 MB."""
    good = workbook()
    parts = zip_parts(good)
    name = _sheet_name(parts, "Signalen")
    sheet = parts[name]
    split = sheet.index(b"<sheetData")
    return _padded(good, {name: inflating(sheet[:split], SPACES, 1024, sheet[split:])})


def ods_declaring_4000_inflating_1gb(workbook) -> bytes:
    good = ods_from_xlsx(workbook())
    content = zip_parts(good)["content.xml"]
    split = content.index(b"<office:body")
    liar = inflating(content[:split], SPACES, 1024, content[split:], declared=4000)
    return _padded(good, {"content.xml": liar}, folder="Pictures")


def ods_value_a_million_rows_down() -> bytes:
    """A few hundred bytes that make a reader allocate a million rows: empty rows repeated, then one value."""
    table = (b'<table:table table:name="Gegevens"><table:table-row table:number-rows-repeated="1048570">'
             b'<table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row>'
             b'<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/>'
             b"</table:table-row></table:table>")
    return ods_with_content(ODS_HEAD + table + ODS_TAIL)


def xlsx_within_every_limit(workbook) -> bytes:
    """What passes the zip checks at their edge: five sheets of 4,370 rows × 40 cells of text, 47 MB of XML in
    3 MB, every row without a key (so every row is a finding)."""
    good = workbook()
    parts = zip_parts(good)
    columns = [_column(k) for k in range(2, 42)]
    replace = {}
    for title in ("Gegevens", "Bouwstenen", "Middelen", "Signalen", "Netwerk"):
        name = _sheet_name(parts, title)
        rows = b"".join(b'<row r="%d">' % r + b"".join(
            b'<c r="%s%d" t="inlineStr"><is><t>%dx%d</t></is></c>' % (c, r, r, i) for i, c in enumerate(columns))
            + b"</row>" for r in range(30, 4400))
        replace[name] = deflated(parts[name].replace(b"</sheetData>", rows + b"</sheetData>"))
    return rezip(good, replace=replace)


def _column(index: int) -> bytes:
    from etl.extract.workbook import col_letter

    return col_letter(index).encode()


HOSTILE = {  # case: (builder, rule, message)
    "xlsx-declares-4000-inflates-1gb": (xlsx_declaring_4000_inflating_1gb, F.UNSAFE,
                                        "pakt uit tot een onredelijk grote"),
    "xlsx-honest-1gb": (xlsx_honest_bomb, F.UNSAFE, "pakt uit tot een onredelijk grote"),
    "ods-declares-4000-inflates-1gb": (ods_declaring_4000_inflating_1gb, F.UNSAFE,
                                       "pakt uit tot een onredelijk grote"),
    "xlsx-within-every-limit": (xlsx_within_every_limit, F.ITEM_UNKNOWN, "de regel heeft een waarde maar geen"),
}

_MEASURE = textwrap.dedent("""
    import json, re, sys
    from etl import db
    from etl.load import load_files
    data = open(sys.argv[1], "rb").read()
    report = load_files(db.engine(sys.argv[2]), [("aanlevering.xlsx", data)], actor="test").files[0]
    status = open("/proc/self/status").read()
    peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
    print(json.dumps({"outcome": report.outcome, "rules": sorted({f.rule for f in report.findings}),
                      "messages": [f.message for f in report.findings], "peak_mb": peak_kb / 1024}))
""")


@pytest.mark.slow
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_upload_is_refused_within_the_memory_limit(engine, workbook, tmp_path, case):
    build, rule, message = HOSTILE[case]
    data = build(workbook)
    assert len(data) <= UPLOAD_BYTES
    path = tmp_path / "hostile.bin"
    path.write_bytes(data)
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "NHSV_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path), url], capture_output=True, text=True,
                          timeout=300, env=env, check=False)  # asserted below, with its stderr
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["peak_mb"] < PEAK_LIMIT_MB, f"{case}: peak {result['peak_mb']:.0f} MB"
    assert result["outcome"] == "rejected" and result["rules"] == [rule], result["rules"]
    assert any(message in m for m in result["messages"]), result["messages"][:3]


def test_the_hostile_files_are_what_they_claim(workbook):
    """The builders make what the test above says: 5 MB, a part that declares 4,000 bytes but holds 1 GB."""
    data = xlsx_declaring_4000_inflating_1gb(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        liar = next(i for i in z.infolist() if i.file_size == 4000)
        assert liar.filename.startswith("xl/worksheets/")
        with z.open(liar) as handle:
            assert len(handle.read()) == 4000  # what a reader that trusts the header sees (CRC included)
        packed = liar.compress_size
    assert 0.9 * UPLOAD_BYTES <= len(data) <= UPLOAD_BYTES
    assert 900_000 < packed < 2_000_000  # about 1 MB that inflates to 1 GB


@pytest.mark.parametrize("make, message", [
    pytest.param(lambda wb: ods_value_a_million_rows_down(), "ongewoon veel rijen of kolommen", id="ods-rows"),
    pytest.param(lambda wb: rezip(ods_from_xlsx(wb()), replace={"content.xml": _ods_wide(ods_from_xlsx(wb()))}),
                 "ongewoon veel rijen of kolommen", id="ods-columns"),
    pytest.param(lambda wb: _overlapping(wb()), "pakt uit tot een onredelijk grote", id="overlapping-parts"),
    pytest.param(lambda wb: rezip(wb(), add=[stored(f"xl/media/x{i}.png", b"x") for i in range(250)]),
                 "ongewoon veel onderdelen", id="too-many-parts"),
])
def test_hostile_workbook_is_refused(engine, workbook, make, message):
    report = load_bytes(engine, "aanlevering.ods", make(workbook))
    assert report.outcome == "rejected"
    assert [f.rule for f in report.findings] == [F.UNSAFE], [f.text() for f in report.findings]
    assert message in report.findings[0].message


def _ods_wide(ods: bytes):
    """content.xml with a value cell repeated 16,000 columns wide in the Gegevens table."""
    content = zip_parts(ods)["content.xml"]
    wide = (b'<table:table-row><table:table-cell office:value-type="float" office:value="1" '
            b'table:number-columns-repeated="16000"/></table:table-row></table:table>')
    part = deflated(content.replace(b"</table:table>", wide, 1))
    return part


def _overlapping(data: bytes) -> bytes:
    """Every central-directory entry doubled by one that points at the same local header under another name
    (Fifield's non-recursive zip bomb reuses bytes this way)."""
    import struct

    end = data.rindex(b"PK\x05\x06")
    count, size, start = struct.unpack("<HII", data[end + 10:end + 20])
    directory = data[start:start + size]
    entries, position = [], 0
    while position < len(directory):
        name_length, extra, comment = struct.unpack("<HHH", directory[position + 28:position + 34])
        length = 46 + name_length + extra + comment
        entries.append(directory[position:position + length])
        position += length
    copies = [e[:46] + b"copy/" + e[46:] for e in entries]
    copies = [c[:28] + struct.pack("<H", struct.unpack("<H", c[28:30])[0] + 5) + c[30:] for c in copies]
    new_directory = b"".join(entries + copies)
    tail = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 2 * count, 2 * count, len(new_directory), start, 0)
    return data[:start] + new_directory + tail


def test_checks_use_what_the_part_really_holds_not_what_it_declares(workbook):
    """A part that declares its true size but a wrong CRC, or more bytes than it holds: damaged, not opened."""
    good = workbook()
    parts = zip_parts(good)
    name = _sheet_name(parts, "Netwerk")
    honest = deflated(parts[name])
    wrong_crc = rezip(good, replace={name: type(honest)(name, honest.packed, honest.size, honest.crc ^ 1)})
    too_long = rezip(good, replace={name: type(honest)(name, honest.packed, honest.size + 10, honest.crc)})
    for data in (wrong_crc, too_long):
        assert archive.inspect(data).problem is not None
        found = extract(data).findings
        assert [f.rule for f in found] == [F.UNREADABLE] and "beschadigd" in found[0].message
    assert archive.inspect(rezip(good)).problem is None  # the same parts, honestly rewritten, are fine


def test_limits_are_generous_for_a_real_workbook(workbook):
    """The template, also with long explanations everywhere, is far from every limit."""
    from tests.conftest import good_values

    long = good_values(explanations={code: "Toelichting " * 40 for code in ("LA1", "LA2", "KE1", "PR2")})
    for data in (workbook(values=long), ods_from_xlsx(workbook(values=long))):
        assert archive.inspect(data).problem is None
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert sum(i.file_size for i in z.infolist()) * 100 < archive.MAX_UNCOMPRESSED_BYTES
