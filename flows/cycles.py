"""The EMAS cycles as Prefect flows: collect → check → draft → verification → approvals → register.

A flow only orders the tasks; each task is one call into a package for one batch of whole
clusters. The verifier hand-off does not wait inside a flow: verification requests and signed
decisions live in the object store (:mod:`ecocluster.flows._handoff`), so the cycle ends at the hand-off and
any later run — the scheduled ``approvals-inbox`` deployment, a rerun, the next cycle run —
picks up the decisions that arrived and carries the approved members on to registration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.states import Failed

from ecocluster import statements
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.flows import _progress, _tasks
from ecocluster.flows._handoff import open_requests, reminders
from ecocluster.flows._outcome import RERUN_STAGES, MemberNote, StageOutcome
from ecocluster.flows._stages import (
    Batch,
    SubmissionsRefused,
    batches,
    refusals,
    state_digest,
    stop_on_refusal,
)
from ecocluster.flows._summary import CycleSummary, summarise
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse.due import CycleKind, DueMember, latest_reporting_year, members_due

# The batch stages in cycle order: (the rerun stage it belongs to, task, the warehouse tables
# whose rows it reads or writes besides the submissions — part of its cache key).
BatchTask = Any  # a prefect Task returning StageOutcome
_BATCH_STAGES: tuple[tuple[str, BatchTask, tuple[str, ...]], ...] = (
    ("check", _tasks.check, ()),
    ("draft", _tasks.draft, ("check_member",)),
    ("draft", _tasks.request_verification, ()),
    ("register", _tasks.approvals, ()),
    ("register", _tasks.register, ("approval",)),
)


def _resolve_year(ws: Workspace, year: int | None) -> int:
    if year is not None:
        return year
    with ws.warehouse(read_only=True) as con:
        latest = latest_reporting_year(con)
    if latest is None:
        raise ConfigurationError("the warehouse holds no submissions yet: run `ecocluster ingest PATH` first")
    return latest


def run_cycle(
    kind: CycleKind,
    year: int | None = None,
    home: str | None = None,
    *,
    submissions: Sequence[str] = (),
    members: Sequence[str] | None = None,
    start: str = "collect",
    direct: bool = False,
) -> CycleSummary:
    """The body every cycle flow shares; ``start`` and ``members`` narrow it for reruns.

    ``direct`` calls the tasks' functions without Prefect (no task runs, cache or artifacts):
    the baseline of the orchestration benchmark (benchmarks/bench_flows.py).

    A rerun whose corrected file is refused stops with :class:`ecocluster.flows._stages.SubmissionsRefused`
    (exit 65) before checking anything; a cycle run goes on for the others and lists the refused
    files among its notes. Members of the clusters in scope that are not due this year are
    checked too (a corrected file must not leave a superseded file's findings in the reports)
    and reported as not due, with the calendar's reason.
    """
    ws = Workspace.of(Home.resolve(home))
    outcomes: list[StageOutcome] = []
    refused: list[str] = []
    if submissions and start == "collect":
        _progress.report("collecting submissions")
        collect = _tasks.collect.fn if direct else _tasks.collect
        collected = collect(ws, [Path(p) for p in submissions])
        if members:
            stop_on_refusal(collected)
        refused = refusals(collected)
        outcomes.append(collected)
    year = _resolve_year(ws, year)
    with ws.warehouse(read_only=True) as con:
        due = members_due(con, year, kind, members=list(members) if members else None, everyone=True)
    todo = RERUN_STAGES.index(start)
    for batch in batches(year, due, whole_clusters=members is None):
        outcomes += _run_batch(ws, batch, todo, direct)
    merged = _by_stage(outcomes)
    steps, member_steps = _next_steps(ws, year, merged)
    summary = summarise(kind.value, year, due, merged, refused + steps, member_steps)
    if not direct:
        _publish(summary, members)
    return summary


def _run_batch(ws: Workspace, batch: Batch, todo: int, direct: bool) -> list[StageOutcome]:
    out = []
    for stage, task, tables in _BATCH_STAGES:
        if RERUN_STAGES.index(stage) < todo:
            continue
        if task is not _tasks.check:  # members not due are checked, and go no further
            batch = batch.due_only()
        if not batch.members:
            break
        _progress.report(f"{task.name}: {batch.label}")
        digest = state_digest(ws, batch, tables, clusters=task is _tasks.draft)
        outcome = (task.fn if direct else task)(ws, batch, digest)
        out.append(outcome)
        batch = batch.only(outcome.passed)
    return out


def _next_steps(ws: Workspace, year: int, outcomes: list[StageOutcome]) -> tuple[list[str], list[MemberNote]]:
    """Refused envelopes, who must sign what, and reminders for the members still waiting.

    A cycle run knows who waits from its verify stage; an approvals-inbox run (which starts at
    register) from its approvals stage. Reminders concern only the request for each member's
    current draft, not requests for drafts a correction superseded.
    """
    decided = {
        m for o in outcomes if o.stage == "approvals" for m in (*o.passed, *(b.member_id for b in o.blocked))
    }
    waiting = sorted(
        {m for o in outcomes if o.stage == "approvals" for m in o.waiting}
        | ({m for o in outcomes if o.stage == "verify" for m in o.passed} - decided)
    )
    notes = [n for o in outcomes if o.stage == "approvals" for n in o.notes]
    for_members = [
        n for o in outcomes if o.stage == "verify" for n in o.member_notes if n.member_id in waiting
    ]
    with ws.warehouse(read_only=True) as con:
        current = {d.statement_id for d in statements.current_drafts(con, year, waiting)}
    pending = [
        r for r in open_requests(ws.store, year) if r.member_id in waiting and r.statement_id in current
    ]
    days = ws.home.config().cycle.reminder_days
    notes += [f"reminder: {r}" for r in reminders(pending, dt.date.today(), days)]
    return notes, for_members


def _by_stage(outcomes: list[StageOutcome]) -> list[StageOutcome]:
    merged: dict[str, StageOutcome] = {}
    for o in outcomes:
        merged[o.stage] = merged[o.stage].merged(o) if o.stage in merged else o
    return list(merged.values())


def _publish(summary: CycleSummary, rerun_of: Sequence[str] | None = None) -> None:
    """Markdown and table artifacts on the flow run: what the coordinator reads in the UI."""
    key = summary.artifact_key(rerun_of)
    create_markdown_artifact(
        markdown=summary.markdown(), key=key, description=f"{summary.kind} cycle summary"
    )
    if summary.members:
        create_table_artifact(
            table=summary.table(),
            key=f"{key}-members",
            description="Where every due member ended, with reasons and artefact paths",
        )


@flow(name="annual-cycle", flow_run_name="annual cycle {year}")
def annual_cycle(
    year: int | None = None, home: str | None = None, submissions: list[str] | None = None
) -> CycleSummary:
    """The yearly run: every member with a validation due this year (update, full or first)."""
    return run_cycle(CycleKind.ANNUAL, year, home, submissions=submissions or ())


@flow(name="three-year-cycle", flow_run_name="three-year cycle {year}")
def three_year_cycle(
    year: int | None = None, home: str | None = None, submissions: list[str] | None = None
) -> CycleSummary:
    """The full verifications due this year (three-year or derogation calendar, first registrations)."""
    return run_cycle(CycleKind.THREE_YEAR, year, home, submissions=submissions or ())


@flow(name="approvals-inbox", flow_run_name="approvals inbox {year}")
def approvals_inbox(year: int | None = None, home: str | None = None) -> CycleSummary:
    """Pick up verifiers' decisions and register the approved members (scheduled, e.g. hourly)."""
    return run_cycle(CycleKind.ANNUAL, year, home, start="register")


@flow(name="rerun", flow_run_name="rerun {member} from {stage}")
def rerun(
    member: str,
    stage: str = "check",
    year: int | None = None,
    home: str | None = None,
    submissions: list[str] | None = None,
) -> CycleSummary:
    """A coordinator's manual rerun of one member from one stage on; idempotent."""
    if stage not in RERUN_STAGES:
        raise ConfigurationError(f"stage must be one of {', '.join(RERUN_STAGES)}, not {stage!r}")
    try:
        return run_cycle(
            CycleKind.ANNUAL, year, home, submissions=submissions or (), members=[member], start=stage
        )
    except SubmissionsRefused as e:  # the run failed for a reason the caller prints: no traceback in the log
        return Failed(message=str(e), data=e)  # type: ignore[return-value]  # the caller gets e raised


__all__ = [
    "RERUN_STAGES",
    "CycleKind",
    "DueMember",
    "annual_cycle",
    "approvals_inbox",
    "rerun",
    "run_cycle",
    "three_year_cycle",
]
