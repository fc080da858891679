"""persoonsgegevens: every cell a person could type into is screened for personal data (`etl.personal_data`), first,
so that the other checkers leave a cell refused for it alone (one finding per cell, and never its text).

Screening is most of validation's work, and needs nothing but the submission: the loader's parse workers screen
each submission they parse (`screen`, into `RawSubmission.screened`), and validation turns what they flagged into
findings; a submission parsed in the loader's own process is screened here, with the same result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from etl import personal_data, reference
from etl.domain import GENERAL_FIELDS, PARTNERS, RESOURCE_FIELDS, SIGNAL_FIELDS
from etl.extract.raw import RawSubmission
from etl.validate.context import Context, Findings

FREE_TEXT_FIELDS = ("gemeente_naam",)  # besides every toelichting and every key cell
_PARTNERS = set(PARTNERS)
Label = tuple[str, set[str], str]  # (key, the keys the monitor knows, how to name a known one)
_ANY_CELL: Label = ("", set(), "")


def _text_cells(raw: RawSubmission, block_codes: set[str] | None) -> Iterable[tuple[str, Any, bool, Label]]:
    """(place, value, free text, what the cell is) of every cell a person could type into. In a free text cell a
    number is screened too (a BSN typed as a number); in a number, date or choice cell only text. A key as typed
    is screened where it is no key the monitor knows; without the checklist's `block_codes` (screening ahead,
    before the quarter and so the checklist version are known), where it is no block code of any version."""
    codes = block_codes or set()
    general_names = {f.name for f in GENERAL_FIELDS}
    value_names = {f.name for f in RESOURCE_FIELDS} | {f.name for f in SIGNAL_FIELDS}
    for key, r in raw.general.items():
        yield r.place, r.value, key in FREE_TEXT_FIELDS, (key, general_names, "het veld {}")
    for key, r in raw.blocks.items():
        yield r.place, r.value, False, (key, codes, "de status van {}")
    for key, r in raw.explanations.items():
        yield r.place, r.value, True, (key, codes, "de toelichting bij {}")
    for table in (raw.resources, raw.signals):
        for key, r in table.items():
            yield r.place, r.value, False, (key, value_names, "het veld {}")
    for key, r in raw.network.items():
        yield r.place, r.value, False, (key, _PARTNERS, "het antwoord voor {}")
    # keys as typed: only an unknown key can be anything
    known_keys = general_names | value_names | _PARTNERS | (codes if block_codes is not None else _every_block_code())
    for table in (raw.general, raw.blocks, raw.explanations, raw.resources, raw.signals, raw.network):
        for key, r in table.items():
            if key not in known_keys and r.key_text is not None:
                yield r.key_cell, r.key_text, True, _ANY_CELL
    for r in raw.loose:
        yield r.place, r.value, True, _ANY_CELL


def _every_block_code() -> set[str]:
    return {b.code for blocks in reference.checklist().values() for b in blocks}


def _what(label: Label) -> str:
    """'de toelichting bij LA3', or 'deze cel' for a key the monitor does not know."""
    key, known, template = label
    return template.format(key) if key in known else "deze cel"


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


def screen(raw: RawSubmission) -> dict[str, str]:
    """Per place, the kinds of personal data (a Dutch phrase) of every cell that seems to hold some; {} for most
    submissions. Needs nothing but the submission, so the loader's parse workers screen ahead (`raw.screened`)."""
    flagged: dict[str, str] = {}
    for place, value, free_text, _label in _text_cells(raw, None):
        text = _as_text(value, free_text)
        if text is not None and place not in flagged:
            found = personal_data.kind(text)
            if found is not None:
                flagged[place] = found
    return flagged


def check_personal_data(raw: RawSubmission, ctx: Context, out: Findings) -> None:
    """persoonsgegevens: any cell whose text looks like it holds personal data, whatever the field."""
    flagged = raw.screened if raw.screened is not None else screen(raw)
    if not flagged:
        return
    for place, value, free_text, label in _text_cells(raw, {b.code for b in ctx.blocks}):
        if place in flagged and place not in out.refused and _as_text(value, free_text) is not None:
            out.add(personal_data.fatal(place, _what(label), flagged[place]))
            out.refused.add(place)


def passes_eleven_test(digits: str) -> bool:
    """The BSN eleven-test (elfproef) for an 8- or 9-digit number."""
    from stdnum.nl import bsn

    return digits.isdigit() and len(digits) in (8, 9) and int(digits) != 0 and bsn.is_valid(digits)


def personal_data_kind(text: str) -> str | None:
    """The kind of personal data a free text seems to hold, in Dutch, or None (see `etl.personal_data`)."""
    return personal_data.kind(text)
