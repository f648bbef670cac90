"""The review trail's hash chain (issue 18): an event edited, deleted (in the middle or at the end),
reordered or inserted behind ecocluster's back is found and named, by `ecocluster finding verify-log`
and by rule review-log, which refuses an approval over such a trail.

Real migrated warehouse, real local store, real PKI and TSA; the tampering is plain SQL on the
warehouse, as someone with the file would do it.
"""

from __future__ import annotations

import pytest

from ecocluster import signing
from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.signing._approval import sign_approval
from ecocluster.signing._records import draft_for
from tests.cli import run_cli
from tests.fixtures_tsa import stamp
from tests.signing import test_review  # its fixtures: a ready member's draft and the store

MEMBER, NOW = test_review.MEMBER, test_review.NOW
store, sid = test_review.store, test_review.sid


def _trail(con, store, sid: str) -> list[int]:
    """Five events on one statement (two findings, interleaved); returns their numbers in order."""
    first = signing.raise_finding(con, sid, "request-for-information", "Invoices?", by="verifier", now=NOW)
    second = signing.raise_finding(con, sid, "recommended-improvement", "Meter the kitchen", by="verifier")
    signing.answer_finding(con, store, first.finding_id, "Attached", by="member")
    signing.reopen_finding(con, first.finding_id, by="verifier", note="the March invoice is missing")
    signing.answer_finding(con, store, first.finding_id, "March attached", by="member")
    rows = con.execute("SELECT event_no FROM review_event ORDER BY event_no").fetchall()
    assert len(rows) == 5 and second.finding_id
    return [int(r[0]) for r in rows]


def _broken(con, sid: str) -> str:
    with pytest.raises(signing.ReviewLogBroken) as caught:
        signing.verify_review_log(con)
    assert caught.value.rule == "review-log" and caught.value.statement_id == sid
    return str(caught.value)


def test_an_untouched_trail_verifies_link_by_link(con, store, sid) -> None:
    events = _trail(con, store, sid)
    report = signing.verify_review_log(con)
    assert (report.statements, report.links, report.unchained) == (1, 5, 0)
    links = con.execute(
        "SELECT chain_seq, prev_sha256, sha256 FROM review_event ORDER BY event_no"
    ).fetchall()
    assert [r[0] for r in links] == [1, 2, 3, 4, 5] and links[0][1] == "0" * 64
    assert all(links[i][1] == links[i - 1][2] for i in range(1, 5))  # each carries the previous digest
    assert con.execute("SELECT length, head_sha256 FROM review_chain").fetchall() == [(5, links[-1][2])]
    assert len(events) == 5


TAMPERING = {
    "edited": ("UPDATE review_event SET detail = 'nothing to see' WHERE event_no = {e[2]}", "it was edited"),
    "actor changed": ("UPDATE review_event SET actor = 'verifier' WHERE event_no = {e[2]}", "it was edited"),
    "time moved": (
        "UPDATE review_event SET event_at = event_at - INTERVAL 1 DAY WHERE event_no = {e[3]}",
        "it was edited",
    ),
    "deleted in the middle": ("DELETE FROM review_event WHERE event_no = {e[1]}", "link 2 before event"),
    "deleted at the end": ("DELETE FROM review_event WHERE event_no = {e[4]}", "link 5 deleted at the end"),
    "all deleted": ("DELETE FROM review_event", "links 1-5 deleted at the end"),
    "reordered": (
        # two events swap places: every column but the number moves, links and all
        "UPDATE review_event SET event_no = -1 WHERE event_no = {e[1]};"
        "UPDATE review_event SET event_no = {e[1]} WHERE event_no = {e[3]};"
        "UPDATE review_event SET event_no = {e[3]} WHERE event_no = -1",
        "events were reordered",
    ),
    "inserted": (
        "INSERT INTO review_event (finding_id, event, actor, event_at, state_after, detail) "
        "SELECT finding_id, 'accepted', 'verifier', now(), 'accepted', 'forged' FROM review_event "
        "WHERE event_no = {e[4]}",
        "inserted outside ecocluster",
    ),
    "replaced with a self-consistent link": (
        "UPDATE review_event SET prev_sha256 = repeat('a', 64) WHERE event_no = {e[2]}",
        "points to aaaaaaaaaaaa",
    ),
    "head deleted": ("DELETE FROM review_chain", "no chain head"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_found_and_named(con, store, sid, how) -> None:
    events = _trail(con, store, sid)
    sql, named = TAMPERING[how]
    for statement in sql.format(e=events).split(";"):
        con.execute(statement)
    message = _broken(con, sid)
    assert named in message, message


def test_the_command_says_intact_or_exits_3_naming_the_event(
    con, store, sid, home, capsys, monkeypatch
) -> None:
    events = _trail(con, store, sid)
    con.close()
    intact = run_cli(capsys, monkeypatch, home.root, "finding", "verify-log")
    assert intact.returncode == 0 and "5 event(s), every link verified" in intact.stdout, intact.stdout
    from ecocluster.warehouse.db import connect

    with connect(home.warehouse_path) as again:
        again.execute("UPDATE review_event SET detail = 'x' WHERE event_no = ?", [events[2]])
    broken = run_cli(capsys, monkeypatch, home.root, "finding", "verify-log", "--statement", sid)
    text = broken.stdout + broken.stderr
    assert broken.returncode == 3 and f"event {events[2]} (" in text and "edited" in text, text


def test_an_approval_over_a_changed_trail_is_refused_by_rule_review_log(con, store, sid, pki) -> None:
    advice = signing.raise_finding(con, sid, "recommended-improvement", "Meter the kitchen", by="verifier")
    con.execute("UPDATE review_event SET actor = 'someone else' WHERE finding_id = ?", [advice.finding_id])
    envelope = sign_approval(draft_for(con, sid), pki.verifier.key, pki.verifier.cert, decision="approved")
    with pytest.raises(ApprovalRuleFailed) as caught:
        signing.record_approval(
            con, store, envelope, signing._pki.pem(pki.verifier.cert), pki.trust(), timestamp=stamp(envelope)
        )
    assert caught.value.rule == "review-log" and "edited" in str(caught.value)
