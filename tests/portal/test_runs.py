"""Following a flow run when Prefect cannot say: the last state known is shown and marked, and a
final state is never asked for again (the real server's path is in test_actions)."""

from __future__ import annotations

from pathlib import Path

from ecocluster.core.processes import free_port
from ecocluster.portal import open_portal_db
from ecocluster.portal._runs import FollowedRun, followed, refresh, remember
from ecocluster.warehouse import Home


def _run(n: int, state: str) -> FollowedRun:
    return FollowedRun(
        f"00000000-0000-0000-0000-00000000000{n}",
        "CL",
        "M1",
        "check",
        "c@x",
        f"2026-12-02T10:0{n}",
        state,
        "",
    )


def test_unreachable_prefect_keeps_the_last_state_and_says_so(tmp_path: Path) -> None:
    db = open_portal_db(Home.resolve(tmp_path / "home"))
    remember(db, _run(1, "completed"))
    remember(db, _run(2, "running"))
    runs = followed(db, "CL")
    assert [r.state for r in runs] == ["running", "completed"]  # newest first
    closed_port = f"http://127.0.0.1:{free_port()}/api"  # nothing listens: a real refused connection
    for api_url in (None, closed_port):
        shown = refresh(db, api_url, runs)
        assert [(r.state, r.reachable) for r in shown] == [("running", False), ("completed", True)]
    assert refresh(db, closed_port, runs[1:]) == runs[1:]  # only final runs: Prefect is not asked
    assert followed(db, "other cluster") == []
    db.close()
