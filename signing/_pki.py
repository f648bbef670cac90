"""The accreditation body's PKI: a CA, verifier certificates that say what a verifier may sign, a CRL.

Where the accreditation facts live in a verifier certificate (documented, so other tools can read
them):

* verifier name: subject ``commonName``;
* accreditation number: subject ``serialNumber`` (OID 2.5.4.5), e.g. ``IT-V-0001``;
* NACE scope: a non-critical extension :data:`NACE_SCOPE_OID` whose value is a DER UTF8String
  of comma-separated NACE Rev.2 codes, e.g. ``55.10,84.11``. The OID is under the ``2.25`` UUID
  arc, which needs no registration. A code covers its sub-codes (``55`` covers ``55.10``).

Private keys only ever exist as encrypted PKCS#8 PEM files in the holder's folder; nothing here
writes a private key anywhere else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import core as asn1
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from warehouse.errors import ConfigurationError

NACE_SCOPE_OID = x509.ObjectIdentifier("2.25.196113925463580116187254932146744713305")
PrivateKey = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class VerifierIdentity:
    """What a verifier certificate asserts, read back from the certificate."""

    name: str
    accreditation_no: str
    nace_scope: tuple[str, ...]
    fingerprint: str  # SHA-256 of the DER certificate, hex
    not_before: dt.datetime
    not_after: dt.datetime

    def covers(self, nace: str) -> bool:
        """NACE codes nest by prefix: division ``84`` covers group ``84.1`` covers class ``84.11``."""
        return any(nace.strip().startswith(code) for code in self.nace_scope)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_key() -> PrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def save_key(key: PrivateKey, path: Path, password: bytes) -> None:
    """Encrypted PKCS#8, readable by the owner only."""
    if not password:
        raise ConfigurationError(f"{path}: a private key needs a non-empty password")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(password))
    path.touch(mode=0o600, exist_ok=True)
    path.write_bytes(pem)


def load_key(path: Path, password: bytes) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=password)
    except (ValueError, TypeError) as e:
        raise ConfigurationError(f"{path}: cannot open the private key (wrong password?): {e}") from e
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigurationError(f"{path}: expected an ECDSA P-256 key")
    return key


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_certs(data: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as e:
        raise ConfigurationError(f"not a PEM certificate file: {e}") from e


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """DSSE keyid: SHA-256 of the SubjectPublicKeyInfo, so it names the key, not a file."""
    spki = public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def create_ca(name: str, *, now: dt.datetime | None = None, years: int = 10) -> tuple[PrivateKey, x509.Certificate]:
    """A self-signed accreditation-body CA."""
    now = now or _utcnow()
    key = new_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_verifier(ca_key: PrivateKey, ca_cert: x509.Certificate, public_key: ec.EllipticCurvePublicKey, *,
                   name: str, accreditation_no: str, nace_scope: tuple[str, ...],
                   not_before: dt.datetime | None = None, days: int = 3 * 365) -> x509.Certificate:
    """A verifier certificate; ``not_before``/``days`` let tests make expired or future ones."""
    start = not_before or _utcnow() - dt.timedelta(minutes=5)
    scope = asn1.UTF8String(",".join(nace_scope)).dump()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, accreditation_no)])
    return (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.UnrecognizedExtension(NACE_SCOPE_OID, scope), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def identity(cert: x509.Certificate) -> VerifierIdentity:
    """The accreditation facts a verifier certificate carries; refuses certificates without them."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    numbers = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    try:
        ext = cert.extensions.get_extension_for_oid(NACE_SCOPE_OID).value
    except x509.ExtensionNotFound:
        ext = None
    if not names or not numbers or not isinstance(ext, x509.UnrecognizedExtension):
        raise ConfigurationError(
            f"certificate {cert.subject.rfc4514_string()} is not a verifier certificate: it needs a "
            f"commonName, a serialNumber (accreditation number) and the NACE scope extension {NACE_SCOPE_OID}")
    scope = str(asn1.UTF8String.load(ext.value).native)
    return VerifierIdentity(
        name=str(names[0].value), accreditation_no=str(numbers[0].value),
        nace_scope=tuple(code.strip() for code in scope.split(",") if code.strip()),
        fingerprint=fingerprint(cert),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
    )


def build_crl(ca_key: PrivateKey, ca_cert: x509.Certificate, revoked: list[tuple[int, dt.datetime]], *,
              now: dt.datetime | None = None, days: int = 30) -> x509.CertificateRevocationList:
    """A CRL listing (serial, revocation date) pairs; reissued whole on every revocation."""
    now = now or _utcnow()
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
               .last_update(now - dt.timedelta(minutes=5)).next_update(now + dt.timedelta(days=days)))
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
    return builder.sign(ca_key, hashes.SHA256())


def issued_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    """True when ``ca_cert``'s key signed ``cert`` (and names match)."""
    if cert.issuer != ca_cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def crl_pem(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.PEM)


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        return x509.load_pem_x509_crl(data)
    except ValueError as e:
        raise ConfigurationError(f"not a PEM CRL: {e}") from e
