"""Options every command shares: where the home folder is, and the consoles to print on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from warehouse.home import Home

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    @app.callback()
    def _root(
        ctx: typer.Context,
        home: Annotated[
            Path | None,
            typer.Option(
                "--home",
                envvar="ECOCLUSTER_HOME",
                help="Folder holding the warehouse, the local object store and ecocluster.toml "
                "(default ./.ecocluster).",
            ),
        ] = None,
    ) -> None:
        """Run the EMAS certification cycle for clusters of small organisations."""
        ctx.obj = home


def home_of(ctx: typer.Context) -> Home:
    """The home folder chosen by ``--home``/``ECOCLUSTER_HOME`` for this invocation."""
    root = ctx.find_root().obj
    return Home.resolve(root or os.environ.get("ECOCLUSTER_HOME"))
