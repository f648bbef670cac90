"""Signers behind one interface, chosen by URI (as securesystemslib's signer registry does).

* ``file:PATH?cert=CERT`` — the encrypted key file (:mod:`ecocluster.signing.signers._file`);
* ``pkcs11:token=NAME;object=LABEL`` — a key on a PKCS#11 token (:mod:`ecocluster.signing.signers._pkcs11`);
* ``csc:https://SERVICE?credential=ID`` — a key at a remote (qualified) signing service over the
  Cloud Signature Consortium API (:mod:`ecocluster.signing.signers._csc`).

``with open_signer(uri, secrets) as signer:`` gives a :class:`Signer` for as long as the block
runs (a token session is closed after it). Passphrases, PINs and access tokens come only from ``secrets``
(:func:`env_secrets` in the CLI), never from the URI.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import quote

from ecocluster.core.errors import SignerUnavailable
from ecocluster.signing.signers._file import from_key, load
from ecocluster.signing.signers._file import open_file as _open_file
from ecocluster.signing.signers._interface import (
    CSC_ACCESS_TOKEN,
    KEY_PASSPHRASE,
    TOKEN_PIN,
    PdfBackedSigner,
    Secrets,
    Signer,
    SignerURI,
)

_Opener = Callable[[SignerURI, Secrets], AbstractContextManager[Signer]]


def _open_pkcs11(uri: SignerURI, secrets: Secrets) -> AbstractContextManager[Signer]:
    from ecocluster.signing.signers._pkcs11 import open_token  # loads python-pkcs11 only for a token

    return open_token(uri, secrets)


def _open_csc(uri: SignerURI, secrets: Secrets) -> AbstractContextManager[Signer]:
    from ecocluster.signing.signers._csc import (
        open_service,  # loads the HTTP client only for a remote service
    )

    return open_service(uri, secrets)


SCHEMES: dict[str, _Opener] = {"file": _open_file, "pkcs11": _open_pkcs11, "csc": _open_csc}
SECRET_ENV = {
    KEY_PASSPHRASE: "ECOCLUSTER_KEY_PASSWORD",
    TOKEN_PIN: "ECOCLUSTER_TOKEN_PIN",
    CSC_ACCESS_TOKEN: "ECOCLUSTER_CSC_TOKEN",
}
_SECRET_WORD = {KEY_PASSPHRASE: "passphrase", TOKEN_PIN: "PIN", CSC_ACCESS_TOKEN: "access token"}


@contextmanager
def open_signer(uri: str, secrets: Secrets) -> Iterator[Signer]:
    """The signer ``uri`` names; raises :class:`SignerUnavailable` (a named error) when it cannot sign."""
    parsed = SignerURI.parse(uri)
    opener = SCHEMES.get(parsed.scheme)
    if opener is None:
        raise SignerUnavailable(
            f"signer {uri!r}: unknown scheme {parsed.scheme!r}; use one of {', '.join(sorted(SCHEMES))}"
        )
    with opener(parsed, secrets) as signer:
        yield signer


def env_secrets(prompt: Callable[[str], str] | None = None) -> Secrets:
    """Secrets from ``ECOCLUSTER_KEY_PASSWORD`` / ``ECOCLUSTER_TOKEN_PIN`` / ``ECOCLUSTER_CSC_TOKEN``,
    else ``prompt`` (hidden input)."""

    def secret(kind: str, what: str) -> bytes:
        env, word = SECRET_ENV[kind], _SECRET_WORD[kind]
        value = os.environ.get(env, "")
        if not value and prompt is not None:
            value = prompt(f"{word} of {what}")
        if not value:
            raise SignerUnavailable(f"set {env} to the {word} of {what}")
        return value.encode()

    return secret


def fixed_secret(value: bytes) -> Secrets:
    """One known secret for every request (the DEMO key, tests)."""
    return lambda _kind, _what: value


def file_uri(key: Path, cert: Path) -> str:
    """The ``file:`` URI of a key file and its certificate (``approve --key --cert``)."""
    return f"file:{quote(str(key.resolve()))}?cert={quote(str(cert.resolve()), safe='/')}"


__all__ = [
    "SCHEMES",
    "PdfBackedSigner",
    "Secrets",
    "Signer",
    "SignerUnavailable",
    "env_secrets",
    "file_uri",
    "fixed_secret",
    "from_key",
    "load",
    "open_signer",
]
