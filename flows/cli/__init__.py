"""The ``ecocluster`` command line.

One Typer app; each stage contributes its commands from its own module so the CLI stays a thin
layer over ``warehouse``, ``checks``, ``statements``, ``signing`` and ``flows``. Errors that
ecocluster raises on purpose are printed as one plain message with a stable exit code; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from importlib import import_module

import duckdb
import typer

from ecocluster.core.errors import EcoclusterError, TransientError
from ecocluster.flows.cli._context import console, err_console, plain

app = typer.Typer(
    name="ecocluster",
    help="Run the EMAS certification cycle for clusters of small organisations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module adds its commands to ``app``; the order is the order of the cycle.
_COMMAND_MODULES = (
    "ecocluster.flows.cli._context",
    "ecocluster.flows.cli._warehouse",
    "ecocluster.flows.cli._checks",
    "ecocluster.flows.cli._statements",
    "ecocluster.flows.cli._export",
    "ecocluster.flows.cli._signing",
    "ecocluster.flows.cli._inbox",
    "ecocluster.flows.cli._findings",
    "ecocluster.flows.cli._cycle",
    "ecocluster.flows.cli._scale",
    "ecocluster.flows.cli._portal",
)
for _name in _COMMAND_MODULES:
    import_module(_name).register(app)


def main() -> None:
    try:
        try:
            app()
        except (
            duckdb.OutOfMemoryException
        ) as e:  # the failing transaction rolled back; reruns skip what committed
            from ecocluster.warehouse.db import out_of_memory

            raise out_of_memory(None, e) from e
    except EcoclusterError as e:
        err_console.print(f"[bold red]error:[/] {plain(e)}", soft_wrap=True)  # "[warehouse]" is text
        if isinstance(e, TransientError):
            err_console.print("this failure is temporary: run the command again (finished work is kept)")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit as e:
        if (
            e.code == INTERRUPTED
        ):  # typer turns Ctrl-C into a silent exit 130 before it reaches the clause above
            _interrupted()
        raise


INTERRUPTED = 130


def _interrupted() -> None:
    err_console.print("interrupted; nothing half-written was kept, run the command again")
    sys.exit(INTERRUPTED)


__all__ = ["app", "console", "main"]
