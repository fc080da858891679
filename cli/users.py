"""`nhsv users`: add, list, disable and enable users, set passwords (never on the command line) and reset a
second factor. In the browser, /beheer does the same and invites users by mail."""

from __future__ import annotations

import sys

import click

from nhsv import settings


def _engine():
    from etl import db

    engine = db.engine(settings.database_url())
    if db.schema_revision(engine) != db.head_revision():
        db.init(engine)
    return engine


def _fail(error: ValueError) -> None:
    click.echo(f"Fout: {error}", err=True)
    sys.exit(1)


def _read_password() -> str:
    """From a hidden prompt with confirmation on a terminal, else one line from standard input."""
    stdin = sys.stdin
    if stdin.isatty():
        for _attempt in range(3):
            first = click.prompt("Wachtwoord (ten minste 12 tekens)", hide_input=True, show_default=False)
            second = click.prompt("Herhaal het wachtwoord", hide_input=True, show_default=False)
            if first == second:
                return first
            click.echo("De twee wachtwoorden zijn niet gelijk; probeer het opnieuw.", err=True)
        click.echo("Fout: de wachtwoorden waren drie keer niet gelijk.", err=True)
        sys.exit(1)
    line = stdin.readline()
    if not line:
        click.echo("Fout: geen wachtwoord ontvangen op standaardinvoer.", err=True)
        sys.exit(1)
    return line.rstrip("\r\n")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def users() -> None:
    """Gebruikers beheren: toevoegen, tonen, uit- en inschakelen, wachtwoord instellen, tweede factor herstellen.

    \b
    Rollen: coordinator (regionale coördinator), gemeente (één gemeente, met --gemeente GMxxxx),
    admin (functioneel beheerder). Het wachtwoord wordt gevraagd (verborgen), of als één regel van
    standaardinvoer gelezen als die geen terminal is: echo "$WACHTWOORD" | nhsv users add ...
    """


@users.command("add")
@click.argument("email")
@click.option("--role", "role", required=True, metavar="ROL", help="coordinator, gemeente of admin.")
@click.option("--gemeente", "municipality_code", default=None, metavar="GMxxxx",
              help="CBS-code van de gemeente (alleen en verplicht bij rol gemeente).")
def add(email: str, role: str, municipality_code: str | None) -> None:
    """Een gebruiker toevoegen."""
    from dashboard import auth

    engine = _engine()
    try:
        auth.check_new_user(engine, email, role, municipality_code)  # before asking for a password
        password = _read_password()
        info = auth.add_user(engine, email, role, municipality_code, password)
    except ValueError as error:
        _fail(error)
    where = f" voor {info.municipality_name} ({info.municipality_code})" if info.municipality_code else ""
    click.echo(f"Gebruiker {info.email} toegevoegd met rol {info.role}{where}.")


@users.command("list")
def list_() -> None:
    """Alle gebruikers tonen."""
    from dashboard import auth

    rows = auth.list_users(_engine())
    if not rows:
        click.echo("Nog geen gebruikers. Voeg er een toe met: nhsv users add EMAIL --role ROL")
        return
    header = ("e-mailadres", "rol", "gemeente", "actief", "open sessies", "aangemaakt (UTC)")
    table = [header] + [
        (i.email, i.role, f"{i.municipality_code} {i.municipality_name}" if i.municipality_code else "-",
         "ja" if i.active else "nee", str(i.open_sessions), f"{i.created_at:%d-%m-%Y %H:%M}")
        for i in rows]
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    for r in table:
        click.echo("  ".join(value.ljust(width) for value, width in zip(r, widths, strict=True)).rstrip())
    click.echo(f"{len(rows)} gebruiker{'s' if len(rows) != 1 else ''}.")


@users.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Een gebruiker uitschakelen; alle sessies van die gebruiker eindigen direct."""
    from dashboard import auth

    try:
        ended = auth.disable_user(_engine(), email)
    except ValueError as error:
        _fail(error)
    click.echo(f"Gebruiker {auth.normalize_email(email)} uitgeschakeld; {ended} open sessie(s) beëindigd.")


@users.command("set-password")
@click.argument("email")
def set_password(email: str) -> None:
    """Een nieuw wachtwoord instellen; alle sessies van die gebruiker eindigen direct."""
    from dashboard import auth

    engine = _engine()
    if auth.find_user(engine, email) is None:  # before asking for a password
        _fail(ValueError(f"Geen gebruiker met e-mailadres {auth.normalize_email(email)}."))
    try:
        password = _read_password()
        ended = auth.set_password(engine, email, password)
    except ValueError as error:
        _fail(error)
    click.echo(f"Wachtwoord van {auth.normalize_email(email)} ingesteld; {ended} open sessie(s) beëindigd.")


@users.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Een uitgeschakelde gebruiker weer inschakelen."""
    from dashboard import auth

    try:
        auth.enable_user(_engine(), email)
    except ValueError as error:
        _fail(error)
    click.echo(f"Gebruiker {auth.normalize_email(email)} ingeschakeld.")


@users.command("reset-mfa")
@click.argument("email")
def reset_mfa(email: str) -> None:
    """De tweede factor van een gebruiker uitzetten (telefoon kwijt); alle sessies eindigen direct.

    Voor de enige beheerder die zijn eigen tweede factor kwijt is: anderen herstelt een beheerder op /beheer.
    Bij NHSV_MFA=required stelt de gebruiker hem bij de volgende keer inloggen opnieuw in.
    """
    from dashboard import auth

    try:
        ended = auth.reset_second_factor(_engine(), email)
    except ValueError as error:
        _fail(error)
    click.echo(f"Tweede factor van {auth.normalize_email(email)} uitgezet; {ended} open sessie(s) beëindigd.")
