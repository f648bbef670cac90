"""The review-reminders flow (issue 18): registered with `ecocluster serve`'s deployments on a daily
schedule, and run on a real local Prefect server it sends each reminder once. The logic it calls is
tested without Prefect in tests/signing/test_reminders.py."""

from __future__ import annotations

import datetime as dt

import pytest

from ecocluster import signing
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.flows import _deploy
from ecocluster.flows.reminders import reminder_days
from tests.signing.rows import ready_member


def test_serve_schedules_the_reminders_daily(home: Home) -> None:
    by_name = {d.name: d for d in _deploy.deployments(home)}
    reminders = by_name["review-reminders"]
    assert [s.schedule.cron for s in reminders.schedules] == [_deploy.REMINDERS_CRON] == ["0 7 * * *"]
    assert reminders.parameters == {"home": str(home.root)}
    assert {"annual-cycle", "three-year-cycle", "approvals-inbox", "manual-rerun"} < set(by_name)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("", (14, 7, 1)),
        ("[cycle]\nreminder_days = [10, 2]\n", (10, 2)),
        ("[cycle]\nreminder_days = 7\n", None),
        ("[cycle]\nreminder_days = [7, -1]\n", None),
        ('[cycle]\nreminder_days = ["7"]\n', None),
    ],
)
def test_reminder_days_come_from_the_cycle_configuration(home: Home, toml: str, expected) -> None:
    home.root.mkdir(parents=True, exist_ok=True)
    home.config_path.write_text(toml, encoding="utf-8")
    if expected is None:
        with pytest.raises(ConfigurationError, match=r"\[cycle\] reminder_days"):
            reminder_days(home)
    else:
        assert reminder_days(home) == expected


@pytest.mark.prefect_server
def test_the_flow_sends_each_reminder_once(prefect_api: str, con, home: Home) -> None:
    from ecocluster.flows.reminders import review_reminders

    store = LocalStore(home.objects_dir)
    sid = ready_member(con, store, "IT-CL-001")
    found = signing.raise_finding(
        con,
        sid,
        "misstatement",
        "Energy does not match the invoices",
        by="verifier",
        deadline=dt.date(2026, 3, 30),
        now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    con.close()
    first = review_reminders(str(home.root), dt.date(2026, 3, 23))
    again = review_reminders(str(home.root), dt.date(2026, 3, 23))
    assert len(first) == 1 and found.finding_id in first[0] and "threshold 7" in first[0]
    assert again == []
