"""Commands of the draft stage: render statements, and say where a statement's files are."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from flows.cli._context import console, home_of
from flows.cli._warehouse import progress_bar
from signing.store import open_store
from warehouse.db import connect

LISTED = 200  # statements listed after a draft: a population's review drafts are 120,000 rows


def register(app: typer.Typer) -> None:
    @app.command()
    def draft(
        ctx: typer.Context,
        member: Annotated[str | None, typer.Option("--member", help="Only this member (no joint statement).")] = None,
        cluster: Annotated[str | None, typer.Option("--cluster", help="Only this cluster and its members.")] = None,
        lang: Annotated[str | None, typer.Option("--lang", help="en, it or lv (default: each member's own).")] = None,
        year: Annotated[int | None, typer.Option("--year", help="Reporting year (default: latest open cycle).")] = None,
        workers: Annotated[int | None, typer.Option(help="Processes to render with (default: all cores).")] = None,
        pdf: Annotated[bool, typer.Option(
            "--pdf/--no-pdf",
            help="--no-pdf: JSON and HTML only, for quick review drafts of a whole cluster or population "
                 "(the PDF compile is most of the time). Such drafts cannot be submitted: draft the member "
                 "again without --no-pdf to add its PDF.")] = True,
    ) -> None:
        """Draft environmental statements (JSON, HTML, PDF) for the open cycles, on every core."""
        import statements

        home = home_of(ctx)
        con = connect(home.warehouse_path)
        try:
            with progress_bar() as bar:
                task = bar.add_task("drafting statements", total=None)
                run = statements.draft(con, home, member=member, cluster=cluster, year=year, language=lang,
                                       workers=workers, pdf=pdf,
                                       progress=lambda n, total: bar.update(task, completed=n, total=total))
        finally:
            con.close()
        table = Table(title="Draft statements", show_edge=False)
        for col in ("statement id", "member / cluster", "year", "kind", "lang", "pdf"):
            table.add_column(col)
        for s in run.statements[:LISTED]:
            table.add_row(s.statement_id[:16], s.member_id or f"{s.cluster_id} (joint)", str(s.reporting_year),
                          s.kind, s.language, "yes" if s.pdf_key else "not yet")
        console.print(table)
        if len(run.statements) > LISTED:
            console.print(f"… and {len(run.statements) - LISTED} more, not listed")
        without = sum(s.pdf_key is None for s in run.statements)
        console.print(f"{len(run.statements)} statements, {run.new} new"
                      f"{f', {without} without PDF yet' if without else ''}; see one with "
                      "`ecocluster statement show ID`")
        if without:
            console.print(f"JSON and HTML only: the {without} drafts without PDF cannot be submitted; run "
                          "`ecocluster draft` without --no-pdf (e.g. `--member ID`) for those going to the verifier")

    statement_app = typer.Typer(help="Inspect drafted and validated statements.", no_args_is_help=True)
    app.add_typer(statement_app, name="statement")

    @statement_app.command("show")
    def show(
        ctx: typer.Context,
        statement_id: Annotated[str, typer.Argument(help="Statement id (SHA-256 of its JSON) or a unique prefix.")],
    ) -> None:
        """Print a statement's status and where its JSON, HTML and PDF are."""
        import statements

        home = home_of(ctx)
        con = connect(home.warehouse_path, read_only=True)
        try:
            version = statements.show(con, statement_id)
        finally:
            con.close()
        where = statements.locations(open_store(home), version)
        console.print(f"statement {version.statement_id}")
        console.print(f"  {version.subject} {version.member_id or version.cluster_id}, {version.reporting_year}, "
                      f"{version.kind}, {version.language}: {version.status} (version {version.version})")
        if version.supersedes:
            console.print(f"  supersedes {version.supersedes}")
        if version.verifier_name:
            console.print(f"  validated by {version.verifier_name} ({version.accreditation_no}) on {version.validated_on}")
        for kind, location in where.items():
            console.print(f"  {kind}: {location}", soft_wrap=True)
        if version.pdf_key is None:
            console.print(f"  pdf: not compiled yet (review draft); run `{statements.pdf_command(version)}`",
                          soft_wrap=True)
