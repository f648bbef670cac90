"""``ecocluster inbox``: pick up the verifiers' signed decisions now, and list the approvals inbox.

The hourly deployment and every cycle pick decisions up too; this is the coordinator's "now",
and the one place that shows every envelope in ``inbox/approvals/``: pending (not picked up yet,
or waiting for a file beside it), accepted (the verifier's approval or rejection, verified and
recorded) and refused (with the rule it broke and why). Everything shown but the state comes from
an envelope or a verifier, so it is escaped before it reaches the terminal; ``--json`` is ASCII
JSON for scripts. A listing exits 0 whatever it lists, unless ``--fail-on`` asks otherwise.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from ecocluster.core.errors import ApprovalRefused, TransientError
from ecocluster.flows.cli._context import connect, console, home_of, plain

if TYPE_CHECKING:
    from ecocluster.flows._handoff import Decision, InboxEntry

_STATES = ("pending", "accepted", "refused")
_LABEL = {
    "pending": "[yellow]PENDING[/] ",
    "accepted": "[green]ACCEPTED[/]",
    "refused": "[bold red]REFUSED[/] ",
}


def _counts(states: list[str]) -> dict[str, int]:
    return {s: states.count(s) for s in _STATES}


def _said(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {s}" for s, n in counts.items())


def _print_entry(e: InboxEntry) -> None:
    if e.state == "accepted":
        what = (
            f"{plain(e.decision)} by the verifier: member {plain(e.member_id)}, statement "
            f"{plain((e.statement_id or '')[:12])}…"
        )
    elif e.state == "refused":
        what = f"rule {plain(e.rule or 'unknown')}" + (
            " (looked at again when a file beside it changes)" if e.retried else ""
        )
    else:
        what = "not decided yet"
    console.print(f"{_LABEL[e.state]} {plain(e.envelope_key)}: {what}", emoji=False, soft_wrap=True)
    for reason in e.reasons:
        console.print(f"    {plain(reason)}", emoji=False, soft_wrap=True)


commands = typer.Typer()


@commands.command("inbox")
def inbox(
    ctx: typer.Context,
    list_only: Annotated[
        bool,
        typer.Option(
            "--list-only", help="Only list the inbox; pick nothing up (read-only, no warehouse lock)."
        ),
    ] = False,
    state: Annotated[
        Literal["pending", "accepted", "refused"] | None,
        typer.Option("--state", help="List only the envelopes in this state: pending, accepted or refused."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document (ASCII) for scripts instead of lines.")
    ] = False,
    fail_on: Annotated[
        Literal["nothing", "refused", "pending"],
        typer.Option(
            "--fail-on",
            help="refused: exit 3 when a listed envelope is refused; pending: exit 75 while "
            "one is pending (run again later). By default a listing exits 0.",
        ),
    ] = "nothing",
) -> None:
    """Pick up the verifiers' signed decisions from the approvals inbox now (the hourly deployment
    does the same), then list every envelope in it: pending, accepted, or refused with the rule
    and the reason. Exit 0; with --fail-on, 3 (refused) or 75 (pending); 78 without a home or an
    accreditation CA to verify against."""
    from ecocluster import signing
    from ecocluster.flows import _handoff

    home = home_of(ctx)
    store = signing.open_store(home)
    limits = signing.InboxLimits.from_config(home.config().inbox)
    arrived: list[Decision] = []
    if not list_only:
        trust = signing.trust_anchors(home)
        with connect(home.warehouse_path) as con:
            arrived = _handoff.pick_up(con, store, trust, limits)
    notes = {d.envelope_key: d.reasons for d in arrived if d.decision in ("incomplete", "failed")}
    entries = [e for e in _handoff.inbox_entries(store, limits, notes) if state is None or e.state == state]
    decided = [d for d in arrived if d.decision not in ("incomplete", "failed")]
    new = {
        "accepted": sum(d.decision != "refused" for d in decided),
        "refused": sum(d.decision == "refused" for d in decided),
    }
    counts = _counts([e.state for e in entries])
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "picked_up": None if list_only else new,
                    "counts": counts,
                    "entries": [asdict(e) for e in entries],
                },
                indent=1,
            )
            + "\n"
        )
    else:
        if not list_only:
            console.print(f"picked up {len(decided)} new decision(s): {_said(new)}")
        for e in entries:
            _print_entry(e)
        where = f" in state {state}" if state else ""
        console.print(
            f"{len(entries)} envelope(s) in {store.location(_handoff.INBOX)}{where}: {_said(counts)}"
            + ("; approved members get their packages with `ecocluster register`" if new["accepted"] else ""),
            soft_wrap=True,
        )
    if fail_on == "refused" and counts["refused"]:
        raise typer.Exit(ApprovalRefused.exit_code)
    if fail_on == "pending" and counts["pending"]:
        raise typer.Exit(TransientError.exit_code)
