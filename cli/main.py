"""The `nhsv` command: set up the warehouse, load submissions, inspect load runs, run the demo and the app."""

from __future__ import annotations

import getpass
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from nhsv import settings

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

PROGRESS_FROM_FILES = 10
EXIT_BUSY = 3  # nhsv load: another load kept the warehouse busy for the whole wait; nothing was recorded
EXIT_WAREHOUSE = 4  # nhsv load: the warehouse failed (lost, a time limit passed); committed batches stay
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # Ctrl+C, SIGTERM (128 + the signal's number, as shells do)


def _engine():
    from etl import db

    return db.engine()


def _ensure_schema(engine) -> None:
    from etl import db

    if db.schema_revision(engine) != db.head_revision():
        db.init(engine)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """NHSV-monitor: de regionale monitor van de lokale aanpak van polarisatie en radicalisering.

    \b
    Snel beginnen:
      nhsv demo                 demodata maken, laden en het dashboard starten
      nhsv init                 warehouse aanmaken of bijwerken
      nhsv load MAP_OF_BESTAND  aanleveringen valideren en laden
      nhsv runs                 recente laadrondes bekijken

    Het warehouse staat in NHSV_DATABASE_URL (standaard sqlite:///data/warehouse.db).
    """


@main.command()
def init() -> None:
    """Warehouse aanmaken of bijwerken en de referentiegegevens laden (veilig om te herhalen)."""
    from etl import db, marts

    engine = _engine()
    before = db.schema_revision(engine)
    db.init(engine)
    with engine.begin() as conn:
        marts.refresh_all(conn)
    after = db.schema_revision(engine)
    state = "aangemaakt" if before is None else ("bijgewerkt" if before != after else "al actueel")
    console.print(f"Warehouse {state} (schemaversie {after}): {engine.url.render_as_string(hide_password=True)}")


def _print_file(out: Console, report) -> None:
    from etl.load.runs import OUTCOME_LABELS

    label = OUTCOME_LABELS[report.outcome]
    what = ", ".join(f"{c} {q} v{v}" for c, q, v in report.submissions)
    warnings = [f for f in report.findings if not f.is_fatal]
    extra = f" ({what})" if what else ""
    if warnings and report.outcome == "loaded":
        extra += f", {len(warnings)} waarschuwing{'en' if len(warnings) != 1 else ''}"
    style = {"loaded": "green", "already_loaded": "dim", "rejected": "red", "error": "red"}[report.outcome]
    out.print(f"[{style}]{label:<11}[/] {report.name}{extra}")
    for f in report.findings:
        marker = "fout" if f.is_fatal else "let op"
        out.print(f"    {marker}: {f.text()}", markup=False)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Alleen de samenvatting en afgewezen bestanden tonen.")
def load(paths: tuple[Path, ...], quiet: bool) -> None:
    """Aanleveringen (Excel-sjablonen of CSV) valideren en laden; PATHS zijn bestanden of mappen.

    Per bestand een regel: geladen, al geladen of afgewezen (met de bevindingen). Er laadt één lading tegelijk:
    loopt er al een, dan wacht deze ten hoogste NHSV_LOAD_WAIT_SECONDS.

    \b
    Afsluitcodes:
      0    niets afgewezen
      1    een bestand afgewezen (de goede zijn wel geladen)
      2    verkeerde aanroep
      3    een andere lading bleef bezig; er is niets geladen of vastgelegd
      4    het warehouse faalde; wat al was vastgelegd blijft staan
      130  onderbroken met Ctrl+C, 143 gestopt (SIGTERM); wat al was vastgelegd blijft staan
    """
    from etl.load import collect_paths

    try:
        files = collect_paths(paths)
    except FileNotFoundError as missing:
        raise click.UsageError(f"bestand of map bestaat niet: {missing}") from None
    if not files:
        raise click.UsageError("geen bestanden gevonden in " + ", ".join(str(p) for p in paths))
    engine = _engine()
    _ensure_schema(engine)
    report = run_load(engine, [str(p) for p in paths], actor=f"{getpass.getuser()} (cli)", channel="cli",
                      quiet=quiet, total=len(files))
    sys.exit(1 if report.any_rejected else 0)


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl+C: the load rolls back the batch it was writing, marks its run as interrupted,
    stops its parse workers and releases the load lock before the process ends."""


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread can take signals
        return

    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_load(engine, paths: list[str], actor: str, channel: str, quiet: bool = False, total: int = 0):
    """Load with a line per file and a summary. Another load busy, the warehouse failing or an interrupt end the
    process with a Dutch message and the exit code of `nhsv load --help`."""
    from sqlalchemy.exc import OperationalError

    from etl.load.runs import LoadBusy

    done: list = []
    try:
        with _terminate_as_interrupt():
            report = _load_with_progress(engine, paths, actor, channel, quiet, total, done)
    except LoadBusy as busy:
        other = f": {busy.holder.text()}" if busy.holder else ""
        err.print(f"Er loopt nog een andere lading{other}. Na {busy.waited:.0f} s wachten is deze lading niet "
                  "begonnen; er is niets geladen of vastgelegd. Probeer het later opnieuw, of wacht langer met "
                  "NHSV_LOAD_WAIT_SECONDS.", markup=False)
        sys.exit(EXIT_BUSY)
    except OperationalError as failure:
        err.print(f"De lading is gestopt: het warehouse gaf een fout ({_first_line(failure.orig)}). Wat al was "
                  f"vastgelegd ({len(done)} bestanden) blijft staan, de rest niet. Controleer de database en start "
                  "dezelfde lading opnieuw: bestanden die al geladen zijn worden herkend.", markup=False)
        sys.exit(EXIT_WAREHOUSE)
    except KeyboardInterrupt as stop:
        err.print(f"\nLading afgebroken. Wat al was vastgelegd ({len(done)} bestanden) blijft staan; de ronde "
                  "staat in nhsv runs als afgebroken. Start dezelfde lading opnieuw om de rest te laden: bestanden "
                  "die al geladen zijn worden herkend.", markup=False)
        sys.exit(EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED)
    rows = sum(f.rows_loaded for f in report.files)
    console.print(
        f"\nLaadronde {report.run_id}: {len(report.files)} bestanden — {report.count('loaded')} geladen, "
        f"{report.count('already_loaded')} al geladen, {report.count('rejected') + report.count('error')} "
        f"afgewezen; {rows} regels geladen.")
    for run in report.interrupted:
        console.print(f"Let op: eerder is {run.text()} afgebroken na {run.files_offered} bestanden. Wat die "
                      "ronde vastlegde blijft staan; bestanden die ze niet meer laadde, zijn nu aangeboden als ze in "
                      "deze lading zaten.", markup=False)
    if report.any_rejected:
        console.print(f"Bevindingen nalezen: nhsv runs --findings {report.run_id}")
    return report


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or ["onbekende fout"])[0]


def _load_with_progress(engine, paths: list[str], actor: str, channel: str, quiet: bool, total: int, done: list):
    from etl.load import load_paths

    def waiting(holder, wait: float) -> None:
        other = f" Bezig: {holder.text()}." if holder else ""
        err.print(f"Wacht op een andere lading…{other} Ten hoogste {wait:.0f} s (NHSV_LOAD_WAIT_SECONDS).",
                  markup=False)

    if total >= PROGRESS_FROM_FILES and err.is_terminal:
        # No refresh thread (auto_refresh): the loader forks its parse workers only from a single-threaded process.
        with Progress(TextColumn("Laden"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True, auto_refresh=False) as progress:
            task = progress.add_task("laden", total=total)

            def step(file_report):
                done.append(file_report)
                if not quiet or file_report.outcome in ("rejected", "error"):
                    _print_file(progress.console, file_report)
                progress.advance(task)
                progress.refresh()

            return load_paths(engine, paths, actor, channel, progress=step, on_wait=waiting)

    def step(file_report):
        done.append(file_report)
        if not quiet or file_report.outcome in ("rejected", "error"):
            _print_file(console, file_report)

    return load_paths(engine, paths, actor, channel, progress=step, on_wait=waiting)


@main.command()
@click.option("--limit", default=10, show_default=True, help="Aantal laadrondes.")
@click.option("--findings", "run_id", type=int, default=None, metavar="RUN",
              help="Toon de bestanden en bevindingen van één laadronde.")
def runs(limit: int, run_id: int | None) -> None:
    """Recente laadrondes met hun aantallen, of de bevindingen van één ronde."""
    from sqlalchemy import select

    from etl import schema
    from etl.load.runs import INTERRUPTED, OUTCOME_LABELS, RUN_STATUS_LABELS, run_statuses

    engine = _engine()
    _ensure_schema(engine)
    lr, sf, fd = schema.load_run, schema.source_file, schema.finding
    with engine.connect() as conn:
        if run_id is None:
            rows = conn.execute(select(lr).order_by(lr.c.id.desc()).limit(limit)).all()
            if not rows:
                console.print("Nog geen laadrondes. Laad bestanden met: nhsv load MAP_OF_BESTAND")
                return
            statuses = run_statuses(engine, rows)
            table = Table("ronde", "gestart (UTC)", "door", "status", "bestanden", "geladen", "al geladen",
                          "afgewezen", "regels in = geladen + afgewezen", title="Laadrondes", title_justify="left")
            for r in rows:
                table.add_row(str(r.id), f"{r.started_at:%d-%m-%Y %H:%M}", f"{r.actor} ({r.channel})",
                              RUN_STATUS_LABELS[statuses[r.id]], str(r.files_offered), str(r.files_loaded),
                              str(r.files_already_loaded), str(r.files_rejected),
                              f"{r.rows_offered} = {r.rows_loaded} + {r.rows_rejected}")
            Console(highlight=False, width=max(console.width, 130)).print(table)
            if INTERRUPTED in statuses.values():
                console.print("Afgebroken: de ronde stopte voordat al haar bestanden verwerkt waren. Wat ze vastlegde "
                              "blijft staan; laad dezelfde bestanden opnieuw voor de rest (wat al geladen is, wordt "
                              "herkend).")
            console.print("Bevindingen van een ronde: nhsv runs --findings RONDE")
            return
        run = conn.execute(select(lr).where(lr.c.id == run_id)).first()
        if run is None:
            raise click.UsageError(f"laadronde {run_id} bestaat niet; zie nhsv runs")
        status = RUN_STATUS_LABELS[run_statuses(engine, [run])[run.id]]
        console.print(f"Laadronde {run.id} ({run.started_at:%d-%m-%Y %H:%M} UTC, {run.actor}, {status}): "
                      f"{run.files_offered} bestanden, {run.files_loaded} geladen, {run.files_already_loaded} al "
                      f"geladen, {run.files_rejected} afgewezen")
        files = conn.execute(select(sf).where(sf.c.run_id == run_id).order_by(sf.c.id)).all()
        files.sort(key=lambda f: f.outcome not in ("rejected", "error"))  # rejected files first
        found = conn.execute(select(fd).where(fd.c.run_id == run_id).order_by(fd.c.id)).all()
        by_file: dict[int, list] = {}
        for f in found:
            by_file.setdefault(f.file_id, []).append(f)
        shown = 0
        for f in files:
            items = by_file.get(f.id, [])
            if not items:
                continue
            shown += 1
            console.print(f"\n{OUTCOME_LABELS[f.outcome]}: {f.file_name}")
            for item in items:
                marker = "fout" if item.severity == "fatal" else "let op"
                console.print(f"    {marker}: {item.place}: {item.message}", markup=False)
        if not shown:
            console.print("Geen bevindingen in deze ronde.")


@main.command()
@click.option("--seed", default=2026, show_default=True, help="Startwaarde van de generator (zelfde waarde, "
              "zelfde demo).")
@click.option("--no-serve", is_flag=True, help="Alleen genereren en laden, het dashboard niet starten.")
@click.option("--reset/--keep", default=True, show_default=True,
              help="Een bestaand SQLite-warehouse eerst leegmaken.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
def demo(seed: int, no_serve: bool, reset: bool, host: str, port: int) -> None:
    """Demodata voor de 32 NHSV-gemeenten maken, als bestanden in een inbox zetten en laden zoals nhsv load.

    Van 2024Q1 tot en met het laatst afgesloten kwartaal; met een paar ontbrekende en afgewezen aanleveringen,
    een dubbel aangeleverd bestand en een correctie. Daarna worden demogebruikers aangemaakt en (zonder
    --no-serve) het dashboard gestart.
    """
    from etl import db
    from etl import demo as demo_data

    engine = _engine()
    if reset and engine.dialect.name == "sqlite":
        engine.dispose()
        path = Path(engine.url.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    db.init(engine)
    inbox = settings.data_dir() / "demo-inbox"
    console.print(f"Demo-aanleveringen schrijven naar {inbox} (seed {seed}) …")
    plan = demo_data.generate(inbox, seed=seed)
    console.print(f"{len(plan.files)} bestanden geschreven; laden …")
    run_load(engine, [str(inbox)], actor="demo", channel="demo", quiet=True, total=len(plan.files))
    _demo_users(engine)
    _demo_mail(engine, fresh=reset)
    if no_serve:
        console.print("Bekijk de laadronde met: nhsv runs")
        return
    _serve(host, port, production=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adres om op te luisteren.")
@click.option("--port", default=8050, show_default=True, type=int, help="Poort.")
@click.option("--production", is_flag=True,
              help="Met gunicorn en meerdere werkprocessen (NHSV_WORKERS, NHSV_THREADS), zoals op de server.")
@click.option("--workers", type=int, default=None, help="Aantal werkprocessen bij --production (standaard "
              "NHSV_WORKERS).")
def serve(host: str, port: int, production: bool, workers: int | None) -> None:
    """Het dashboard starten (standaard op http://127.0.0.1:8050).

    Zonder --production draait de ontwikkelserver van Flask in één proces; gebruik --production (gunicorn)
    op een server.
    """
    from etl import db

    engine = _engine()
    if db.schema_revision(engine) is None:
        raise click.UsageError("het warehouse bestaat nog niet; voer eerst nhsv init (of nhsv demo) uit")
    _ensure_schema(engine)
    if production:
        from cli import serve as prod

        try:
            prod.serve_production(host, port, workers)
        except prod.ConfigurationError as problem:
            raise click.UsageError(str(problem)) from None
        return
    _serve(host, port, production=settings.is_production())


@main.group()
def geo() -> None:
    """Gemeentegrenzen voor de kaart (zonder grenzen toont het dashboard een tegelkaart)."""


@geo.command("import")
@click.argument("source", metavar="BESTAND_OF_URL", required=False)
def geo_import(source: str | None) -> None:
    """Grenzen importeren uit een GeoJSON-bestand of de PDOK-WFS van CBS.

    Zonder argument: de officiële PDOK-dienst (gemeente_gegeneraliseerd). Daarna toont het overzicht een
    kaart met echte grenzen in plaats van tegels. Ongedaan maken: nhsv geo remove.
    """
    from etl import geo as geo_module

    try:
        result = geo_module.import_boundaries(source or geo_module.PDOK_WFS)
    except geo_module.GeoImportError as problem:
        console.print(f"Import mislukt: {problem}")
        sys.exit(1)
    console.print(f"{result.region} gemeentegrenzen van NHSV en {result.context} omliggende gemeenten van "
                  f"Noord-Holland (grijs, zonder naam of waarde) opgeslagen in {result.path}.")
    console.print(f"Weggelaten: {result.dropped} objecten buiten Noord-Holland of zonder bruikbare grens.")
    def count(n: int) -> str:
        return f"{n:,}".replace(",", ".")

    def megabytes(n: int) -> str:
        return f"{n / 1e6:.2f}".replace(".", ",")

    console.print(f"Vereenvoudigd: {count(result.points_before)} naar {count(result.points_after)} punten; "
                  f"{megabytes(result.bytes_before)} MB naar {megabytes(result.bytes_after)} MB.")
    if result.missing:
        console.print("Zonder grens (worden niet getekend): " + ", ".join(result.missing))


@geo.command("remove")
def geo_remove() -> None:
    """De geïmporteerde grenzen verwijderen (terug naar de tegelkaart)."""
    from etl import geo as geo_module

    console.print("Grenzen verwijderd." if geo_module.remove_boundaries() else "Er waren geen grenzen geïmporteerd.")


def _demo_users(engine) -> None:
    try:
        from dashboard import auth
    except ImportError:
        return
    for line in auth.create_demo_users(engine):
        console.print(line)


def _demo_mail(engine, fresh: bool) -> None:
    """The demo's mails go to the outbox folder (no mail server needed): this quarter's reminders are put there
    at once, and the folder is printed, so that the demo shows what the monitor sends."""
    from nhsv import mail

    folder = mail.outbox_folder()
    if folder is None:
        console.print("Mail gaat naar een echte mailserver (NHSV_SMTP_URL): de demo stuurt geen herinneringen.")
        return
    if fresh and folder == settings.data_dir() / "outbox":
        for old in folder.glob("*.eml"):
            old.unlink()
    from dashboard.accounts import notify

    report = notify.run(engine)
    console.print(f"Mails van de monitor (herinneringen, uitnodigingen, wachtwoordherstel) staan als .eml-bestand "
                  f"in {folder}; {len(report.sent)} mail(s) over {report.quarter} staan er al (nhsv notify).")


def _serve(host: str, port: int, production: bool) -> None:
    from dashboard.app import create_app

    app = create_app()
    console.print(f"Dashboard: http://{host}:{port}/  (stoppen met Ctrl+C)")
    app.run(host=host, port=port, debug=False)


from cli.export import export  # noqa: E402
from cli.notify import notify  # noqa: E402
from cli.template import template  # noqa: E402
from cli.users import users  # noqa: E402

main.add_command(users)
main.add_command(template)
main.add_command(export)
main.add_command(notify)

if __name__ == "__main__":  # pragma: no cover
    main()
