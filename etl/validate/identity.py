"""gemeente, kwartaal, sjabloon: who and when a submission is for — the gemeente's code, its region and the
uploader's own gemeente, its name; the quarter; the template version.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from etl import findings as F
from etl.domain import GENERAL_FIELDS, TEMPLATE_VERSIONS, Quarter
from etl.extract.raw import RawSubmission
from etl.reference import Municipality
from etl.validate.context import Context, Findings
from etl.validate.values import read_fields


@dataclass
class Identity:
    """Who and when a submission is for, as far as it could be read."""

    code: str | None = None
    municipality: Municipality | None = None
    quarter: Quarter | None = None
    template_version: int | None = None
    filled_in_on: dt.date | None = None


def check_identity(raw: RawSubmission, ctx: Context, out: Findings) -> Identity:
    """gemeente_onbekend, gemeente_buiten_regio, andere_gemeente, kwartaal_ongeldig, kwartaal_niet_begonnen,
    kwartaal_te_vroeg, sjabloonversie; and the warning naam_wijkt_af."""
    who = Identity()
    general = _general_fields(raw, out)
    names = {m.name: m for m in ctx.municipalities.values()}
    if general.get("gemeente_code") is not None:
        who.code, who.municipality = _check_municipality(general["gemeente_code"],
                                                         raw.general["gemeente_code"].place, ctx, names, out)

    if general.get("kwartaal") is not None:
        who.quarter = _check_quarter(general["kwartaal"], raw.general["kwartaal"].place, ctx, out)

    if raw.kind != "csv" and general.get("sjabloonversie") is not None:
        who.template_version = general["sjabloonversie"]
        if who.template_version not in TEMPLATE_VERSIONS:
            out.fatal(F.TEMPLATE_VERSION, raw.general["sjabloonversie"].place,
                      f"sjabloonversie {F.describe(who.template_version)} wordt niet ondersteund; download het "
                      f"actuele sjabloon (versie {TEMPLATE_VERSIONS[-1]}) en vul het opnieuw in")
    who.filled_in_on = general.get("ingevuld_op")

    typed_name = general.get("gemeente_naam")
    if who.municipality and typed_name and typed_name.strip().lower() != who.municipality.name.lower():
        out.warning(F.NAME_MISMATCH, raw.general["gemeente_naam"].place,
                    f"de gemeentenaam {F.describe(typed_name, names)} hoort niet bij {who.code} "
                    f"({who.municipality.name}); de code is aangehouden — controleer of dit de juiste gemeente is")
    return who


def _general_fields(raw: RawSubmission, out: Findings) -> dict[str, Any]:
    """The general fields that could be read: a CSV's code and quarter from its lines, else the Gegevens sheet."""
    general: dict[str, Any] = {}
    if raw.kind == "csv":
        for name in ("gemeente_code", "kwartaal"):
            r = raw.general[name]
            if r.place in out.refused:
                continue
            if r.value is None:
                out.fatal(F.ITEM_MISSING, r.place, f"{name} is leeg; vul het in op elke regel")
            else:
                general[name] = str(r.value).strip()
    elif "Gegevens" not in raw.unread:
        general = read_fields("gegevens", "Gegevens", GENERAL_FIELDS, raw.general,
                              raw.places.get("Gegevens", "Gegevens!B2"), out, False)
    return general


def _check_municipality(typed: str, place: str, ctx: Context, names: dict[str, Municipality],
                        out: Findings) -> tuple[str, Municipality | None]:
    """The code as typed (normalised) and its gemeente: None when the code is malformed, unknown or outside the
    region. A gemeente other than the uploader's own is refused but kept."""
    code = typed.upper().replace(" ", "")
    municipality = ctx.municipalities.get(code)
    if not re.fullmatch(r"GM\d{4}", code):
        by_name = next((m for n, m in names.items() if n.lower() == typed.lower()), None)
        hint = f"de code van {by_name.name} is {by_name.code}" if by_name else "bijvoorbeeld GM0405 voor Hoorn"
        out.fatal(F.MUNICIPALITY_UNKNOWN, place, f"{F.subject(typed, names)} is geen "
                  f"CBS-gemeentecode; gebruik de vorm GM gevolgd door vier cijfers ({hint})")
    elif municipality is None:
        out.fatal(F.MUNICIPALITY_UNKNOWN, place, f"gemeentecode {code} is onbekend; controleer de "
                  "CBS-code van uw gemeente (bijvoorbeeld GM0405 voor Hoorn)")
    elif not municipality.in_region:
        out.fatal(F.MUNICIPALITY_OUTSIDE, place, f"{municipality.name} ({code}) hoort niet bij de regio "
                  "van deze monitor (Noord-Holland Samen Veilig); controleer de gemeentecode")
        municipality = None
    if municipality and ctx.allowed_municipality and municipality.code != ctx.allowed_municipality:
        own = ctx.municipalities.get(ctx.allowed_municipality)
        out.fatal(F.OTHER_MUNICIPALITY, place, f"u kunt alleen aanleveren voor uw eigen gemeente "
                  f"({own.name if own else ctx.allowed_municipality}); dit bestand is voor {municipality.name}")
    return code, municipality


def _check_quarter(text: str, place: str, ctx: Context, out: Findings) -> Quarter | None:
    try:
        quarter = Quarter.parse(text)
    except ValueError:
        out.fatal(F.QUARTER_MALFORMED, place, f"{F.subject(text)} is geen kwartaal; schrijf jaar en kwartaal als "
                  "2026Q3")
        return None
    if quarter.start > ctx.today:
        out.fatal(F.QUARTER_FUTURE, place, f"het {quarter.label} is nog niet begonnen; lever aan over een "
                  "lopend of afgelopen kwartaal")
        return None
    if quarter < ctx.first_quarter:
        out.fatal(F.QUARTER_TOO_EARLY, place, f"het {quarter.label} ligt vóór het eerste kwartaal van de "
                  f"monitor ({ctx.first_quarter.label}); controleer het jaartal")
        return None
    if quarter > ctx.last_quarter:
        out.fatal(F.QUARTER_FUTURE, place, f"het {quarter.label} ligt na het laatste kwartaal van de "
                  f"monitor ({ctx.last_quarter.label}); controleer het jaartal")
        return None
    return quarter
