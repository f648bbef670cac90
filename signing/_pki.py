"""The accreditation body's PKI: a CA, verifier certificates that say what a verifier may sign, a CRL.

Where the accreditation facts live in a verifier certificate (documented, so other tools can read
them):

* verifier name: subject ``commonName``;
* accreditation number: subject ``serialNumber`` (OID 2.5.4.5), e.g. ``IT-V-0001``: upper-case
  ASCII letters and digits in hyphen-separated parts (:func:`valid_accreditation_no`); compared only in
  the normalised form of :func:`normalise_accreditation_no`, so ``it-v-0001 `` is ``IT-V-0001``;
* NACE scope: a non-critical extension :data:`NACE_SCOPE_OID` whose value is a DER UTF8String
  of comma-separated NACE Rev. 2 codes, e.g. ``55.10,84.11``, each a section letter, division,
  group or class of the shipped list (``ecocluster.warehouse.nace``). The OID is under the ``2.25`` UUID
  arc, which needs no registration. A code covers its sub-codes (``I`` covers ``55`` covers ``55.10``).

Revocation: a CRL entry carries the standard entry extensions CRLReason and, when the
accreditation body knows it, InvalidityDate (RFC 5280 5.3.1 and 5.3.2); :func:`revocation_of`
reads them back as a :class:`Revocation`.

Private keys only ever exist as encrypted PKCS#8 PEM files (PBES2: PBKDF2-HMAC-SHA256 with
:data:`KDF_ITERATIONS` iterations, AES-256-CBC) in the holder's folder, mode 0600; nothing here
writes a private key anywhere else, and no key file is ever replaced by another key.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import secrets
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import algos
from asn1crypto import core as asn1
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes, PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ecocluster.core.errors import ConfigurationError
from ecocluster.warehouse import nace

NACE_SCOPE_OID = x509.ObjectIdentifier("2.25.196113925463580116187254932146744713305")
PrivateKey = ec.EllipticCurvePrivateKey

# OWASP Password Storage Cheat Sheet (2023, current in 2026): PBKDF2-HMAC-SHA256 needs 600,000
# iterations. cryptography's own PKCS#8 writer uses 2,048 and cannot be told otherwise, so the
# PBES2 structure is built here; any PKCS#8 reader (cryptography, OpenSSL) opens it.
KDF_ITERATIONS = 600_000
MIN_PASSPHRASE = (
    12  # characters; a key file is single-factor protection (NIST SP 800-63B asks >= 8, 15 preferred)
)

_ACCREDITATION_NO = re.compile(r"^[A-Z0-9]{1,16}(?:-[A-Z0-9]{1,16}){0,4}$")
ACCREDITATION_NO_MAX = 40

# CRL entry reasons the accreditation body may give (RFC 5280 CRLReason), by their CLI names.
REASONS = {
    "key-compromise": x509.ReasonFlags.key_compromise,
    "superseded": x509.ReasonFlags.superseded,
    "cessation-of-operation": x509.ReasonFlags.cessation_of_operation,
    "affiliation-changed": x509.ReasonFlags.affiliation_changed,
}
_REASON_NAMES = {flag: name for name, flag in REASONS.items()}


def normalise_accreditation_no(value: str) -> str:
    """The one form accreditation numbers are compared in: NFKC, no surrounding space, upper case.

    Fullwidth or compatibility characters fold to ASCII (NFKC); look-alikes from other scripts do
    not, and :func:`valid_accreditation_no` refuses them where numbers are issued or recorded.
    """
    return unicodedata.normalize("NFKC", value).strip().upper()


def valid_accreditation_no(value: str) -> str:
    """A valid accreditation number, normalised; :class:`ConfigurationError` names what is wrong.

    ASCII letters and digits in up to five hyphen-separated parts (``IT-V-0001``, ``DE-V-0123``),
    at most 40 characters: it names a folder and a certificate subject, so no ``/``, ``..`` or space.
    """
    normal = normalise_accreditation_no(value)
    if len(normal) > ACCREDITATION_NO_MAX or not _ACCREDITATION_NO.match(normal):
        raise ConfigurationError(
            f"accreditation number {value[:60]!r} is not valid: expected ASCII letters and digits in "
            f"hyphen-separated parts, at most {ACCREDITATION_NO_MAX} characters, such as IT-V-0001"
        )
    return normal


def valid_nace_scope(codes: Iterable[str]) -> tuple[str, ...]:
    """A verifier's NACE scope, every entry a NACE Rev. 2 section, division, group or class."""
    scope = tuple(dict.fromkeys(c.strip() for c in codes))
    if not scope or "" in scope:
        raise ConfigurationError("a NACE scope lists at least one code and no empty one, e.g. 55.10,84.11")
    try:
        return tuple(nace.code(c) for c in scope)
    except nace.NotNace as e:
        raise ConfigurationError(f"NACE scope: {e}") from e


@dataclass(frozen=True)
class Revocation:
    """A CRL entry as the accreditation body wrote it.

    ``invalid_since`` is the InvalidityDate extension: when the key is known or suspected to have
    become unsafe (for key compromise, possibly earlier than ``revoked_at``); None when not given.
    ``reason`` is one of :data:`REASONS` or ``unspecified``.
    """

    serial: int
    revoked_at: dt.datetime
    reason: str
    invalid_since: dt.datetime | None = None


@dataclass(frozen=True)
class VerifierIdentity:
    """What a verifier certificate asserts, read back from the certificate."""

    name: str
    accreditation_no: str
    nace_scope: tuple[str, ...]
    fingerprint: str  # SHA-256 of the DER certificate, hex
    not_before: dt.datetime
    not_after: dt.datetime

    def covers(self, activity: str) -> bool:
        """NACE codes nest: section ``O`` covers division ``84`` covers group ``84.1`` covers class
        ``84.11``."""
        return any(nace.covers(code, activity.strip()) for code in self.nace_scope)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_key() -> PrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def check_passphrase(password: bytes, what: str) -> None:
    """Refuse passphrases shorter than :data:`MIN_PASSPHRASE` characters (checked for new keys only)."""
    if len(password.decode("utf-8", "replace")) < MIN_PASSPHRASE:
        raise ConfigurationError(
            f"{what}: a private key's passphrase needs at least {MIN_PASSPHRASE} characters"
        )


def encrypt_key(key: PrivateKeyTypes, password: bytes, *, iterations: int = KDF_ITERATIONS) -> bytes:
    """PEM ``ENCRYPTED PRIVATE KEY``: PKCS#8 under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, RFC 8018)."""
    plain = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    salt, iv = os.urandom(16), os.urandom(16)
    secret = PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(password)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {
                        "algorithm": "pbkdf2",
                        "parameters": {
                            "salt": algos.Pbkdf2Salt(name="specified", value=salt),
                            "iteration_count": iterations,
                            "prf": {"algorithm": "sha256"},
                        },
                    },
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": sealed,
        }
    )
    return _pem_block("ENCRYPTED PRIVATE KEY", info.dump())


def _pem_block(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        b"\n".join([f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----".encode()]) + b"\n"
    )


def kdf_iterations(pem_data: bytes) -> int:
    """PBKDF2 iterations of an encrypted PKCS#8 PEM key; 0 when it uses anything else (PBES1, scrypt)."""
    try:
        info = asn1_keys.EncryptedPrivateKeyInfo.load(_pem_der(pem_data))
        algorithm = info["encryption_algorithm"]
        if algorithm["algorithm"].native != "pbes2":
            return 0
        kdf = algorithm["parameters"]["key_derivation_func"]
        return int(kdf["parameters"]["iteration_count"].native) if kdf["algorithm"].native == "pbkdf2" else 0
    except (ValueError, KeyError, TypeError):
        return 0


def _pem_der(pem_data: bytes) -> bytes:
    lines = [line for line in pem_data.strip().splitlines() if not line.startswith(b"-----")]
    return base64.b64decode(b"".join(lines))


def _write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write a key file with mode 0600 from its first byte on (never readable by others, whatever
    the umask). A new file is created exclusively (:class:`FileExistsError` if the name exists);
    ``replace`` writes a temporary file and renames it over ``path`` (atomic: old or new, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp") if replace else path
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if replace:
        try:
            os.replace(target, path)
        finally:
            target.unlink(missing_ok=True)


def save_key(key: PrivateKeyTypes, path: Path, password: bytes) -> None:
    """Encrypted PKCS#8 at :data:`KDF_ITERATIONS`, mode 0600; refuses to replace an existing key file."""
    check_passphrase(password, str(path))
    if path.exists():
        raise ConfigurationError(
            f"{path} already holds a private key; it is never overwritten (move it away "
            "first if it really is to be replaced, and revoke its certificate)"
        )
    try:
        _write_private(path, encrypt_key(key, password))
    except FileExistsError as e:
        raise ConfigurationError(f"{path} appeared while writing a new key; it is never overwritten") from e


def load_key(path: Path, password: bytes) -> PrivateKey:
    """Open a key file; tighten its mode to 0600, and re-encrypt a key written with fewer than
    :data:`KDF_ITERATIONS` iterations (earlier releases used 2,048) in place, same key, atomically."""
    try:
        data = path.read_bytes()
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as e:
        raise ConfigurationError(f"{path}: cannot open the private key (wrong password?): {e}") from e
    except OSError as e:
        raise ConfigurationError(f"{path}: cannot read the private key: {e.strerror}") from e
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigurationError(f"{path}: expected an ECDSA P-256 key")
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        if kdf_iterations(data) < KDF_ITERATIONS:
            _write_private(path, encrypt_key(key, password), replace=True)
    except OSError:
        pass  # a read-only key folder: the key still works; the stronger wrapping waits for a writable one
    return key


def change_passphrase(path: Path, old: bytes, new: bytes) -> None:
    """Re-encrypt the key in ``path`` under ``new`` (atomic replace of the same key)."""
    check_passphrase(new, str(path))
    key = load_key(path, old)
    _write_private(path, encrypt_key(key, new), replace=True)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_certs(data: bytes) -> list[x509.Certificate]:
    try:
        return read_pem_certificates(data)
    except ValueError as e:
        raise ConfigurationError(f"not a PEM certificate file: {e}") from e


def read_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM bundle from anyone, or ValueError: also for what RFC 5280 forbids
    and cryptography only warns about for now (a serial number that is not positive), so that a
    certificate is judged alike whatever the process's warning filters say."""
    with _rfc_5280_refused():
        return x509.load_pem_x509_certificates(data)


def read_pem_certificate(data: bytes) -> x509.Certificate:
    """The one PEM certificate of ``data`` from anyone, as :func:`read_pem_certificates` reads them."""
    with _rfc_5280_refused():
        return x509.load_pem_x509_certificate(data)


def read_der_certificate(der: bytes) -> x509.Certificate:
    """One DER certificate from anyone, as :func:`read_pem_certificates` reads them."""
    with _rfc_5280_refused():
        return x509.load_der_x509_certificate(der)


@contextlib.contextmanager
def _rfc_5280_refused() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        try:
            yield
        except CryptographyDeprecationWarning as e:
            raise ValueError(f"{e} (RFC 5280 forbids it)") from e


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """DSSE keyid: SHA-256 of the SubjectPublicKeyInfo, so it names the key, not a file."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def create_ca(
    name: str, *, now: dt.datetime | None = None, years: int = 10
) -> tuple[PrivateKey, x509.Certificate]:
    """A self-signed accreditation-body CA."""
    now = now or _utcnow()
    key = new_key()
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_verifier(
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    public_key: ec.EllipticCurvePublicKey,
    *,
    name: str,
    accreditation_no: str,
    nace_scope: tuple[str, ...],
    not_before: dt.datetime | None = None,
    days: int = 3 * 365,
) -> x509.Certificate:
    """A verifier certificate; ``not_before``/``days`` let tests make expired or future ones.

    The accreditation number and the NACE scope are validated here, so no certificate of this CA
    can carry a scope such as ``*`` or ``8``, or a number such as ``../x``."""
    start = not_before or _utcnow() - dt.timedelta(minutes=5)
    scope = asn1.UTF8String(",".join(valid_nace_scope(nace_scope))).dump()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, valid_accreditation_no(accreditation_no)),
        ]
    )
    not_after = start + dt.timedelta(days=days)
    return (
        signing_leaf(ca_key, ca_cert, subject, public_key, start=start, not_after=not_after)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.UnrecognizedExtension(NACE_SCOPE_OID, scope), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


@functools.lru_cache(maxsize=1024)
def identity(cert: x509.Certificate) -> VerifierIdentity:
    """The accreditation facts a verifier certificate carries; refuses certificates without them.
    Remembered per certificate (a pure reading of its bytes; refusals are not remembered)."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    numbers = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    try:
        ext = cert.extensions.get_extension_for_oid(NACE_SCOPE_OID).value
    except x509.ExtensionNotFound:
        ext = None
    if not names or not numbers or not isinstance(ext, x509.UnrecognizedExtension):
        raise ConfigurationError(
            f"certificate {cert.subject.rfc4514_string()} is not a verifier certificate: it needs a "
            f"commonName, a serialNumber (accreditation number) and the NACE scope extension {NACE_SCOPE_OID}"
        )
    scope = str(asn1.UTF8String.load(ext.value).native)
    return VerifierIdentity(
        name=str(names[0].value),
        accreditation_no=normalise_accreditation_no(str(numbers[0].value)),
        nace_scope=tuple(code.strip() for code in scope.split(",") if code.strip()),
        fingerprint=fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def build_crl(
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    revoked: Iterable[Revocation | tuple[int, dt.datetime]],
    *,
    now: dt.datetime | None = None,
    days: int = 30,
) -> x509.CertificateRevocationList:
    """A CRL valid ``days`` from ``now`` (its nextUpdate), reissued whole on every revocation.

    Entries are :class:`Revocation` values (reason and invalidity date written as the CRLReason
    and InvalidityDate entry extensions) or bare (serial, revocation date) pairs (reason unspecified).
    """
    now = now or _utcnow()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=days))
    )
    for item in revoked:
        entry = item if isinstance(item, Revocation) else Revocation(item[0], item[1], "unspecified")
        revoked_cert = (
            x509.RevokedCertificateBuilder().serial_number(entry.serial).revocation_date(entry.revoked_at)
        )
        if entry.reason in REASONS:
            revoked_cert = revoked_cert.add_extension(x509.CRLReason(REASONS[entry.reason]), critical=False)
        if entry.invalid_since is not None:
            revoked_cert = revoked_cert.add_extension(
                x509.InvalidityDate(entry.invalid_since), critical=False
            )
        builder = builder.add_revoked_certificate(revoked_cert.build())
    return builder.sign(ca_key, hashes.SHA256())


def revocation_of(crl: x509.CertificateRevocationList, serial: int) -> Revocation | None:
    """The CRL's entry for ``serial`` with its reason and invalidity date, or None when not listed.

    What the time rules need (a signature attested before a revocation for any reason but key
    compromise stays valid; key compromise counts from ``invalid_since`` when given). Reads only
    a CRL whose signature the caller has checked (``ecocluster.signing._verify.current_crl``).
    """
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    if entry is None:
        return None
    try:
        flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        reason = _REASON_NAMES.get(flag, flag.name)
    except x509.ExtensionNotFound:
        reason = "unspecified"
    try:
        since: dt.datetime | None = entry.extensions.get_extension_for_class(
            x509.InvalidityDate
        ).value.invalidity_date_utc
    except x509.ExtensionNotFound:
        since = None
    return Revocation(serial, entry.revocation_date_utc, reason, since)


def revocations(crl: x509.CertificateRevocationList) -> list[Revocation]:
    """Every entry of ``crl`` (to reissue it with one more, keeping reasons and dates)."""
    found = (revocation_of(crl, r.serial_number) for r in crl)
    return [r for r in found if r is not None]


@functools.lru_cache(maxsize=1024)
def issued_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    """True when ``ca_cert``'s key signed ``cert`` (and names match). Remembered: the answer depends
    only on the two certificates (which hash and compare by their DER bytes), and every approval of
    one verifier, every token of one TSA, presents the same certificate again."""
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


def signing_leaf(
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    *,
    start: dt.datetime,
    not_after: dt.datetime,
) -> x509.CertificateBuilder:
    """An end-entity certificate of ``ca_cert`` that signs and nothing else (no CA, signature and
    non-repudiation only, both key identifiers): the caller adds its extended key usage and signs it."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
