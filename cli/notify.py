"""`nhsv notify`: the quarter's reminders and the coordinators' digest, for cron or a compose service."""

from __future__ import annotations

import sys

import click

from nhsv import settings


@click.command()
@click.option("--kwartaal", default=None, metavar="JJJJQn",
              help="Het kwartaal (standaard het laatst afgesloten kwartaal, dat nu wordt aangeleverd).")
@click.option("--dry-run", is_flag=True, help="Alleen tonen wat er verstuurd zou worden.")
def notify(kwartaal: str | None, dry_run: bool) -> None:
    """Herinneringen aan gemeenten en het overzicht voor coördinatoren versturen.

    Bedoeld om dagelijks te draaien (cron of een compose-dienst): elke mail gaat één keer per soort, kwartaal en
    ontvanger (en per afgewezen bestand), nooit twee keer, ook niet bij herhalen. Uitgeschakelde gebruikers en
    gebruikers die een soort mail onder Mijn account hebben uitgezet, krijgen die niet. De uiterste datum is
    NHSV_DEADLINE_DAYS dagen na het einde van het kwartaal. Afsluitcode 1 als een mail niet verstuurd kon worden
    (die wordt de volgende keer opnieuw geprobeerd).
    """
    from dashboard.accounts import notify as notifications
    from etl import db
    from etl.domain import Quarter
    from nhsv import mail

    quarter = None
    if kwartaal:
        try:
            quarter = Quarter.parse(kwartaal)
        except ValueError:
            raise click.UsageError(f"geen kwartaal: {kwartaal!r} (bijvoorbeeld 2026Q3)") from None
    engine = db.engine(settings.database_url())
    if db.schema_revision(engine) != db.head_revision():
        db.init(engine)
    try:
        report = notifications.run(engine, quarter=quarter, dry_run=dry_run)
    except mail.MailNotConfigured as problem:
        click.echo(f"Fout: {problem}", err=True)
        sys.exit(1)
    verb = "zou versturen" if dry_run else "verstuurd"
    for item in report.sent:
        click.echo(f"{verb:<14} {item.kind:<14} {item.email}")
    for item, reason in report.failed:
        click.echo(f"{'niet verstuurd':<14} {item.kind:<14} {item.email}: {reason}", err=True)
    where = mail.transport()
    click.echo(f"Kwartaal {report.quarter} (uiterste datum {report.deadline:%d-%m-%Y}): {len(report.sent)} {verb}, "
               f"{report.already_sent} al eerder verstuurd, {len(report.failed)} mislukt"
               + (f"; mail via {where.describe()}" if where is not None and not dry_run else "") + ".")
    sys.exit(1 if report.failed else 0)
