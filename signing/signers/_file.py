"""``file:PATH?cert=CERT[&chain=CHAIN]``: the encrypted PKCS#8 key file ecocluster issues.

The passphrase comes from the :class:`Secrets` callback (``ECOCLUSTER_KEY_PASSWORD`` or a prompt
in the CLI), never from the URI. ``cert`` defaults to ``cert.pem`` beside the key and ``chain`` to
``chain.pem`` beside the certificate when it exists (the folder ``pki issue-verifier`` writes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign import signers as pdf_signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecocluster.core.errors import ConfigurationError, SignerUnavailable
from ecocluster.signing import _pki
from ecocluster.signing.signers._interface import KEY_PASSPHRASE, PdfBackedSigner, Secrets, SignerURI, asn1


def _certs(path: Path, what: str, uri: str) -> list[x509.Certificate]:
    try:
        return _pki.load_certs(path.read_bytes())
    except OSError as e:
        raise SignerUnavailable(f"signer {uri}: cannot read the {what} {path}: {e.strerror}") from e
    except (ValueError, ConfigurationError) as e:
        raise SignerUnavailable(f"signer {uri}: {path} is not a PEM {what}: {e}") from e


def from_key(
    key: _pki.PrivateKey, cert: x509.Certificate, chain: tuple[x509.Certificate, ...], source: str
) -> PdfBackedSigner:
    """A signer over a key already in memory (the decrypted key file)."""
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    backend = pdf_signers.SimpleSigner(
        signing_cert=asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
        cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]),
    )
    return PdfBackedSigner(cert, chain, backend, source)


def load(
    key_path: Path, cert_path: Path, chain_path: Path | None, password: bytes, source: str
) -> PdfBackedSigner:
    cert = _certs(cert_path, "certificate", source)[0]
    chain = tuple(_certs(chain_path, "chain", source)) if chain_path is not None else ()
    try:
        key = _pki.load_key(key_path, password)
    except ConfigurationError as e:
        raise SignerUnavailable(f"signer {source}: {e}") from e
    return from_key(key, cert, chain, source)


@contextmanager
def open_file(uri: SignerURI, secrets: Secrets) -> Iterator[PdfBackedSigner]:
    uri.refuse_secrets("password", "passphrase", "pin", "pin-value")
    if not uri.body:
        raise SignerUnavailable(
            f"signer {uri.uri}: name the key file, e.g. file:/path/key.pem?cert=/path/cert.pem"
        )
    key_path = Path(uri.body)
    cert_path = Path(uri.get("cert") or key_path.with_name("cert.pem"))
    chain = uri.get("chain")
    beside = cert_path.with_name("chain.pem")  # as `pki issue-verifier` writes it, next to the certificate
    chain_path = Path(chain) if chain else (beside if beside.exists() else None)
    password = secrets(KEY_PASSPHRASE, str(key_path))
    yield load(key_path, cert_path, chain_path, password, uri.uri)
