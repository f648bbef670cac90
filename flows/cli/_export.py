"""Commands that hand a member's figures to other reporting frameworks: ``export vsme``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ecocluster.flows.cli._context import connect, console, home_of

export_app = typer.Typer(
    help="Export a member's statement figures to other reporting frameworks.",
    no_args_is_help=True,
)


@export_app.command("vsme")
def vsme(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", help="The member whose VSME report to write.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the workbook and xBRL-JSON into.")],
    year: Annotated[
        int | None, typer.Option("--year", help="Reporting year (default: the newest drafted).")
    ] = None,
) -> None:
    """Write the member's VSME report (EFRAG Digital Template and xBRL-JSON, B3–B7) from its statement."""
    from ecocluster import statements
    from ecocluster.core.store import open_store
    from ecocluster.warehouse import nace

    home = home_of(ctx)
    with connect(home.warehouse_path, read_only=True) as con:
        version = statements.show(con, statements.member_statement_id(con, member, year))
        chosen = nace.chosen_rev21(con, member)
    document = json.loads(statements.load_json(open_store(home), version))
    written = statements.export_vsme(document, out, chosen)
    console.print(
        f"VSME report of {escape(member)} for {version.reporting_year} from statement "
        f"{version.statement_id[:16]} ({version.status}): {len(written.facts)} facts, "
        f"NACE Rev. 2.1 {written.nace_rev21}"
    )
    for path in (written.workbook, written.xbrl_json):
        console.print(f"  {escape(str(path))}", soft_wrap=True)
