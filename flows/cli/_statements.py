"""Commands of the draft stage: render statements, and say where a statement's files are."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from ecocluster.flows.cli._context import console, home_of, plain, require_known
from ecocluster.flows.cli._warehouse import progress_bar

LISTED = 200  # statements listed after a draft: a population's review drafts are 120,000 rows


def _when(at: dt.datetime) -> str:
    """A warehouse timestamp with its zone. DuckDB stores ``current_timestamp`` in a TIMESTAMP column
    as local time (its TimeZone setting defaults to the machine's), so a naive value is local."""
    return f"{at.astimezone():%Y-%m-%d %H:%M %Z}"


commands = typer.Typer()


@commands.command()
def draft(
    ctx: typer.Context,
    member: Annotated[
        str | None,
        typer.Option(
            "--member",
            help="Only this member, and its cluster's joint statement (which sums the member's figures).",
        ),
    ] = None,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="Only this cluster and its members.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en, it or lv (default: each member's own).")
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Reporting year (default: latest open cycle).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes to render with (default: one for a small run, where starting a pool costs more "
            "than it saves, e.g. below 96 statements with PDF; every core otherwise)."
        ),
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf/--no-pdf",
            help="--no-pdf: JSON and HTML only, for quick review drafts of a whole cluster or population "
            "(the PDF compile is most of the time). Such drafts cannot be submitted: draft the member "
            "again without --no-pdf to add its PDF.",
        ),
    ] = True,
) -> None:
    """Draft environmental statements (JSON, HTML, PDF) for the open cycles, on every core."""
    from ecocluster import statements
    from ecocluster.warehouse.db import connect

    home = home_of(ctx)
    require_known(home, members=[member] if member else (), clusters=[cluster] if cluster else ())
    con = connect(home.warehouse_path)
    try:
        with progress_bar() as bar:
            task = bar.add_task("drafting statements", total=None)

            def progress(n: int, total: int) -> None:
                bar.update(task, completed=n, total=total)

            if member:
                run = statements.draft_member(
                    con,
                    home,
                    member,
                    year=year,
                    language=lang,
                    workers=workers,
                    pdf=pdf,
                    progress=progress,
                )
            else:
                run = statements.draft(
                    con,
                    home,
                    cluster=cluster,
                    year=year,
                    language=lang,
                    workers=workers,
                    pdf=pdf,
                    progress=progress,
                )
    finally:
        con.close()
    table = Table(title="Draft statements", show_edge=False)
    for col in ("statement id", "member / cluster", "year", "kind", "lang", "pdf"):
        table.add_column(col)
    for s in run.statements[:LISTED]:
        table.add_row(
            s.statement_id[:16],
            plain(s.member_id or f"{s.cluster_id} (joint)"),
            str(s.reporting_year),
            plain(s.kind),
            plain(s.language),
            "yes" if s.pdf_key else "not yet",
        )
    console.print(table)
    if len(run.statements) > LISTED:
        console.print(f"… and {len(run.statements) - LISTED} more, not listed")
    for joint in (s for s in run.statements if member and s.subject == "cluster"):
        console.print(
            f"{plain(joint.cluster_id)} (joint): drafted again with {plain(member)}, since it sums and "
            "compares every member's figures",
            soft_wrap=True,
        )
    without = sum(s.pdf_key is None for s in run.statements)
    console.print(
        f"{len(run.statements)} statements, {run.new} new"
        f"{f', {without} without PDF yet' if without else ''}; see one with "
        "`ecocluster statement show ID`"
    )
    if without:
        console.print(
            f"JSON and HTML only: the {without} drafts without PDF cannot be submitted; run "
            "`ecocluster draft` without --no-pdf (e.g. `--member ID`) for those going to the verifier"
        )


statement_app = typer.Typer(
    name="statement", help="Inspect drafted and validated statements.", no_args_is_help=True
)


@statement_app.command("list")
def list_cmd(
    ctx: typer.Context,
    member: Annotated[str | None, typer.Option("--member", help="Only this member's statements.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this reporting year.")] = None,
) -> None:
    """List statements (newest first) with their status: the ids `statement show` and `approve` take."""
    from ecocluster import statements
    from ecocluster.warehouse.db import connect

    home = home_of(ctx)
    require_known(home, members=[member] if member else ())
    con = connect(home.warehouse_path, read_only=True)
    try:
        found = statements.listing(con, member, year, limit=LISTED + 1)
    finally:
        con.close()
    if not found:
        console.print(
            "no statements drafted yet"
            + (f" for {plain(member)}" if member else "")
            + (f" in {year}" if year else "")
            + ": run `ecocluster draft` or `ecocluster run-cycle`"
        )
        return
    table = Table(show_edge=False)
    for col in ("statement id", "member / cluster", "year", "kind", "lang", "status", "drafted"):
        table.add_column(col)
    for s in found[:LISTED]:
        table.add_row(
            s.statement_id[:16],
            plain(s.member_id or f"{s.cluster_id} (joint)"),
            str(s.reporting_year),
            plain(s.kind),
            plain(s.language),
            plain(s.status),
            _when(s.created_at),
        )
    console.print(table)
    if len(found) > LISTED:
        console.print(f"… more than {LISTED}: narrow with --member or --year")


@statement_app.command("show")
def show(
    ctx: typer.Context,
    statement_id: Annotated[
        str, typer.Argument(help="Statement id (SHA-256 of its JSON) or a unique prefix.")
    ],
) -> None:
    """Print a statement's status and where its JSON, HTML and PDF are."""
    from ecocluster import statements
    from ecocluster.core.store import open_store
    from ecocluster.signing import decisions_on
    from ecocluster.warehouse.db import connect

    home = home_of(ctx)
    con = connect(home.warehouse_path, read_only=True)
    try:
        version = statements.show(con, statement_id)
        newer = statements.superseded_by(con, version.statement_id)
        decisions = decisions_on(con, version.statement_id)
    finally:
        con.close()
    where = statements.locations(open_store(home), version)
    console.print(f"statement {plain(version.statement_id)}")
    console.print(
        plain(
            f"  {version.subject} {version.member_id or version.cluster_id}, {version.reporting_year}, "
            f"{version.kind}, {version.language}: {version.status} (version {version.version})"
        ),
        soft_wrap=True,
    )
    console.print(f"  drafted {_when(version.created_at)}")
    if version.supersedes:
        console.print(f"  supersedes {plain(version.supersedes)}")
    if newer:
        console.print(f"  superseded by {plain(newer)} (the data changed; that draft is the one to verify)")
    for d in decisions:
        console.print(
            plain(
                f"  {d.decision} by {d.verifier} at {d.signed_at:%Y-%m-%d %H:%M %Z}"
                + (": " + "; ".join(d.reasons) if d.reasons else "")
            ),
            soft_wrap=True,
        )
    if version.verifier_name:
        console.print(
            plain(
                f"  validated by {version.verifier_name} ({version.accreditation_no}) on "
                f"{version.validated_on}"
            ),
            soft_wrap=True,
        )
    for kind, location in where.items():
        console.print(f"  {plain(kind)}: {plain(location)}", soft_wrap=True)
    if version.pdf_key is None:
        console.print(
            f"  pdf: not compiled yet (review draft); run `{plain(statements.pdf_command(version))}`",
            soft_wrap=True,
        )
