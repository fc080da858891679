"""`nhsv export`: the quarterly pack of charts, report, slides and data per gemeente and for the region."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from nhsv import settings


def _split(values: tuple[str, ...]) -> list[str]:
    """'GM0405,GM0448' and repeated options alike."""
    return [v.strip().upper() for value in values for v in value.split(",") if v.strip()]


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--kwartaal", "quarter", default=None, metavar="JJJJQn",
              help="Kwartaal, bijvoorbeeld 2026Q3. Standaard: het laatste kwartaal met gegevens.")
@click.option("--gemeente", "gemeenten", multiple=True, metavar="GMxxxx",
              help="CBS-code van een gemeente met een eigen pakket; herhaal de optie of scheid met komma's.")
@click.option("--alle-gemeenten", is_flag=True, help="Een pakket voor elk van de 32 NHSV-gemeenten.")
@click.option("--regio", is_flag=True, help="Ook het regio-overzicht (kaart, bouwstenen, ontwikkeling en "
              "meldingen per district).")
@click.option("--audience", "--publiek", "audience", required=True, metavar="coordinator|gemeente|openbaar",
              help="Voor wie het pakket is; dat bepaalt wat erin staat.")
@click.option("--formats", "--formaten", "formats", default="png,svg,pdf,pptx,xlsx", show_default=True,
              metavar="LIJST", help="Kommagescheiden: png, svg, pdf, pptx, xlsx, csv.")
@click.option("-o", "--uitvoer", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Map van het pakket; een eerder pakket in deze map wordt vervangen. "
                   "Standaard: data/exports/<kwartaal>_<publiek>.")
def export(quarter: str | None, gemeenten: tuple[str, ...], alle_gemeenten: bool, regio: bool, audience: str,
           formats: str, out_dir: Path | None) -> None:
    """Het kwartaalpakket maken: grafieken (PNG en SVG), rapport (PDF), presentatie (PPTX) en gegevens (XLSX).

    \b
    Per gemeente een map met de grafieken van het gemeenteprofiel, een rapport met voorblad,
    samenvatting, grafieken en checklist, een presentatie met één grafiek per dia en een Excel-bestand
    met de cijfers achter elke grafiek. Met --regio ook het overzicht van de regio. Elke grafiek, dia
    en pagina draagt bron, kwartaal en vertrouwelijkheid. manifest.json noemt elk bestand met zijn
    SHA-256; een nieuwe export in dezelfde map vervangt het oude pakket in zijn geheel.

    \b
    Publiek:
      coordinator  alles, met namen (vertrouwelijk, regionale coördinatie)
      gemeente     per gemeente een eigen pakket, zonder namen van andere gemeenten
      openbaar     aantallen afgerond op vijftallen (1 t/m 4 als <5), geen naam naast een aantal

    \b
    Voorbeelden:
      nhsv export --kwartaal 2026Q3 --audience coordinator --alle-gemeenten --regio -o pakket-2026Q3
      nhsv export --kwartaal 2026Q3 --audience gemeente --gemeente GM0405 --regio -o hoorn
      nhsv export --kwartaal 2026Q3 --audience openbaar --regio --formats pdf,xlsx -o openbaar

    Afsluitcode 0 als het pakket klaar is, 1 als het maken mislukte, 2 bij een verkeerde aanroep.
    """
    from rich.console import Console

    from dashboard import export as pack

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False)
    audience = audience.strip().lower()
    if audience not in pack.AUDIENCES:
        raise click.BadParameter(f"onbekend publiek {audience!r}; kies uit {', '.join(pack.AUDIENCES)}",
                                 param_hint="--audience")
    codes = _requested_codes(gemeenten, alle_gemeenten, regio)
    wanted = _requested_formats(formats)
    available = _loaded_quarters()  # also when a quarter is given: it checks that there is a warehouse
    quarter = (quarter or available[0]).strip().upper()
    target = out_dir or settings.data_dir() / "exports" / f"{quarter}_{audience}"
    try:
        quarter, codes, wanted = pack.validate(quarter, audience, codes, regio, wanted, target)
    except pack.ExportError as refused:
        raise click.UsageError(str(refused)) from None

    what = ", ".join(filter(None, [f"{len(codes)} gemeente{'n' if len(codes) != 1 else ''}" if codes else "",
                                   "de regio" if regio else ""]))
    out.print(f"Exportpakket {quarter} voor publiek '{audience}' ({what}; {', '.join(wanted)}) naar {target}")

    def run(progress=None):
        return pack.build_pack(quarter, audience, codes, regio, wanted, target, progress=progress)

    try:
        result = _with_progress(run, err)
    except pack.ExportError as refused:
        raise click.UsageError(str(refused)) from None
    except Exception as error:  # noqa: BLE001 - Chromium missing, disk full, …: a Dutch message, exit 1
        err.print(f"[red]Fout:[/] het pakket is niet gemaakt ({error.__class__.__name__}: {error}). "
                  "Een eerder pakket in de map is ongewijzigd.", markup=True)
        sys.exit(1)

    size = sum(f.bytes for f in result.files)
    out.print(f"Klaar: {len(result.files)} bestanden ({size / 1_000_000:.1f} MB) in {result.out_dir}, "
              f"{result.figures} grafieken, {result.seconds:.0f} s. Controle: manifest.json (SHA-256).")
    try:
        from dashboard import auth

        auth.audit("export", {"kwartaal": quarter, "publiek": audience, "gemeenten": codes, "regio": regio,
                              "formaten": wanted, "map": str(result.out_dir), "bestanden": len(result.files),
                              "gebruiker": getpass.getuser()}, actor="cli")
    except Exception as error:  # noqa: BLE001 - the pack is made; say that the audit row is missing
        err.print(f"Let op: de export is niet in het auditlog gezet ({error.__class__.__name__}: {error}).")
        sys.exit(1)


def _requested_codes(gemeenten: tuple[str, ...], alle_gemeenten: bool, regio: bool) -> list[str]:
    """The gemeenten asked for (all of them by name with --alle-gemeenten); none only with --regio."""
    from dashboard import data

    codes = _split(gemeenten)
    if alle_gemeenten:
        if codes:
            raise click.UsageError("kies --gemeente of --alle-gemeenten, niet allebei")
        places = data.region()
        codes = sorted(places, key=lambda c: places[c].name)
    if not codes and not regio:
        raise click.UsageError("kies ten minste één gemeente (--gemeente of --alle-gemeenten) of --regio")
    return codes


def _requested_formats(formats: str) -> list[str]:
    from dashboard import export as pack

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in pack.FORMATS]
    if unknown or not wanted:
        raise click.BadParameter(f"onbekend formaat: {', '.join(unknown) or '(leeg)'}; kies uit "
                                 + ", ".join(pack.FORMATS), param_hint="--formats")
    return wanted


def _loaded_quarters() -> list[str]:
    """The warehouse's quarters, the latest first; a usage error when there is no warehouse or no data yet."""
    from dashboard import data

    try:
        available = data.quarters()
    except Exception as error:  # noqa: BLE001 - no warehouse yet: tell how to make one
        raise click.UsageError(f"het warehouse is niet te lezen ({error.__class__.__name__}); voer eerst "
                               "nhsv init of nhsv demo uit") from None
    if not available:
        raise click.UsageError("het warehouse heeft nog geen gegevens; laad eerst aanleveringen (nhsv load)")
    return available


def _with_progress(run, err):
    """run(progress), with a progress bar on a terminal; run() without one otherwise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not err.is_terminal:
        return run()
    with Progress(TextColumn("Exporteren"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("[dim]{task.fields[file]}"), console=err, transient=True) as bar:
        task = bar.add_task("export", total=None, file="")

        def step(done: int, total: int, path: str) -> None:
            bar.update(task, completed=done, total=total, file=path)

        return run(step)
