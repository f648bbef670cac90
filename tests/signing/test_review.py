"""Review rounds (issue 18): findings on a statement, answers with evidence files, the state machine,
the review trail, and rule open-findings refusing an approval while a finding is unresolved.

Real warehouse (migrations applied), real local object store, real PKI and DSSE signatures; the
evidence files are real PDF/XLSX/PNG bytes and hostile ones (a ZIP named .pdf, text named .png, an
oversized file, a zip bomb named .xlsx).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from ecocluster import signing
from ecocluster.core.errors import ApprovalRuleFailed, ReviewRefused
from ecocluster.core.store import LocalStore
from ecocluster.signing import _review
from ecocluster.signing._approval import REJECTED, sign_approval
from ecocluster.signing._records import approval_context, draft_for
from tests.fixtures_tsa import stamp
from tests.signing.rows import add_check, blank_pdf, ready_member

MEMBER = "IT-CL-001"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def sid(con, store) -> str:
    return ready_member(con, store, MEMBER)


def _raise(con, sid, kind="request-for-information", **kwargs) -> signing.Finding:
    return signing.raise_finding(
        con, sid, kind, "Show the 2025 electricity invoices", by="verifier V. Rossi", now=NOW, **kwargs
    )


def _pdf(tmp_path: Path, name: str = "invoices.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(blank_pdf("invoices"))
    return path


def _xlsx_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


# --- the lifecycle -----------------------------------------------------------------------------


def test_a_finding_goes_open_answered_accepted_closed_with_evidence_and_a_trail(
    con, store, sid, tmp_path
) -> None:
    found = _raise(con, sid, value_path="indicators.energy.total")
    assert (
        found.state is signing.FindingState.OPEN
        and found.member_id == MEMBER
        and found.reporting_year == 2025
    )
    assert found.deadline == dt.date(2026, 3, 30)  # 20 working days after Monday 2 March
    assert found.finding_id.startswith("F-") and found.blocks_approval

    sheet = tmp_path / "meter.xlsx"
    sheet.write_bytes(_xlsx_bytes())
    answered = signing.answer_finding(
        con,
        store,
        found.finding_id,
        "Invoices and meter readings attached",
        by="member",
        files=(_pdf(tmp_path), sheet),
        now=NOW,
    )
    assert answered.state is signing.FindingState.ANSWERED and answered.blocks_approval
    [answer] = answered.answers
    assert {(e.filename, e.media_type) for e in answer.evidence} == {
        ("invoices.pdf", "application/pdf"),
        ("meter.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }
    for e in answer.evidence:  # stored by digest, pinned, readable as written
        assert e.object_key == f"review/evidence/{e.sha256}"
        assert signing.read_stored(con, store, e.object_key) == (tmp_path / e.filename).read_bytes()

    accepted = signing.accept_finding(con, found.finding_id, by="verifier V. Rossi", now=NOW)
    assert accepted.state is signing.FindingState.ACCEPTED and not accepted.blocks_approval
    closed = signing.close_finding(con, found.finding_id, by="verifier V. Rossi", note="resolved", now=NOW)
    assert closed.state is signing.FindingState.CLOSED
    trail = signing.review_events(con, found.finding_id)
    assert [(e.event, e.actor, e.state_after.value) for e in trail] == [
        ("raised", "verifier V. Rossi", "open"),
        ("answered", "member", "answered"),
        ("accepted", "verifier V. Rossi", "accepted"),
        ("closed", "verifier V. Rossi", "closed"),
    ]
    assert [e.event_no for e in trail] == sorted(e.event_no for e in trail)


def test_an_insufficient_answer_reopens_the_finding_for_another_round(con, store, sid) -> None:
    found = _raise(con, sid, kind="misstatement")
    signing.answer_finding(con, store, found.finding_id, "It is right", by="member")
    with pytest.raises(ReviewRefused) as caught:
        signing.reopen_finding(con, found.finding_id, by="verifier")  # a reopening says why
    assert caught.value.rule == "finding-text"
    signing.reopen_finding(con, found.finding_id, by="verifier", note="the invoice shows 130 MWh, not 120")
    again = signing.answer_finding(con, store, found.finding_id, "Corrected to 130 MWh", by="member")
    assert [a.answer_no for a in again.answers] == [1, 2] and again.state is signing.FindingState.ANSWERED


ILLEGAL = {  # how far the finding goes first, then the step that must be refused
    "answer a closed finding": (("close",), "answer"),
    "accept an open finding": ((), "accept"),
    "answer an answered finding twice": (("answer",), "answer"),
    "reopen an accepted finding": (("answer", "accept"), "reopen"),
    "close a closed finding": (("close",), "close"),
    "accept a closed finding": (("answer", "close"), "accept"),
}


def _step(con, store, finding_id: str, step: str) -> None:
    if step == "answer":
        signing.answer_finding(con, store, finding_id, "an answer", by="member")
    else:
        {"accept": signing.accept_finding, "reopen": signing.reopen_finding, "close": signing.close_finding}[
            step
        ](con, finding_id, by="verifier", note="why")


@pytest.mark.parametrize("case", sorted(ILLEGAL))
def test_illegal_transitions_are_refused_by_name_and_change_nothing(con, store, sid, case) -> None:
    before_steps, step = ILLEGAL[case]
    found = _raise(con, sid)
    for s in before_steps:
        _step(con, store, found.finding_id, s)
    before = (signing.finding(con, found.finding_id), signing.review_events(con, found.finding_id))
    with pytest.raises(signing.FindingTransitionRefused) as caught:
        _step(con, store, found.finding_id, step)
    assert caught.value.rule == "finding-transition" and found.finding_id in str(caught.value)
    assert (signing.finding(con, found.finding_id), signing.review_events(con, found.finding_id)) == before


# --- what a finding may point at ------------------------------------------------------------------


def test_a_finding_points_at_a_real_check_section_or_value(con, store, sid) -> None:
    add_check(con, MEMBER, blocking=("energy_total_matches",))
    ok = _raise(con, sid, kind="non-conformity", check_name="energy_total_matches", section="indicators")
    assert (ok.check_name, ok.section) == ("energy_total_matches", "indicators")
    bad = {"check_name": "no_such_check", "section": "no-such-section", "value_path": "a..b; DROP"}
    for option, value in bad.items():
        with pytest.raises(ReviewRefused) as caught:
            _raise(con, sid, **{option: value})
        assert caught.value.rule == "finding-target", option


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"statement": "f" * 64}, "finding-statement"),
        ({"kind": "opinion"}, "finding-kind"),
        ({"owner": "verifier"}, "finding-owner"),
        ({"deadline": dt.date(2026, 3, 1)}, "finding-deadline"),
        ({"text": "   "}, "finding-text"),
    ],
)
def test_a_malformed_finding_is_refused_by_rule(con, sid, change, rule) -> None:
    args = {"statement": sid, "kind": "misstatement", "text": "energy is 130 MWh"} | change
    with pytest.raises(ReviewRefused) as caught:
        signing.raise_finding(
            con, args.pop("statement"), args.pop("kind"), args.pop("text"), by="v", now=NOW, **args
        )
    assert caught.value.rule == rule
    assert con.execute("SELECT count(*) FROM review_finding").fetchone() == (0,)


# --- hostile evidence ------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    return _xlsx_bytes({"xl/worksheets/sheet1.xml": b"0" * (_review.MAX_ZIP_UNCOMPRESSED + 1)})


HOSTILE = {
    "a zip named .pdf": ("scan.pdf", _xlsx_bytes(), "evidence-type"),
    "text named .png": ("photo.png", b"just text, not an image", "evidence-type"),
    "a pdf named .xlsx": ("meter.xlsx", blank_pdf(), "evidence-type"),
    "an executable": ("setup.exe", b"MZ\x90\x00", "evidence-type"),
    "binary named .txt": ("notes.txt", b"\x00\x01\x02binary", "evidence-type"),
    "an empty file": ("empty.pdf", b"", "evidence-size"),
    "a zip bomb named .xlsx": ("bomb.xlsx", _zip_bomb(), "evidence-type"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_evidence_refuses_the_whole_answer_and_stores_nothing(
    con, store, sid, tmp_path, case
) -> None:
    name, data, rule = HOSTILE[case]
    (tmp_path / name).write_bytes(data)
    found = _raise(con, sid)
    with pytest.raises(ReviewRefused) as caught:
        signing.answer_finding(
            con, store, found.finding_id, "see attached", by="member", files=(_pdf(tmp_path), tmp_path / name)
        )
    assert caught.value.rule == rule and name in str(caught.value)
    assert signing.finding(con, found.finding_id).state is signing.FindingState.OPEN
    assert list(store.list("review/")) == [] and con.execute(
        "SELECT count(*) FROM review_answer"
    ).fetchone() == (0,)


def test_an_oversized_evidence_file_is_refused_before_it_is_read(
    con, store, sid, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(_review, "MAX_EVIDENCE_BYTES", 1000)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7" + b"0" * 2000)
    found = _raise(con, sid)
    with pytest.raises(ReviewRefused) as caught:
        signing.answer_finding(con, store, found.finding_id, "see attached", by="member", files=(big,))
    assert caught.value.rule == "evidence-size" and "big.pdf" in str(caught.value)


# --- rule open-findings ----------------------------------------------------------------------------


def _approve(con, store, pki, sid: str, decision: str = "approved"):
    envelope = sign_approval(
        draft_for(con, sid),
        pki.verifier.key,
        pki.verifier.cert,
        decision=decision,
        reasons=("r",) if decision == REJECTED else (),
    )
    return signing.record_approval(
        con, store, envelope, signing._pki.pem(pki.verifier.cert), pki.trust(), timestamp=stamp(envelope)
    )


def test_an_approval_is_refused_while_a_finding_is_open_or_answered_naming_them(con, store, sid, pki) -> None:
    rfi = _raise(con, sid)
    misstatement = _raise(con, sid, kind="misstatement")
    _raise(con, sid, kind="recommended-improvement")  # advice, not in the way of an approval
    signing.answer_finding(con, store, rfi.finding_id, "invoices attached", by="member")
    with pytest.raises(ApprovalRuleFailed) as caught:
        _approve(con, store, pki, sid)
    assert caught.value.rule == "open-findings"
    assert f"{rfi.finding_id} (request-for-information, answered)" in str(caught.value)
    assert f"{misstatement.finding_id} (misstatement, open)" in str(caught.value)
    assert con.execute("SELECT member_id, rule FROM approval_refusal").fetchall() == [
        (MEMBER, "open-findings")
    ]
    assert con.execute("SELECT count(*) FROM approval").fetchone() == (0,)
    assert set(approval_context(con, MEMBER).open_findings) == {  # raised at the same instant: any order
        f"{rfi.finding_id} (request-for-information, answered)",
        f"{misstatement.finding_id} (misstatement, open)",
    }

    signing.accept_finding(con, rfi.finding_id, by="verifier")
    signing.close_finding(con, misstatement.finding_id, by="verifier", note="withdrawn: my reading error")
    assert approval_context(con, MEMBER).open_findings == ()


def test_a_rejection_is_welcome_with_open_findings(con, store, sid, pki) -> None:
    _raise(con, sid, kind="non-compliance")
    assert _approve(con, store, pki, sid, decision=REJECTED).decision == REJECTED


# --- the commands ----------------------------------------------------------------------------------


def test_finding_commands_add_answer_close_list_and_refuse_by_exit_code(
    con, store, sid, home, tmp_path, capsys, monkeypatch
) -> None:
    from tests.cli import run_cli

    con.close()  # the CLI opens the warehouse itself

    def cli(*args: str):
        return run_cli(capsys, monkeypatch, home.root, *args)

    added = cli(
        "finding",
        "add",
        "--statement",
        sid[:12],
        "--kind",
        "request-for-information",
        "--text",
        "Show the [bold]invoices[/bold]",
        "--deadline",
        "2099-01-31",
        "--by",
        "V. Rossi",
    )
    assert added.returncode == 0, added.stderr
    finding_id = added.stdout.strip().splitlines()[-1]
    assert finding_id.startswith("F-") and "due 2099-01-31" in added.stdout

    answered = cli("finding", "answer", finding_id, "--text", "attached", "--file", str(_pdf(tmp_path)))
    assert answered.returncode == 0 and "answered" in answered.stdout, answered.stderr
    listed = cli("finding", "list", "--statement", sid)
    assert finding_id in listed.stdout and "[bold]invoices[/bold]" in listed.stdout  # escaped, shown as sent
    assert "1 finding(s), 1 blocking an approval" in listed.stdout

    assert cli("finding", "close", finding_id, "--note", "resolved").returncode == 0
    again = cli("finding", "answer", finding_id, "--text", "more")
    assert again.returncode == 65 and "finding-transition" in again.stderr and finding_id in again.stderr
    wrong = cli("finding", "add", "--statement", sid, "--kind", "opinion", "--text", "x")
    assert wrong.returncode == 65 and "finding-kind" in wrong.stderr
    assert "0 blocking" in cli("finding", "list").stdout


# --- deadlines: extensions and reminders -------------------------------------------------------------


def test_an_extension_is_requested_by_the_owner_and_granted_or_refused_by_the_verifier(
    con, store, sid
) -> None:
    found = _raise(con, sid)  # due 2026-03-30
    assert (
        signing.request_extension(con, found.finding_id, dt.date(2026, 4, 20), "auditor ill", by="member")
        == 1
    )
    with pytest.raises(ReviewRefused, match="already has an extension request waiting"):
        signing.request_extension(con, found.finding_id, dt.date(2026, 4, 21), "again", by="member")
    refused = signing.decide_extension(con, found.finding_id, grant=False, by="verifier", note="no")
    assert refused.deadline == dt.date(2026, 3, 30)
    assert (
        signing.request_extension(con, found.finding_id, dt.date(2026, 4, 10), "invoices late", by="member")
        == 2
    )
    granted = signing.decide_extension(con, found.finding_id, grant=True, by="verifier")
    assert granted.deadline == dt.date(2026, 4, 10)
    assert [e.event for e in signing.review_events(con, found.finding_id)] == [
        "raised",
        "extension-requested",
        "extension-refused",
        "extension-requested",
        "extension-granted",
    ]
    with pytest.raises(ReviewRefused, match="no extension request waiting"):
        signing.decide_extension(con, found.finding_id, grant=True, by="verifier")


@pytest.mark.parametrize(
    ("until", "state_steps"),
    [
        (dt.date(2026, 3, 30), ()),  # not later than the deadline
        (dt.date(2026, 7, 1), ()),  # more than 90 days beyond it
        (dt.date(2026, 4, 10), ("answer",)),  # answered: nothing to wait for
    ],
)
def test_a_bad_extension_request_is_refused(con, store, sid, until, state_steps) -> None:
    found = _raise(con, sid)
    for step in state_steps:
        _step(con, store, found.finding_id, step)
    with pytest.raises(ReviewRefused) as caught:
        signing.request_extension(con, found.finding_id, until, "why", by="member")
    assert caught.value.rule == "finding-extension"
    assert signing.finding(con, found.finding_id).deadline == dt.date(2026, 3, 30)


def test_reminders_on_the_cycles_reminder_days_and_when_overdue(con, store, sid) -> None:
    due = _raise(con, sid, deadline=dt.date(2026, 3, 16))
    answered = _raise(con, sid, deadline=dt.date(2026, 3, 16))
    signing.answer_finding(con, store, answered.finding_id, "done", by="member")  # the verifier's turn now
    late = _raise(con, sid, deadline=dt.date(2026, 3, 3))
    assert [
        (r.finding_id, r.days_left) for r in signing.finding_reminders(con, dt.date(2026, 3, 9), (7, 1))
    ] == [(late.finding_id, -6), (due.finding_id, 7)]
    assert [r.finding_id for r in signing.finding_reminders(con, dt.date(2026, 3, 10), (7, 1))] == [
        late.finding_id
    ]
    assert "overdue by 6 day(s)" in str(signing.finding_reminders(con, dt.date(2026, 3, 9), (7, 1))[0])


def test_extension_and_reminder_commands(con, store, sid, home, capsys, monkeypatch) -> None:
    from tests.cli import run_cli

    found = _raise(con, sid, deadline=dt.date(2099, 1, 31))
    con.close()

    def cli(*args: str):
        return run_cli(capsys, monkeypatch, home.root, *args)

    asked = cli(
        "finding", "extend", found.finding_id, "--until", "2099-02-20", "--reason", "waiting for the lab"
    )
    assert asked.returncode == 0 and "extension request 1" in asked.stdout, asked.stderr
    granted = cli("finding", "extension", found.finding_id, "--grant")
    assert granted.returncode == 0 and "due 2099-02-20" in granted.stdout, granted.stderr
    again = cli("finding", "extension", found.finding_id, "--refuse")
    assert again.returncode == 65 and "finding-extension" in again.stderr
    reminded = cli("finding", "reminders", "--today", "2099-02-13")  # 7 days before: a default reminder day
    assert f"finding {found.finding_id}" in reminded.stdout and "1 reminder(s)" in reminded.stdout


def test_last_years_recommended_improvements_are_followed_up_once(con, store, sid) -> None:
    from tests.signing.rows import add_draft

    last_year = add_draft(con, store, MEMBER, year=2024, content="2024")
    advice = signing.raise_finding(
        con,
        last_year,
        "recommended-improvement",
        "Meter the kitchen separately",
        by="verifier",
        owner="coordinator",
        now=NOW,
    )
    signing.raise_finding(con, last_year, "misstatement", "not an improvement", by="verifier", now=NOW)
    [follow] = signing.follow_up_improvements(con, sid, by="verifier", now=NOW)
    assert follow.kind is signing.FindingKind.REQUEST_FOR_INFORMATION and follow.reporting_year == 2025
    assert advice.finding_id in follow.text and "Meter the kitchen separately" in follow.text
    assert follow.owner is signing.Owner.COORDINATOR and follow.blocks_approval
    assert signing.follow_up_improvements(con, sid, by="verifier", now=NOW) == []  # a rerun raises none twice
