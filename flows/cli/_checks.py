"""Commands of the check stage: ``ecocluster check`` runs the suites, ``check report`` shows them.

``check`` tells scripts whether anything blocks: exit 0 = no blocking failure, 4 = at least one
(``CheckFailed``), so ``ecocluster check && ecocluster draft`` drafts only clean cycles. ``check
report`` is a report: it exits 0 whatever it shows, unless asked (``--fail-on blocking``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from ecocluster.core.errors import CheckFailed, ConfigurationError
from ecocluster.core.home import Home
from ecocluster.flows.cli._context import console, home_of, plain, require_known

_MEMBER = typer.Option("--member", help="Only this member (repeatable).")
_CLUSTER = typer.Option("--cluster", help="Only the members of this cluster (repeatable).")
_YEAR = typer.Option("--year", help="Reporting year (default: the latest cycle opened).")


def _year(home: Home, year: int | None) -> int:
    if year is not None:
        return year
    from ecocluster import checks
    from ecocluster.warehouse.due import latest_cycle_year

    con = checks.open_reader(home)
    try:
        latest = latest_cycle_year(con)
    finally:
        con.close()
    if latest is None:
        raise ConfigurationError("no cycle is open; open one and ingest the submissions first")
    return latest


def _blocking_exit(n_blocking: int, what: str) -> None:
    if n_blocking:
        raise CheckFailed(
            f"{n_blocking} blocking failure(s) {what}; fix them, ingest the corrected "
            "files and run `ecocluster check` again"
        )


def _write_csv(rows: Sequence[tuple[object, ...]], out: Path | None) -> None:
    """The report for a spreadsheet: members' text never becomes a formula
    (ecocluster.warehouse.spreadsheet)."""
    from ecocluster.warehouse.spreadsheet import write_csv

    header = ("member", "severity", "rule", "about", "source", "explanation")
    if out is None:
        write_csv(sys.stdout, header, rows)
        return
    with out.open("w", encoding="utf-8", newline="") as f:
        write_csv(f, header, rows)
    console.print(f"{len(rows)} result(s) written to {plain(out)}", soft_wrap=True)


check_app = typer.Typer(
    help="Run the data-quality and compliance checks, or report on them.",
    invoke_without_command=True,
)


@check_app.callback()
def check(
    ctx: typer.Context,
    member: Annotated[list[str] | None, _MEMBER] = None,
    cluster: Annotated[list[str] | None, _CLUSTER] = None,
    year: Annotated[int | None, _YEAR] = None,
) -> None:
    """Check the submissions of a reporting year (all members, some clusters or some members)."""
    if ctx.invoked_subcommand is not None:
        return
    from ecocluster import checks

    home = home_of(ctx)
    require_known(home, members=member or (), clusters=cluster or ())
    chosen = _year(home, year)
    with console.status(f"checking {chosen}"):
        run = checks.run_checks(home, chosen, members=member, clusters=cluster)
    console.print(
        f"checked {run.n_members} member(s) for {run.reporting_year} ({plain(run.scope)}): "
        f"[red]{run.n_blocking} blocking[/], [yellow]{run.n_warning} warning[/]",
        soft_wrap=True,
    )
    console.print(f"details: `ecocluster check report`; GX Data Docs: {plain(run.datadocs)}", soft_wrap=True)
    _blocking_exit(run.n_blocking, f"in {run.reporting_year}")


@check_app.command("report")
def report(
    ctx: typer.Context,
    member: Annotated[str | None, typer.Option("--member", help="Only this member.")] = None,
    year: Annotated[int | None, _YEAR] = None,
    fmt: Annotated[
        Literal["table", "csv"],
        typer.Option("--format", help="table (terminal) or csv (spreadsheet-safe)."),
    ] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write the CSV here instead of stdout.")] = None,
    fail_on: Annotated[
        Literal["nothing", "blocking"],
        typer.Option(
            "--fail-on",
            help="blocking: exit 4 when the report lists a blocking failure "
            "(for scripts); by default a report exits 0.",
        ),
    ] = "nothing",
) -> None:
    """Print the current check results, blocking first, and where the GX Data Docs are."""
    import duckdb

    from ecocluster import checks

    home = home_of(ctx)
    require_known(home, members=[member] if member else ())
    chosen = _year(home, year)
    con = checks.open_reader(home)
    try:
        found = checks.report(con, chosen, member)
    except duckdb.CatalogException as e:
        raise ConfigurationError("no checks have run on this warehouse; run `ecocluster check`") from e
    finally:
        con.close()
    if not found.datadocs:
        raise ConfigurationError(
            f"no check results for {chosen}{f' and {member}' if member else ''}; run `ecocluster check` first"
        )
    rows = [line.cells() for line in found.lines]
    if fmt == "csv":
        _write_csv(rows, out)
    else:
        _print_report(chosen, rows, list(found.datadocs))
    if fail_on == "blocking":
        _blocking_exit(found.n_blocking, f"for {member or 'the checked members'}")


def _print_report(year: int, rows: list[tuple[str, ...]], docs: list[str]) -> None:
    table = Table(title=f"Check results {year}", show_edge=False, show_lines=False)
    for col in ("member", "severity", "rule", "about", "source", "explanation"):
        table.add_column(col, overflow="fold")
    for m, sev, rule, about, source, text in rows:
        colour = "red" if sev == "blocking" else "yellow"
        table.add_row(
            plain(m), f"[{colour}]{plain(sev)}[/]", plain(rule), plain(about), plain(source), plain(text)
        )
    console.print(table if rows else "no failures: every checked member is cleared")
    for path in docs:
        console.print(f"GX Data Docs: {plain(path)}", soft_wrap=True)
