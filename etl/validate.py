"""Validates a raw submission against every rule of SUBMISSION.md section 3, reporting all findings in one pass.

One checker per group of rules, in the order of the README's rule table; `validate` runs them all, so that
a file's every problem is reported at once:

- `check_personal_data` — persoonsgegevens: every text cell, first, so that the other checkers leave a cell
  refused for personal data alone (one finding per cell, and never its text);
- `check_identity` — gemeente (code, region, scope of the uploader, name), kwartaal, sjabloonversie;
- `check_blocks` — the status of each of the checklist's blocks;
- `check_explanations` — the toelichting per block (length, unreadable characters);
- `check_resources` — Middelen: types and ranges;
- `check_signals` — Signalen: types and ranges, and that the counts add up;
- `check_network` — Netwerk: ja/nee per partner type;
- `check_warnings` — what loads with a warning (terugval, MM1/MM2 without money or capacity, implausible
  values); only for a submission without fatal findings.

A finding never repeats a cell's text; a wrong value is described through `findings.describe` (see there).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from etl import findings as F
from etl import personal_data
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
from etl.measures import per_inhabitants
from etl.reference import QUARTERS_FROM, QUARTERS_TO, Block, Municipality

# Thresholds of the warnings and ranges (SUBMISSION.md section 3), defined here only.
IMPLAUSIBLE_PER = 10_000  # the warnings compare per 10,000 inhabitants
IMPLAUSIBLE_FTE = 10  # more FTE than this per 10,000 inhabitants: probably hours, not FTE
IMPLAUSIBLE_SIGNALS = 25  # more signals than this per 10,000 inhabitants in one quarter
MAX_NUMBER = 1e9  # a larger count or amount is a typing error (or a number that is not a count at all)


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
    # the warehouse's quarter dimension (etl.reference): a submission outside it cannot be stored
    first_quarter: Quarter = QUARTERS_FROM
    last_quarter: Quarter = QUARTERS_TO


STATUS_HELP = "kies " + ", ".join(STATUS_LABELS[:-1]) + " of " + STATUS_LABELS[-1]
STATUS_WORDS = (*STATUS_LABELS, *YES_NO, "0", "1", "2", "3")


# --- value parsing ---------------------------------------------------------------------------------

class ValueProblem(Exception):
    pass


def passes_eleven_test(digits: str) -> bool:
    """The BSN eleven-test (elfproef) for an 8- or 9-digit number."""
    from stdnum.nl import bsn

    return digits.isdigit() and len(digits) in (8, 9) and int(digits) != 0 and bsn.is_valid(digits)


def personal_data_kind(text: str) -> str | None:
    """The kind of personal data a free text seems to hold, in Dutch, or None (see `etl.personal_data`)."""
    return personal_data.kind(text)


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
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
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


# --- the collector ----------------------------------------------------------------------------------

class _Findings:
    """The findings of one submission so far, and the cells already refused for personal data (which the
    other checkers leave alone: one finding per cell)."""

    def __init__(self, earlier: Iterable[Finding] = ()) -> None:
        self.items: list[Finding] = list(earlier)
        self.refused: set[str] = set()

    def fatal(self, rule: str, place: str, message: str) -> None:
        self.items.append(F.fatal(rule, place, message))

    def warning(self, rule: str, place: str, message: str) -> None:
        self.items.append(F.warning(rule, place, message))

    def add(self, finding: Finding) -> None:
        self.items.append(finding)

    @property
    def any_fatal(self) -> bool:
        return any(f.is_fatal for f in self.items)


def _suggestion(key: str, known: Iterable[str]) -> str:
    """' bedoelt u "x"?' for a near miss among the known names, else ''."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f'; bedoelt u "{close[0]}"?' if close else ""


def _fields(section: str, sheet: str, specs: tuple[Field, ...], raws: dict[str, Raw], fallback: str,
            out: _Findings, csv_kind: bool) -> dict[str, Any]:
    """Typed values of a veld/waarde table (Gegevens, Middelen, Signalen): unknown, missing, type, range."""
    values: dict[str, Any] = {}
    known = {s.name for s in specs}
    for name, typed in raws.items():
        if name not in known and (typed.key_cell) not in out.refused:
            out.fatal(F.ITEM_UNKNOWN, typed.key_cell, f"onbekend veld op {sheet} ({F.describe(name, known)})"
                      f"{_suggestion(name, known)}; toegestaan zijn: " + ", ".join(sorted(known)))
    for spec in specs:
        raw = raws.get(spec.name)
        if raw is None:
            if spec.required:
                where = f"in de CSV ({section})" if csv_kind else f"op tabblad {sheet}"
                out.fatal(F.ITEM_MISSING, fallback, f"het veld '{spec.name}' ({spec.label}) ontbreekt {where}; "
                          "voeg de regel toe")
            continue
        if raw.place in out.refused:
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
            out.fatal(F.VALUE_TYPE, raw.place, f"{F.subject(raw.value)} is {problem} ({spec.name}); "
                      f"{_TYPE_HELP[spec.kind]}")
            continue
        refused = _number_problem(spec, raw, value)
        if refused is not None:
            out.fatal(refused[0], raw.place, refused[1])
            continue
        values[spec.name] = value
    return values


def _number_problem(spec: Field, raw: Raw, value: Any) -> tuple[str, str] | None:
    """(finding code, message) when a parsed number cannot be a real value: not finite, negative or too large."""
    if spec.kind == "decimal" and not math.isfinite(value):
        # a crafted workbook can hold NaN or infinity in a number cell
        return F.VALUE_TYPE, f"{spec.name} is geen eindig getal (NaN of oneindig); {_TYPE_HELP[spec.kind]}"
    if spec.kind in ("int", "decimal") and value < 0:
        return F.VALUE_RANGE, f"{spec.name} is negatief ({F.describe(raw.value)}); vul 0 of meer in"
    if spec.kind in ("int", "decimal") and value > MAX_NUMBER:
        return F.VALUE_RANGE, f"{spec.name} is onwaarschijnlijk groot ({F.describe(raw.value)}); controleer de waarde"
    return None


# --- persoonsgegevens ---------------------------------------------------------------------------------


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


def check_personal_data(raw: RawSubmission, ctx: Context, out: _Findings) -> None:
    """persoonsgegevens: any cell whose text looks like it holds personal data, whatever the field."""
    for place, what, value, free_text in _text_cells(raw, ctx):
        text = _as_text(value, free_text)
        if place in out.refused or text is None:
            continue
        found = personal_data.finding(place, what, text)
        if found is not None:
            out.add(found)
            out.refused.add(place)


# --- gemeente, kwartaal, sjabloonversie -------------------------------------------------------------------


@dataclass
class Identity:
    """Who and when a submission is for, as far as it could be read."""

    code: str | None = None
    municipality: Municipality | None = None
    quarter: Quarter | None = None
    template_version: int | None = None
    filled_in_on: dt.date | None = None


def check_identity(raw: RawSubmission, ctx: Context, out: _Findings) -> Identity:
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


def _general_fields(raw: RawSubmission, out: _Findings) -> dict[str, Any]:
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
        general = _fields("gegevens", "Gegevens", GENERAL_FIELDS, raw.general,
                          raw.places.get("Gegevens", "Gegevens!B2"), out, False)
    return general


def _check_municipality(typed: str, place: str, ctx: Context, names: dict[str, Municipality],
                        out: _Findings) -> tuple[str, Municipality | None]:
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


def _check_quarter(text: str, place: str, ctx: Context, out: _Findings) -> Quarter | None:
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


# --- bouwstenen en toelichtingen ---------------------------------------------------------------------------


def check_blocks(raw: RawSubmission, ctx: Context, out: _Findings) -> dict[str, int]:
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


def check_explanations(raw: RawSubmission, ctx: Context, out: _Findings) -> dict[str, str | None]:
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


def check_resources(raw: RawSubmission, out: _Findings) -> dict[str, Any]:
    """onderdeel_ontbreekt, onderdeel_onbekend, waarde_type and waarde_bereik of Middelen."""
    if "Middelen" in raw.unread:  # its fatal finding is there already: no missing fields on top of it
        return {}
    return _fields("middelen", "Middelen", RESOURCE_FIELDS, raw.resources, raw.places.get("Middelen", "Middelen!B2"),
                   out, raw.kind == "csv")


def check_signals(raw: RawSubmission, out: _Findings) -> dict[str, Any]:
    """The same for Signalen, and meldingen_totalen and zvh_groter_dan_totaal."""
    if "Signalen" in raw.unread:
        return {}
    signals = _fields("signalen", "Signalen", SIGNAL_FIELDS, raw.signals, raw.places.get("Signalen", "Signalen!B2"),
                      out, raw.kind == "csv")
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


def check_network(raw: RawSubmission, out: _Findings) -> dict[str, bool]:
    """onderdeel_onbekend, onderdeel_ontbreekt and waarde_type of Netwerk."""
    network: dict[str, bool] = {}
    network_place = raw.places.get("Netwerk", "Netwerk!B2")
    for partner, typed in raw.network.items():
        if partner not in PARTNERS and (typed.key_cell) not in out.refused:
            out.fatal(F.ITEM_UNKNOWN, typed.key_cell, f"onbekende partner ({F.describe(partner, PARTNERS)})"
                      f"{_suggestion(partner, PARTNERS)}; toegestaan zijn: " + ", ".join(PARTNERS))
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


# --- warnings -----------------------------------------------------------------------------------------------


def check_warnings(raw: RawSubmission, ctx: Context, who: Identity, statuses: dict[str, int],
                   resources: dict[str, Any], signals: dict[str, Any], out: _Findings) -> None:
    """terugval, mm1_zonder_budget, mm2_zonder_capaciteit, onwaarschijnlijk: for a consistent submission."""
    municipality, quarter = who.municipality, who.quarter
    if out.any_fatal or municipality is None or quarter is None:
        return
    previous = ctx.previous_statuses(municipality.code, quarter)
    if previous:
        for b in ctx.blocks:
            before, now = previous.get(b.code), statuses[b.code]
            if before is not None and now < before:
                out.warning(F.REGRESSION, raw.blocks[b.code].place,
                            f"{b.code} ({b.label}) is teruggegaan van {STATUS_LABELS[before]} naar "
                            f"{STATUS_LABELS[now]} sinds het {quarter.previous().label}; klopt dit? Licht het zo nodig "
                            "toe")
    if statuses["MM1"] >= IN_ORDER_FROM and resources["budget_interventies_eur"] == 0:
        out.warning(F.MM1_NO_BUDGET, raw.resources["budget_interventies_eur"].place,
                    f"MM1 staat op {STATUS_LABELS[statuses['MM1']]} maar het geld voor interventietrajecten "
                    "is 0; controleer de status of het bedrag")
    if statuses["MM2"] >= IN_ORDER_FROM and resources["capaciteit_fte"] == 0:
        out.warning(F.MM2_NO_CAPACITY, raw.resources["capaciteit_fte"].place,
                    f"MM2 staat op {STATUS_LABELS[statuses['MM2']]} maar de capaciteit is 0 fte; controleer "
                    "de status of de capaciteit")
    fte = per_inhabitants(resources["capaciteit_fte"], municipality.population, IMPLAUSIBLE_PER)
    if fte is not None and fte > IMPLAUSIBLE_FTE:
        out.warning(F.IMPLAUSIBLE, raw.resources["capaciteit_fte"].place,
                    f"{resources['capaciteit_fte']:g} fte is meer dan {IMPLAUSIBLE_FTE} fte per "
                    f"{_thousands(IMPLAUSIBLE_PER)} inwoners; controleer of de capaciteit in fte (niet in uren) is "
                    "ingevuld")
    signals_total = signals["meldingen_radicalisering"] + signals["meldingen_polarisatie"]
    rate = per_inhabitants(signals_total, municipality.population, IMPLAUSIBLE_PER)
    if rate is not None and rate > IMPLAUSIBLE_SIGNALS:
        out.warning(F.IMPLAUSIBLE, raw.signals["meldingen_radicalisering"].place,
                    f"{signals_total} meldingen is meer dan {IMPLAUSIBLE_SIGNALS} per {_thousands(IMPLAUSIBLE_PER)} "
                    "inwoners in één kwartaal; controleer of alleen meldingen van dit kwartaal zijn geteld")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# --- all of it -----------------------------------------------------------------------------------------------


def validate(raw: RawSubmission, ctx: Context) -> tuple[Submission | None, list[Finding]]:
    """All findings of one raw submission, and the typed submission when none is fatal."""
    out = _Findings(raw.findings)
    check_personal_data(raw, ctx, out)
    who = check_identity(raw, ctx, out)
    statuses = check_blocks(raw, ctx, out)
    explanations = check_explanations(raw, ctx, out)
    resources = check_resources(raw, out)
    signals = check_signals(raw, out)
    network = check_network(raw, out)
    check_warnings(raw, ctx, who, statuses, resources, signals, out)

    # stored with each finding: a known gemeente's code, or what was typed when it has the shape of one (never
    # other text: it would be stored, and "Gemeente Hoorn" does not fit the column either)
    code = who.municipality.code if who.municipality else (
        who.code if who.code and re.fullmatch(r"GM\d{4}", who.code) else None)
    stamped = [Finding(f.severity, f.rule, f.place, f.message, code, who.quarter.code if who.quarter else None)
               for f in out.items]
    if any(f.is_fatal for f in stamped):
        return None, stamped
    assert who.municipality is not None and who.quarter is not None
    submission = Submission(
        municipality_code=who.municipality.code, quarter=who.quarter, checklist_version=ctx.checklist_version,
        template_version=who.template_version, filled_in_on=who.filled_in_on, statuses=statuses,
        explanations=explanations, resources=resources, signals=signals, network=network, rows=raw.rows,
        warnings=stamped,
    )
    return submission, stamped
