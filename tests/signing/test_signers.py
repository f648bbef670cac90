"""Signers behind one interface: a SoftHSM2 token and the key file sign approvals the normal rules accept."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from ecocluster.core.errors import SignerUnavailable
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.signing import _keys, _pki
from ecocluster.signing._inbox import approve
from ecocluster.signing.signers import file_uri, fixed_secret, open_signer
from tests.fixtures_softhsm import OBJECT, PIN, TOKEN, SoftToken
from tests.signing.rows import drafted_member
from tests.signing.test_pades import nss_db_trusting


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


def token_cert(home: Home, token: SoftToken, folder: Path, accreditation_no: str = "DEMO-V-0002") -> Path:
    """The token key's certificate, issued by the home's DEMO accreditation CA (as `pki issue-verifier`
    would)."""
    _keys.demo_verifier(home)
    ca_key, ca_cert = _keys._load_ca(home, _keys.DEMO_PASSWORD)
    cert = _pki.issue_verifier(
        ca_key,
        ca_cert,
        token.public_key,
        name="Token Verifier",
        accreditation_no=accreditation_no,
        nace_scope=_keys.DEMO_NACE,
    )
    path = folder / "token-cert.pem"
    path.write_bytes(_pki.pem(cert))
    return path


def leaks(secret: bytes, roots: list[Path]) -> list[Path]:
    """Files under ``roots`` holding ``secret`` raw, hex or base64 (as a PEM/DER key would)."""
    forms = (secret, secret.hex().encode(), secret.hex().upper().encode(), base64.b64encode(secret)[:40])
    return [
        p
        for root in roots
        for p in root.rglob("*")
        if p.is_file() and any(f in p.read_bytes() for f in forms)
    ]


def test_an_approval_signed_on_the_token_passes_the_approval_rules_and_pdfsig(
    con, store, home, soft_token, tmp_path
) -> None:
    sid = drafted_member(con, home)
    uri = soft_token.uri(token_cert(home, soft_token, tmp_path))
    with open_signer(uri, fixed_secret(PIN.encode())) as signer:
        verified = approve(con, store, _keys.trust_anchors(home), sid, signer, place="Ventasso")
    assert (verified.decision, verified.verifier.accreditation_no, verified.verifier.name) == (
        "approved",
        "DEMO-V-0002",
        "Token Verifier",
    )
    signed_key = con.execute("SELECT signed_pdf_key FROM approval").fetchone()[0]
    assert leaks(soft_token.private_scalar, [home.root, tmp_path]) == []  # the key never left the token
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        pytest.skip("needs poppler-utils (pdfsig) and libnss3-tools (certutil): make system-deps")
    pdf = tmp_path / "validated.pdf"
    pdf.write_bytes(store.get(signed_key))
    (tmp_path / "nss").mkdir()
    db = nss_db_trusting(tmp_path / "nss", (_keys.ca_dir(home) / "ca.pem").read_bytes())
    report = subprocess.run(["pdfsig", "-nssdir", db, str(pdf)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in report.stdout, report.stdout + report.stderr
    assert "Certificate Validation: Certificate is Trusted." in report.stdout, report.stdout
    assert "Token Verifier" in report.stdout


def test_the_key_file_still_signs_through_its_file_uri(con, store, home) -> None:
    files = _keys.demo_verifier(home)
    sid = drafted_member(con, home)
    with open_signer(file_uri(files.key, files.cert), fixed_secret(_keys.DEMO_PASSWORD)) as signer:
        assert (
            signer.chain and signer.chain[0].subject == signer.certificate.issuer
        )  # chain.pem beside the key
        verified = approve(con, store, _keys.trust_anchors(home), sid, signer, place="Ventasso")
    assert (verified.decision, verified.verifier.accreditation_no) == ("approved", "DEMO-V-0001")


@pytest.mark.parametrize(
    ("change", "pin", "message"),
    [
        (lambda uri: uri, "000000", "refused the PIN"),
        (
            lambda uri: uri.replace("object=verifier", "object=nobody"),
            PIN,
            "no private key labelled 'nobody'",
        ),
        (lambda uri: uri.replace("token=ecocluster-test", "token=absent"), PIN, "cannot open token 'absent'"),
        (lambda uri: uri + "&pin-value=246810", PIN, "secrets never go into the URI"),
        (lambda uri: "yubikey:" + uri, PIN, "unknown scheme 'yubikey'"),
        (lambda uri: uri.split("?")[0], PIN, "0 certificate\\(s\\) labelled 'verifier'"),
    ],
)
def test_a_token_that_cannot_sign_is_a_named_error(home, soft_token, tmp_path, change, pin, message) -> None:
    uri = change(soft_token.uri(token_cert(home, soft_token, tmp_path)))
    with pytest.raises(SignerUnavailable, match=message), open_signer(uri, fixed_secret(pin.encode())):
        pass


def test_a_wrong_passphrase_or_a_key_of_another_certificate_is_a_named_error(
    home, soft_token, tmp_path
) -> None:
    files = _keys.demo_verifier(home)
    with (
        pytest.raises(SignerUnavailable, match="wrong password"),
        open_signer(file_uri(files.key, files.cert), fixed_secret(b"not the passphrase")),
    ):
        pass
    with (
        open_signer(soft_token.uri(files.cert), fixed_secret(PIN.encode())) as signer,
        pytest.raises(SignerUnavailable, match="does not match the certificate"),
    ):
        signer.sign(b"payload")


def test_the_certificate_can_live_on_the_token_beside_its_key(con, store, home, soft_token, tmp_path) -> None:
    """As on a smart card: no ``cert=``, the certificate object with the key's label is used."""
    import pkcs11
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import serialization

    from ecocluster.signing.signers._interface import SignerURI
    from ecocluster.signing.signers._pkcs11 import _module

    cert = cx509.load_pem_x509_certificate(token_cert(home, soft_token, tmp_path).read_bytes())
    token = pkcs11.lib(_module(SignerURI.parse("pkcs11:"))).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: OBJECT,
                pkcs11.Attribute.SUBJECT: cert.subject.public_bytes(),
                pkcs11.Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    try:
        sid = drafted_member(con, home)
        with open_signer(f"pkcs11:token={TOKEN};object={OBJECT}", fixed_secret(PIN.encode())) as signer:
            assert signer.certificate == cert
            verified = approve(con, store, _keys.trust_anchors(home), sid, signer)
        assert verified.verifier.accreditation_no == "DEMO-V-0002"
    finally:  # the other tests expect no certificate object on the token
        with token.open(rw=True, user_pin=PIN) as session:
            for found in session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE}):
                found.destroy()


def test_secrets_come_from_the_environment_or_a_prompt_and_a_missing_one_is_named(monkeypatch) -> None:
    from ecocluster.signing.signers import env_secrets

    monkeypatch.delenv("ECOCLUSTER_TOKEN_PIN", raising=False)
    monkeypatch.setenv("ECOCLUSTER_KEY_PASSWORD", "from-the-env")
    assert env_secrets()("key-passphrase", "key.pem") == b"from-the-env"
    assert (
        env_secrets(prompt=lambda what: f"typed for {what}")("token-pin", "token 't'")
        == b"typed for PIN of token 't'"
    )
    with pytest.raises(SignerUnavailable, match="set ECOCLUSTER_TOKEN_PIN to the PIN of token 't'"):
        env_secrets()("token-pin", "token 't'")
