"""Sending to verification from the portal's button and from the cycle's verify stage (what
`ecocluster rerun` and a cycle run) go through one function, so the verifier's side sees one request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ecocluster import signing
from ecocluster.flows._stages import Batch, request_verification
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse.due import Due, DueMember
from tests.portal.conftest import CLUSTER, MEMBER, PortalHome, build_home, cheap_hasher, csrf_of


@pytest.fixture
def portal_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PortalHome:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the portal's direct path
    cheap_hasher(monkeypatch)
    return build_home(tmp_path)


def test_the_portal_and_the_cycle_write_the_same_handoff_request(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        portal_home.sign_in(client, "coordinator")
        csrf = csrf_of(client.get(f"/cluster/{CLUSTER}").text)
        assert client.post(f"/member/{MEMBER}/rerun/draft", data={"csrf": csrf}).status_code == 200
        assert client.post(f"/member/{MEMBER}/send", data={"csrf": csrf}).status_code == 200
    ws = Workspace.of(portal_home.home)
    [key] = ws.store.list(f"handoff/2025/requests/{MEMBER}/")
    sent = ws.store.get(key)
    batch = Batch(2025, (DueMember(MEMBER, CLUSTER, Due.FULL, "sent from the portal"),))
    outcome = request_verification(ws, batch, dt.date.today() + dt.timedelta(days=3), 30)
    # the stage finds the draft the portal submitted, names the same request and keeps it as first sent
    assert [a.location for a in outcome.artefacts] == [ws.store.location(key)]
    assert ws.store.get(key) == sent
    [request] = signing.open_requests(ws.store, 2025)
    assert request.requested_on == dt.date.today() and key.endswith(f"/{request.statement_id}.json")
