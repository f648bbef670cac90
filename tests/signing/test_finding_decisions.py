"""Signed finding decisions (issue 18): the verifier's accept, reopen and close are DSSE envelopes
signed through a Signer and timestamped by the session's real TSA, and rule finding-decision,
evaluated with open-findings, refuses an approval while a resolved finding has no signed decision,
or one that is forged, moved, revoked, or by another verifier; rule timestamp refuses one without
its RFC 3161 token, with a token over another signature, or backdated (issue 13, finding 10). Real
warehouse, local store, real PKI and signatures; the forgeries are made the way an attacker with
warehouse access would make them (SQL on the tables).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ecocluster import signing
from ecocluster.core.errors import ApprovalRuleFailed, ReviewRefused
from ecocluster.core.store import LocalStore
from ecocluster.signing import _decisions, _dsse, _pki, _review, signers
from ecocluster.signing._approval import sign_approval
from ecocluster.signing._records import approval_context, draft_for
from ecocluster.signing._verify import RULES, verify_approval
from tests.fixtures_tsa import stamp
from tests.signing.rows import ready_member

MEMBER = "IT-CL-001"


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def sid(con, store) -> str:
    return ready_member(con, store, MEMBER)


def _signer(verifier) -> signers.Signer:
    return signers.from_key(verifier.key, verifier.cert, (), "test")


def _raise(con, sid, kind: str = "request-for-information") -> signing.Finding:
    return signing.raise_finding(con, sid, kind, "Show the 2025 electricity invoices", by="verifier")


def _verify(con, pki, sid: str, trust=None):
    """Every pure rule of an approval by the fixture's verifier, against the warehouse's facts now."""
    envelope = sign_approval(draft_for(con, sid), pki.verifier.key, pki.verifier.cert)
    return verify_approval(
        envelope,
        pki.verifier.cert,
        trust or pki.trust(),
        approval_context(con, MEMBER),
        timestamp=stamp(envelope),
    )  # its RFC 3161 token, as every decision carries


def _refused(
    con, pki, sid: str, *words: str, trust=None, rule: str = "finding-decision"
) -> ApprovalRuleFailed:
    with pytest.raises(ApprovalRuleFailed) as caught:
        _verify(con, pki, sid, trust)
    assert caught.value.rule == rule, caught.value
    for word in words:
        assert word in str(caught.value)
    return caught.value


def _resolved(con, store, pki, sid) -> tuple[signing.Finding, signing.Finding]:
    """An answered-and-accepted request for information and a withdrawn misstatement, both signed."""
    rfi, wrong = _raise(con, sid), _raise(con, sid, "misstatement")
    signing.answer_finding(con, store, rfi.finding_id, "Invoices attached", by="member")
    signing.accept_finding(con, rfi.finding_id, by="verifier", signer=_signer(pki.verifier))
    signing.close_finding(
        con, wrong.finding_id, by="verifier", note="withdrawn", signer=_signer(pki.verifier)
    )
    return rfi, wrong


def test_the_rule_is_named_and_checked_right_after_open_findings() -> None:
    assert RULES[RULES.index("open-findings") + 1] == "finding-decision"


def test_signed_decisions_resolve_the_findings_for_the_approval(con, store, pki, sid) -> None:
    rfi, wrong = _resolved(con, store, pki, sid)
    assert _verify(con, pki, sid).decision == "approved"
    rows = con.execute(
        "SELECT d.finding_id, d.event, e.event, d.cert_sha256 FROM review_decision d "
        "JOIN review_event e USING (finding_id, event_no) ORDER BY d.event"
    ).fetchall()
    fingerprint = _pki.fingerprint(pki.verifier.cert)
    assert rows == [
        (rfi.finding_id, "accepted", "accepted", fingerprint),
        (wrong.finding_id, "closed", "closed", fingerprint),
    ]
    [accepted] = [r for r in _review.resolutions(con, MEMBER, 2025) if r.facts.finding_id == rfi.finding_id]
    decision = _decisions.parse(accepted.envelope or b"")
    assert decision.event == "accepted" and decision.facts.answer_no == 1
    assert decision.facts.answer_sha256 == _decisions.answer_digest("Invoices attached", ())


def test_a_reopening_is_signed_too(con, store, pki, sid) -> None:
    found = _raise(con, sid)
    signing.answer_finding(con, store, found.finding_id, "done", by="member")
    signing.reopen_finding(
        con, found.finding_id, by="verifier", note="December is missing", signer=_signer(pki.verifier)
    )
    assert con.execute("SELECT event FROM review_decision").fetchall() == [("reopened",)]


def test_an_unsigned_decision_is_refused_and_signing_it_afterwards_resolves_it(con, store, pki, sid) -> None:
    found = _raise(con, sid)
    signing.answer_finding(con, store, found.finding_id, "Invoices attached", by="member")
    signing.accept_finding(con, found.finding_id, by="verifier via the portal")  # no signer
    _refused(con, pki, sid, found.finding_id, "without the verifier's signature", "--signer")
    with pytest.raises(ReviewRefused):  # an unsigned decision is not made twice
        signing.accept_finding(con, found.finding_id, by="verifier")
    signing.accept_finding(con, found.finding_id, by="verifier", signer=_signer(pki.verifier))  # signs it
    assert _verify(con, pki, sid).decision == "approved"
    assert [e.event for e in signing.review_events(con, found.finding_id)] == [
        "raised",
        "answered",
        "accepted",
    ]


def test_a_state_set_in_the_warehouse_resolves_nothing(con, store, pki, sid) -> None:
    found = _raise(con, sid, "non-compliance")
    con.execute("UPDATE review_finding SET state = 'closed' WHERE finding_id = ?", [found.finding_id])
    assert approval_context(con, MEMBER).open_findings == ()  # open-findings alone would let it through
    _refused(con, pki, sid, found.finding_id, "without the verifier's signature")
    with pytest.raises(ReviewRefused):  # no decision was made, so there is none to sign afterwards
        signing.close_finding(con, found.finding_id, by="verifier", signer=_signer(pki.verifier))


def test_a_state_set_behind_a_signed_reopening_resolves_nothing(con, store, pki, sid) -> None:
    reopened = _raise(con, sid)
    signing.answer_finding(con, store, reopened.finding_id, "done", by="member")
    signing.reopen_finding(
        con, reopened.finding_id, by="verifier", note="not enough", signer=_signer(pki.verifier)
    )
    con.execute("UPDATE review_finding SET state = 'accepted' WHERE finding_id = ?", [reopened.finding_id])
    _refused(con, pki, sid, reopened.finding_id, "accepted without the verifier's signature")


def test_a_decision_signed_under_another_ca_is_refused(con, store, pki, sid) -> None:
    forger_key, forger_ca = _pki.create_ca("Forged Accreditation Body")
    key = _pki.new_key()
    cert = _pki.issue_verifier(
        forger_key,
        forger_ca,
        key.public_key(),
        name="Giulia Verdi",
        accreditation_no="IT-V-0001",
        nace_scope=("55.10",),
    )
    found = _raise(con, sid)
    signing.close_finding(
        con, found.finding_id, by="verifier", signer=signers.from_key(key, cert, (), "forged")
    )
    _refused(con, pki, sid, found.finding_id, "rule chain")


def test_a_decision_changed_after_signing_is_refused(con, store, pki, sid) -> None:
    rfi, _wrong = _resolved(con, store, pki, sid)
    envelope = con.execute(
        "SELECT envelope FROM review_decision WHERE finding_id = ?", [rfi.finding_id]
    ).fetchone()[0]
    parsed = _decisions.parse(bytes(envelope))
    payload = parsed.envelope.payload.replace(b'"note":""', b'"note":"all fine"')
    assert payload != parsed.envelope.payload
    changed = _dsse.Envelope(parsed.envelope.payload_type, payload, parsed.envelope.signatures).to_json()
    con.execute("UPDATE review_decision SET envelope = ? WHERE finding_id = ?", [changed, rfi.finding_id])
    _refused(con, pki, sid, rfi.finding_id, "not signed by the key")


def test_a_decision_moved_to_another_finding_is_refused(con, store, pki, sid) -> None:
    rfi, wrong = _resolved(con, store, pki, sid)
    [(envelope, token)] = con.execute(
        "SELECT envelope, tsr FROM review_decision WHERE finding_id = ?", [wrong.finding_id]
    ).fetchall()
    con.execute(
        "UPDATE review_decision SET envelope = ?, tsr = ? WHERE finding_id = ?",
        [envelope, token, rfi.finding_id],
    )  # the envelope moved with its own timestamp token, as an attacker would move it
    con.execute("UPDATE review_finding SET state = 'closed' WHERE finding_id = ?", [rfi.finding_id])
    con.execute(
        "UPDATE review_event SET event = 'closed' WHERE finding_id = ? AND event = 'accepted'",
        [rfi.finding_id],
    )
    _refused(con, pki, sid, rfi.finding_id, "does not hold what the verifier signed")


def test_an_answer_changed_after_the_decision_is_refused(con, store, pki, sid) -> None:
    rfi, _wrong = _resolved(con, store, pki, sid)
    con.execute(
        "UPDATE review_answer SET text = 'Invoices attached; the 2024 figure was wrong' WHERE finding_id = ?",
        [rfi.finding_id],
    )
    _refused(con, pki, sid, rfi.finding_id, "does not hold what the verifier signed")


def test_a_decision_by_another_verifier_or_a_revoked_one_is_refused(con, store, pki, sid) -> None:
    other = pki.issue(accreditation_no="IT-V-0002")
    found = _raise(con, sid)
    signing.close_finding(con, found.finding_id, by="another verifier", signer=_signer(other))
    _refused(con, pki, sid, "IT-V-0002", "not by the approving verifier")
    _refused(con, pki, sid, "rule revocation", trust=pki.trust(revoked=(other.cert,)))


def test_a_decision_dated_outside_the_certificate_is_refused_at_its_attested_time(
    con, store, pki, sid
) -> None:
    """decidedAt 2001 (before the certificate) is the verifier's claim; its token says today."""
    found = _raise(con, sid)
    signing.close_finding(
        con,
        found.finding_id,
        by="verifier",
        signer=_signer(pki.verifier),
        now=dt.datetime(2001, 1, 1, tzinfo=dt.UTC),
    )
    _refused(con, pki, sid, found.finding_id, "decidedAt", "backdated", rule="timestamp")


def test_a_backdated_decision_by_an_expired_verifier_is_refused(con, store, pki, sid) -> None:
    """The verifier's certificate expired 35 days ago; the decision claims a day when it was still
    valid. Judged at decidedAt (as before) it passed; judged at its token's time it is refused."""
    now = dt.datetime.now(dt.UTC)
    expired = pki.issue(accreditation_no="IT-V-0001", not_before=now - dt.timedelta(days=400), days=365)
    found = _raise(con, sid)
    signing.close_finding(
        con, found.finding_id, by="verifier", signer=_signer(expired), now=now - dt.timedelta(days=100)
    )
    (token,) = con.execute("SELECT tsr FROM review_decision").fetchone()
    assert token  # it was stamped: the refusal is about the attested time, not a missing token
    _refused(con, pki, sid, found.finding_id, "rule validity", "valid only from")


def test_a_decision_without_its_timestamp_is_refused(con, store, pki, sid) -> None:
    """A decision recorded without a token (or one from before migration 024) decides nothing."""
    rfi, _wrong = _resolved(con, store, pki, sid)
    con.execute("UPDATE review_decision SET tsr = NULL WHERE finding_id = ?", [rfi.finding_id])
    _refused(con, pki, sid, rfi.finding_id, "no RFC 3161 timestamp", rule="timestamp")


def test_a_timestamp_over_another_decision_is_refused(con, store, pki, sid) -> None:
    rfi, wrong = _resolved(con, store, pki, sid)
    [(other,)] = con.execute(
        "SELECT tsr FROM review_decision WHERE finding_id = ?", [wrong.finding_id]
    ).fetchall()
    con.execute("UPDATE review_decision SET tsr = ? WHERE finding_id = ?", [other, rfi.finding_id])
    _refused(con, pki, sid, rfi.finding_id, "another signature", rule="timestamp")


def test_a_decision_is_not_recorded_when_the_tsa_does_not_answer(con, store, pki, sid) -> None:
    found = _raise(con, sid)
    with pytest.raises(signing.TimestampUnavailable):
        signing.close_finding(
            con,
            found.finding_id,
            by="verifier",
            signer=_signer(pki.verifier),
            tsa_url="http://127.0.0.1:9/",  # the discard port: nothing answers there
        )
    assert con.execute("SELECT count(*) FROM review_decision").fetchone() == (0,)
    assert signing.finding(con, found.finding_id).state.value == "open"


def test_finding_commands_sign_with_signer_and_say_when_a_decision_is_unsigned(
    con, store, sid, home, capsys, monkeypatch
) -> None:
    from ecocluster.signing import _keys
    from tests.cli import run_cli

    verifier = _keys.demo_verifier(home)
    answered, withdrawn = _raise(con, sid), _raise(con, sid, "misstatement")
    signing.answer_finding(con, store, answered.finding_id, "Invoices attached", by="member")
    con.close()
    monkeypatch.setenv("ECOCLUSTER_KEY_PASSWORD", _keys.DEMO_PASSWORD.decode())
    uri = signers.file_uri(verifier.key, verifier.cert)

    unsigned = run_cli(capsys, monkeypatch, home.root, "finding", "accept", answered.finding_id)
    assert (
        unsigned.returncode == 0
        and "recorded unsigned" in unsigned.stdout
        and "--signer URI" in unsigned.stdout
    )
    signed = run_cli(
        capsys, monkeypatch, home.root, "finding", "accept", answered.finding_id, "--signer", uri
    )
    closed = run_cli(
        capsys,
        monkeypatch,
        home.root,
        "finding",
        "close",
        withdrawn.finding_id,
        "--note",
        "withdrawn",
        "--signer",
        uri,
    )
    assert (signed.returncode, closed.returncode) == (0, 0), signed.stdout + closed.stdout
    assert "unsigned" not in signed.stdout + closed.stdout
    bad = run_cli(
        capsys,
        monkeypatch,
        home.root,
        "finding",
        "reopen",
        answered.finding_id,
        "--note",
        "x",
        "--signer",
        "file:/nonexistent/key.pem",
    )
    assert bad.returncode == 78 and "key" in bad.stdout + bad.stderr
    check = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        assert sorted(check.execute("SELECT event FROM review_decision").fetchall()) == [
            ("accepted",),
            ("closed",),
        ]
    finally:
        check.close()
