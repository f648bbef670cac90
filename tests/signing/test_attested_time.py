"""Attested time (issue 16; issue 13 finding 10): validity and revocation are judged at the RFC 3161
time of the signature, never at the signer's own ``signedAt``.

Fake clock: verification takes ``now``; nothing sleeps. The TSA is ecocluster's own, over HTTP on
127.0.0.1 (the session one from tests/fixtures_tsa.py, or one started here under another CA).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.signing import _dsse, _keys, _pki, _tsa
from ecocluster.signing._approval import REJECTED, sign_approval
from ecocluster.signing._verify import TrustAnchors, verify_approval
from tests.fixtures_tsa import running_tsa, serving, stamp
from tests.signing.test_approval_rules import CONTEXT, DRAFT

NOW = dt.datetime.now(dt.UTC)
YEAR = dt.timedelta(days=365)
KEY_COMPROMISE, CESSATION = x509.ReasonFlags.key_compromise, x509.ReasonFlags.cessation_of_operation


def crl(ca_key, ca_cert, entries, *, now: dt.datetime = NOW) -> x509.CertificateRevocationList:
    """A CRL issued at ``now`` listing (certificate, revoked on, reason, invalid since or None)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=30))
    )
    for cert, revoked_on, reason, invalid_since in entries:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(revoked_on)
            .add_extension(x509.CRLReason(reason), critical=False)
        )
        if invalid_since is not None:
            entry = entry.add_extension(
                x509.InvalidityDate(invalid_since.replace(tzinfo=None)), critical=False
            )
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca_key, hashes.SHA256())


def trust_with(pki, *entries, now: dt.datetime = NOW) -> TrustAnchors:
    trust: TrustAnchors = pki.with_tsa(
        TrustAnchors((pki.ca_cert,), (crl(pki.ca_key, pki.ca_cert, entries, now=now),)), now=now
    )
    return trust


def refused(
    rule: str, envelope: bytes, cert, trust, *, timestamp: bytes | None, now=None
) -> ApprovalRuleFailed:
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify_approval(envelope, cert, trust, CONTEXT, timestamp=timestamp, now=now)
    assert caught.value.rule == rule, str(caught.value)
    return caught.value


# --- the timestamp itself -------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, b"", b"not a TimeStampResp", b"\x30\x00"])
def test_an_approval_without_a_readable_timestamp_is_refused(pki, token) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    refused("timestamp", envelope, pki.verifier.cert, pki.trust(), timestamp=token)


def test_a_timestamp_the_tsa_did_not_grant_is_refused(pki, tsa) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    authority = _tsa.Authority(key, tsa.cert, (tsa.ca,))
    rejection = authority.respond(b"\x30\x03\x02\x01\x01")  # not a TimeStampReq: a 'rejection' answer
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    assert "did not grant" in str(
        refused("timestamp", envelope, pki.verifier.cert, pki.trust(), timestamp=rejection)
    )


def test_a_timestamp_of_another_signature_is_refused(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    other = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, place="elsewhere")
    refused("timestamp", envelope, pki.verifier.cert, pki.trust(), timestamp=stamp(other))


def test_a_timestamp_over_another_signers_signature_in_the_envelope_is_refused(pki) -> None:
    """An extra signature by another key is in the envelope, and the token stamps that one."""
    genuine = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    rogue = sign_approval(DRAFT, _pki.new_key(), pki.verifier.cert)
    both = _dsse.Envelope.from_json(genuine)
    both = dataclasses.replace(both, signatures=_dsse.Envelope.from_json(rogue).signatures + both.signatures)
    refused("timestamp", both.to_json(), pki.verifier.cert, pki.trust(), timestamp=stamp(rogue))
    verify_approval(both.to_json(), pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(genuine))


def test_a_timestamp_from_an_untrusted_tsa_is_refused(pki) -> None:
    other_key, other_ca = _pki.create_ca("Some timestamp CA nobody configured")
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    with running_tsa(other_key, other_ca) as untrusted:
        token = _tsa.request(untrusted.url, _dsse.Envelope.from_json(envelope).signatures[0][1])
    refused("timestamp", envelope, pki.verifier.cert, pki.trust(), timestamp=token)


def test_a_certificate_without_the_timestamping_usage_cannot_act_as_a_tsa(pki) -> None:
    """Issued by the trusted accreditation CA, but for signing statements: its tokens are refused."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _pki.issue_verifier(
        pki.ca_key,
        pki.ca_cert,
        key.public_key(),  # type: ignore[arg-type]  # an RSA key: issued to act as a TSA, not a verifier
        name="Not a TSA",
        accreditation_no="IT-V-0999",
        nace_scope=("55",),
    )
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    with serving(_tsa.Authority(key, cert, (pki.ca_cert,))) as url:
        token = _tsa.request(url, _dsse.Envelope.from_json(envelope).signatures[0][1])
    refused("timestamp", envelope, pki.verifier.cert, pki.trust(), timestamp=token)


def test_a_tsa_revoked_for_key_compromise_before_the_token_is_refused(pki, tsa) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    ca_key, ca_cert = _pki.create_ca("TEST Timestamp CA 2", years=30)
    with running_tsa(ca_key, ca_cert) as compromised:
        token = _tsa.request(compromised.url, _dsse.Envelope.from_json(envelope).signatures[0][1])
        cert = compromised.cert
    revoked = crl(ca_key, ca_cert, [(cert, NOW, KEY_COMPROMISE, NOW - dt.timedelta(days=1))])
    trust = dataclasses.replace(pki.trust(), tsa=(ca_cert,))
    problem = refused(
        "timestamp",
        envelope,
        pki.verifier.cert,
        dataclasses.replace(trust, crls=(*trust.crls, revoked)),
        timestamp=token,
    )
    assert "key-compromise" in str(problem)
    refused("timestamp", envelope, pki.verifier.cert, trust, timestamp=token)  # and without its CA's CRL: no


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command line tool")
def test_openssl_verifies_the_token_independently(tsa, tmp_path: Path, pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    signature = _dsse.Envelope.from_json(envelope).signatures[0][1]
    (tmp_path / "sig.bin").write_bytes(signature)
    (tmp_path / "approval.tsr").write_bytes(stamp(envelope))
    (tmp_path / "tsa-ca.pem").write_bytes(_pki.pem(tsa.ca))
    done = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(tmp_path / "sig.bin"),
            "-in",
            str(tmp_path / "approval.tsr"),
            "-CAfile",
            str(tmp_path / "tsa-ca.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in done.stdout, done.stdout + done.stderr


# --- finding 10: two clocks --------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["approved", REJECTED])
def test_a_backdated_decision_by_an_expired_verifier_is_refused(pki, decision) -> None:
    """The certificate expired 35 days ago; the envelope claims a day when it was still valid.
    Before attested time this was accepted: validity was judged at the claimed signedAt."""
    expired = pki.issue(not_before=NOW - dt.timedelta(days=400), days=365)
    backdated = NOW - dt.timedelta(days=100)
    envelope = sign_approval(
        DRAFT,
        expired.key,
        expired.cert,
        decision=decision,
        signed_at=backdated,
        reasons=("late",) if decision == REJECTED else (),
    )
    problem = refused("validity", envelope, expired.cert, pki.trust(), timestamp=stamp(envelope))
    assert "valid only from" in str(problem)


def test_a_backdated_signed_at_with_a_valid_certificate_is_refused(pki) -> None:
    """signedAt is printed on the declaration and the statement: it may not lie either."""
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=NOW - dt.timedelta(days=2))
    problem = refused("timestamp", envelope, pki.verifier.cert, pki.trust(), timestamp=stamp(envelope))
    assert "backdated" in str(problem)


# --- revocation with reasons -------------------------------------------------------------------------


def test_a_signature_timestamped_after_a_key_compromise_date_is_refused(pki) -> None:
    """Revoked today, compromised (InvalidityDate) since yesterday: today's signature is refused."""
    victim = pki.issue(accreditation_no="IT-V-0003")
    envelope = sign_approval(DRAFT, victim.key, victim.cert)
    token = stamp(envelope)
    trust = trust_with(
        pki, (victim.cert, NOW + dt.timedelta(minutes=10), KEY_COMPROMISE, NOW - dt.timedelta(days=1))
    )
    problem = refused("revocation", envelope, victim.cert, trust, timestamp=token)
    assert "key-compromise" in str(problem)


def test_a_signature_timestamped_before_a_key_compromise_date_stays_valid(pki) -> None:
    """Thirty days later the key is found compromised since last week: the signature is older."""
    victim = pki.issue(accreditation_no="IT-V-0004")
    envelope = sign_approval(DRAFT, victim.key, victim.cert)
    token = stamp(envelope)
    later = NOW + dt.timedelta(days=30)
    trust = trust_with(pki, (victim.cert, later, KEY_COMPROMISE, later - dt.timedelta(days=7)), now=later)
    verified = verify_approval(envelope, victim.cert, trust, CONTEXT, timestamp=token, now=later)
    assert verified.attested_at < later - dt.timedelta(days=7)


def test_cessation_of_operation_keeps_older_signatures_valid_ten_years_on(pki) -> None:
    """The verifier retired four years on; their 1-year certificate expired long before. Ten years
    on, the approval still holds: it is judged when the TSA saw it."""
    retired = pki.issue(accreditation_no="IT-V-0005", days=365)
    envelope = sign_approval(DRAFT, retired.key, retired.cert)
    before = dt.datetime.now(dt.UTC)  # NOW is the module's import time: a slow session is far past it
    token = stamp(envelope)
    after = dt.datetime.now(dt.UTC)
    ten_years = NOW + 10 * YEAR
    trust = trust_with(pki, (retired.cert, NOW + 4 * YEAR, CESSATION, None), now=ten_years)
    verified = verify_approval(envelope, retired.cert, trust, CONTEXT, timestamp=token, now=ten_years)
    assert verified.decision == "approved"
    assert before - dt.timedelta(seconds=1) <= verified.attested_at <= after + dt.timedelta(seconds=1)


def test_a_signature_timestamped_after_a_cessation_of_operation_is_refused(pki) -> None:
    retired = pki.issue(accreditation_no="IT-V-0006")
    envelope = sign_approval(DRAFT, retired.key, retired.cert)
    trust = trust_with(pki, (retired.cert, NOW - dt.timedelta(days=1), CESSATION, None))
    assert "cessation-of-operation" in str(
        refused("revocation", envelope, retired.cert, trust, timestamp=stamp(envelope))
    )


def test_an_unreachable_tsa_is_a_transient_error_naming_the_setting() -> None:
    import socket

    from ecocluster.core.errors import TransientError

    with socket.socket() as probe:  # a port nothing listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(_tsa.TimestampUnavailable, match=r"\[signing\] tsa_url") as caught:
        _tsa.request(f"http://127.0.0.1:{port}/", b"signature")
    assert isinstance(caught.value, TransientError)


# --- a whole registration package, ten years on -----------------------------------------------------


def long_lived_demo_home(home) -> tuple[_pki.PrivateKey, x509.Certificate]:
    """The DEMO accreditation body with a 30-year CA (the demo's own lasts ten: renewing it, and
    archive timestamps before the TSA certificate expires, are the renewal flow's job)."""
    key, cert = _pki.create_ca("DEMO Accreditation Body (not for real use)", years=30)
    folder = _keys.ca_dir(home)
    _pki.save_key(key, folder / "ca.key", _keys.DEMO_PASSWORD)
    (folder / "ca.pem").write_bytes(_pki.pem(cert))
    (folder / "crl.pem").write_bytes(_pki.crl_pem(_pki.build_crl(key, cert, [])))
    return key, cert


@pytest.fixture
def package_now(con, home):
    """An approved member's package, signed today with a TSA of the home's accreditation CA;
    returns (tar bytes, CA key, CA certificate, verifier certificate)."""
    from ecocluster import signing
    from ecocluster.core.store import LocalStore
    from tests.signing.rows import drafted_member

    ca_key, ca_cert = long_lived_demo_home(home)
    store = LocalStore(home.objects_dir)
    verifier = signing.demo_verifier(home)
    trust = signing.trust_anchors(home)
    sid = drafted_member(con, home, "IT-HOT-2")
    with running_tsa(ca_key, ca_cert, days=25 * 365) as authority:
        signing.approve(
            con, store, trust, sid, verifier, signing.DEMO_PASSWORD, place="Ventasso", tsa_url=authority.url
        )
    (delivery,) = signing.build_packages(con, store, trust)
    return store.get(delivery.key), ca_key, ca_cert, verifier.load_cert()


def test_a_package_verifies_offline_ten_years_later_after_expiry_and_cessation(package_now, tmp_path) -> None:
    """The acceptance case of issue 16: the verifier's 3-year certificate expired, and they were
    revoked for cessation of operation four years on; the package still verifies, offline, with
    the reader's own CA and current CRL, and pyHanko's own LTA validation agrees."""
    from ecocluster import signing

    data, ca_key, ca_cert, verifier_cert = package_now
    ten_years = NOW + 10 * YEAR
    assert verifier_cert.not_valid_after_utc < ten_years
    current = crl(ca_key, ca_cert, [(verifier_cert, NOW + 4 * YEAR, CESSATION, None)], now=ten_years)
    report = signing.verify_archive(data, TrustAnchors((ca_cert,), (current,)), now=ten_years)
    assert report.ok, report.reasons()
    pdf_check = next(c for c in report.checks if c.name == "pdf-signature")
    assert "PAdES B-LTA" in pdf_check.detail and "document timestamp=True" in pdf_check.detail
    pdf = signing.unpack(data, tmp_path / "bag") / "data" / "statement-validated.pdf"
    assert pyhanko_lta_passes(pdf.read_bytes(), ca_cert, ten_years)
    # the same package judged by the pre-attested-time rule (validity at the time of reading) fails
    from ecocluster.signing._verify import check_certificate

    with pytest.raises(ApprovalRuleFailed, match="valid only from"):
        check_certificate(verifier_cert, TrustAnchors((ca_cert,), (current,)), ten_years, ten_years)


def test_a_package_signed_after_a_key_compromise_date_is_refused(package_now) -> None:
    from ecocluster import signing

    data, ca_key, ca_cert, verifier_cert = package_now
    later = NOW + 30 * dt.timedelta(days=1)
    compromised = crl(
        ca_key, ca_cert, [(verifier_cert, later, KEY_COMPROMISE, NOW - dt.timedelta(days=1))], now=later
    )
    report = signing.verify_archive(data, TrustAnchors((ca_cert,), (compromised,)), now=later)
    failed = {c.name for c in report.checks if not c.ok}
    assert "approval/revocation" in failed, report.reasons()


def pyhanko_lta_passes(pdf: bytes, root: x509.Certificate, at: dt.datetime) -> bool:
    """pyHanko's AdES LTA validation, called directly (not through ecocluster), fetching off."""
    import asyncio
    import io

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    anchor = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    rule = RevocationCheckingRule.CHECK_IF_DECLARED
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[anchor]),
                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule)),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(RevinfoOnlineFetchingRule.LOCAL_ONLY),
        )
    )
    (signature,) = [
        s for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures if s.sig_object_type == "/Sig"
    ]
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=True)
    result = asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))
    return result.ades_subindic == AdESPassed.OK and result.oldest_evidence_record_timestamp is not None


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="needs poppler-utils (pdfsig) and libnss3-tools (certutil): make system-deps",
)
def test_pdfsig_reports_the_b_lta_signature_valid_and_trusted(package_now, tmp_path) -> None:
    from ecocluster import signing
    from tests.signing.test_pades import nss_db_trusting

    data, _key, ca_cert, _cert = package_now
    pdf = signing.unpack(data, tmp_path / "bag") / "data" / "statement-validated.pdf"
    (tmp_path / "nss").mkdir()
    db = nss_db_trusting(tmp_path / "nss", _pki.pem(ca_cert))
    report = subprocess.run(["pdfsig", "-nssdir", db, str(pdf)], capture_output=True, text=True, check=False)
    first = report.stdout.split("Signature #2")[0]
    assert "Signature is Valid." in first and "Certificate is Trusted." in first, report.stdout
    assert "DEMO Verifier" in first and "Signature #2" in report.stdout  # then the document timestamp


def test_a_revocation_without_a_reason_voids_even_older_signatures(pki) -> None:
    """`pki revoke` without --reason: nobody said the key was sound before, so nothing it signed holds."""
    revoked = pki.issue(accreditation_no="IT-V-0008")
    envelope = sign_approval(DRAFT, revoked.key, revoked.cert)
    token = stamp(envelope)
    later = NOW + YEAR
    trust = pki.with_tsa(
        TrustAnchors(
            (pki.ca_cert,),
            (
                _pki.build_crl(
                    pki.ca_key,
                    pki.ca_cert,
                    [_pki.Revocation(revoked.cert.serial_number, later, "unspecified")],
                    now=later,
                ),
            ),
        ),
        now=later,
    )
    problem = refused("revocation", envelope, revoked.cert, trust, timestamp=token, now=later)
    assert "without a reason" in str(problem)


def test_the_tsa_and_its_trust_come_from_the_homes_configuration(home, tsa, monkeypatch, tmp_path) -> None:
    """[signing] tsa_url and tsa_trust_anchors; without either, approving stops with the key to set."""
    from ecocluster import signing
    from ecocluster.core.errors import ConfigurationError

    monkeypatch.delenv("ECOCLUSTER_TSA_URL")
    monkeypatch.delenv("ECOCLUSTER_TSA_TRUST")
    with pytest.raises(ConfigurationError, match=r"\[signing\] tsa_url"):
        signing.tsa_url(home)
    signing.demo_verifier(home)
    assert signing.trust_anchors(home).tsa == ()
    anchor = tmp_path / "tsa-ca.pem"
    anchor.write_bytes(_pki.pem(tsa.ca) + _pki.crl_pem(tsa.crl))
    home.config_path.write_text(
        f'[signing]\ntsa_url = "{tsa.url}"\ntsa_trust_anchors = ["{anchor}"]\n', encoding="utf-8"
    )
    assert signing.tsa_url(home) == tsa.url
    trust = signing.trust_anchors(home)
    assert trust.tsa == (tsa.ca,) and tsa.crl in trust.crls


def test_what_verification_remembers_never_hides_a_later_revocation(pki) -> None:
    """Chains and CRL signatures are checked once and remembered (issue 13's throughput): a revocation
    published after the same certificate was accepted is still seen by the next trust configuration,
    and the configuration that accepted it keeps judging by its own CRL."""
    signer = pki.issue(accreditation_no="IT-V-0041")
    envelope = sign_approval(DRAFT, signer.key, signer.cert)
    token = stamp(envelope)
    before = trust_with(pki)
    assert verify_approval(envelope, signer.cert, before, CONTEXT, timestamp=token).decision == "approved"
    after = trust_with(pki, (signer.cert, NOW - dt.timedelta(days=1), KEY_COMPROMISE, None))
    refused("revocation", envelope, signer.cert, after, timestamp=token)
    assert verify_approval(envelope, signer.cert, before, CONTEXT, timestamp=token).decision == "approved"
