"""Building submission files the way other programs (and attackers) write them: zips with parts whose declared
sizes lie, deflate streams that inflate a thousandfold, and the template saved as an OpenDocument spreadsheet."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass


def zip_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


@dataclass
class Part:
    """One member of a hand-made zip: its compressed bytes and what its headers declare (which may be false)."""

    name: str
    packed: bytes
    size: int  # declared uncompressed size
    crc: int  # declared CRC-32
    method: int = zipfile.ZIP_DEFLATED


def deflated(content: bytes) -> Part:
    """An honest deflated part."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return Part("", packer.compress(content) + packer.flush(), len(content), zlib.crc32(content))


def stored(name: str, content: bytes) -> Part:
    return Part(name, content, len(content), zlib.crc32(content), zipfile.ZIP_STORED)


def inflating(head: bytes, filler: bytes, times: int, tail: bytes, declared: int | None = None) -> Part:
    """A part whose content is head + filler × times + tail, deflated without holding it: the filler's deflate
    blocks (after a full flush, independent of what came before) are repeated `times` times. With `declared`
    the headers claim that many bytes, with the CRC-32 of just the first `declared` bytes (what a reader that
    trusts the declared size checks)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    unit = packer.compress(filler) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail) + packer.flush()
    size = len(head) + len(filler) * times + len(tail)
    if declared is None:
        crc = zlib.crc32(head)
        for _ in range(times):
            crc = zlib.crc32(filler, crc)
        crc = zlib.crc32(tail, crc)
        declared_size = size
    else:
        prefix = (head + filler * (declared // max(1, len(filler)) + 1))[:declared]
        crc, declared_size = zlib.crc32(prefix), declared
    return Part("", start + unit * times + end, declared_size, crc)


def build_zip(parts: list[Part]) -> bytes:
    """A zip written field by field, so that sizes and CRCs can be whatever the parts say."""
    out = io.BytesIO()
    central = []
    for part in parts:
        offset = out.tell()
        name = part.name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, part.method, 0, 0x21, part.crc,
                              len(part.packed), part.size, len(name), 0))
        out.write(name)
        out.write(part.packed)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, part.method, 0, 0x21,
                                   part.crc, len(part.packed), part.size, len(name), 0, 0, 0, 0, 0, offset) + name)
    directory_at = out.tell()
    for entry in central:
        out.write(entry)
    directory_size = out.tell() - directory_at
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(parts), len(parts), directory_size, directory_at,
                          0))
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, Part] | None = None, add: list[Part] | None = None) -> bytes:
    """The parts of a zip written again by `build_zip`, some replaced by hand-made ones, some added."""
    parts = []
    for name, content in zip_parts(data).items():
        part = (replace or {}).get(name) or deflated(content)
        part.name = name
        parts.append(part)
    return build_zip(parts + list(add or []))


def ods_from_xlsx(data: bytes) -> bytes:
    """The workbook saved as an OpenDocument spreadsheet (.ods), sheet by sheet, cell values as they are."""
    import pandas as pd
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="odf") as writer:
        for sheet in workbook.worksheets:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            pd.DataFrame(rows).to_excel(writer, sheet_name=sheet.title, header=False, index=False)
    return out.getvalue()


def ods_with_content(content_xml: bytes) -> bytes:
    """A minimal .ods around a content.xml written by hand."""
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                b'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
                b' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                b'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    parts = [stored("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), deflated(content_xml),
             deflated(manifest)]
    parts[1].name, parts[2].name = "content.xml", "META-INF/manifest.xml"
    return build_zip(parts)


ODS_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">'
            b'<office:body><office:spreadsheet>')
ODS_TAIL = b"</office:spreadsheet></office:body></office:document-content>"
