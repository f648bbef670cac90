"""The coordinator's buttons: rerun a member's check or draft, send a member's draft to verification.

With ``PREFECT_API_URL`` set, a rerun is a run of the ``rerun/manual-rerun`` deployment (``ecocluster
serve`` deploys it), so it is scheduled, logged and retried like every other flow run; the page
shows the flow run's state and a link to it in the Prefect UI. Without it the portal calls the same
package functions the cycle's stages call (``ecocluster.checks.run_checks``,
``ecocluster.statements.draft``, ``ecocluster.statements.submit``): the portal sits below the flows
and cannot import them. Every button is a POST with the session's CSRF token, and every outcome,
refusals too, goes into the audit log.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecocluster import checks, signing, statements
from ecocluster.core.errors import EcoclusterError
from ecocluster.core.home import Home
from ecocluster.portal._authz import Action
from ecocluster.portal._desks import cluster_page
from ecocluster.portal._runs import FollowedRun, from_prefect, remember
from ecocluster.portal._web import Visit, check_csrf, message, record, settings_of, warehouse
from ecocluster.warehouse.desk import member_card
from ecocluster.warehouse.status import latest_year

RERUN_STAGES = ("check", "draft")  # the stages a coordinator reruns from the desk
DEPLOYMENT = "rerun/manual-rerun"


@dataclass(frozen=True)
class ActionOutcome:
    """What the desk shows after a button: which member, what ran, how it ended (words' keys)."""

    member_id: str
    what: str  # rerun_check | rerun_draft | send_verification (words' keys)
    ok: bool
    detail: str
    link: str | None = None  # the flow run in the Prefect UI
    run: FollowedRun | None = None  # the deployment run started, which the cluster page follows


def _year(con: Any) -> int:
    """The year the dashboard shows: the latest one anything was submitted for (or a cycle opened)."""
    year = latest_year(con)
    if year is None:
        raise EcoclusterError("nothing was submitted and no cycle is open: there is no year to rerun")
    return year


def _rerun_check(home: Home, member_id: str) -> ActionOutcome:
    with warehouse(home) as con:
        year = _year(con)
    run = checks.run_checks(home, year, members=[member_id])
    with warehouse(home) as con:
        why = checks.blocking_reasons(con, year, [member_id]).get(member_id, [])
    detail = f"check run {run.run_id[:12]} ({year}): " + (
        f"{len(why)} blocking: " + "; ".join(why) if why else "no blocking result"
    )
    return ActionOutcome(member_id, "rerun_check", not why, detail)


def _rerun_draft(home: Home, member_id: str, cluster_id: str) -> ActionOutcome:
    with warehouse(home, write=True) as con:
        year = _year(con)
        run = statements.draft(con, home, cluster=cluster_id, year=year, only_members=[member_id])
    mine = [a for a in run.statements if a.member_id == member_id and a.reporting_year == year]
    if not mine:
        return ActionOutcome(
            member_id,
            "rerun_draft",
            False,
            f"no statement was drafted for {year}: is the cluster's cycle open?",
        )
    return ActionOutcome(
        member_id,
        "rerun_draft",
        True,
        f"statement {mine[0].statement_id[:12]} ({year}), {run.new} new render(s)",
    )


def _send(home: Home, member_id: str) -> ActionOutcome:
    """The member's current draft to its verifier through ``signing.send_to_verification``, the
    function the cycle's verify stage calls: submitted, and its hand-off request written, so the
    verifier's side (``ecocluster sign`` on the request, the reminders) sees what a cycle sends. A
    validated member is not sent again in the same year; a submitted draft is already waiting."""
    store = signing.open_store(home)
    with warehouse(home, write=True) as con:
        year = _year(con)
        sending = signing.send_to_verification(
            con,
            store,
            year,
            [member_id],
            today=dt.date.today(),
            deadline_days=home.config().cycle.approval_days,
        )
    if not sending.drafts:
        return ActionOutcome(
            member_id, "send_verification", False, f"no draft statement for {year}: rerun the draft first"
        )
    current = sending.drafts[0]
    if member_id in sending.approved:
        return ActionOutcome(
            member_id,
            "send_verification",
            False,
            f"statement {sending.approved[member_id][:12]} is validated for {year}",
        )
    if not sending.requests:
        return ActionOutcome(
            member_id,
            "send_verification",
            False,
            f"statement {current.statement_id[:12]} is {current.status}",
        )
    request = sending.requests[0]
    return ActionOutcome(
        member_id,
        "send_verification",
        True,
        f"statement {current.statement_id[:12]} is with the verifier ({year}), "
        f"to be signed by {request.deadline}",
    )


def _through_prefect(api_url: str, home: Home, member_id: str, cluster_id: str, stage: str) -> ActionOutcome:
    """A run of the rerun deployment; it returns at once with the run's id and state."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):  # the portal's environment, in this worker thread
        flow_run = run_deployment(
            DEPLOYMENT,
            parameters={"member": member_id, "stage": stage, "home": str(home.root)},
            timeout=0,
        )
    assert isinstance(flow_run, FlowRun)  # called from a worker thread, not a coroutine: the run itself
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    started = FollowedRun(str(flow_run.id), cluster_id, member_id, stage, "", started_at, "scheduled", "")
    run = from_prefect(flow_run, started)
    return ActionOutcome(
        member_id,
        f"rerun_{stage}",
        True,
        f"flow run {flow_run.name}: {run.state_name}",
        run.link(api_url),
        run,
    )


def _rerun(home: Home, member_id: str, stage: str) -> ActionOutcome:
    with warehouse(home) as con:
        card = member_card(con, member_id)
    if card is None:  # the matrix allowed it, so the roster names the member; unless it just changed
        raise EcoclusterError(f"member {member_id} is not in the roster")
    api_url = os.environ.get("PREFECT_API_URL")
    if api_url:
        return _through_prefect(api_url, home, member_id, card.cluster_id, stage)
    if stage == "check":
        return _rerun_check(home, member_id)
    return _rerun_draft(home, member_id, card.cluster_id)


async def _outcome(
    request: Request, visit: Visit, action: Action, what: str, run: Any, *args: Any
) -> Response:
    """Run one button's work (after the CSRF check), audit it, show the dashboard with its outcome."""
    member_id = request.path_params["member_id"]
    try:
        outcome = await run_in_threadpool(run, settings_of(request).home, member_id, *args)
    except EcoclusterError as e:
        outcome = ActionOutcome(member_id, what, False, str(e))
    if outcome.run is not None and visit.account is not None:  # the cluster page follows it until it ends
        await run_in_threadpool(remember, visit.db, replace(outcome.run, started_by=visit.account.email))
    await run_in_threadpool(
        record,
        visit,
        action,
        f"{member_id}/{what}",
        ("done" if outcome.ok else f"refused: {outcome.detail[:200]}")
        + (f" (flow run {outcome.run.flow_run_id})" if outcome.run is not None else ""),
    )
    assert visit.account is not None  # the matrix allowed a coordinator: the member is in its cluster
    return await cluster_page(
        request, visit, cluster_id=visit.account.scope, code=200 if outcome.ok else 409, action=outcome
    )


async def rerun_stage(request: Request, visit: Visit) -> Response:
    await check_csrf(request, visit)
    stage = request.path_params["stage"]
    if stage not in RERUN_STAGES:
        return message(request, visit, "not_found", 404)
    return await _outcome(request, visit, Action.STAGE_RERUN, f"rerun_{stage}", _rerun, stage)


async def send_to_verification(request: Request, visit: Visit) -> Response:
    await check_csrf(request, visit)
    return await _outcome(request, visit, Action.VERIFICATION_SEND, "send_verification", _send)
