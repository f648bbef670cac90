"""Prefect tasks: each wraps one stage function of :mod:`ecocluster.flows._stages` for one batch.

* Retries with exponential backoff, but only for :class:`ecocluster.core.errors.TransientError`
  (storage outage, busy warehouse): a data error would fail the same way again.
* Cached by input hash: the inputs are the batch and a content hash of the warehouse state the
  stage reads (``digest``), never the open workspace; results persist in the home folder, so a
  rerun of a cycle skips every batch whose state did not change. The home's path is part of the
  key: a cached outcome names artefacts by absolute path, so a copied or restored home recomputes
  (idempotently) rather than print the original's paths.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import task
from prefect.cache_policies import INPUTS, NO_CACHE, CacheKeyFnPolicy
from prefect.tasks import exponential_backoff

from ecocluster.core.errors import TransientError
from ecocluster.flows import _stages
from ecocluster.flows._outcome import StageOutcome
from ecocluster.flows._stages import Batch
from ecocluster.flows._workspace import Workspace


def _transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry only what may go away on its own."""
    try:
        state.result()
    except TransientError:
        return True
    except BaseException:
        return False
    return False


def _home_key(_ctx: Any, inputs: dict[str, Any]) -> str | None:
    ws = inputs.get("ws")
    return str(ws.home.root) if isinstance(ws, Workspace) else None


_CACHE = INPUTS - "ws" + CacheKeyFnPolicy(cache_key_fn=_home_key)


def _stage_task(name: str, *, cached: bool = True) -> Any:
    """A batch task named for the UI as "<stage> · <batch>", retried on transient errors only."""
    return task(
        name=name,
        task_run_name=name + " · {batch.label}" if name != "collect submissions" else name,
        retries=3,
        retry_delay_seconds=exponential_backoff(backoff_factor=2),
        retry_condition_fn=_transient,
        cache_policy=_CACHE if cached else NO_CACHE,
        persist_result=cached,
    )


@_stage_task("collect submissions", cached=False)
def collect(ws: Workspace, paths: list[Any]) -> StageOutcome:
    return _stages.collect(ws, paths)


@_stage_task("check")
def check(ws: Workspace, batch: Batch, digest: str) -> StageOutcome:
    return _stages.check(ws, batch)


@_stage_task("draft statements")
def draft(ws: Workspace, batch: Batch, digest: str) -> StageOutcome:
    return _stages.draft(ws, batch)


@_stage_task("send to verification", cached=False)
def request_verification(ws: Workspace, batch: Batch, digest: str) -> StageOutcome:
    approval_days = ws.home.config().cycle.approval_days
    return _stages.request_verification(ws, batch, dt.date.today(), approval_days)


@_stage_task("record approvals", cached=False)
def approvals(ws: Workspace, batch: Batch, digest: str) -> StageOutcome:
    return _stages.approvals(ws, batch)


@_stage_task("register")
def register(ws: Workspace, batch: Batch, digest: str) -> StageOutcome:
    return _stages.register(ws, batch)
