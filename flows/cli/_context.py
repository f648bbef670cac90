"""Options every command shares: where the home folder is, the consoles to print on, and
:func:`plain`, the one way any text that is not a literal of ours reaches those consoles."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ecocluster.core.home import Home

if TYPE_CHECKING:
    import duckdb

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

# C0 controls but tab and newline, DEL, C1 controls (ESC starts ANSI sequences, CSI is \x9b),
# and the bidirectional overrides that reorder what a terminal shows ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same for a single line: tab and newline too (a newline forges a line), and the zero-width marks.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def plain(value: object, *, one_line: bool = False) -> str:
    """``value`` as inert text for a rich console or table cell.

    Member names, values, titles, file names, error messages and paths come from other parties
    (or quote them): ``[/]`` must print as ``[/]`` rather than crash rich's markup parser,
    ``[bold]`` or ``[signing]`` must stay visible, and an ANSI escape must not move the cursor or
    recolour the terminal. Control characters are shown as ``\\xNN``; markup is escaped. With
    ``one_line`` (fields of a package, envelope or receipt) tabs, newlines and zero-width marks too.
    """
    control = _CONTROL_IN_LINE if one_line else _CONTROL
    text = control.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
        str(value),
    )
    return escape(text)


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """:func:`ecocluster.warehouse.connect`, imported when a command runs: printing help or parsing
    arguments must not load duckdb. Commands use it as ``with connect(...) as con:`` (closing it on
    every path)."""
    from ecocluster.warehouse.db import connect as open_warehouse

    return open_warehouse(path, read_only=read_only)


def require_known(home: Home, *, members: Sequence[str] = (), clusters: Sequence[str] = ()) -> None:
    """Refuse (exit 65) member or cluster ids the home's roster lacks, before any work starts."""
    from ecocluster.warehouse.status import require_known as refuse_unknown

    if not members and not clusters:
        return
    with connect(home.warehouse_path, read_only=True) as con:
        refuse_unknown(con, members=members, clusters=clusters)


def root(
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


def located_home(ctx: typer.Context) -> Home:
    """Where ``--home`` points, whether or not a home is there; nothing is created (``verify --trust``)."""
    return Home.locate(ctx.find_root().obj or os.environ.get("ECOCLUSTER_HOME"))


def home_of(ctx: typer.Context, *, create: bool = False) -> Home:
    """The home folder chosen by ``--home``/``ECOCLUSTER_HOME`` for this invocation.

    Only the commands that make a home (``ingest``, ``demo``, ``pki init``, a first load, a cycle
    given submissions) pass ``create``; for every other command a missing home is a mistyped
    path, refused (exit 78) before anything is written, rather than an empty warehouse created.
    """
    located = located_home(ctx)
    return Home.resolve(located.root) if create else located.existing()
