"""The Prefect flow runs a coordinator's button started, followed on the cluster page until they end.

With ``PREFECT_API_URL`` set, a rerun is a run of the ``rerun/manual-rerun`` deployment that a worker
picks up later, so the button's answer ("scheduled") is not the end of the story. The run's id is
kept in the portal's own database (table ``flow_run``) with the cluster it belongs to; the cluster
page shows each recent run's state and times, read from the Prefect API while the run is not final
and kept once it is (a final state never changes, so it is never asked for again). The page follows
a run without inline script: the runs' section polls its own fragment through the vendored htmx
(``hx-trigger="every 3s"``), and the fragment stops asking once every run shown is final.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ecocluster.core.home import Home
from ecocluster.portal._store import open_portal_db

log = logging.getLogger(__name__)

FINAL = frozenset({"completed", "failed", "cancelled", "crashed"})  # Prefect's final state types
SHOWN = 5  # the newest runs of a cluster on its page
API_TIMEOUT_S = 3.0  # a page waits at most this long for Prefect; then it shows the last state it knew


@dataclass(frozen=True)
class FollowedRun:
    """One deployment run started from the portal, with the last state read from Prefect."""

    flow_run_id: str
    cluster_id: str
    member_id: str
    stage: str
    started_by: str
    started_at: str
    state: str  # Prefect's state type, lower case: scheduled, pending, running, completed, failed, …
    state_name: str  # its name as Prefect shows it (Late, AwaitingRetry, Completed, …)
    scheduled_at: str | None = None
    begun_at: str | None = None
    ended_at: str | None = None
    reachable: bool = True  # False: Prefect did not answer now, the state is the last one known

    @property
    def final(self) -> bool:
        return self.state in FINAL

    def link(self, api_url: str) -> str:
        ui = os.environ.get("PREFECT_UI_URL") or api_url.removesuffix("/api")
        return f"{ui}/runs/flow-run/{self.flow_run_id}"


def _minute(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def remember(db: sqlite3.Connection, run: FollowedRun) -> None:
    """Keep the run a button just started (its first state as the button saw it)."""
    with db:
        db.execute(
            "INSERT OR IGNORE INTO flow_run (flow_run_id, cluster_id, member_id, stage, started_by, "
            "started_at, state, state_name, scheduled_at, begun_at, ended_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run.flow_run_id,
                run.cluster_id,
                run.member_id,
                run.stage,
                run.started_by,
                run.started_at,
                run.state,
                run.state_name,
                run.scheduled_at,
                run.begun_at,
                run.ended_at,
            ],
        )


def followed(db: sqlite3.Connection, cluster_id: str, limit: int = SHOWN) -> list[FollowedRun]:
    """The cluster's newest runs started from the portal, as last read."""
    rows = db.execute(
        "SELECT flow_run_id, cluster_id, member_id, stage, started_by, started_at, state, state_name, "
        "scheduled_at, begun_at, ended_at FROM flow_run WHERE cluster_id = ? "
        "ORDER BY started_at DESC, rowid DESC LIMIT ?",
        [cluster_id, limit],
    ).fetchall()
    return [FollowedRun(*row) for row in rows]


def from_prefect(flow_run: Any, base: FollowedRun) -> FollowedRun:
    """``base`` with the state and times of Prefect's ``FlowRun``."""
    state = flow_run.state
    return replace(
        base,
        state=state.type.value.lower() if state is not None else "scheduled",
        state_name=state.name if state is not None else "Scheduled",
        scheduled_at=_minute(flow_run.expected_start_time),
        begun_at=_minute(flow_run.start_time),
        ended_at=_minute(flow_run.end_time),
        reachable=True,
    )


def _read(api_url: str, ids: Sequence[str]) -> dict[str, Any]:
    """Prefect's ``FlowRun`` of each id it knows, in one request."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: api_url, PREFECT_API_REQUEST_TIMEOUT: API_TIMEOUT_S}),
        get_client(sync_client=True) as prefect,
    ):
        runs = prefect.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[uuid.UUID(i) for i in ids]))
        )
    return {str(r.id): r for r in runs}


def refresh(db: sqlite3.Connection, api_url: str | None, runs: list[FollowedRun]) -> list[FollowedRun]:
    """The runs with the states Prefect has now for those not final yet (stored for the next page);
    without an API URL, or when Prefect does not answer, the last states known, marked so."""
    waiting = [r.flow_run_id for r in runs if not r.final]
    if not waiting:
        return runs
    if not api_url:
        return [r if r.final else replace(r, reachable=False) for r in runs]
    try:
        now = _read(api_url, waiting)
    except Exception:  # Prefect down or slow (httpx's errors, its own): the page still opens
        log.warning("Prefect at %s did not answer for flow runs %s", api_url, waiting, exc_info=True)
        return [r if r.final else replace(r, reachable=False) for r in runs]
    out = []
    for r in runs:
        if r.final or r.flow_run_id not in now:
            out.append(r)
            continue
        fresh = from_prefect(now[r.flow_run_id], r)
        with db:
            db.execute(
                "UPDATE flow_run SET state = ?, state_name = ?, scheduled_at = ?, begun_at = ?, ended_at = ? "
                "WHERE flow_run_id = ?",
                [
                    fresh.state,
                    fresh.state_name,
                    fresh.scheduled_at,
                    fresh.begun_at,
                    fresh.ended_at,
                    r.flow_run_id,
                ],
            )
        out.append(fresh)
    return out


def cluster_runs(home: Home, cluster_id: str) -> list[FollowedRun]:
    """What the cluster page shows: its newest runs, refreshed from Prefect while not final."""
    db = open_portal_db(home, ensure_schema=False)
    try:
        return refresh(db, os.environ.get("PREFECT_API_URL"), followed(db, cluster_id))
    finally:
        db.close()
