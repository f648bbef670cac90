"""The coordinator's buttons without a Prefect server: rerun a member's check or draft and send its
draft to verification through the packages, the outcome on the dashboard, CSRF and the audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from starlette.testclient import TestClient

from ecocluster import signing, statements
from ecocluster.portal import open_portal_db
from ecocluster.portal._audit import entries
from ecocluster.warehouse import connect
from tests.portal.conftest import CLUSTER, MEMBER, OTHER_MEMBER, PortalHome


@pytest.fixture(autouse=True)
def no_prefect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the direct path


def _count(portal_home: PortalHome, sql: str) -> int:
    con = connect(portal_home.home.warehouse_path, read_only=True)
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0])


def _audited(portal_home: PortalHome, action: str) -> list[tuple[str, str, str | None]]:
    db = open_portal_db(portal_home.home)
    try:
        return [(e.object, e.outcome, e.cluster_id) for e in entries(db) if e.action == action]
    finally:
        db.close()


def _press(client: TestClient, csrf: str, path: str) -> tuple[int, str]:
    response = client.post(path, data={"csrf": csrf})
    return response.status_code, response.text


def test_rerun_check_runs_the_members_checks_and_shows_the_outcome(portal_home: PortalHome) -> None:
    runs = _count(portal_home, "SELECT count(*) FROM check_run")
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "coordinator")
        assert f'action="/member/{MEMBER}/rerun/check"' in client.get(f"/cluster/{CLUSTER}").text
        status, page = _press(client, csrf, f"/member/{MEMBER}/rerun/check")
    assert status in (200, 409) and "Rerun check" in page and "check run " in page, page
    assert _count(portal_home, "SELECT count(*) FROM check_run") == runs + 1
    assert _audited(portal_home, "stage.rerun")[0][:1] == (f"{MEMBER}/rerun_check",)
    assert _audited(portal_home, "stage.rerun")[0][2] == CLUSTER


def test_rerun_draft_then_send_puts_the_new_draft_in_the_verifiers_queue(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "coordinator")
        status, page = _press(client, csrf, f"/member/{MEMBER}/rerun/draft")
        assert status == 200 and "Rerun draft" in page and "new render" in page, page
        con = connect(portal_home.home.warehouse_path, read_only=True)
        try:
            [draft] = statements.current_drafts(con, 2025, [MEMBER])
        finally:
            con.close()
        assert draft.status == "draft" and draft.statement_id != portal_home.statements[MEMBER]
        assert f'action="/member/{MEMBER}/send"' in page
        status, page = _press(client, csrf, f"/member/{MEMBER}/send")
        assert status == 200 and "is with the verifier" in page, page
        portal_home.sign_in(client, "verifier")
        assert f"/review/{draft.statement_id}" in client.get("/verifier").text
    assert [o for o, _, _ in _audited(portal_home, "verification.send")] == [f"{MEMBER}/send_verification"]
    # the verifier's side: the hand-off request the cycle's verify stage writes, through the same function
    store = signing.open_store(portal_home.home)
    [request] = [r for r in signing.open_requests(store, 2025) if r.statement_id == draft.statement_id]
    days = portal_home.home.config().cycle.approval_days
    assert (request.member_id, request.cluster_id) == (MEMBER, CLUSTER)
    assert (
        request.deadline == request.requested_on + dt.timedelta(days=days)
        and request.requested_on == dt.date.today()
    )
    assert request.documents == tuple(store.location(k) for k in (draft.pdf_key, draft.json_key) if k)
    assert store.exists(f"handoff/2025/requests/{MEMBER}/{draft.statement_id}.json")


def test_send_without_a_draft_is_refused_with_the_reason(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "coordinator")
        status, page = _press(client, csrf, f"/member/{OTHER_MEMBER}/send")
    assert status == 409 and "Not done" in page and "no draft statement" in page
    [(obj, outcome, _)] = _audited(portal_home, "verification.send")
    assert obj == f"{OTHER_MEMBER}/send_verification" and outcome.startswith("refused: no draft")


def test_buttons_need_the_csrf_token_and_the_coordinators_role(portal_home: PortalHome) -> None:
    runs = _count(portal_home, "SELECT count(*) FROM check_run")
    with portal_home.client() as client:
        portal_home.sign_in(client, "coordinator")
        assert client.post(f"/member/{MEMBER}/rerun/check", data={"csrf": "forged"}).status_code == 403
        assert client.post(f"/member/{MEMBER}/send").status_code == 403
        csrf = portal_home.sign_in(client, "member")
        assert _press(client, csrf, f"/member/{MEMBER}/rerun/check")[0] == 403
        assert "/rerun/" not in client.get(f"/member/{MEMBER}").text
    assert _count(portal_home, "SELECT count(*) FROM check_run") == runs
    assert _count(portal_home, "SELECT count(*) FROM statement WHERE status = 'submitted'") == 2


@pytest.mark.prefect_server
def test_with_prefect_a_rerun_is_a_run_of_the_rerun_deployment_that_the_cluster_page_follows(
    portal_home: PortalHome, prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deployment ``ecocluster serve`` registers, registered here without serving it: the
    portal's run waits scheduled, which is what the page reports (no worker is asked to run it).
    The run's states are then set on the real server as a worker would move them (pending,
    running, completed; a second run failed), and the cluster page's polled fragment follows them
    with their times, asking for the fragment again (htmx, no inline script) only while a run is
    not final; a final state is kept and not asked for again."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import State
    from prefect.deployments.runner import RunnerDeployment
    from prefect.states import Completed, Failed, Pending, Running

    from ecocluster.flows.cycles import rerun

    deployment = rerun.to_deployment("manual-rerun", parameters={"home": str(portal_home.home.root)})
    assert isinstance(deployment, RunnerDeployment)  # called outside a coroutine: the deployment itself
    deployment.apply()
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    runs = _count(portal_home, "SELECT count(*) FROM check_run")
    fragment = f"/cluster/{CLUSTER}/runs"
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "coordinator")
        status, page = _press(client, csrf, f"/member/{MEMBER}/rerun/check")
        assert status == 200 and "flow run " in page and "Scheduled" in page, page
        assert f"{prefect_api.removesuffix('/api')}/runs/flow-run/" in page
        assert (
            _count(portal_home, "SELECT count(*) FROM check_run") == runs
        )  # the deployment runs it, not the portal
        with get_client(sync_client=True) as prefect:
            home = str(portal_home.home.root)  # the session's server holds other tests' runs too
            [flow_run] = [r for r in prefect.read_flow_runs() if r.parameters.get("home") == home]
            assert flow_run.parameters == {"member": MEMBER, "stage": "check", "home": home}
            dashboard = client.get(f"/cluster/{CLUSTER}").text
            assert 'id="runs"' in dashboard and f'hx-get="{fragment}"' in dashboard
            assert 'hx-trigger="every 3s"' in dashboard and "<script>" not in dashboard.split("</head>")[1]
            assert ">scheduled<" in dashboard and str(flow_run.id) in dashboard
            seen: dict[str, str] = {}
            moves: tuple[State[Any], ...] = (Pending(), Running(), Completed())
            for state in moves:
                prefect.set_flow_run_state(flow_run.id, state, force=True)
                seen[state.type.value.lower()] = client.get(fragment).text
            status, _ = _press(client, csrf, f"/member/{MEMBER}/rerun/draft")
            assert status == 200
            [second] = [
                r
                for r in prefect.read_flow_runs()
                if r.parameters.get("home") == home and r.parameters.get("stage") == "draft"
            ]
            prefect.set_flow_run_state(second.id, Running(), force=True)
            prefect.set_flow_run_state(second.id, Failed(), force=True)
            both = client.get(fragment).text
        assert ">pending<" in seen["pending"] and "every 3s" in seen["pending"]
        assert ">running<" in seen["running"] and "every 3s" in seen["running"]
        started = flow_run_times(portal_home, str(flow_run.id))
        assert started[0] is not None and started[0] in seen["running"]  # when it began, from Prefect
        assert (
            ">completed<" in seen["completed"] and "hx-trigger" not in seen["completed"]
        )  # final: no polling
        assert started[1] is not None and started[1] in seen["completed"]  # and when it ended
        assert ">failed<" in both and ">completed<" in both and "hx-trigger" not in both
        monkeypatch.delenv("PREFECT_API_URL")  # final states are kept: not asked for again
        kept = client.get(fragment).text
        assert ">failed<" in kept and ">completed<" in kept and "did not answer" not in kept
        portal_home.sign_in(client, "member")
        assert client.get(fragment).status_code == 403  # the matrix: the cluster's coordinator only
    [(_, outcome, _)] = _audited(portal_home, "stage.rerun")[1:]
    assert outcome == f"done (flow run {flow_run.id})"


def flow_run_times(portal_home: PortalHome, flow_run_id: str) -> tuple[str | None, str | None]:
    """When the portal last read that the run began and ended (its own record)."""
    db = open_portal_db(portal_home.home)
    try:
        row = db.execute(
            "SELECT begun_at, ended_at FROM flow_run WHERE flow_run_id = ?", [flow_run_id]
        ).fetchone()
    finally:
        db.close()
    return (row[0], row[1]) if row else (None, None)
