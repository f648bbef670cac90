"""Approvals recorded against a real warehouse and store: accepted, refused with the rule, keys kept out."""

from __future__ import annotations

import pytest

from signing import _keys, _pki
from signing._approval import sign_approval
from signing._inbox import approve, export_review, record_approval
from signing._records import draft_for
from signing._verify import ApprovalRuleFailed
from signing.store import LocalStore
from tests.signing.rows import add_check, add_draft, ready_member


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def verifier(home) -> _keys.KeyFiles:
    return _keys.demo_verifier(home)


def test_demo_verifier_approves_and_the_approval_is_recorded(con, store, home, verifier) -> None:
    sid = ready_member(con, store)
    verified = approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD, place="Ventasso")
    assert verified.decision == "approved" and verified.member_id == "IT-CL-001"
    row = con.execute("SELECT decision, accreditation_no, signed_pdf_key FROM approval").fetchone()
    assert row[:2] == ("approved", "DEMO-V-0001") and store.get(row[2]).startswith(b"%PDF")


def test_superseded_draft_is_refused_and_the_rule_recorded(con, store, home, verifier) -> None:
    old = ready_member(con, store)
    add_draft(con, store, content="v2", supersedes=old)
    with pytest.raises(ApprovalRuleFailed, match="superseded") as caught:
        approve(con, store, _keys.trust_anchors(home), old, verifier, _keys.DEMO_PASSWORD)
    assert caught.value.rule == "current-draft"
    assert con.execute("SELECT member_id, rule FROM approval_refusal").fetchall() == [("IT-CL-001", "current-draft")]
    assert con.execute("SELECT count(*) FROM approval").fetchone() == (0,)


def test_blocking_failure_from_the_checks_tables_refuses(con, store, home, verifier) -> None:
    sid = ready_member(con, store)
    add_check(con, blocking=("compliance.permit_expired",))
    with pytest.raises(ApprovalRuleFailed, match="permit_expired"):
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)


def test_conflict_from_the_warehouse_refuses(con, store, home, verifier) -> None:
    from signing._records import mark_consulted
    sid = ready_member(con, store)
    mark_consulted(con, "DEMO-V-0001", "IT-CL-001", "energy audit 2023")
    with pytest.raises(ApprovalRuleFailed) as caught:
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)
    assert caught.value.rule == "conflict"


def test_revoked_via_home_crl_refuses(con, store, home, verifier) -> None:
    sid = ready_member(con, store)
    _keys.revoke(home, verifier.load_cert(), _keys.DEMO_PASSWORD)
    with pytest.raises(ApprovalRuleFailed) as caught:
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)
    assert caught.value.rule == "revocation"


def test_approval_without_signed_pdf_is_refused(con, store, home, verifier) -> None:
    sid = ready_member(con, store)
    key = _pki.load_key(verifier.key, _keys.DEMO_PASSWORD)
    envelope = sign_approval(draft_for(con, sid), key, verifier.load_cert())
    with pytest.raises(ApprovalRuleFailed, match="PAdES"):
        record_approval(con, store, envelope, verifier.cert.read_bytes(), _keys.trust_anchors(home))


def test_private_key_never_leaves_the_verifier_folder(con, store, home, verifier) -> None:
    sid = ready_member(con, store)
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
    assert names[-2:] == ["check-report.csv", "evidence.csv"] and any(n.endswith(".pdf") for n in names)
