"""What kind of file was sent, told by its content (never by its name), and the message for a kind that is not
read: a PDF, an image, a Word document, an old or password-protected Excel file, a packed file.
"""

from __future__ import annotations

from etl import findings as F
from etl.extract.raw import Extracted
from etl.findings import Finding

WHAT_TO_SEND = ("lever het ingevulde sjabloon aan als Excel-werkmap (.xlsx) of OpenDocument-rekenblad (.ods), of "
                "een CSV in het afgesproken formaat")

_MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"{\\rtf", "rtf"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "gzip"),
    (b"7z\xbc\xaf", "gzip"),
)

NOT_ACCEPTED = {
    "pdf": "dit is een PDF-bestand; een PDF kan niet worden ingelezen — " + WHAT_TO_SEND,
    "image": "dit is een afbeelding; een afbeelding kan niet worden ingelezen — " + WHAT_TO_SEND,
    "rtf": "dit is een tekstdocument (RTF), geen werkmap — " + WHAT_TO_SEND,
    "gzip": "dit is een ingepakt bestand (gzip, rar of 7z) — pak het uit en " + WHAT_TO_SEND,
    "html": "dit is een webpagina of XML-bestand, geen werkmap of CSV — " + WHAT_TO_SEND,
    "empty": "het bestand is leeg; " + WHAT_TO_SEND,
    "unknown": "dit is geen Excel-werkmap (.xlsx), geen OpenDocument-rekenblad (.ods) en geen CSV-bestand; "
               + WHAT_TO_SEND,
}


def sniff(data: bytes) -> str:
    """The kind of file by its content, never by its name: zip, ole, pdf, image, rtf, gzip, empty or text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if not data.strip(b" \t\r\n\x00"):
        return "empty"
    return "text"


def refused(message: str) -> Extracted:
    return Extracted("unknown", [], [F.fatal(F.UNREADABLE, "bestand", message)], 0)


def ole_message(data: bytes) -> str:
    """An OLE compound file: an old .xls, a workbook protected with a password (Excel stores those in OLE too),
    or a Word document. Told apart by the names of its streams (UTF-16 in the directory)."""
    if "EncryptionInfo".encode("utf-16-le") in data:
        return ("de werkmap is beveiligd met een wachtwoord; sla haar op zonder wachtwoord als Excel-werkmap "
                "(.xlsx) en lever opnieuw aan")
    if "WordDocument".encode("utf-16-le") in data:
        return "dit is een Word-document (.doc), geen werkmap — " + WHAT_TO_SEND
    return ("dit is een oud Excel-bestand (.xls) of een beveiligd bestand; sla het op als Excel-werkmap (.xlsx) "
            "zonder wachtwoord en lever opnieuw aan")


def unreadable(message: str) -> Finding:
    return F.fatal(F.UNREADABLE, "bestand", message)
