"""Commands of the collect stage: sample data, submission template, ingestion and status."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ecocluster.core.errors import SubmissionRejected
from ecocluster.flows.cli._context import connect, console, err_console, home_of, plain, require_known

if TYPE_CHECKING:
    import duckdb
    from rich.progress import Progress

    from ecocluster.warehouse.ingest import IngestReport

MAX_ERRORS_SHOWN = 25


def progress_bar() -> Progress:
    """The progress display every long command uses (quiet when output is not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def print_ingest_report(report: IngestReport) -> None:
    from ecocluster.warehouse.messages import (
        describe,  # here: the catalogues' reader is not for every command
    )

    table = Table(title="Ingestion", show_edge=False)
    for col in ("ingested", "unchanged", "rejected", "skipped"):
        table.add_column(col, justify="right")
    table.add_row(*(str(report.count(col)) for col in ("ingested", "unchanged", "rejected", "skipped")))
    console.print(table)
    for outcome in report.rejected:
        console.print(
            f"\n[bold red]rejected[/] {plain(outcome.path)} — {len(outcome.errors)} error(s); "
            "nothing of it was stored:",
            soft_wrap=True,
        )
        for error in outcome.errors[:MAX_ERRORS_SHOWN]:
            console.print(f"  • {plain(describe(error, outcome.language))}", soft_wrap=True)
        if len(outcome.errors) > MAX_ERRORS_SHOWN:
            console.print(
                f"  … and {len(outcome.errors) - MAX_ERRORS_SHOWN} more (see `ecocluster status --rejected`)"
            )
    if report.rejected:
        console.print(
            "\nFix the rows above and run `ecocluster ingest FILE` again; accepted files are not affected."
        )


commands = typer.Typer()


@commands.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample files into.")],
    clusters: Annotated[int | None, typer.Option(help="Synthetic population: number of clusters.")] = None,
    members_per_cluster: Annotated[
        int | None, typer.Option(help="Synthetic population: members per cluster.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes byte-identical files.")] = 2026,
    year: Annotated[
        int, typer.Option(help="Latest reporting year (two earlier years of history are added).")
    ] = 2025,
) -> None:
    """Write the two bundled sample clusters, or a synthetic population of any size."""
    from ecocluster.warehouse import sample as samples

    if clusters is None and members_per_cluster is None:
        written = samples.write_bundled(out, seed=seed, year=year)
        what = "bundled sample clusters (Cerreto Laghi, Latvian municipalities)"
    else:
        written = samples.write_synthetic(out, clusters or 1, members_per_cluster or 10, seed=seed, year=year)
        what = f"synthetic population: {clusters or 1} clusters × {members_per_cluster or 10} members"
    console.print(f"wrote {len(written)} files of the {what} to {plain(out)}")


@commands.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="Where to write the workbook (.xlsx).")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the instructions: en, it or lv.")] = "en",
    member: Annotated[str | None, typer.Option("--member", help="Pre-fill this member id.")] = None,
    year: Annotated[int | None, typer.Option(help="Pre-fill this reporting year.")] = None,
) -> None:
    """Write the member's submission workbook: one sheet per section, dropdowns, instructions."""
    from ecocluster.warehouse.template import write_template

    write_template(out, lang, member_id=member, reporting_year=year)
    console.print(f"wrote the submission workbook ({plain(lang)}) to {plain(out)}")


@commands.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Submission files or folders (XLSX, CSV, JSON, cluster.json).")
    ],
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Language of the refusals: en, it, lv, or 'member' for each file's member's own "
            "language from the roster.",
        ),
    ] = "en",
) -> None:
    """Load submissions into the warehouse; bad files are refused whole with every error listed.

    Exit code 0 when every file was accepted or unchanged, 65 when any file was rejected.
    """
    from ecocluster.core.store import open_store
    from ecocluster.warehouse import Limits, ingest_paths

    home = home_of(ctx, create=True)
    with connect(home.warehouse_path) as con, progress_bar() as bar:
        task = bar.add_task("ingesting", total=None)
        report = ingest_paths(
            con,
            open_store(home),
            paths,
            limits=Limits.from_config(home.config().ingest),
            progress=lambda n: bar.advance(task, n),
            language=lang,
        )
    print_ingest_report(report)
    if not report.ok:
        raise typer.Exit(SubmissionRejected.exit_code)


@commands.command("status")
def status_command(
    ctx: typer.Context,
    cluster: Annotated[
        str | None,
        typer.Option(help="Show this cluster's members one by one (and only its refused files)."),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(help="Reporting year (default: the latest submitted, or the latest open cycle)."),
    ] = None,
    rejected: Annotated[
        bool,
        typer.Option(
            "--rejected",
            help="List refused files not yet resolved by a later accepted file, with their year and "
            "all their errors; with --year, only that year's (and those whose year is "
            "unknown).",
        ),
    ] = False,
) -> None:
    """Who has submitted what for the year, per cluster or per member, and which files were refused."""
    home = home_of(ctx)
    require_known(home, clusters=[cluster] if cluster else ())
    with connect(home.warehouse_path, read_only=True) as con:
        _print_status(con, cluster, year, rejected=rejected)


def _print_status(
    con: duckdb.DuckDBPyConnection, cluster: str | None, year: int | None, *, rejected: bool
) -> None:
    from ecocluster.warehouse import status
    from ecocluster.warehouse.messages import describe

    chosen = year or status.latest_year(con)
    if chosen is None:
        console.print("no roster and no cycle yet: run `ecocluster ingest PATH` with the cluster.json first")
        return
    if cluster:
        table = Table(title=f"{plain(cluster)} — reporting year {chosen}", show_edge=False)
        for col in (
            "member",
            "name",
            "state",
            "sections",
            "missing sections",
            "last received",
            "rejected files",
        ):
            table.add_column(col)
        for m in status.member_status(con, chosen, cluster):
            colour = {"submitted": "green", "partial": "yellow"}.get(m.state, "red")
            table.add_row(
                plain(m.member_id),
                plain(m.legal_name),
                f"[{colour}]{m.state}[/]",
                f"{m.sections}/{status.ALL_SECTIONS}",
                ", ".join(m.missing) or "—",
                m.last_received or "—",
                str(m.rejected_files),
            )
    else:
        table = Table(title=f"Clusters — reporting year {chosen}", show_edge=False)
        for col in ("cluster", "name", "members", "submitted", "partial", "missing", "rejected files"):
            table.add_column(col, justify="left" if col in ("cluster", "name") else "right")
        for c in status.cluster_status(con, chosen):
            table.add_row(
                plain(c.cluster_id),
                plain(c.name),
                str(c.members),
                str(c.submitted),
                str(c.partial),
                str(c.missing),
                str(c.rejected_files),
            )
    console.print(table)
    if rejected:
        for refused in status.rejected_files(con, cluster, year=year):
            console.print(
                f"\n[bold red]{plain(refused.file)}[/] ({refused.year}) rejected {refused.rejected_at}:",
                soft_wrap=True,
            )
            for error in refused.errors:
                console.print(f"  • {plain(describe(error, refused.language))}", soft_wrap=True)
