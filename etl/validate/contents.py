"""bouwstenen, middelen, signalen, netwerk: what a submission reports — the status and explanation of each of the
checklist's blocks, its resources, its signals (and that their counts add up) and its network.
"""

from __future__ import annotations

from typing import Any

from etl import findings as F
from etl.domain import EXPLANATION_MAX, PARTNERS, RESOURCE_FIELDS, SIGNAL_FIELDS, STATUS_BY_LABEL, STATUS_LABELS, YES_NO
from etl.extract.raw import RawSubmission
from etl.validate.context import Context, Findings
from etl.validate.values import read_fields, suggestion

STATUS_HELP = "kies " + ", ".join(STATUS_LABELS[:-1]) + " of " + STATUS_LABELS[-1]
STATUS_WORDS = (*STATUS_LABELS, *YES_NO, "0", "1", "2", "3")


# --- bouwstenen en toelichtingen ---------------------------------------------------------------------------


def check_blocks(raw: RawSubmission, ctx: Context, out: Findings) -> dict[str, int]:
    """onderdeel_onbekend, onderdeel_ontbreekt and waarde_type for the status of every block."""
    block_codes = [b.code for b in ctx.blocks]
    statuses: dict[str, int] = {}
    blocks_place = raw.places.get("Bouwstenen", "Bouwstenen!C2")
    for block_code, typed in raw.blocks.items():
        if block_code not in block_codes and (typed.key_cell) not in out.refused:
            out.fatal(F.ITEM_UNKNOWN, typed.key_cell, f"onbekende bouwsteen {F.describe(block_code)}; de "
                      "checklist kent " + ", ".join(block_codes))
    if "Bouwstenen" in raw.unread:
        return statuses
    for b in ctx.blocks:
        r = raw.blocks.get(b.code)
        if r is None:
            out.fatal(F.ITEM_MISSING, blocks_place, f"bouwsteen {b.code} ({b.label}) ontbreekt; vul voor alle "
                      f"{len(ctx.blocks)} bouwstenen een status in")
            continue
        if r.place in out.refused:
            continue
        status = _status(r.value)
        if status is None:
            if r.value is None:
                out.fatal(F.VALUE_TYPE, r.place, f"geen status voor {b.code}; {STATUS_HELP}")
            else:
                out.fatal(F.VALUE_TYPE, r.place, f"onbekende status {F.describe(r.value, STATUS_WORDS)} — "
                          f"{STATUS_HELP}")
            continue
        statuses[b.code] = status
    return statuses


def _status(value: Any) -> int | None:
    if isinstance(value, str):
        status = STATUS_BY_LABEL.get(value.strip().lower())
        if status is None and value.strip() in ("0", "1", "2", "3"):
            status = int(value.strip())
        return status
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1, 2, 3):
        return int(value)
    return None


def check_explanations(raw: RawSubmission, ctx: Context, out: Findings) -> dict[str, str | None]:
    """onderdeel_onbekend, waarde_bereik (length) and waarde_type (unreadable characters) of the explanations."""
    block_codes = [b.code for b in ctx.blocks]
    explanations: dict[str, str | None] = {}
    for block_code, r in raw.explanations.items():
        if r.value is None or r.place in out.refused:
            continue
        if block_code not in block_codes:
            out.fatal(F.ITEM_UNKNOWN, r.place, f"toelichting bij onbekende bouwsteen {F.describe(block_code)}")
            continue
        text = str(r.value).strip()
        if len(text) > EXPLANATION_MAX:
            out.fatal(F.VALUE_RANGE, r.place, f"de toelichting bij {block_code} is {len(text)} tekens; maak haar "
                      f"korter (ten hoogste {EXPLANATION_MAX} tekens)")
            continue
        if "\ufffd" in text:
            out.fatal(F.VALUE_TYPE, r.place, f"de toelichting bij {block_code} bevat tekens die niet kunnen "
                      "worden gelezen; typ de toelichting opnieuw (een CSV-bestand opslaan als UTF-8)")
            continue
        explanations[block_code] = text
    return explanations


# --- middelen, signalen, netwerk ----------------------------------------------------------------------------


def check_resources(raw: RawSubmission, out: Findings) -> dict[str, Any]:
    """onderdeel_ontbreekt, onderdeel_onbekend, waarde_type and waarde_bereik of Middelen."""
    if "Middelen" in raw.unread:  # its fatal finding is there already: no missing fields on top of it
        return {}
    return read_fields("middelen", "Middelen", RESOURCE_FIELDS, raw.resources,
                       raw.places.get("Middelen", "Middelen!B2"), out, raw.kind == "csv")


def check_signals(raw: RawSubmission, out: Findings) -> dict[str, Any]:
    """The same for Signalen, and meldingen_totalen and zvh_groter_dan_totaal."""
    if "Signalen" in raw.unread:
        return {}
    signals = read_fields("signalen", "Signalen", SIGNAL_FIELDS, raw.signals,
                          raw.places.get("Signalen", "Signalen!B2"), out, raw.kind == "csv")
    if len(signals) == len(SIGNAL_FIELDS):
        total = signals["meldingen_radicalisering"] + signals["meldingen_polarisatie"]
        by_source = signals["meldingen_van_burgers"] + signals["meldingen_van_professionals"]
        if total != by_source:
            out.fatal(F.SIGNAL_TOTALS, raw.signals["meldingen_van_burgers"].place,
                      f"meldingen van burgers + van professionals ({by_source}) is niet gelijk aan meldingen "
                      f"radicalisering + polarisatie ({total}); elke melding telt in beide indelingen één keer")
        if signals["ingebracht_zvh"] > total:
            out.fatal(F.ZVH_EXCEEDS, raw.signals["ingebracht_zvh"].place,
                      f"ingebracht in het Zorg- en Veiligheidshuis ({signals['ingebracht_zvh']}) is meer dan het "
                      f"totaal aan meldingen ({total}); er kan niet meer worden ingebracht dan er is gemeld")
    return signals


def check_network(raw: RawSubmission, out: Findings) -> dict[str, bool]:
    """onderdeel_onbekend, onderdeel_ontbreekt and waarde_type of Netwerk."""
    network: dict[str, bool] = {}
    network_place = raw.places.get("Netwerk", "Netwerk!B2")
    for partner, typed in raw.network.items():
        if partner not in PARTNERS and (typed.key_cell) not in out.refused:
            out.fatal(F.ITEM_UNKNOWN, typed.key_cell, f"onbekende partner ({F.describe(partner, PARTNERS)})"
                      f"{suggestion(partner, PARTNERS)}; toegestaan zijn: " + ", ".join(PARTNERS))
    if "Netwerk" in raw.unread:
        return network
    for partner in PARTNERS:
        r = raw.network.get(partner)
        if r is None:
            out.fatal(F.ITEM_MISSING, network_place, f"de partner '{partner}' ontbreekt in het netwerk; vul ja of "
                      "nee in")
            continue
        if r.place in out.refused:
            continue
        answer = YES_NO.get(str(r.value).strip().lower()) if r.value is not None else None
        if answer is None:
            shown = F.subject(r.value, YES_NO) if r.value is not None else "leeg"
            out.fatal(F.VALUE_TYPE, r.place, f"{shown} is geen geldig antwoord voor {partner}; kies ja of nee")
            continue
        network[partner] = answer
    return network
