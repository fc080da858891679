"""`nhsv template`: the submission workbook for one gemeente and quarter, pre-filled with its last submission."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nhsv import settings


@click.command()
@click.option("--gemeente", "code", required=True, metavar="GMxxxx",
              help="CBS-code van de gemeente, bijvoorbeeld GM0405 (Hoorn).")
@click.option("--kwartaal", "quarter", default=None, metavar="JJJJQn",
              help="Kwartaal van de aanlevering, bijvoorbeeld 2026Q3. Standaard: het laatst afgesloten kwartaal.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Bestand om te schrijven (een bestaand bestand wordt overschreven). Standaard: "
                   "aanlevering_<gemeente>_<kwartaal>.xlsx in de huidige map.")
def template(code: str, quarter: str | None, output: Path | None) -> None:
    """Het Excel-sjabloon voor de aanlevering van één gemeente over één kwartaal maken.

    Het sjabloon heeft een tabblad met instructies, keuzelijsten voor status en ja/nee en beveiligde labels.
    Heeft de gemeente eerder aangeleverd, dan staan de waarden van haar laatste geldige aanlevering (tot en met
    dit kwartaal) al ingevuld. Afsluitcode 0 als het bestand is geschreven, 2 bij een onbekende gemeente, een
    gemeente buiten de regio of een ongeldig kwartaal, 1 als het
    bestand niet kan worden geschreven.

    \b
    Voorbeeld:
      nhsv template --gemeente GM0405 --kwartaal 2026Q3 -o aanlevering_GM0405_2026Q3.xlsx
    """
    from etl import db
    from etl.domain import last_completed_quarter
    from etl.prefill import TemplateRequestError, check_request, last_values, template_bytes
    from etl.template import template_file_name

    try:
        municipality, q = check_request(code, quarter or last_completed_quarter())
    except TemplateRequestError as problem:
        click.echo(f"Fout: {problem}.", err=True)
        sys.exit(2)
    path = output or Path(template_file_name(municipality.code, q))

    engine = db.engine(settings.database_url())
    if db.schema_revision(engine) != db.head_revision():
        db.init(engine)
    prefilled = last_values(engine, municipality.code, q.next())
    data = template_bytes(engine, municipality.code, q)
    try:
        path.write_bytes(data)
    except OSError as problem:
        click.echo(f"Fout: {path} kan niet worden geschreven ({problem.strerror or problem}).", err=True)
        sys.exit(1)
    source = (f"vooringevuld met de aanlevering over {prefilled['source_quarter']}" if prefilled
              else "leeg (nog geen eerdere aanlevering)")
    click.echo(f"Sjabloon voor {municipality.name} ({municipality.code}), {q.label}: {path} — {source}.")


__all__ = ["template"]
