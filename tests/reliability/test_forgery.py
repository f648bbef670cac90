"""Forgeries beyond the signing tamper corpus (tests/signing/test_approval_rules.py, reused here):
a coordinator's self-made certificates, extra and swapped signatures, a swapped payload type, and
replays of an accepted approval into a real warehouse. Each is refused, or changes nothing."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.core.store import LocalStore
from ecocluster.signing import _dsse, _keys, _pki
from ecocluster.signing._approval import sign_approval
from ecocluster.signing._inbox import record_approval, sign_decision
from ecocluster.signing._records import draft_for
from ecocluster.signing._verify import verify_approval
from tests import fixtures_pki
from tests.fixtures_tsa import stamp
from tests.signing.rows import drafted_member
from tests.signing.test_approval_rules import CONTEXT, DRAFT, refused


def _with_signatures(envelope: bytes, extra: list[dict[str, str]], *, first: bool = False) -> bytes:
    doc = json.loads(envelope)
    doc["signatures"] = extra + doc["signatures"] if first else doc["signatures"] + extra
    return json.dumps(doc).encode()


def _signature(statement_envelope: bytes, key: _pki.PrivateKey) -> dict[str, str]:
    env = _dsse.Envelope.from_json(statement_envelope)
    sig = key.sign(_dsse.pae(env.payload_type, env.payload), ec.ECDSA(hashes.SHA256()))
    return {"keyid": _pki.key_id(key.public_key()), "sig": base64.b64encode(sig).decode()}


def test_coordinators_self_made_ca_named_like_the_accreditation_body_is_refused(
    pki: fixtures_pki.TestPki,
) -> None:
    ca_key, ca_cert = _pki.create_ca("TEST Accreditation Body")  # same name as the trusted CA, other key
    fake = fixtures_pki.TestPki(ca_key, ca_cert, pki.verifier).issue(accreditation_no="IT-V-0001")
    assert fake.cert.issuer == pki.ca_cert.subject  # the names match: only the signature tells them apart
    refused("chain", sign_approval(DRAFT, fake.key, fake.cert), fake.cert, pki.trust())


def test_self_signed_verifier_certificate_is_refused(pki: fixtures_pki.TestPki) -> None:
    key, own_ca = _pki.create_ca("Giulia Verdi")
    cert = _pki.issue_verifier(
        key,
        own_ca,
        key.public_key(),
        name="Giulia Verdi",
        accreditation_no="IT-V-0001",
        nace_scope=("55.10",),
    )  # signed by its own key
    refused("chain", sign_approval(DRAFT, key, cert), cert, pki.trust())


def test_certificate_issued_by_a_verifier_key_is_refused(pki: fixtures_pki.TestPki) -> None:
    """A verifier is not a CA: a certificate it signs for someone else does not chain."""
    sub = fixtures_pki.TestPki(pki.verifier.key, pki.verifier.cert, pki.verifier).issue(
        accreditation_no="IT-V-0001"
    )
    refused("chain", sign_approval(DRAFT, sub.key, sub.cert), sub.cert, pki.trust())


def test_untrusted_signatures_add_nothing(pki: fixtures_pki.TestPki) -> None:
    rogue_key = _pki.new_key()
    genuine = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    extra = _signature(genuine, rogue_key)
    # the genuine verifier's signature still holds; the facts are the verifier's alone
    for envelope in (_with_signatures(genuine, [extra]), _with_signatures(genuine, [extra], first=True)):
        verified = verify_approval(
            envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(genuine)
        )
        assert verified.verifier.accreditation_no == "IT-V-0001"
    # only the rogue signature, presented with the genuine certificate: refused
    doc = json.loads(genuine)
    doc["signatures"] = [extra]
    refused("signature", json.dumps(doc).encode(), pki.verifier.cert, pki.trust())
    # no signature at all
    doc["signatures"] = []
    refused("signature", json.dumps(doc).encode(), pki.verifier.cert, pki.trust())


@pytest.mark.parametrize("payload_type", ["application/json", "application/vnd.in-toto+json ", ""])
def test_swapped_payload_type_is_refused(pki: fixtures_pki.TestPki, payload_type: str) -> None:
    doc = json.loads(sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert))
    doc["payloadType"] = payload_type
    with pytest.raises(ApprovalRuleFailed) as caught:
        envelope = json.dumps(doc).encode()
        verify_approval(envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope))
    assert caught.value.rule in ("envelope-malformed", "signature")


def test_replays_of_an_accepted_approval_change_nothing(con, home) -> None:
    store = LocalStore(home.objects_dir)
    sid = drafted_member(con, home)
    files = _keys.demo_verifier(home)
    trust = _keys.trust_anchors(home)
    signed = sign_decision(con, store, sid, files, _keys.DEMO_PASSWORD, place="Ventasso", trust=trust)
    record_approval(
        con,
        store,
        signed.envelope,
        signed.cert_pem,
        trust,
        signed_pdf=signed.signed_pdf,
        timestamp=signed.timestamp,
    )
    before = con.execute("SELECT count(*) FROM approval").fetchone()
    objects = sorted(store.list(""))
    # the same bytes again, and re-wrapped with an extra signature (a new envelope hash)
    rogue = _signature(signed.envelope, _pki.new_key())
    for replay in (signed.envelope, _with_signatures(signed.envelope, [rogue])):
        try:
            record_approval(
                con,
                store,
                replay,
                signed.cert_pem,
                trust,
                signed_pdf=signed.signed_pdf,
                timestamp=signed.timestamp,
            )
        except ApprovalRuleFailed:
            pass  # refused is fine; a second approval is not
        assert con.execute("SELECT count(*) FROM approval").fetchone() == before
    assert con.execute(
        "SELECT count(*) FROM statement WHERE statement_id = ? AND status = 'validated'", [sid]
    ).fetchone() == (1,)
    assert set(objects) <= set(store.list(""))  # nothing stored was replaced


def test_a_coordinator_without_the_verifier_key_cannot_produce_an_accepted_approval(con, home) -> None:
    """The coordinator has the warehouse, the drafts, the verifier's public certificate — not its key."""
    store = LocalStore(home.objects_dir)
    sid = drafted_member(con, home)
    verifier = _keys.demo_verifier(home)
    trust = _keys.trust_anchors(home)
    own_key, own_ca = _pki.create_ca("DEMO Accreditation Body (not for real use)")  # the home CA's name
    own_cert = _pki.issue_verifier(
        own_key,
        own_ca,
        own_key.public_key(),
        name="DEMO Verifier",
        accreditation_no="DEMO-V-0001",
        nace_scope=("55",),
    )
    attempts = {
        "own key, verifier's certificate": (
            sign_approval(draft_for(con, sid), own_key, verifier.load_cert()),
            verifier.cert.read_bytes(),
        ),
        "own key, own certificate": (
            sign_approval(draft_for(con, sid), own_key, own_cert),
            _pki.pem(own_cert),
        ),
    }
    for what, (envelope, cert_pem) in attempts.items():
        with pytest.raises(ApprovalRuleFailed) as caught:
            record_approval(
                con, store, envelope, cert_pem, trust, signed_pdf=b"%PDF-1.7", timestamp=stamp(envelope)
            )
        assert caught.value.rule in ("signature", "chain"), what
    assert con.execute("SELECT count(*) FROM approval").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM approval_refusal").fetchone() == (len(attempts),)
    assert con.execute("SELECT max(status) FROM statement WHERE statement_id = ?", [sid]).fetchone() != (
        "validated",
    )
