"""The cycle summary folds stage outcomes into one state per member, without Prefect."""

from __future__ import annotations

from ecocluster.flows._outcome import Artefact, Blocked, MemberNote, StageOutcome
from ecocluster.flows._summary import CycleSummary, decode, summarise
from ecocluster.warehouse.due import Due, DueMember

WAIT_NOTE = MemberNote("WAIT", "someone must sign statement s")
DUE = [DueMember(m, "CL", Due.UPDATE, "registered") for m in ("OK", "BAD", "WAIT", "NO", "IDLE")]
STAGES = [
    StageOutcome("check", "CL", ("OK", "WAIT", "NO"), (Blocked("BAD", "check", ("rule x: fix row 3",)),)),
    StageOutcome(
        "draft",
        "CL",
        ("OK", "WAIT", "NO"),
        artefacts=(Artefact("OK", "member statement (it, draft)", "/s/ok.pdf"),),
    ),
    StageOutcome("verify", "CL", ("OK", "WAIT", "NO"), member_notes=(WAIT_NOTE,)),
    StageOutcome(
        "approvals",
        "CL",
        ("OK",),
        (Blocked("NO", "approvals", ("the verifier rejected: data",)),),
        waiting=("WAIT",),
    ),
    StageOutcome("register", "CL", ("OK",), artefacts=(Artefact("OK", "registration package", "/p/ok.tar"),)),
]


def test_the_last_stage_reached_decides_the_state() -> None:
    summary = summarise("annual", 2025, DUE, STAGES, [], [WAIT_NOTE])
    states = {m.member_id: (m.stage, m.state) for m in summary.members}
    assert states == {
        "OK": ("register", "registered"),
        "BAD": ("check", "blocked"),
        "WAIT": ("approvals", "waiting"),
        "NO": ("approvals", "rejected"),
        "IDLE": ("due", "not started"),
    }
    assert summary.status("BAD").reasons == ("rule x: fix row 3",)
    assert [a.kind for a in summary.status("OK").artefacts] == [
        "member statement (it, draft)",
        "registration package",
    ]
    assert summary.counts() == {"registered": 1, "blocked": 1, "waiting": 1, "rejected": 1, "not started": 1}


def test_markdown_and_table_say_the_same() -> None:
    summary = summarise("annual", 2025, DUE, STAGES, [], [WAIT_NOTE])
    md = summary.markdown()
    assert "5 member(s) in scope: 1 blocked, 1 not started, 1 registered, 1 rejected, 1 waiting." in md
    assert "- **BAD** (blocked at check): rule x: fix row 3" in md
    assert "- OK registration package: `/p/ok.tar`" in md
    assert "## Next steps" in md and "- WAIT: someone must sign statement s" in md
    rows = {r["member"]: r for r in summary.table()}
    assert rows["NO"]["state"] == "rejected" and rows["NO"]["reasons"] == "the verifier rejected: data"
    assert rows["OK"]["artefacts"] == "/s/ok.pdf /p/ok.tar"


def test_merged_batches_keep_every_member() -> None:
    a = StageOutcome("check", "A", ("A1",), waiting=("A2",))
    b = StageOutcome("check", "B", ("B1",), (Blocked("B2", "check", ("r",)),))
    merged = a.merged(b)
    assert (merged.passed, merged.waiting, [x.member_id for x in merged.blocked]) == (
        ("A1", "B1"),
        ("A2",),
        ["B2"],
    )


def test_members_not_due_and_joint_statements_are_reported() -> None:
    from ecocluster.flows._outcome import JointStatement

    due = [
        DueMember("OFF", "CL", Due.NONE, "derogation: not due in 2025"),
        DueMember("OK", "CL", Due.UPDATE, "r"),
    ]
    stages = [
        StageOutcome("check", "CL", ("OK",), (Blocked("OFF", "check", ("rule y: fix row 2",)),)),
        StageOutcome(
            "draft", "CL", ("OK",), joint=(JointStatement("CL", "b" * 64, "it", "/s/j.pdf", "a" * 64),)
        ),
    ]
    summary = summarise("annual", 2025, due, stages, [])
    off = summary.status("OFF")
    assert (off.state, off.reasons) == (
        "not due",
        ("derogation: not due in 2025", "its data were checked: rule y: fix row 2"),
    )
    assert [j.changed for j in summary.joint] == [True]
    text = summary.markdown()
    assert (
        "## Joint statements" in text and "replaces aaaaaaaaaaaa" in text and "not sent to a verifier" in text
    )


def test_a_first_joint_statement_survives_the_trip_to_the_rerun_client() -> None:
    """The runner sends the summary as JSON; a cluster's first joint statement has no previous one
    (None), which the client's decoder refused, so the first rerun in a cluster crashed with a
    traceback after its work was done (found measuring the 120,290-member warehouse)."""
    from ecocluster.flows._outcome import JointStatement

    first = JointStatement("CL", "b" * 64, "it", "/s/j.pdf", None)
    stages = [StageOutcome("draft", "CL", ("OK",), joint=(first,))]
    summary = summarise("annual", 2025, [DueMember("OK", "CL", Due.UPDATE, "r")], stages, [])
    back = decode(CycleSummary, summary.to_json())
    assert back.joint == (first,) and back.joint[0].previous is None and not back.joint[0].changed
    assert decode(CycleSummary, summarise("annual", 2025, DUE, STAGES, []).to_json()) == summarise(
        "annual", 2025, DUE, STAGES, []
    )
