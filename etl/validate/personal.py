"""persoonsgegevens: every cell a person could type into is screened for personal data (`etl.personal_data`), first,
so that the other checkers leave a cell refused for it alone (one finding per cell, and never its text).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from etl import personal_data
from etl.domain import GENERAL_FIELDS, PARTNERS, RESOURCE_FIELDS, SIGNAL_FIELDS
from etl.extract.raw import RawSubmission
from etl.validate.context import Context, Findings

FREE_TEXT_FIELDS = ("gemeente_naam",)  # besides every toelichting and every key cell


def _text_cells(raw: RawSubmission, ctx: Context) -> Iterable[tuple[str, str, Any, bool]]:
    """(place, what the cell is in Dutch, value, free text) of every cell a person could type into. In a free
    text cell a number is screened too (a BSN typed as a number); in a number, date or choice cell only text."""
    block_codes = {b.code for b in ctx.blocks}
    general_names = {f.name for f in GENERAL_FIELDS}
    value_names = {f.name for f in RESOURCE_FIELDS} | {f.name for f in SIGNAL_FIELDS}

    def what(key: str, known: Iterable[str], template: str) -> str:
        return template.format(key) if key in set(known) else "deze cel"

    for key, r in raw.general.items():
        yield r.place, what(key, general_names, "het veld {}"), r.value, key in FREE_TEXT_FIELDS
    for key, r in raw.blocks.items():
        yield r.place, what(key, block_codes, "de status van {}"), r.value, False
    for key, r in raw.explanations.items():
        yield r.place, what(key, block_codes, "de toelichting bij {}"), r.value, True
    for table in (raw.resources, raw.signals):
        for key, r in table.items():
            yield r.place, what(key, value_names, "het veld {}"), r.value, False
    for key, r in raw.network.items():
        yield r.place, what(key, PARTNERS, "het antwoord voor {}"), r.value, False
    # keys as typed: only an unknown key can be anything
    known_keys = general_names | value_names | set(PARTNERS) | block_codes
    for table in (raw.general, raw.blocks, raw.explanations, raw.resources, raw.signals, raw.network):
        for key, r in table.items():
            if key not in known_keys and r.key_text is not None:
                yield r.key_cell, "deze cel", r.key_text, True
    for r in raw.loose:
        yield r.place, "deze cel", r.value, True


def _as_text(value: Any, free_text: bool) -> str | None:
    if isinstance(value, str):
        return value
    if not free_text or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def check_personal_data(raw: RawSubmission, ctx: Context, out: Findings) -> None:
    """persoonsgegevens: any cell whose text looks like it holds personal data, whatever the field."""
    for place, what, value, free_text in _text_cells(raw, ctx):
        text = _as_text(value, free_text)
        if place in out.refused or text is None:
            continue
        found = personal_data.finding(place, what, text)
        if found is not None:
            out.add(found)
            out.refused.add(place)


def passes_eleven_test(digits: str) -> bool:
    """The BSN eleven-test (elfproef) for an 8- or 9-digit number."""
    from stdnum.nl import bsn

    return digits.isdigit() and len(digits) in (8, 9) and int(digits) != 0 and bsn.is_valid(digits)


def personal_data_kind(text: str) -> str | None:
    """The kind of personal data a free text seems to hold, in Dutch, or None (see `etl.personal_data`)."""
    return personal_data.kind(text)
