"""Generates realistic, deterministic demo submissions for the NHSV gemeenten and writes them as files.

The files go into an inbox folder and are loaded with the same code as `nhsv load`; nothing is written to
tables directly. Larger gemeenten tend to be further along, progress grows over time with the occasional
regression, signal counts scale with population (so many are small), a few submissions are missing, a few
files are flawed, one is sent twice and one submission is corrected afterwards.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from etl import reference
from etl.domain import PARTNERS, STATUS_LABELS, Quarter, last_completed_quarter, quarter_range
from etl.reference import Municipality
from etl.template import build_workbook, template_file_name

FIRST_QUARTER = Quarter(2024, 1)

EXPLANATIONS = {
    0: ["Nog niet opgepakt; staat op de planning voor volgend jaar.", "Geen capaciteit beschikbaar dit kwartaal."],
    1: ["Plan van aanpak in voorbereiding.", "In overleg met het sociaal domein.",
        "Eerste gesprekken met partners gevoerd.", "Concept ligt ter bespreking bij het MT."],
    2: ["Vastgesteld door het college.", "Afspraken gemaakt met de partners.", "Werkt naar tevredenheid."],
    3: ["Jaarlijks geëvalueerd en bijgesteld.", "Structureel belegd in de begroting."],
}


@dataclass
class DemoPlan:
    """What the generator wrote, so that the CLI and the tests can tell what to expect."""

    inbox: Path
    files: list[Path] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    flawed: list[str] = field(default_factory=list)
    duplicate: str = ""
    resubmission: str = ""


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth; lam is small here
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


def simulate(municipality: Municipality, quarters: list[Quarter], rng: random.Random,
             block_codes: list[str]) -> dict[str, dict]:
    """Reported values per quarter code for one gemeente."""
    size = (math.log10(municipality.population) - 4.0) / 1.25  # ~0 for 10k, ~1 for 180k
    maturity = min(0.9, max(0.05, 0.2 + 0.45 * size + rng.gauss(0, 0.12)))
    difficulty = {code: rng.uniform(-0.25, 0.35) for code in block_codes}
    statuses = {code: max(0, min(3, int((maturity - difficulty[code]) * 4 + rng.gauss(0, 0.4))))
                for code in block_codes}
    network = {p: rng.random() < 0.25 + 0.6 * maturity for p in PARTNERS}
    out: dict[str, dict] = {}
    for q in quarters:
        pace = 0.05 + 0.12 * maturity
        for code in block_codes:
            r = rng.random()
            if r < pace and statuses[code] < 3:
                statuses[code] += 1
            elif r > 0.985 and statuses[code] > 0:
                statuses[code] -= 1  # terugval: staff left, policy lapsed
        for p in PARTNERS:
            if not network[p] and rng.random() < 0.06 + 0.1 * maturity:
                network[p] = True
        maturity = min(0.95, maturity + rng.uniform(0.0, 0.03))
        pop = municipality.population
        fte = round(pop / 100_000 * (0.3 + 1.6 * maturity) * rng.uniform(0.8, 1.2), 1)
        if statuses["MM2"] < 2 and rng.random() < 0.3:
            fte = round(fte * 0.5, 1)
        budget = round(pop * (0.15 + 0.6 * maturity) * rng.uniform(0.85, 1.15), -2)
        interventions_budget = 0.0 if statuses["MM1"] < 2 else round(rng.uniform(5_000, 15_000 + pop * 0.2), -3)
        lam = pop / 10_000 * (0.35 + 0.3 * maturity)
        radical, polar = _poisson(rng, lam * 0.6), _poisson(rng, lam * 0.4)
        total = radical + polar
        citizens = _binomial(rng, total, 0.35)
        explanations = {}
        for code in block_codes:
            if rng.random() < 0.12:
                explanations[code] = rng.choice(EXPLANATIONS[statuses[code]])
        out[q.code] = dict(
            statuses=dict(statuses),
            explanations=explanations,
            resources=dict(
                capaciteit_fte=fte, budget_aanpak_eur=budget, budget_interventies_eur=interventions_budget,
                medewerkers_getraind=_poisson(rng, 1 + pop / 20_000 * maturity) if rng.random() < 0.5 else 0,
                datum_laatste_training=q.start + dt.timedelta(days=rng.randint(5, 80)) if rng.random() < 0.5
                else None,
                interventietrajecten_lopend=_poisson(rng, pop / 60_000 * (0.5 + maturity)),
            ),
            signals=dict(
                meldingen_radicalisering=radical, meldingen_polarisatie=polar, meldingen_van_burgers=citizens,
                meldingen_van_professionals=total - citizens,
                ingebracht_zvh=_binomial(rng, total, 0.3 + 0.4 * maturity),
            ),
            network=dict(network),
            filled_in_on=q.end + dt.timedelta(days=rng.randint(3, 25)),
        )
    return out


def _csv_rows(code: str, quarter: str, values: dict, dutch: bool) -> list[list[str]]:
    def number(value) -> str:
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return text.replace(".", ",") if dutch else text

    rows = [[code, quarter, "bouwsteen", b, STATUS_LABELS[s]] for b, s in values["statuses"].items()]
    rows += [[code, quarter, "toelichting", b, t] for b, t in values["explanations"].items()]
    for name, value in values["resources"].items():
        if value is not None:
            rows.append([code, quarter, "middelen", name,
                         value.strftime("%d-%m-%Y") if isinstance(value, dt.date) else number(value)])
    rows += [[code, quarter, "signalen", name, str(v)] for name, v in values["signals"].items()]
    rows += [[code, quarter, "netwerk", p, "ja" if v else "nee"] for p, v in values["network"].items()]
    return rows


def _write_csv(path: Path, rows: list[list[str]], dutch: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if dutch else ",", lineterminator="\r\n" if dutch else "\n")
    writer.writerow(["gemeente_code", "kwartaal", "onderdeel", "veld", "waarde"])
    writer.writerows(rows)
    path.write_bytes(("\ufeff" if dutch else "").encode() + buffer.getvalue().encode("utf-8"))


# Gemeenten whose demo data shows the special cases (chosen once, fixed for every seed).
CSV_SEMICOLON = "GM0479"  # Zaanstad: monthly exports from its case system, Dutch Excel CSV
CSV_COMMA = "GM0392"  # Haarlem: comma-separated CSV per quarter
CSV_BULK_2024 = "GM0394"  # Haarlemmermeer: one CSV holding all of 2024
MISSING = [("GM0431", "-4"), ("GM0448", "-1")]  # Oostzaan four quarters ago, Texel last quarter
RESUBMITTED = ("GM0399", "-2")  # Heiloo corrects an earlier quarter
DUPLICATE = ("GM0405", "-1")  # Hoorn sends the same file twice
FLAWED = [("GM0415", "-2", "status"), ("GM0880", "-1", "totals"), ("GM0532", "-3", "personal")]


def _relative(quarters: list[Quarter], offset: str) -> Quarter:
    return quarters[int(offset)]


def generate(inbox: Path, seed: int = 2026, last: Quarter | None = None, municipalities=None) -> DemoPlan:
    """Writes the demo inbox (replacing an earlier one) and returns what it holds."""
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    plan = DemoPlan(inbox)
    rng = random.Random(seed)
    blocks = reference.blocks()
    block_codes = [b.code for b in blocks]
    quarters = quarter_range(FIRST_QUARTER, last or last_completed_quarter())
    region = municipalities or reference.region()
    missing = {(code, _relative(quarters, off).code) for code, off in MISSING if code in region}
    flawed = {(code, _relative(quarters, off).code): kind for code, off, kind in FLAWED if code in region}
    plan.missing = sorted(missing)

    bulk_rows: list[list[str]] = []
    for code, m in sorted(region.items()):
        history = simulate(m, quarters, random.Random(rng.random()), block_codes)
        for q in quarters:
            values = history[q.code]
            if (code, q.code) in missing:
                continue
            if code == CSV_BULK_2024 and q.year == 2024:
                bulk_rows += _csv_rows(code, q.code, values, dutch=False)
                continue
            if code in (CSV_SEMICOLON, CSV_COMMA):
                dutch = code == CSV_SEMICOLON
                path = inbox / f"aanlevering_{code}_{q.code}.csv"
                _write_csv(path, _csv_rows(code, q.code, values, dutch), dutch)
                plan.files.append(path)
                continue
            kind = flawed.get((code, q.code))
            path = inbox / template_file_name(code, q)
            if kind:
                bad = _flaw(values, kind)
                content = build_workbook(m, q, blocks, bad, values["filled_in_on"])
                bad_path = inbox / f"aanlevering_{code}_{q.code}_concept.xlsx"
                bad_path.write_bytes(content)
                plan.files.append(bad_path)
                plan.flawed.append(bad_path.name)
                if kind == "totals":
                    continue  # never corrected: shows up as rejected and missing
                # the official fixes it and sends the corrected file afterwards
                path = inbox / f"aanlevering_{code}_{q.code}_definitief.xlsx"
            content = build_workbook(m, q, blocks, values, values["filled_in_on"])
            path.write_bytes(content)
            plan.files.append(path)
            if (code, _relative(quarters, DUPLICATE[1]).code) == (code, q.code) and code == DUPLICATE[0]:
                copy = inbox / f"aanlevering_{code}_{q.code}_kopie.xlsx"
                copy.write_bytes(content)
                plan.files.append(copy)
                plan.duplicate = copy.name
            if code == RESUBMITTED[0] and q == _relative(quarters, RESUBMITTED[1]):
                corrected = {**values, "statuses": dict(values["statuses"]),
                             "resources": dict(values["resources"])}
                corrected["statuses"]["KE2"] = min(3, corrected["statuses"]["KE2"] + 1)
                corrected["resources"]["capaciteit_fte"] = round(corrected["resources"]["capaciteit_fte"] + 0.4, 1)
                corrected["explanations"] = {**values["explanations"],
                                             "KE2": "Training na de eerste aanlevering alsnog afgerond."}
                v2 = inbox / f"aanlevering_{code}_{q.code}_v2.xlsx"
                v2.write_bytes(build_workbook(m, q, blocks, corrected, values["filled_in_on"]))
                plan.files.append(v2)
                plan.resubmission = v2.name
    if bulk_rows:
        path = inbox / f"aanlevering_{CSV_BULK_2024}_2024_bulk.csv"
        _write_csv(path, bulk_rows, dutch=False)
        plan.files.append(path)
    plan.files.sort()
    return plan


def _flaw(values: dict, kind: str) -> dict:
    bad = {**values, "statuses": dict(values["statuses"]), "signals": dict(values["signals"]),
           "explanations": dict(values["explanations"])}
    if kind == "status":
        bad["statuses"]["LA6"] = "ja"  # typed over the drop-down
    elif kind == "totals":
        bad["signals"]["meldingen_van_burgers"] = bad["signals"]["meldingen_van_burgers"] + 2
    elif kind == "personal":
        bad["explanations"]["SS2"] = "Meldpunt bereikbaar via j.jansen@gemeente.nl of 06-12345678."
    return bad
