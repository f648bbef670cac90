"""What every signer is: a certificate and a way to sign bytes and PDFs, whatever holds the key.

Code that signs (approval envelopes, validated PDFs) takes a :class:`Signer` and never opens key
files or tokens itself, so a verifier can move from a key file to a smart card, an HSM or a remote
qualified signing service without any change to what is signed or how it is checked.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, unquote

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign import signers as pdf_signers

from ecocluster.core.errors import SignerUnavailable

# the secrets a signer may ask for
KEY_PASSPHRASE, TOKEN_PIN, CSC_ACCESS_TOKEN = "key-passphrase", "token-pin", "csc-access-token"


class Secrets(Protocol):
    """Where a signer gets a passphrase or PIN (environment, prompt, a secrets manager); never argv.

    ``kind`` is :data:`KEY_PASSPHRASE`, :data:`TOKEN_PIN` or :data:`CSC_ACCESS_TOKEN`; ``what`` names the
    key, token or signing service for a prompt."""

    def __call__(self, kind: str, what: str) -> bytes: ...


class Signer(Protocol):
    """One signing identity: ``sign`` returns a DER ECDSA-SHA256 signature (P-256) over ``data``;
    ``pdf_signer`` the same key as a pyHanko signer for the PAdES signature."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    def sign(self, data: bytes) -> bytes: ...

    def pdf_signer(self) -> pdf_signers.Signer: ...


@dataclass(frozen=True)
class SignerURI:
    """A parsed signer URI ``scheme:body?query``; a secret never appears in it."""

    uri: str
    scheme: str
    body: str
    query: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, uri: str) -> SignerURI:
        scheme, sep, rest = uri.partition(":")
        if not sep or not scheme.isalnum():
            raise SignerUnavailable(
                f"signer {uri!r} is not a URI such as file:/path/key.pem?cert=/path/cert.pem, "
                "pkcs11:token=NAME;object=LABEL or csc:https://SERVICE?credential=ID"
            )
        body, _, query = rest.partition("?")
        try:
            pairs = tuple(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
        except ValueError as e:
            raise SignerUnavailable(f"signer {uri!r}: malformed query {query!r}: {e}") from e
        return cls(uri, scheme.lower(), unquote(body), pairs)

    def get(self, name: str, default: str = "") -> str:
        return dict(self.query).get(name, default)

    def refuse_secrets(self, *names: str) -> None:
        """A secret in the URI would land in shell history and process lists: refused, not ignored."""
        given = [n for n, _ in self.query if n in names]
        if given:
            raise SignerUnavailable(
                f"signer URI carries {given[0]!r}: secrets never go into the URI or the "
                "command line; set ECOCLUSTER_KEY_PASSWORD, ECOCLUSTER_TOKEN_PIN or "
                "ECOCLUSTER_CSC_TOKEN instead"
            )


T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run pyHanko's async signing from sync code, also when called inside an event loop (Prefect)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class PdfBackedSigner:
    """A signer whose key is reachable only through a pyHanko signer (a file key in memory, a token
    session, a remote service): raw signatures go through the same backend as the PDF's, and each
    is checked against the certificate, so a key that does not belong to it is caught before
    anything is handed over."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    backend: pdf_signers.Signer = field(repr=False)
    source: str = ""  # the URI (never a secret), for messages

    def sign(self, data: bytes) -> bytes:
        signature = run_sync(self.backend.async_sign_raw(data, "sha256"))
        public_key = self.certificate.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise SignerUnavailable(f"signer {self.source}: the certificate's key is not ECDSA P-256")
        try:
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise SignerUnavailable(
                f"signer {self.source}: the key does not match the certificate "
                f"{self.certificate.subject.rfc4514_string()}; name the key issued with it"
            ) from None
        return signature

    def pdf_signer(self) -> pdf_signers.Signer:
        return self.backend
