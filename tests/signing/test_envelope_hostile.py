"""Hostile approval envelopes against the pure rules and ``verify`` of a bare envelope: each is
refused by its named rule (never a raw KeyError/AttributeError), and nothing else decides."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecocluster import signing
from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.signing._offline import verify_envelope
from ecocluster.signing._verify import RULES, parse_approval, verify_approval
from tests.fixtures_tsa import stamp
from tests.signing import hostile
from tests.signing.test_approval_rules import CONTEXT, DRAFT


@pytest.mark.parametrize("case", hostile.CASES, ids=lambda c: c.name)
def test_each_hostile_envelope_is_refused_by_its_rule(pki, case: hostile.Case) -> None:
    envelope = case.build(hostile.genuine(DRAFT, pki.verifier.cert), pki.verifier.key)
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify_approval(envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope))
    assert caught.value.rule == case.rule, str(caught.value)
    report = verify_envelope(
        envelope, signing._pki.pem(pki.verifier.cert), pki.trust(), timestamp=stamp(envelope)
    )
    if case.rule in ("envelope-malformed", "identity"):  # what a bare envelope can be checked for, offline
        assert not report.ok and [c.name for c in report.checks if not c.ok] == [f"approval/{case.rule}"]


def test_the_corpus_is_genuine_but_for_its_one_change(pki) -> None:
    """Without the change the same builder gives an accepted approval: each case tests one thing."""
    envelope = hostile.signed(hostile.genuine(DRAFT, pki.verifier.cert), pki.verifier.key)
    assert (
        verify_approval(envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope)).decision
        == "approved"
    )
    assert len(hostile.CASES) >= 40 and {c.rule for c in hostile.CASES} <= set(RULES)


def test_an_envelope_over_the_limit_is_refused_before_it_is_parsed(pki) -> None:
    envelope = hostile.signed(hostile.genuine(DRAFT, pki.verifier.cert), pki.verifier.key)
    with pytest.raises(ApprovalRuleFailed) as caught:
        parse_approval(envelope + b" " * 2048, max_bytes=len(envelope) + 1024)
    assert caught.value.rule == "envelope-too-large" and f"{len(envelope) + 2048:,} bytes" in str(
        caught.value
    )
    assert parse_approval(envelope, max_bytes=len(envelope)).predicate.member.id == "IT-CL-001"


def test_parsed_once_the_envelope_is_a_frozen_value_the_rules_reuse(pki) -> None:
    parsed = parse_approval(hostile.signed(hostile.genuine(DRAFT, pki.verifier.cert), pki.verifier.key))
    with pytest.raises(AttributeError):
        parsed.predicate.decision = "rejected"  # type: ignore[misc,assignment]
    assert (
        verify_approval(
            parsed, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(parsed.raw)
        ).statement_id
        == DRAFT.statement_id
    )


def test_bare_envelope_passes_only_as_an_approval_by_its_named_signer(pki) -> None:
    cert_pem = signing._pki.pem(pki.verifier.cert)
    approval = hostile.signed(hostile.genuine(DRAFT, pki.verifier.cert), pki.verifier.key)
    assert verify_envelope(approval, cert_pem, pki.trust(), timestamp=stamp(approval)).ok
    rejection = hostile.signed(
        hostile.genuine(DRAFT, pki.verifier.cert, "rejected", ("NC-3 open",)), pki.verifier.key
    )
    report = verify_envelope(rejection, cert_pem, pki.trust(), timestamp=stamp(rejection))
    assert not report.ok and [c.name for c in report.checks if not c.ok] == ["decision"]
    assert "REJECTED" in report.reasons()[0] and "NC-3 open" in report.reasons()[0]
    other = pki.issue(accreditation_no="IT-V-0009")  # names another verifier, signed by this one
    naming_other = hostile.signed(hostile.genuine(DRAFT, other.cert), pki.verifier.key)
    report = verify_envelope(naming_other, cert_pem, pki.trust(), timestamp=stamp(naming_other))
    assert not report.ok and report.checks[0].name == "approval/identity"
    assert not verify_envelope(
        approval, b"", pki.trust(), timestamp=stamp(approval)
    ).ok  # no certificate: certificate-malformed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_no_outcome_but_accept_or_a_named_refusal(pki, data) -> None:
    statement = hostile.genuine(DRAFT, pki.verifier.cert)
    envelope = data.draw(hostile.envelopes(statement, pki.verifier.key))
    try:
        verify_approval(envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope))
    except ApprovalRuleFailed as e:
        assert e.rule in RULES
    report = verify_envelope(
        envelope, signing._pki.pem(pki.verifier.cert), pki.trust(), timestamp=stamp(envelope)
    )
    assert all(
        c.name.removeprefix("approval/")
        in (*RULES, "envelope", "signature", "timestamp", "certificate", "identity", "decision")
        for c in report.checks
    )
