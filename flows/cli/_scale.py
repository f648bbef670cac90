"""Scale-out commands: the first load of a population as parallel cluster batches on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecocluster.flows.cli._context import console, home_of

commands = typer.Typer()


@commands.command("load-partitioned")
def load_partitioned(
    ctx: typer.Context,
    population: Annotated[Path, typer.Argument(help="Folder with one sub-folder per cluster.")],
    workers: Annotated[
        int | None,
        typer.Option(help="Local Dask worker processes (default: scale.workers in ecocluster.toml)."),
    ] = None,
    batches: Annotated[
        int | None, typer.Option(help="Cluster batches = staging files (default: scale.batches).")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="An existing Dask scheduler (default: scale.dask_address).")
    ] = None,
) -> None:
    """First load of many clusters in parallel: staging file per batch, merged in one transaction."""
    from ecocluster.flows.scaleout import partitioned_load

    result = partitioned_load(
        home_of(ctx, create=True), population, workers=workers, batches=batches, address=address
    )
    console.print(
        f"{result.batches} batches merged: {result.ingested} files ingested, "
        f"{result.unchanged} unchanged, {result.rejected} rejected, {result.skipped} skipped"
    )
    if result.rejected:
        console.print("see `ecocluster status --rejected` for the refused files and their errors")
