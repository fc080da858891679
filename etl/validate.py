"""Validates a raw submission against every rule of SUBMISSION.md section 3, reporting all findings in one pass."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from etl import findings as F
from etl.domain import (
    EXPLANATION_MAX,
    GENERAL_FIELDS,
    IN_ORDER_FROM,
    PARTNERS,
    RESOURCE_FIELDS,
    SIGNAL_FIELDS,
    STATUS_BY_LABEL,
    STATUS_LABELS,
    TEMPLATE_VERSIONS,
    YES_NO,
    Field,
    Quarter,
)
from etl.extract import Raw, RawSubmission
from etl.findings import Finding
from etl.reference import Block, Municipality


@dataclass
class Submission:
    """A submission that passed validation: typed values, ready to load."""

    municipality_code: str
    quarter: Quarter
    checklist_version: int
    template_version: int | None
    filled_in_on: dt.date | None
    statuses: dict[str, int]
    explanations: dict[str, str | None]
    resources: dict[str, Any]
    signals: dict[str, int]
    network: dict[str, bool]
    rows: int
    warnings: list[Finding] = field(default_factory=list)


@dataclass
class Context:
    """What validation needs to know beyond the file itself."""

    municipalities: Mapping[str, Municipality]
    blocks: tuple[Block, ...]
    checklist_version: int
    today: dt.date
    previous_statuses: Callable[[str, Quarter], dict[str, int] | None]
    allowed_municipality: str | None = None  # set for an upload by a gemeente user


STATUS_HELP = "kies " + ", ".join(STATUS_LABELS[:-1]) + " of " + STATUS_LABELS[-1]

# --- personal data in free text --------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+31|0031|0)[\s-]?(?:\d[\s-]?){9}(?!\d)")
_POSTCODE_HOUSE = re.compile(
    r"\b[1-9]\d{3}\s?[A-Z]{2}\b\s*,?\s*\d{1,5}\b|\b[A-Za-z]{3,}\s+\d{1,5}[a-zA-Z]?\s*,?\s*[1-9]\d{3}\s?[A-Z]{2}\b")
_NINE_DIGITS = re.compile(r"(?<![\d.,])(\d[\d .]{7,11}\d)(?![\d,])")


def passes_eleven_test(digits: str) -> bool:
    """The BSN eleven-test (elfproef) for an 8- or 9-digit number."""
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isdigit() or int(digits) == 0:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def personal_data_kind(text: str) -> str | None:
    """The kind of personal data a free text seems to hold, in Dutch, or None."""
    if _EMAIL.search(text):
        return "een e-mailadres"
    if _PHONE.search(text):
        return "een telefoonnummer"
    for match in _NINE_DIGITS.finditer(text):
        digits = re.sub(r"[ .]", "", match.group(1))
        if len(digits) in (8, 9) and passes_eleven_test(digits):
            return "een nummer dat een burgerservicenummer kan zijn"
    if _POSTCODE_HOUSE.search(text):
        return "een adres (postcode met huisnummer)"
    return None


# --- value parsing ---------------------------------------------------------------------------------

class ValueProblem(Exception):
    pass


def _describe(value: Any) -> str:
    text = str(value)
    return f'"{text[:40]}…"' if len(text) > 40 else f'"{text}"'


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueProblem("geen geheel getal")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueProblem("geen geheel getal")
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+[.,]0+", text):
        return int(re.split(r"[.,]", text)[0])
    raise ValueProblem("geen geheel getal")


def parse_decimal(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueProblem("geen getal")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")  # 12.500,50
    elif "," in text:
        text = text.replace(",", ".")  # decimal comma
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # Dutch thousands separators: 12.500
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueProblem("geen getal")
    return float(text)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueProblem("geen datum")


def _parse_field(spec: Field, raw: Raw) -> Any:
    if spec.kind == "int":
        return parse_int(raw.value)
    if spec.kind == "decimal":
        return parse_decimal(raw.value)
    if spec.kind == "date":
        return parse_date(raw.value)
    return str(raw.value).strip()


_TYPE_HELP = {
    "int": "vul een geheel getal van 0 of meer in",
    "decimal": "vul een getal van 0 of meer in (decimalen met een komma mag)",
    "date": "vul een datum in als dd-mm-jjjj",
    "text": "vul een tekst in",
    "quarter": "vul het kwartaal in als jaar en kwartaal, bijvoorbeeld 2026Q3",
}


# --- the validator ----------------------------------------------------------------------------------

class _Collector:
    def __init__(self) -> None:
        self.items: list[Finding] = []

    def fatal(self, rule: str, place: str, message: str) -> None:
        self.items.append(F.fatal(rule, place, message))

    def warning(self, rule: str, place: str, message: str) -> None:
        self.items.append(F.warning(rule, place, message))


def _fields(section: str, sheet: str, specs: tuple[Field, ...], raws: dict[str, Raw], fallback: str,
            out: _Collector, csv_kind: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    known = {s.name for s in specs}
    for name, raw in raws.items():
        if name not in known:
            out.fatal(F.ITEM_UNKNOWN, raw.key_place or raw.place, f"onbekend veld '{name}' op {sheet}; "
                      "toegestaan zijn: " + ", ".join(sorted(known)))
    for spec in specs:
        raw = raws.get(spec.name)
        if raw is None:
            if spec.required:
                where = f"in de CSV ({section})" if csv_kind else f"op tabblad {sheet}"
                out.fatal(F.ITEM_MISSING, fallback, f"het veld '{spec.name}' ({spec.label}) ontbreekt {where}; "
                          "voeg de regel toe")
            continue
        if raw.value is None:
            if spec.required:
                out.fatal(F.VALUE_TYPE, raw.place, f"{spec.name} is leeg; {_TYPE_HELP[spec.kind]}")
            else:
                values[spec.name] = None
            continue
        try:
            value = _parse_field(spec, raw)
        except ValueProblem as problem:
            out.fatal(F.VALUE_TYPE, raw.place, f"{_describe(raw.value)} is {problem} ({spec.name}); "
                      f"{_TYPE_HELP[spec.kind]}")
            continue
        if spec.kind == "decimal" and not math.isfinite(value):
            # a crafted workbook can hold NaN or infinity in a number cell
            out.fatal(F.VALUE_TYPE, raw.place, f"{_describe(raw.value)} is geen getal ({spec.name}); "
                      f"{_TYPE_HELP[spec.kind]}")
            continue
        if spec.kind in ("int", "decimal") and value < 0:
            out.fatal(F.VALUE_RANGE, raw.place, f"{spec.name} is negatief ({_describe(raw.value)}); vul 0 of meer in")
            continue
        if spec.kind in ("int", "decimal") and value > 1e9:
            out.fatal(F.VALUE_RANGE, raw.place, f"{spec.name} is onwaarschijnlijk groot ({_describe(raw.value)}); "
                      "controleer de waarde")
            continue
        values[spec.name] = value
    return values


def validate(raw: RawSubmission, ctx: Context) -> tuple[Submission | None, list[Finding]]:
    """All findings of one raw submission, and the typed submission when none is fatal."""
    out = _Collector()
    out.items.extend(raw.findings)
    is_csv = raw.kind == "csv"
    general_fallback = raw.places.get("Gegevens", "Gegevens!B2")

    # Gegevens: who and when
    general = {}
    if is_csv:
        for name in ("gemeente_code", "kwartaal"):
            r = raw.general[name]
            if r.value is None:
                out.fatal(F.ITEM_MISSING, r.place, f"{name} is leeg; vul het in op elke regel")
            else:
                general[name] = str(r.value).strip()
    elif "Gegevens" not in raw.unread:
        general = _fields("gegevens", "Gegevens", GENERAL_FIELDS, raw.general, general_fallback, out, False)

    code = general.get("gemeente_code")
    municipality = None
    if code is not None:
        code_norm = code.upper().replace(" ", "")
        place = raw.general["gemeente_code"].place
        municipality = ctx.municipalities.get(code_norm)
        if not re.fullmatch(r"GM\d{4}", code_norm):
            out.fatal(F.MUNICIPALITY_UNKNOWN, place, f"{_describe(code)} is geen CBS-gemeentecode; gebruik de vorm "
                      "GM gevolgd door vier cijfers, bijvoorbeeld GM0405 voor Hoorn")
        elif municipality is None:
            out.fatal(F.MUNICIPALITY_UNKNOWN, place, f"gemeentecode {code_norm} is onbekend; controleer de "
                      "CBS-code van uw gemeente (bijvoorbeeld GM0405 voor Hoorn)")
        elif not municipality.in_region:
            out.fatal(F.MUNICIPALITY_OUTSIDE, place, f"{municipality.name} ({code_norm}) hoort niet bij de regio "
                      "van deze monitor (Noord-Holland Samen Veilig); controleer de gemeentecode")
            municipality = None
        if municipality and ctx.allowed_municipality and municipality.code != ctx.allowed_municipality:
            own = ctx.municipalities.get(ctx.allowed_municipality)
            out.fatal(F.OTHER_MUNICIPALITY, place, f"u kunt alleen aanleveren voor uw eigen gemeente "
                      f"({own.name if own else ctx.allowed_municipality}); dit bestand is voor {municipality.name}")
        code = code_norm

    quarter = None
    if general.get("kwartaal") is not None:
        place = raw.general["kwartaal"].place
        try:
            quarter = Quarter.parse(general["kwartaal"])
        except ValueError:
            out.fatal(F.QUARTER_MALFORMED, place, f"{_describe(general['kwartaal'])} is geen kwartaal; schrijf "
                      "jaar en kwartaal als 2026Q3")
        else:
            if quarter.start > ctx.today:
                out.fatal(F.QUARTER_FUTURE, place, f"het kwartaal {quarter.code} is nog niet begonnen; lever aan "
                          "over een lopend of afgelopen kwartaal")
                quarter = None
            elif quarter.year < 2000:
                out.fatal(F.QUARTER_MALFORMED, place, f"het kwartaal {quarter.code} ligt te ver terug; controleer "
                          "het jaartal")
                quarter = None

    template_version = None
    if not is_csv and "sjabloonversie" in general:
        template_version = general["sjabloonversie"]
        if template_version not in TEMPLATE_VERSIONS:
            out.fatal(F.TEMPLATE_VERSION, raw.general["sjabloonversie"].place,
                      f"sjabloonversie {template_version} wordt niet ondersteund; download het actuele sjabloon "
                      f"(versie {TEMPLATE_VERSIONS[-1]}) en vul het opnieuw in")

    if municipality and "gemeente_naam" in general and general["gemeente_naam"]:
        if general["gemeente_naam"].strip().lower() != municipality.name.lower():
            out.warning(F.NAME_MISMATCH, raw.general["gemeente_naam"].place,
                        f"de gemeentenaam {_describe(general['gemeente_naam'])} hoort niet bij {code} "
                        f"({municipality.name}); de code is aangehouden — controleer of dit de juiste gemeente is")

    # Bouwstenen
    block_codes = [b.code for b in ctx.blocks]
    statuses: dict[str, int] = {}
    blocks_place = raw.places.get("Bouwstenen", "Bouwstenen!C2")
    for block_code, r in raw.blocks.items():
        if block_code not in block_codes:
            out.fatal(F.ITEM_UNKNOWN, r.key_place or r.place, f"onbekende bouwsteen '{block_code}'; de checklist "
                      "kent " + ", ".join(block_codes))
    for b in ctx.blocks if "Bouwstenen" not in raw.unread else ():
        r = raw.blocks.get(b.code)
        if r is None:
            out.fatal(F.ITEM_MISSING, blocks_place, f"bouwsteen {b.code} ({b.label}) ontbreekt; vul voor alle 18 "
                      "bouwstenen een status in")
            continue
        value = r.value
        status = None
        if isinstance(value, str):
            status = STATUS_BY_LABEL.get(value.strip().lower())
            if status is None and value.strip() in ("0", "1", "2", "3"):
                status = int(value.strip())
        elif isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1, 2, 3):
            status = int(value)
        if status is None:
            if value is None:
                out.fatal(F.VALUE_TYPE, r.place, f"geen status voor {b.code}; {STATUS_HELP}")
            else:
                out.fatal(F.VALUE_TYPE, r.place, f"onbekende status {_describe(value)} — {STATUS_HELP}")
            continue
        statuses[b.code] = status

    explanations: dict[str, str | None] = {}
    for block_code, r in raw.explanations.items():
        if r.value is None:
            continue
        if block_code not in block_codes:
            out.fatal(F.ITEM_UNKNOWN, r.place, f"toelichting bij onbekende bouwsteen '{block_code}'")
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
        kind = personal_data_kind(text)
        if kind:
            out.fatal(F.PERSONAL_DATA, r.place, f"de toelichting bij {block_code} lijkt {kind} te bevatten; deze "
                      "monitor bevat geen persoonsgegevens — verwijder het en lever opnieuw aan")
            continue
        explanations[block_code] = text

    # Middelen, Signalen
    # a sheet that could not be read (raw.unread) already has its fatal finding: no missing fields on top of it
    resources = {} if "Middelen" in raw.unread else _fields(
        "middelen", "Middelen", RESOURCE_FIELDS, raw.resources, raw.places.get("Middelen", "Middelen!B2"), out,
        is_csv)
    signals = {} if "Signalen" in raw.unread else _fields(
        "signalen", "Signalen", SIGNAL_FIELDS, raw.signals, raw.places.get("Signalen", "Signalen!B2"), out,
        is_csv)
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

    # Netwerk
    network: dict[str, bool] = {}
    network_place = raw.places.get("Netwerk", "Netwerk!B2")
    for partner, r in raw.network.items():
        if partner not in PARTNERS:
            out.fatal(F.ITEM_UNKNOWN, r.key_place or r.place, f"onbekende partner '{partner}'; toegestaan zijn: "
                      + ", ".join(PARTNERS))
    for partner in PARTNERS if "Netwerk" not in raw.unread else ():
        r = raw.network.get(partner)
        if r is None:
            out.fatal(F.ITEM_MISSING, network_place, f"de partner '{partner}' ontbreekt in het netwerk; vul ja of "
                      "nee in")
            continue
        answer = YES_NO.get(str(r.value).strip().lower()) if r.value is not None else None
        if answer is None:
            out.fatal(F.VALUE_TYPE, r.place, f"{_describe(r.value) if r.value is not None else 'leeg'} is geen "
                      f"geldig antwoord voor {partner}; kies ja of nee")
            continue
        network[partner] = answer

    fatal_found = any(f.is_fatal for f in out.items)
    # Warnings that need a consistent submission
    if not fatal_found and municipality and quarter:
        previous = ctx.previous_statuses(municipality.code, quarter)
        if previous:
            for b in ctx.blocks:
                before, now = previous.get(b.code), statuses[b.code]
                if before is not None and now < before:
                    out.warning(F.REGRESSION, raw.blocks[b.code].place,
                                f"{b.code} is teruggegaan van {STATUS_LABELS[before]} naar {STATUS_LABELS[now]} "
                                f"sinds {quarter.previous().code}; klopt dit? Licht het zo nodig toe")
        if statuses["MM1"] >= IN_ORDER_FROM and resources["budget_interventies_eur"] == 0:
            out.warning(F.MM1_NO_BUDGET, raw.resources["budget_interventies_eur"].place,
                        f"MM1 staat op {STATUS_LABELS[statuses['MM1']]} maar het geld voor interventietrajecten "
                        "is 0; controleer de status of het bedrag")
        if statuses["MM2"] >= IN_ORDER_FROM and resources["capaciteit_fte"] == 0:
            out.warning(F.MM2_NO_CAPACITY, raw.resources["capaciteit_fte"].place,
                        f"MM2 staat op {STATUS_LABELS[statuses['MM2']]} maar de capaciteit is 0 fte; controleer "
                        "de status of de capaciteit")
        per_10k = resources["capaciteit_fte"] / municipality.population * 10_000
        if per_10k > 10:
            out.warning(F.IMPLAUSIBLE, raw.resources["capaciteit_fte"].place,
                        f"{resources['capaciteit_fte']:g} fte is meer dan 10 fte per 10.000 inwoners; controleer "
                        "of de capaciteit in fte (niet in uren) is ingevuld")
        signals_total = signals["meldingen_radicalisering"] + signals["meldingen_polarisatie"]
        if signals_total / municipality.population * 10_000 > 25:
            out.warning(F.IMPLAUSIBLE, raw.signals["meldingen_radicalisering"].place,
                        f"{signals_total} meldingen is meer dan 25 per 10.000 inwoners in één kwartaal; "
                        "controleer of alleen meldingen van dit kwartaal zijn geteld")

    stamped = [Finding(f.severity, f.rule, f.place, f.message, municipality.code if municipality else code,
                       quarter.code if quarter else None) for f in out.items]
    if any(f.is_fatal for f in stamped):
        return None, stamped
    assert municipality is not None and quarter is not None
    submission = Submission(
        municipality_code=municipality.code, quarter=quarter, checklist_version=ctx.checklist_version,
        template_version=template_version, filled_in_on=general.get("ingevuld_op"), statuses=statuses,
        explanations=explanations, resources=resources, signals=signals, network=network, rows=raw.rows,
        warnings=stamped,
    )
    return submission, stamped
