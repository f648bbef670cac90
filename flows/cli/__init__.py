"""The ``ecocluster`` command line.

One Typer app; each stage's commands are module-level functions in a module of their own
(``_warehouse``, ``_checks``, ``_statements`` …), registered there on that module's Typer: its
``commands`` (top-level commands) or its command group (``check``, ``statement`` …). This module
only puts them together, so the CLI stays a thin layer over ``warehouse``, ``checks``,
``statements``, ``signing`` and ``flows``. Printing help or parsing arguments loads none of those
(nor duckdb, Prefect, Great Expectations or pyHanko): each command imports what it uses when it
runs. Errors that ecocluster raises on purpose are printed as one plain message with a stable
exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import TYPE_CHECKING, TypeGuard, get_type_hints

import typer

from ecocluster.core.errors import EcoclusterError, TransientError
from ecocluster.flows.cli import (
    _archive,
    _checks,
    _cycle,
    _export,
    _findings,
    _inbox,
    _portal,
    _scale,
    _signing,
    _statements,
    _warehouse,
)
from ecocluster.flows.cli._context import console, err_console, plain, root

if TYPE_CHECKING:
    import duckdb

app = typer.Typer(
    name="ecocluster",
    help="Run the EMAS certification cycle for clusters of small organisations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(root)  # --home

# Help lists the commands in the order of the cycle, then the command groups.
for _commands in (
    _warehouse.commands,
    _statements.commands,
    _signing.commands,
    _inbox.commands,
    _cycle.commands,
    _scale.commands,
    _portal.commands,
):
    app.registered_commands.extend(_commands.registered_commands)
for _name, _group in (
    ("check", _checks.check_app),
    ("statement", _statements.statement_app),
    ("export", _export.export_app),
    ("pki", _signing.pki_app),
    ("review", _signing.review_app),
    ("register", _signing.register_app),
    ("finding", _findings.finding_app),
    ("sampling", _findings.sampling_app),
    ("runner", _cycle.runner_app),
    ("user", _portal.user_app),
    ("audit", _portal.audit_app),
    ("archive", _archive.archive_app),
):
    app.add_typer(_group, name=_name)


def _evaluate_annotations(commands: typer.Typer) -> None:
    """Evaluate each command's annotations once, here. The modules postpone them (``from __future__
    import annotations``), and typer evaluates the strings four times per command as it builds the
    click commands (``inspect.signature(eval_str=True)`` and ``get_type_hints``, twice each): for
    58 commands that was some 50 ms of CPU of the 0.3 s ``ecocluster --help`` is allowed."""
    callbacks = [c.callback for c in commands.registered_commands]
    if commands.registered_callback is not None:
        callbacks.append(commands.registered_callback.callback)
    for callback in callbacks:
        if isinstance(callback, types.FunctionType):
            callback.__annotations__ = get_type_hints(callback, include_extras=True)
    for group in commands.registered_groups:
        if group.typer_instance is not None:
            _evaluate_annotations(group.typer_instance)


_evaluate_annotations(app)


def _plain_help(commands: typer.Typer) -> None:
    """Help is click's plain text, not typer's rich panels: rendering those imports ``typer.rich_utils``,
    which loads rich's Markdown (markdown-it, pygments) and Traceback (attrs) for any help, a quarter of
    ``ecocluster --help`` (issue 15 asks <= 0.3 s). Plain text also shows ``[signing]`` and ``ID[=NOTE]``
    as written, where rich markup took ``[signing]`` for a style tag and dropped it. The command list
    shows each command's and group's first paragraph whole, as the panels did (click alone would cut it at
    45 characters); ``--help`` of the command shows all of it."""
    commands.rich_markup_mode = None
    for command in commands.registered_commands:
        command.short_help = command.short_help or _first_paragraph(
            command.help or (command.callback.__doc__ if command.callback else None)
        )
    for group in commands.registered_groups:
        if group.typer_instance is not None:
            info = group.typer_instance.info
            group.short_help = group.short_help or _first_paragraph(
                info.help if isinstance(info.help, str) else None
            )
            _plain_help(group.typer_instance)


def _first_paragraph(text: str | None) -> str | None:
    return inspect.cleandoc(text).split("\n\n")[0] if text else None


_plain_help(app)


def main() -> None:
    try:
        try:
            app()
        except Exception as e:
            if _out_of_memory(e):  # the failing transaction rolled back; reruns skip what committed
                from ecocluster.warehouse.db import out_of_memory

                raise out_of_memory(None, e) from e
            raise
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


def _out_of_memory(error: Exception) -> TypeGuard[duckdb.OutOfMemoryException]:
    """DuckDB's out-of-memory error, recognised without importing duckdb: if no command loaded
    it, no DuckDB error can have been raised."""
    loaded = sys.modules.get("duckdb")
    return loaded is not None and isinstance(error, loaded.OutOfMemoryException)


def _interrupted() -> None:
    err_console.print("interrupted; nothing half-written was kept, run the command again")
    sys.exit(INTERRUPTED)


__all__ = ["app", "console", "main"]
