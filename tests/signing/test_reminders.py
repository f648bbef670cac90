"""Finding reminders sent by the package (issue 18): once per finding, deadline and threshold,
recorded in the review trail, with a notice in the object store; no Prefect here (the flow that
schedules it is tests/flows/test_reminders_flow.py). Real warehouse and local store."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ecocluster import signing
from ecocluster.core.store import LocalStore
from ecocluster.signing import _review
from tests.signing.rows import ready_member

MEMBER = "IT-CL-001"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAYS = (14, 7, 1)


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def sid(con, store) -> str:
    return ready_member(con, store, MEMBER)


def _raise(con, sid, deadline: dt.date) -> signing.Finding:
    return signing.raise_finding(
        con,
        sid,
        "request-for-information",
        "Show the 2025 invoices",
        by="verifier",
        deadline=deadline,
        now=NOW,
    )


def _send(con, store, day: dt.date) -> list[tuple[str, str]]:
    return [(s.reminder.finding_id, s.threshold) for s in signing.send_reminders(con, store, day, DAYS)]


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(30, None), (15, None), (14, "14"), (10, "14"), (7, "7"), (3, "7"), (1, "1"), (0, "1"), (-1, "overdue")],
)
def test_the_tightest_threshold_reached_counts(days_left, expected) -> None:
    assert _review.crossed_threshold(days_left, DAYS) == expected


def test_one_reminder_per_threshold_however_often_the_flow_runs(con, store, sid) -> None:
    found = _raise(con, sid, dt.date(2026, 3, 30))

    def day(d):
        return dt.date(2026, 3, d)

    assert _send(con, store, day(10)) == []  # 20 days left
    assert _send(con, store, day(16)) == [(found.finding_id, "14")]
    assert _send(con, store, day(16)) == []  # the same day again
    assert _send(con, store, day(20)) == []  # 10 days left: 14 sent, 7 not reached
    assert _send(con, store, day(27)) == [(found.finding_id, "7")]  # a run that missed day 23 catches up
    assert _send(con, store, day(31)) == [
        (found.finding_id, "overdue")
    ]  # the day-1 threshold was skipped over
    assert _send(con, store, day(31)) == []
    trail = [(e.event, e.actor) for e in signing.review_events(con, found.finding_id)]
    assert trail == [("raised", "verifier")] + [("reminded", "ecocluster")] * 3
    rows = con.execute(
        "SELECT threshold, sent_on, notice_key FROM review_reminder ORDER BY sent_on"
    ).fetchall()
    assert [(t, d) for t, d, _ in rows] == [("14", day(16)), ("7", day(27)), ("overdue", day(31))]
    notice = json.loads(signing.read_stored(con, store, rows[2][2]))
    assert notice["findingId"] == found.finding_id and notice["threshold"] == "overdue"
    assert notice["memberId"] == MEMBER and notice["deadline"] == "2026-03-30"


def test_only_open_findings_are_reminded_and_an_extension_starts_its_own_reminders(con, store, sid) -> None:
    waiting = _raise(con, sid, dt.date(2026, 3, 20))
    answered = _raise(con, sid, dt.date(2026, 3, 20))
    signing.answer_finding(con, store, answered.finding_id, "invoices attached", by="member", now=NOW)
    assert _send(con, store, dt.date(2026, 3, 19)) == [(waiting.finding_id, "1")]
    signing.request_extension(
        con, waiting.finding_id, dt.date(2026, 4, 3), "the accountant is away", by="member"
    )
    signing.decide_extension(con, waiting.finding_id, grant=True, by="verifier")
    assert _send(con, store, dt.date(2026, 3, 19)) == []  # 15 days to the new deadline
    assert _send(con, store, dt.date(2026, 3, 20)) == [(waiting.finding_id, "14")]
    assert con.execute("SELECT deadline, threshold FROM review_reminder ORDER BY deadline").fetchall() == [
        (dt.date(2026, 3, 20), "1"),
        (dt.date(2026, 4, 3), "14"),
    ]


def test_reminders_command_sends_once_with_send(con, store, sid, home, capsys, monkeypatch) -> None:
    from tests.cli import run_cli

    found = _raise(con, sid, dt.date(2099, 1, 31))
    con.close()

    def cli(*args):
        return run_cli(capsys, monkeypatch, home.root, "finding", "reminders", "--today", "2099-01-24", *args)

    listed = cli()
    assert (
        listed.returncode == 0 and "reminder: finding" in listed.stdout and "1 reminder(s)" in listed.stdout
    )
    sent = cli("--send")
    assert (
        sent.returncode == 0
        and f"sent: finding {found.finding_id}" in sent.stdout
        and "(threshold 7)" in sent.stdout
    )
    assert "0 reminder(s) sent" in cli("--send").stdout
    home.config_path.write_text("[cycle]\nreminder_days = 7\n", encoding="utf-8")
    assert cli().returncode == 78
