"""Tamper corpus for approvals: each forgery is refused by the rule it breaks; the genuine one passes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest

from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.signing._approval import REJECTED, Draft, sign_approval
from ecocluster.signing._verify import ApprovalContext, verify_approval
from tests.fixtures_tsa import stamp

STATEMENT_JSON = b'{"member":"IT-CL-001","year":2025,"energy_mwh":120.5}'
STATEMENT_PDF = b"%PDF-1.7 minimal statement bytes for digest tests"
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(autouse=True)
def _judged_now() -> None:
    """Each test judges at its own start: envelopes are signed with the current clock, so a clock read
    once at import went stale (signed "in the future") when the suite reached this module minutes later."""
    global NOW
    NOW = dt.datetime.now(dt.UTC)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


DRAFT = Draft(
    "st-2025-IT-CL-001-v2",
    "IT-CL-001",
    "Hotel Lago Santo",
    "55.10",
    "cerreto",
    2025,
    sha(STATEMENT_JSON),
    sha(STATEMENT_PDF),
)
CONTEXT = ApprovalContext(
    member_id="IT-CL-001",
    nace="55.10",
    cluster_id="cerreto",
    reporting_year=2025,
    statement_id=DRAFT.statement_id,
    json_sha256=DRAFT.json_sha256,
    pdf_sha256=DRAFT.pdf_sha256,
    superseded=frozenset({sha(b"old json"), sha(b"old pdf")}),
)


def refused(rule: str, envelope: bytes, cert, trust, context=CONTEXT) -> None:
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify_approval(envelope, cert, trust, context, timestamp=stamp(envelope))
    assert caught.value.rule == rule, str(caught.value)


def test_genuine_approval_is_accepted(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, place="Cerreto Laghi")
    verified = verify_approval(envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope))
    assert verified.decision == "approved" and verified.verifier.accreditation_no == "IT-V-0001"
    assert verified.json_sha256 == sha(STATEMENT_JSON) and "IT-V-0001" in verified.declaration


def test_genuine_rejection_is_accepted_even_with_blocking_failures(pki) -> None:
    envelope = sign_approval(
        DRAFT,
        pki.verifier.key,
        pki.verifier.cert,
        decision=REJECTED,
        reasons=("open major nonconformity NC-3",),
    )
    context = ApprovalContext(**{**CONTEXT.__dict__, "blocking_failures": ("nc_major_open",)})
    verified = verify_approval(envelope, pki.verifier.cert, pki.trust(), context, timestamp=stamp(envelope))
    assert verified.decision == "rejected" and verified.reasons == ("open major nonconformity NC-3",)


def _mutate_payload(envelope: bytes, change) -> bytes:
    doc = json.loads(envelope)
    statement = json.loads(base64.b64decode(doc["payload"]))
    change(statement)
    doc["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    return json.dumps(doc).encode()


def test_changed_statement_byte_is_refused_as_not_current(pki) -> None:
    changed = bytearray(STATEMENT_JSON)
    changed[10] ^= 1
    envelope = sign_approval(
        Draft(**{**DRAFT.__dict__, "json_sha256": sha(bytes(changed))}), pki.verifier.key, pki.verifier.cert
    )
    refused("current-draft", envelope, pki.verifier.cert, pki.trust())


def test_changed_envelope_byte_is_refused_by_signature(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    tampered = _mutate_payload(envelope, lambda s: s["predicate"].update(decision="approved", reasons=["x"]))
    refused("signature", tampered, pki.verifier.cert, pki.trust())
    flipped = bytearray(envelope)
    at = flipped.index(b'"sig":"') + 12
    flipped[at] = ord("A") if flipped[at] != ord("A") else ord("B")
    refused("signature", bytes(flipped), pki.verifier.cert, pki.trust())


def test_garbage_is_refused_as_envelope(pki) -> None:
    refused("envelope-malformed", b"{not json", pki.verifier.cert, pki.trust())


def test_signature_from_another_key_is_refused(pki) -> None:
    other = pki.issue(accreditation_no="IT-V-0001")
    envelope = sign_approval(DRAFT, other.key, pki.verifier.cert)
    refused("signature", envelope, pki.verifier.cert, pki.trust())


def test_certificate_from_another_ca_is_refused(pki) -> None:
    from ecocluster.signing import _pki
    from tests.fixtures_pki import TestPki

    ca_key, ca_cert = _pki.create_ca("Rogue Accreditation Body")
    rogue = TestPki(ca_key, ca_cert, pki.verifier).issue(accreditation_no="IT-V-0001")
    envelope = sign_approval(DRAFT, rogue.key, rogue.cert)
    refused("chain", envelope, rogue.cert, pki.trust())


def test_expired_certificate_is_refused(pki) -> None:
    old = pki.issue(not_before=NOW - dt.timedelta(days=400), days=365)
    envelope = sign_approval(DRAFT, old.key, old.cert, signed_at=NOW - dt.timedelta(days=1))
    refused("validity", envelope, old.cert, pki.trust())


def test_not_yet_valid_certificate_is_refused(pki) -> None:
    future = pki.issue(not_before=NOW + dt.timedelta(days=10))
    envelope = sign_approval(DRAFT, future.key, future.cert)
    refused("validity", envelope, future.cert, pki.trust())


def test_signing_time_in_the_future_is_refused(pki) -> None:
    """A postdated signedAt disagrees with the attested time (the timestamp the TSA gave)."""
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=NOW + dt.timedelta(days=2))
    refused("timestamp", envelope, pki.verifier.cert, pki.trust())


def test_revoked_certificate_is_refused(pki) -> None:
    revoked = pki.issue()
    envelope = sign_approval(DRAFT, revoked.key, revoked.cert)
    refused("revocation", envelope, revoked.cert, pki.trust(revoked=(revoked.cert,)))


def test_missing_crl_is_refused(pki) -> None:
    from ecocluster.signing._verify import TrustAnchors

    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    refused("revocation", envelope, pki.verifier.cert, pki.with_tsa(TrustAnchors((pki.ca_cert,), ())))


def test_nace_out_of_scope_is_refused(pki) -> None:
    municipal_only = pki.issue(nace=("84.11",))
    envelope = sign_approval(DRAFT, municipal_only.key, municipal_only.cert)
    refused("nace-scope", envelope, municipal_only.cert, pki.trust())


def test_division_scope_covers_its_classes(pki) -> None:
    division = pki.issue(nace=("55",))
    envelope = sign_approval(DRAFT, division.key, division.cert)
    verified = verify_approval(envelope, division.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope))
    assert verified.decision == "approved"


def test_superseded_draft_is_refused(pki) -> None:
    old = Draft(**{**DRAFT.__dict__, "json_sha256": sha(b"old json"), "pdf_sha256": sha(b"old pdf")})
    envelope = sign_approval(old, pki.verifier.key, pki.verifier.cert)
    with pytest.raises(ApprovalRuleFailed, match="superseded draft") as caught:
        verify_approval(envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope))
    assert caught.value.rule == "current-draft"


def test_replay_from_an_earlier_cycle_is_refused(pki) -> None:
    last_year = Draft(**{**DRAFT.__dict__, "reporting_year": 2024})
    envelope = sign_approval(last_year, pki.verifier.key, pki.verifier.cert)
    refused("cycle", envelope, pki.verifier.cert, pki.trust())


def test_conflicted_verifier_is_refused(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    context = ApprovalContext(**{**CONTEXT.__dict__, "consulted_by": frozenset({"IT-V-0001"})})
    refused("conflict", envelope, pki.verifier.cert, pki.trust(), context)


def test_blocking_check_failures_refuse_an_approval(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    context = ApprovalContext(**{**CONTEXT.__dict__, "blocking_failures": ("permit_expired",)})
    refused("blocking-checks", envelope, pki.verifier.cert, pki.trust(), context)


def test_approval_for_another_member_is_refused(pki) -> None:
    envelope = sign_approval(
        Draft(**{**DRAFT.__dict__, "member_id": "IT-CL-002"}), pki.verifier.key, pki.verifier.cert
    )
    refused("identity", envelope, pki.verifier.cert, pki.trust())


def test_securesystemslib_verifies_the_dsse_signature(pki) -> None:
    """Independent implementation: securesystemslib's DSSE envelope and ECDSA key verify ours."""
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    envelope_json = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    public_pem = (
        pki.verifier.cert.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    keyid = json.loads(envelope_json)["signatures"][0]["keyid"]
    key = SSlibKey(keyid, "ecdsa", "ecdsa-sha2-nistp256", {"public": public_pem})
    envelope = Envelope.from_dict(json.loads(envelope_json))
    verified = envelope.verify([key], 1)
    assert keyid in verified
    other = pki.issue()
    other_pem = (
        other.cert.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    from securesystemslib.exceptions import VerificationError

    with pytest.raises(VerificationError):
        envelope.verify([SSlibKey(keyid, "ecdsa", "ecdsa-sha2-nistp256", {"public": other_pem})], 1)
