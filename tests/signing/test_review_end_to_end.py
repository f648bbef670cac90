"""Review rounds end to end (issue 18 acceptance), through the package functions: a real drafted
statement, the DEMO verifier's real keys, the local store. Three rounds ending in an approval with
the opinion, site visit, recommended improvements and the cluster's sampling plan signed in it; and
a review ending "not verified", which is a rejection.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecocluster import signing, statements
from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.core.store import LocalStore
from ecocluster.signing import _keys, _pki, _sampling, signers
from ecocluster.signing._dsse import Envelope
from tests.signing.rows import blank_pdf, drafted_member

MEMBER = "IT-HOT-1"
VERIFIER, MEMBER_USER = "verifier G. Verdi", "member IT-HOT-1"


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


def _evidence(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(blank_pdf(name))
    return path


def _approve(con, store, home, sid: str, **kwargs) -> signing.VerifiedApproval:
    verifier = _keys.demo_verifier(home)  # makes the DEMO CA the home trusts
    return signing.approve(
        con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD, **kwargs
    )


def _signer(home) -> signers.Signer:
    """The DEMO verifier's key file as a signer: every decision on a finding is signed."""
    verifier = _keys.demo_verifier(home)
    return signers.load(verifier.key, verifier.cert, None, _keys.DEMO_PASSWORD, "file:demo")


def _refused_for_findings(con, store, home, sid: str, *expected: str) -> None:
    with pytest.raises(ApprovalRuleFailed) as caught:
        _approve(con, store, home, sid, opinion=signing.Opinion.SATISFACTORY)
    assert caught.value.rule == "open-findings"
    for finding_id in expected:
        assert finding_id in str(caught.value)
    assert statements.show(con, sid).status == "draft"


def test_three_review_rounds_end_in_an_approval_with_the_opinion_signed(con, store, home, tmp_path) -> None:
    sid = drafted_member(con, home)

    def raise_(kind, text):
        return signing.raise_finding(con, sid, kind, text, by=VERIFIER)

    # Round 1: a request for information, a misstatement, a recommended improvement.
    rfi = raise_("request-for-information", "Send the 2025 electricity invoices")
    wrong = raise_("misstatement", "Energy use does not match the invoices")
    advice = raise_("recommended-improvement", "Meter the kitchen separately")
    _refused_for_findings(con, store, home, sid, rfi.finding_id, wrong.finding_id)
    signing.answer_finding(
        con,
        store,
        rfi.finding_id,
        "Invoices attached",
        by=MEMBER_USER,
        files=(_evidence(tmp_path, "invoices.pdf"),),
    )
    signing.answer_finding(con, store, wrong.finding_id, "The figure is right", by=MEMBER_USER)

    # Round 2: the invoices are enough, the explanation is not.
    signing.accept_finding(con, rfi.finding_id, by=VERIFIER, signer=_signer(home))
    signing.reopen_finding(
        con,
        wrong.finding_id,
        by=VERIFIER,
        note="December's invoice is missing from the sum",
        signer=_signer(home),
    )
    _refused_for_findings(con, store, home, sid, wrong.finding_id)
    signing.answer_finding(
        con,
        store,
        wrong.finding_id,
        "December added; the published figure holds",
        by=MEMBER_USER,
        files=(_evidence(tmp_path, "december.pdf"),),
    )

    # Round 3: everything resolved; the plan is signed; the approval carries the opinion.
    signing.accept_finding(con, wrong.finding_id, by=VERIFIER, signer=_signer(home))
    for f in (rfi, wrong):
        signing.close_finding(con, f.finding_id, by=VERIFIER, note="resolved", signer=_signer(home))
    verifier = _keys.demo_verifier(home)
    cluster = statements.show(con, sid).cluster_id
    plan = signing.sign_plan(
        signing.sampling_request(con, cluster, 2025),
        _pki.load_key(verifier.key, _keys.DEMO_PASSWORD),
        verifier.load_cert(),
    )
    signing.record_plan(con, store, plan)
    verified = _approve(
        con, store, home, sid, opinion=signing.Opinion.WITH_COMMENTS, site_visit=signing.SiteVisit.IN_PERSON
    )

    assert verified.decision == "approved" and statements.show(con, sid).status == "validated"
    assert verified.verification == signing.Verification(
        signing.Opinion.WITH_COMMENTS, signing.SiteVisit.IN_PERSON, (advice.text,), plan.sha256
    )
    # The registration package carries the signed envelope, and with it the verification block.
    [delivery] = signing.build_packages(con, store, _keys.trust_anchors(home), members=[MEMBER])
    package = signing.read_tar(signing.read_stored(con, store, delivery.key))
    envelope = Envelope.from_json(package.data("approval.dsse.json"))
    assert envelope.statement()["predicate"]["verification"] == verified.verification.claim()
    assert con.execute(
        "SELECT opinion, site_visit, recommended_improvements::VARCHAR, sampling_plan_sha256 "
        "FROM approval_verification"
    ).fetchall() == [("with-comments", "in-person", json.dumps([advice.text]), plan.sha256)]
    assert [e.event for e in signing.review_events(con, wrong.finding_id)] == [
        "raised",
        "answered",
        "reopened",
        "answered",
        "accepted",
        "closed",
    ]
    assert con.execute(
        "SELECT event FROM review_decision WHERE finding_id = ? ORDER BY event_no", [wrong.finding_id]
    ).fetchall() == [("reopened",), ("accepted",), ("closed",)]
    assert _sampling.latest_plan_sha256(con, cluster, 2025) == plan.sha256


def test_a_review_ending_not_verified_is_a_rejection(con, store, home) -> None:
    sid = drafted_member(con, home)
    breach = signing.raise_finding(
        con, sid, "non-compliance", "The discharge permit expired in 2024", by=VERIFIER
    )
    with pytest.raises(ValueError, match="not-verified, which is a rejection"):
        signing.sign_decision(
            con,
            store,
            sid,
            _keys.demo_verifier(home),
            _keys.DEMO_PASSWORD,
            trust=_keys.trust_anchors(home),
            opinion=signing.Opinion.NOT_VERIFIED,
        )  # an "approval" that is not verified
    verified = _approve(
        con,
        store,
        home,
        sid,
        decision="rejected",
        reasons=(f"{breach.finding_id}: permit expired",),
        opinion=signing.Opinion.NOT_VERIFIED,
        site_visit=signing.SiteVisit.VIRTUAL,
    )
    assert verified.decision == "rejected" and statements.show(con, sid).status == "rejected"
    assert verified.verification is not None and verified.verification.opinion is signing.Opinion.NOT_VERIFIED
    assert con.execute("SELECT decision FROM approval").fetchall() == [("rejected",)]
    assert con.execute("SELECT opinion, site_visit FROM approval_verification").fetchall() == [
        ("not-verified", "virtual")
    ]
    assert signing.finding(con, breach.finding_id).state is signing.FindingState.OPEN  # still to be fixed
