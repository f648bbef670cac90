"""PKI hygiene (issue 13, findings 3, 15, 16, 21): CRL freshness, NACE scopes, accreditation numbers,
key files and revocation reasons. Each hostile case asserts the named refusal and that nothing changed.

Real keys, certificates and CRLs throughout; OpenSSL reads what we write as an independent check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecocluster.core.errors import ApprovalRuleFailed, ConfigurationError
from ecocluster.core.home import Home
from ecocluster.signing import _keys, _pki
from ecocluster.signing._approval import REJECTED, sign_approval
from ecocluster.signing._intake import init_body_key
from ecocluster.signing._keys import with_tsa_anchors
from ecocluster.signing._offline import verify_envelope
from ecocluster.signing._verify import (
    ApprovalContext,
    TrustAnchors,
    current_crl,
    revocation,
    verify_approval,
)
from ecocluster.warehouse import nace
from tests.fixtures_tsa import stamp
from tests.signing.test_approval_rules import CONTEXT, DRAFT

NOW = dt.datetime.now(
    dt.UTC
)  # set afresh for every test (below): a long run must not leave it behind the clock
CA_PW = b"ca-passphrase-long"
KEY_PW = b"verifier-passphrase"


@pytest.fixture(autouse=True)
def _now(monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "NOW", dt.datetime.now(dt.UTC))


def _refused(
    rule: str,
    envelope: bytes,
    cert: x509.Certificate,
    trust: TrustAnchors,
    context: ApprovalContext = CONTEXT,
) -> ApprovalRuleFailed:
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify_approval(
            envelope, cert, with_tsa_anchors(trust, ()), context, timestamp=stamp(envelope), now=NOW
        )
    assert caught.value.rule == rule, str(caught.value)
    return caught.value


def _crl(pki, *, issued: dt.datetime, days: int = 30, revoked=()) -> x509.CertificateRevocationList:
    return _pki.build_crl(pki.ca_key, pki.ca_cert, list(revoked), now=issued, days=days)


def _entry(crl: x509.CertificateRevocationList, serial: int) -> _pki.Revocation:
    entry = _pki.revocation_of(crl, serial)
    assert entry is not None, f"serial {serial} is not on the CRL"
    return entry


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its digest: what "nothing else changed" compares."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- finding 3: a stale CRL fails closed, in approve and offline alike --------------------------


@pytest.mark.parametrize(
    ("age", "grace_hours"),
    [
        (dt.timedelta(days=60), 0),  # the review's case: expired a month ago
        (dt.timedelta(days=30, minutes=1), 0),  # a minute past nextUpdate, no grace
        (dt.timedelta(days=32), 24),  # past the grace too
        (dt.timedelta(days=400), 720),  # far beyond the largest grace
    ],
)
def test_a_stale_crl_refuses_the_approval(pki, age, grace_hours) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=NOW)
    trust = TrustAnchors((pki.ca_cert,), (_crl(pki, issued=NOW - age),), dt.timedelta(hours=grace_hours))
    refusal = _refused("crl-freshness", envelope, pki.verifier.cert, trust)
    assert "expired" in str(refusal) and "pki crl" in str(refusal)


@pytest.mark.parametrize(
    ("age", "grace_hours"), [(dt.timedelta(days=30, hours=2), 3), (dt.timedelta(days=29), 0)]
)
def test_a_crl_within_its_validity_or_grace_is_accepted(pki, age, grace_hours) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=NOW)
    trust = TrustAnchors((pki.ca_cert,), (_crl(pki, issued=NOW - age),), dt.timedelta(hours=grace_hours))
    verified = verify_approval(
        envelope, pki.verifier.cert, with_tsa_anchors(trust, ()), CONTEXT, timestamp=stamp(envelope), now=NOW
    )
    assert verified.decision == "approved"


def test_a_crl_from_the_future_is_refused(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=NOW)
    trust = TrustAnchors((pki.ca_cert,), (_crl(pki, issued=NOW + dt.timedelta(days=3)),))
    _refused("crl-freshness", envelope, pki.verifier.cert, trust)


def test_a_stale_crl_refuses_a_rejection_too(pki) -> None:
    envelope = sign_approval(
        DRAFT, pki.verifier.key, pki.verifier.cert, decision=REJECTED, reasons=("x",), signed_at=NOW
    )
    trust = TrustAnchors((pki.ca_cert,), (_crl(pki, issued=NOW - dt.timedelta(days=45)),))
    _refused("crl-freshness", envelope, pki.verifier.cert, trust)


def test_the_newest_crl_counts_whatever_the_order(pki) -> None:
    """An old CRL (before the revocation) beside the current one cannot hide the revocation."""
    revoked = pki.issue(accreditation_no="IT-V-0031")
    envelope = sign_approval(DRAFT, revoked.key, revoked.cert, signed_at=NOW)
    old = _crl(pki, issued=NOW - dt.timedelta(days=2))
    new = _crl(pki, issued=NOW - dt.timedelta(hours=1), revoked=[(revoked.cert.serial_number, NOW)])
    for crls in ((old, new), (new, old)):
        _refused("revocation", envelope, revoked.cert, TrustAnchors((pki.ca_cert,), crls))


def test_a_crl_signed_by_another_key_under_the_same_name_is_ignored(pki) -> None:
    rogue_key = _pki.new_key()
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca_cert.subject)
        .last_update(NOW - dt.timedelta(hours=1))
        .next_update(NOW + dt.timedelta(days=30))
        .sign(rogue_key, hashes.SHA256())
    )
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=NOW)
    _refused("revocation", envelope, pki.verifier.cert, TrustAnchors((pki.ca_cert,), (forged,)))


def test_offline_verify_shares_the_freshness_rule(pki) -> None:
    """The bare-envelope check of `ecocluster verify` goes through the same current_crl."""
    from ecocluster.signing._pki import pem

    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=NOW)
    stale = TrustAnchors((pki.ca_cert,), (_crl(pki, issued=NOW - dt.timedelta(days=40)),))
    report = verify_envelope(
        envelope, pem(pki.verifier.cert), with_tsa_anchors(stale, ()), timestamp=stamp(envelope)
    )
    assert not report.ok and report.checks[0].name == "approval/crl-freshness"
    with pytest.raises(ApprovalRuleFailed) as caught:
        current_crl(pki.ca_cert, stale, NOW)
    assert caught.value.rule == "crl-freshness"


@pytest.mark.parametrize("flag", ["--crl", "--trust"])
def test_a_mistyped_crl_or_trust_path_is_an_error_not_skipped(home, tmp_path, flag) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    ca, crl = _keys.ca_dir(home) / "ca.pem", _keys.ca_dir(home) / "crl.pem"
    missing = tmp_path / "crl-typo.pem"
    cas, crls = ((ca,), (missing,)) if flag == "--crl" else ((ca, missing), (crl,))
    with pytest.raises(ConfigurationError, match=r"crl-typo\.pem does not exist"):
        _keys.trust_anchors_from(cas, crls)


def test_a_configured_crl_that_does_not_exist_is_an_error(home, tmp_path) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    home.config_path.write_text(f'[signing]\ncrls = ["{tmp_path / "gone.pem"}"]\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"gone\.pem does not exist"):
        _keys.trust_anchors(home)


@pytest.mark.parametrize("grace", ['"24"', "-1", "100000", "true"])
def test_a_bad_crl_grace_is_a_configuration_error(home, grace) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    home.config_path.write_text(f"[signing]\ncrl_grace_hours = {grace}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="crl_grace_hours"):
        _keys.trust_anchors(home)


def test_configured_grace_reaches_the_anchors(home) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    home.config_path.write_text("[signing]\ncrl_grace_hours = 36\n", encoding="utf-8")
    assert _keys.trust_anchors(home).crl_grace == dt.timedelta(hours=36)


def test_pki_crl_refresh_keeps_entries_and_moves_next_update(home, pki) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    files = _keys.issue_verifier(
        home, name="V", accreditation_no="IT-V-0040", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    _keys.revoke(home, files.load_cert(), CA_PW, reason="superseded", now=NOW - dt.timedelta(days=40))
    crl_path = _keys.ca_dir(home) / "crl.pem"
    with pytest.raises(ApprovalRuleFailed):
        current_crl(
            _pki.load_certs((_keys.ca_dir(home) / "ca.pem").read_bytes())[0], _keys.trust_anchors(home), NOW
        )
    _keys.refresh_crl(home, CA_PW)
    crl = _pki.load_crl(crl_path.read_bytes())
    assert crl.next_update_utc is not None and crl.next_update_utc > NOW
    assert _entry(crl, files.load_cert().serial_number).reason == "superseded"


# --- issue 16: revocation reasons and invalidity dates in the CRL -------------------------------


@pytest.mark.parametrize("reason", sorted(_pki.REASONS))
def test_revoke_writes_reason_and_invalidity_date(home, reason) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    files = _keys.issue_verifier(
        home, name="V", accreditation_no="IT-V-0041", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    crl_path = _keys.revoke(home, files.load_cert(), CA_PW, reason=reason, since=since)
    entry = _pki.revocation_of(_pki.load_crl(crl_path.read_bytes()), files.load_cert().serial_number)
    assert entry is not None and (entry.reason, entry.invalid_since) == (reason, since)
    # Independent reader: OpenSSL sees the standard entry extensions.
    text = subprocess.run(
        ["openssl", "crl", "-in", str(crl_path), "-noout", "-text"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "X509v3 CRL Reason Code" in text and "Invalidity Date" in text
    assert {
        "key-compromise": "Key Compromise",
        "superseded": "Superseded",
        "cessation-of-operation": "Cessation Of Operation",
        "affiliation-changed": "Affiliation Changed",
    }[reason] in text
    trust = _keys.trust_anchors(home)
    found = revocation(files.load_cert(), trust, dt.datetime.now(dt.UTC))
    assert found is not None and found.reason == reason


def test_revocation_entries_keep_their_reasons_when_the_crl_is_reissued(home) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    first = _keys.issue_verifier(
        home, name="A", accreditation_no="IT-V-0042", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    second = _keys.issue_verifier(
        home, name="B", accreditation_no="IT-V-0043", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    _keys.revoke(home, first.load_cert(), CA_PW, reason="affiliation-changed")
    crl_path = _keys.revoke(home, second.load_cert(), CA_PW, reason="superseded")
    crl = _pki.load_crl(crl_path.read_bytes())
    assert _entry(crl, first.load_cert().serial_number).reason == "affiliation-changed"
    assert _entry(crl, second.load_cert().serial_number).reason == "superseded"


def test_revoking_twice_is_refused_but_key_compromise_may_follow(home) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    files = _keys.issue_verifier(
        home, name="A", accreditation_no="IT-V-0044", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    crl_path = _keys.revoke(home, files.load_cert(), CA_PW, reason="cessation-of-operation")
    before = crl_path.read_bytes()
    with pytest.raises(ConfigurationError, match="already revoked"):
        _keys.revoke(home, files.load_cert(), CA_PW, reason="superseded")
    assert crl_path.read_bytes() == before
    since = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    _keys.revoke(home, files.load_cert(), CA_PW, reason="key-compromise", since=since)
    entry = _entry(_pki.load_crl(crl_path.read_bytes()), files.load_cert().serial_number)
    assert (entry.reason, entry.invalid_since) == ("key-compromise", since)


@pytest.mark.parametrize("case", ["foreign certificate", "unknown reason", "since in the future"])
def test_bad_revocations_are_refused_and_the_crl_is_unchanged(home, pki, case) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    files = _keys.issue_verifier(
        home, name="A", accreditation_no="IT-V-0045", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    crl_path = _keys.ca_dir(home) / "crl.pem"
    before = crl_path.read_bytes()
    cert = files.load_cert()
    kwargs: dict[str, Any] = {}
    if case == "foreign certificate":
        cert = pki.verifier.cert  # same subject shape, another CA
    elif case == "unknown reason":
        kwargs = {"reason": "certificate-hold"}
    else:
        kwargs = {"since": dt.datetime.now(dt.UTC) + dt.timedelta(days=2)}
    with pytest.raises(ConfigurationError):
        _keys.revoke(home, cert, CA_PW, **kwargs)
    assert crl_path.read_bytes() == before


# --- finding 15: NACE scopes and accreditation numbers ------------------------------------------

BAD_SCOPES = [
    ("8",),
    ("*",),
    ("hotels",),
    ("55.",),
    ("55.100",),
    ("5510",),
    ("00",),
    ("57",),
    ("04.1",),
    ("55.5",),  # a well-formed group NACE Rev. 2 does not have
    ("55.99",),  # a well-formed class it does not have
    ("V",),
    ("i",),
    ("５５",),
    ("55.1\u200b",),
    ("55.10", ""),
    ("84.11;55",),
    (),
]


@pytest.mark.parametrize("scope", BAD_SCOPES, ids=repr)
def test_issue_verifier_refuses_a_scope_outside_nace_rev2(home, scope) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    before = _tree(home.root)
    with pytest.raises(ConfigurationError, match="NACE"):
        _keys.issue_verifier(
            home, name="V", accreditation_no="IT-V-0050", nace=scope, ca_password=CA_PW, key_password=KEY_PW
        )
    assert _tree(home.root) == before


@pytest.mark.parametrize("scope", [("I",), ("55",), ("55.1",), ("55.10",), ("99.00", "O", "84.11")])
def test_nace_scope_levels_are_accepted_and_nest(pki, scope) -> None:
    verifier = pki.issue(nace=scope, accreditation_no="IT-V-0051")
    assert _pki.identity(verifier.cert).nace_scope == scope
    assert _pki.identity(verifier.cert).covers("55.10") == (scope != ("99.00", "O", "84.11"))


@pytest.mark.parametrize(
    ("scope", "member", "covered"),
    [
        (("I",), "56.10", True),
        (("I",), "47.11", False),
        (("55.1",), "55.20", False),
        (("5",), "55.10", False),
        (("55",), "5", False),
        (("O",), "84.11", True),
    ],
)
def test_coverage_is_by_nace_structure_not_string_prefix(scope, member, covered) -> None:
    who = _pki.VerifierIdentity("V", "IT-V-1", scope, "f", NOW, NOW)
    assert who.covers(member) is covered


BAD_NUMBERS = [
    "../x",
    "IT/V/0001",
    "..",
    "IT-V-00\n01",
    "IT V 0001",
    "",
    "-IT",
    "IT--V",
    "x" * 41,
    "ІТ-V-0001",
    "IT-V-0001;rm",
    "IT-V-\x00",
    "IT_V_0001",
]


@pytest.mark.parametrize("number", BAD_NUMBERS, ids=repr)
def test_issue_verifier_refuses_a_bad_accreditation_number_and_writes_nothing(home, number) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    before = _tree(home.root)
    with pytest.raises(ConfigurationError, match="accreditation number"):
        _keys.issue_verifier(
            home, name="V", accreditation_no=number, nace=("55",), ca_password=CA_PW, key_password=KEY_PW
        )
    assert _tree(home.root) == before
    assert not (home.root.parent / "x").exists()


@pytest.mark.parametrize("spelling", [" it-v-0060 ", "IT-V-0060", "ＩＴ-Ｖ-0060", "it-V-0060\t"])
def test_accreditation_numbers_are_issued_normalised(home, spelling) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    files = _keys.issue_verifier(
        home, name="V", accreditation_no=spelling, nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    assert files.folder == home.root / "verifiers" / "IT-V-0060"
    assert _pki.identity(files.load_cert()).accreditation_no == "IT-V-0060"


@pytest.mark.parametrize("existing", ["key.pem", "cert.pem", "chain.pem"])
def test_an_existing_verifier_key_is_never_overwritten(home, existing) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    folder = home.root / "verifiers" / "IT-V-0070"
    folder.mkdir(parents=True)
    (folder / existing).write_bytes(b"the verifier's own file")
    before = _tree(home.root)
    with pytest.raises(ConfigurationError, match="never overwritten"):
        _keys.issue_verifier(
            home, name="V", accreditation_no="IT-V-0070", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
        )
    assert _tree(home.root) == before


def test_issuing_twice_to_the_same_number_is_refused(home) -> None:
    _keys.init_ca(home, "TEST AB", CA_PW)
    first = _keys.issue_verifier(
        home, name="V", accreditation_no="IT-V-0071", nace=("55",), ca_password=CA_PW, key_password=KEY_PW
    )
    key_before = first.key.read_bytes()
    with pytest.raises(ConfigurationError, match="never overwritten"):
        _keys.issue_verifier(
            home, name="V", accreditation_no="it-v-0071", nace=("56",), ca_password=CA_PW, key_password=KEY_PW
        )
    assert first.key.read_bytes() == key_before


# --- finding 16: accreditation numbers compared normalised (pure rule) ---------------------------


def _cert_with_number(pki, number: str) -> tuple[_pki.PrivateKey, x509.Certificate]:
    """A certificate whose subject serialNumber is spelled as another CA might spell it."""
    key = _pki.new_key()
    ext = pki.verifier.cert.extensions.get_extension_for_oid(_pki.NACE_SCOPE_OID).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "Spelled"),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, number),
                ]
            )
        )
        .issuer_name(pki.ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(ext, critical=False)
        .sign(pki.ca_key, hashes.SHA256())
    )
    return key, cert


@pytest.mark.parametrize(
    ("in_cert", "recorded"),
    [
        ("it-v-0080", "IT-V-0080"),
        ("IT-V-0080 ", "IT-V-0080"),
        ("IT-V-0080", " it-v-0080"),
        ("IT-V-0080", "IT-V-0080\n"),
        ("IT-v-0080", "it-V-0080 "),
    ],
)
def test_conflict_holds_whatever_the_spelling(pki, in_cert, recorded) -> None:
    key, cert = _cert_with_number(pki, in_cert)
    envelope = sign_approval(DRAFT, key, cert, signed_at=NOW)
    context = ApprovalContext(**{**CONTEXT.__dict__, "consulted_by": frozenset({recorded})})
    _refused("conflict", envelope, cert, pki.trust(), context)


# --- finding 21: key files ------------------------------------------------------------------------


@pytest.mark.parametrize("password", [b"", b"demo", b"x" * 11, "ñ".encode() * 6])
def test_a_short_passphrase_is_refused_and_no_file_is_written(tmp_path, password) -> None:
    with pytest.raises(ConfigurationError, match="at least 12 characters"):
        _pki.save_key(_pki.new_key(), tmp_path / "key.pem", password)
    assert list(tmp_path.iterdir()) == []


def test_new_keys_use_pbkdf2_sha256_at_owasp_strength_and_openssl_reads_them(tmp_path) -> None:
    path = tmp_path / "key.pem"
    old_umask = os.umask(0)  # the most permissive umask must still give 0600
    try:
        _pki.save_key(_pki.new_key(), path, KEY_PW)
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o600
    parsed = subprocess.run(
        ["openssl", "asn1parse", "-in", str(path)], check=True, capture_output=True, text=True
    ).stdout
    assert "PBES2" in parsed and "PBKDF2" in parsed and "hmacWithSHA256" in parsed and "aes-256-cbc" in parsed
    assert ":0927C0" in parsed  # 600,000 iterations
    pw = tmp_path / "pw"
    pw.write_bytes(KEY_PW)
    subprocess.run(["openssl", "pkey", "-in", str(path), "-passin", f"file:{pw}", "-noout"], check=True)
    assert _pki.kdf_iterations(path.read_bytes()) == _pki.KDF_ITERATIONS == 600_000


def test_an_old_weak_0644_key_still_loads_and_is_rewrapped_0600(tmp_path) -> None:
    """Keys written by earlier releases (cryptography's 2,048 iterations, mode 0644) keep working."""
    key = _pki.new_key()
    path = tmp_path / "key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"demo"),
        )
    )
    path.chmod(0o644)
    assert _pki.kdf_iterations(path.read_bytes()) == 2048
    loaded = _pki.load_key(path, b"demo")
    assert loaded.private_numbers() == key.private_numbers()
    assert path.stat().st_mode & 0o777 == 0o600
    assert _pki.kdf_iterations(path.read_bytes()) == _pki.KDF_ITERATIONS
    assert _pki.load_key(path, b"demo").private_numbers() == key.private_numbers()
    assert [p.name for p in tmp_path.iterdir()] == ["key.pem"]  # no temporary file left


def test_save_key_never_replaces_a_file(tmp_path) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(b"someone's key")
    with pytest.raises(ConfigurationError, match="never overwritten"):
        _pki.save_key(_pki.new_key(), path, KEY_PW)
    assert path.read_bytes() == b"someone's key"


def test_a_wrong_passphrase_is_a_clean_error(tmp_path) -> None:
    path = tmp_path / "key.pem"
    _pki.save_key(_pki.new_key(), path, KEY_PW)
    before = path.read_bytes()
    with pytest.raises(ConfigurationError, match="wrong password"):
        _pki.load_key(path, b"not-the-passphrase")
    assert path.read_bytes() == before


def test_competent_body_and_ca_keys_need_the_minimum_passphrase(tmp_path) -> None:
    home = Home.resolve(tmp_path / "home")
    with pytest.raises(ConfigurationError, match="at least 12"):
        _keys.init_ca(home, "TEST AB", b"short")
    assert not (_keys.ca_dir(home) / "ca.key").exists()
    with pytest.raises(ConfigurationError, match="at least 12"):
        init_body_key(home.root / "competent-body" / "IT", "IT", b"cb-pw")
    assert not (home.root / "competent-body" / "IT" / "key.pem").exists()


def test_a_demo_home_from_before_the_passphrase_rule_still_works(home) -> None:
    """DEMO keys written under the old password ``demo`` are moved to the new DEMO passphrase."""
    files = _keys.demo_verifier(home)
    for path in (_keys.ca_dir(home) / "ca.key", files.key):
        key = _pki.load_key(path, _keys.DEMO_PASSWORD)
        path.unlink()
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"demo"),
            )
        )
    assert _keys.demo_verifier(home) == files
    for path in (_keys.ca_dir(home) / "ca.key", files.key):
        _pki.load_key(path, _keys.DEMO_PASSWORD)
        assert path.stat().st_mode & 0o777 == 0o600


def test_a_stale_demo_crl_is_refreshed(home) -> None:
    files = _keys.demo_verifier(home)
    _keys.refresh_crl(home, _keys.DEMO_PASSWORD, now=NOW - dt.timedelta(days=60))
    _keys.demo_verifier(home)
    trust = _keys.trust_anchors(home)
    assert revocation(files.load_cert(), trust, dt.datetime.now(dt.UTC)) is None


# --- properties: whatever is accepted is safe ------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_accepted_accreditation_number_is_safe_ascii(value: str) -> None:
    try:
        number = _pki.valid_accreditation_no(value)
    except ConfigurationError:
        return
    assert number.isascii() and number == _pki.normalise_accreditation_no(number) == number.strip()
    assert len(number) <= 40 and not set(number) - set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
    assert number == _pki.normalise_accreditation_no(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=8), st.from_regex(r"[0-9]{2}(\.[0-9]{1,2})?", fullmatch=True)))
def test_any_accepted_nace_code_lies_under_a_listed_section_or_division(value: str) -> None:
    table = nace.table()
    if not nace.is_code(value):
        return
    assert value.isascii() and (value in table.sections or value[:2] in table.divisions)
    assert nace.covers(value, value)
