"""Approvals recorded against a real warehouse and store: accepted, refused with the rule, keys kept out."""

from __future__ import annotations

import pytest

from ecocluster import signing, statements
from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.core.store import LocalStore
from ecocluster.signing import _keys, _pki
from ecocluster.signing._approval import sign_approval
from ecocluster.signing._inbox import approve, export_review, record_approval, sign_decision
from ecocluster.signing._records import draft_for
from tests.signing.rows import add_check, add_draft, drafted_member, ready_member
from tests.statements.conftest import pdf_text


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def verifier(home) -> _keys.KeyFiles:
    return _keys.demo_verifier(home)


def test_approval_validates_the_statement_and_signs_that_pdf(con, store, home, verifier) -> None:
    sid = drafted_member(con, home)
    verified = approve(
        con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD, place="Ventasso"
    )
    assert verified.decision == "approved" and verified.member_id == "IT-HOT-1"
    final = statements.show(con, sid)
    assert (final.version, final.status, final.verifier_name, final.accreditation_no) == (
        2,
        "validated",
        "DEMO Verifier",
        "DEMO-V-0001",
    )
    row = con.execute(
        "SELECT decision, accreditation_no, signed_pdf_key, pdf_sha256 FROM approval"
    ).fetchone()
    assert row[:2] == ("approved", "DEMO-V-0001")
    assert (
        row[3] == con.execute("SELECT pdf_sha256 FROM statement WHERE version = 1").fetchone()[0]
    )  # draft signed
    signed = store.get(row[2])
    assert signed.startswith(store.get(final.pdf_key)) and len(signed) > len(store.get(final.pdf_key))
    text = pdf_text(signed)
    assert "DEMO Verifier" in text and "DEMO-V-0001" in text and "BOZZA" not in text
    assert "BOZZA" in pdf_text(
        store.get(con.execute("SELECT pdf_key FROM statement WHERE version = 1").fetchone()[0])
    )


def test_sign_decision_records_nothing_and_its_files_are_accepted_later(con, store, home, verifier) -> None:
    sid = drafted_member(con, home)
    signed = sign_decision(
        con, store, sid, verifier, _keys.DEMO_PASSWORD, place="Ventasso", trust=_keys.trust_anchors(home)
    )
    assert sorted(signed.files()) == ["cert.pem", "dsse.json", "tsr", "validated.pdf"]
    assert con.execute("SELECT count(*) FROM approval").fetchone() == (0,)
    assert statements.show(con, sid).status == "draft"
    record_approval(
        con,
        store,
        signed.envelope,
        signed.cert_pem,
        _keys.trust_anchors(home),
        signed_pdf=signed.signed_pdf,
        timestamp=signed.timestamp,
    )
    assert statements.show(con, sid).status == "validated"
    rejection = sign_decision(
        con, store, sid, verifier, _keys.DEMO_PASSWORD, decision="rejected", reasons=("x",)
    )
    assert sorted(rejection.files()) == ["cert.pem", "dsse.json", "tsr"]


def test_a_signed_pdf_other_than_the_validated_render_is_refused(con, store, home, verifier, tsa) -> None:
    sid = drafted_member(con, home)
    key = _pki.load_key(verifier.key, _keys.DEMO_PASSWORD)
    envelope = sign_approval(draft_for(con, sid), key, verifier.load_cert())
    draft_pdf = store.get(statements.show(con, sid).pdf_key)
    trust = _keys.trust_anchors(home)
    signed_draft = tsa.sign_pdf(draft_pdf, key, verifier.load_cert(), trust.cas, trust.crls)
    with pytest.raises(ApprovalRuleFailed) as caught:
        record_approval(
            con,
            store,
            envelope,
            verifier.cert.read_bytes(),
            _keys.trust_anchors(home),
            signed_pdf=signed_draft,
            timestamp=tsa.stamp(envelope),
        )
    assert caught.value.rule == "validated-pdf"
    assert statements.show(con, sid).status == "draft"
    assert con.execute("SELECT count(*) FROM approval").fetchone() == (0,)


def test_superseded_draft_is_refused_and_the_rule_recorded(con, store, home, verifier) -> None:
    old = drafted_member(con, home)
    add_draft(con, store, "IT-HOT-1", cluster="CL-IT", content="v2", supersedes=old)
    with pytest.raises(ApprovalRuleFailed, match="superseded") as caught:
        approve(con, store, _keys.trust_anchors(home), old, verifier, _keys.DEMO_PASSWORD)
    assert caught.value.rule == "current-draft"
    assert con.execute("SELECT member_id, rule FROM approval_refusal").fetchall() == [
        ("IT-HOT-1", "current-draft")
    ]
    assert con.execute("SELECT count(*) FROM approval").fetchone() == (0,)


def test_blocking_failure_from_the_checks_tables_refuses(con, store, home, verifier) -> None:
    sid = drafted_member(con, home)
    add_check(con, "IT-HOT-1", blocking=("compliance.permit_expired",))
    with pytest.raises(ApprovalRuleFailed, match="permit_expired"):
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)


def test_conflict_from_the_warehouse_refuses(con, store, home, verifier) -> None:
    from ecocluster.signing._records import mark_consulted

    sid = drafted_member(con, home)
    mark_consulted(con, "DEMO-V-0001", "IT-HOT-1", "energy audit 2023")
    with pytest.raises(ApprovalRuleFailed) as caught:
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)
    assert caught.value.rule == "conflict"


def test_revoked_via_home_crl_refuses(con, store, home, verifier) -> None:
    sid = drafted_member(con, home)
    _keys.revoke(home, verifier.load_cert(), _keys.DEMO_PASSWORD)
    with pytest.raises(ApprovalRuleFailed) as caught:
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)
    assert caught.value.rule == "revocation"


def test_approval_without_signed_pdf_is_refused(con, store, home, verifier, tsa) -> None:
    sid = ready_member(con, store)
    key = _pki.load_key(verifier.key, _keys.DEMO_PASSWORD)
    envelope = sign_approval(draft_for(con, sid), key, verifier.load_cert())
    with pytest.raises(ApprovalRuleFailed, match="PAdES"):
        record_approval(
            con,
            store,
            envelope,
            verifier.cert.read_bytes(),
            _keys.trust_anchors(home),
            timestamp=tsa.stamp(envelope),
        )


def test_private_key_never_leaves_the_verifier_folder(con, store, home, verifier) -> None:
    sid = drafted_member(con, home)
    approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)
    key = _pki.load_key(verifier.key, _keys.DEMO_PASSWORD)
    secret = key.private_numbers().private_value.to_bytes(32, "big")
    encrypted = verifier.key.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in encrypted
    con.execute("CHECKPOINT")
    for path in home.root.rglob("*"):
        if path.is_file() and path.parent != verifier.folder and "pki" not in path.parts:
            blob = path.read_bytes()
            assert secret not in blob and encrypted not in blob and b"PRIVATE KEY" not in blob, path


def test_review_export_has_statement_checks_and_evidence(con, store, tmp_path) -> None:
    ready_member(con, store)
    names = sorted(p.name for p in export_review(con, store, "IT-CL-001", tmp_path / "review"))
    assert names[-3:] == ["check-report.csv", "evidence.csv", "findings.json"] and any(
        n.endswith(".pdf") for n in names
    )


def test_the_review_exports_check_report_lists_the_current_results_as_before(con, store, tmp_path) -> None:
    """Read through ecocluster.checks (typed) since issue 15, written byte for byte as when signing
    queried check_result itself: the columns are the table's, a missing value is an empty cell."""
    ready_member(con, store)
    add_check(con, blocking=("compliance.permit_exceeded",))
    export_review(con, store, "IT-CL-001", tmp_path / "review")
    assert (tmp_path / "review" / "check-report.csv").read_bytes() == (
        b'"suite","expectation","severity","indicator","observed","expected","explanation"\n'
        b'"compliance","compliance.permit_exceeded","blocking","","","","fix it"\n'
    )


def test_a_rejection_sets_the_status_and_the_verifier_may_still_approve(con, store, home, verifier) -> None:
    sid = drafted_member(con, home)
    trust = _keys.trust_anchors(home)
    for reason in ("open major nonconformity NC-3", "still open"):  # a second rejection changes nothing more
        verified = approve(
            con, store, trust, sid, verifier, _keys.DEMO_PASSWORD, decision="rejected", reasons=(reason,)
        )
        assert verified.decision is signing.ApprovalDecision.REJECTED  # an enum of the same value
        assert statements.show(con, sid).status is statements.StatementStatus.REJECTED
        assert (verified.decision.value, statements.show(con, sid).status.value) == ("rejected", "rejected")
    assert con.execute("SELECT count(*) FROM approval WHERE decision = 'rejected'").fetchone() == (2,)
    approve(con, store, trust, sid, verifier, _keys.DEMO_PASSWORD)  # the verifier looked again
    assert statements.show(con, sid).status is statements.StatementStatus.VALIDATED


def test_a_rejection_cannot_undo_a_validation(con, store, home, verifier) -> None:
    sid = drafted_member(con, home)
    trust = _keys.trust_anchors(home)
    approve(con, store, trust, sid, verifier, _keys.DEMO_PASSWORD)
    with pytest.raises(ApprovalRuleFailed) as caught:
        approve(con, store, trust, sid, verifier, _keys.DEMO_PASSWORD, decision="rejected", reasons=("late",))
    assert caught.value.rule == "statement-status" and "competent body" in str(caught.value)
    assert statements.show(con, sid).status == "validated"
    assert con.execute("SELECT decision FROM approval").fetchall() == [("approved",)]
    assert con.execute("SELECT rule FROM approval_refusal").fetchall() == [("statement-status",)]
