"""``pkcs11:token=LABEL;object=LABEL[?module-path=SO&cert=PEM&chain=PEM]``: a key on a PKCS#11 token.

Smart cards, HSMs and qualified signature creation devices all speak PKCS#11; the private key never
leaves the token, only signatures do. Attributes follow RFC 7512 (``token``, ``object``,
``module-path``). The PIN comes from the :class:`Secrets` callback (``ECOCLUSTER_TOKEN_PIN`` or a
prompt in the CLI); a ``pin-value`` in the URI is refused. The module defaults to
``ECOCLUSTER_PKCS11_MODULE`` or Debian's SoftHSM; the certificate to the token's certificate object
with the same label, unless ``cert=`` names a PEM file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import pkcs11
from cryptography import x509
from pkcs11 import Attribute, ObjectClass
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from ecocluster.core.errors import SignerUnavailable
from ecocluster.signing import _pki
from ecocluster.signing.signers._file import _certs
from ecocluster.signing.signers._interface import TOKEN_PIN, PdfBackedSigner, Secrets, SignerURI, asn1

MODULE_ENV = "ECOCLUSTER_PKCS11_MODULE"
_DEBIAN_SOFTHSM = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
_PIN_ERRORS = (
    pkcs11.PinIncorrect,
    pkcs11.PinInvalid,
    pkcs11.PinLenRange,
    pkcs11.PinLocked,
    pkcs11.PinExpired,
)


def _attributes(uri: SignerURI) -> dict[str, str]:
    out = {}
    for part in filter(None, uri.body.split(";")):
        name, sep, value = part.partition("=")
        if not sep:
            raise SignerUnavailable(f"signer {uri.uri}: path attribute {part!r} is not NAME=VALUE (RFC 7512)")
        out[name.strip().lower()] = unquote(value)
    return out


def _module(uri: SignerURI) -> str:
    named = uri.get("module-path") or os.environ.get(MODULE_ENV, "")
    if named:
        return named
    for candidate in _DEBIAN_SOFTHSM:
        if Path(candidate).exists():
            return candidate
    raise SignerUnavailable(
        f"signer {uri.uri}: no PKCS#11 module; add ?module-path=/path/to/module.so or set {MODULE_ENV}"
    )


def _token_certificate(session: pkcs11.Session, label: str, uri: str) -> x509.Certificate:
    found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}))
    if len(found) != 1:
        raise SignerUnavailable(
            f"signer {uri}: the token holds {len(found)} certificate(s) labelled {label!r}, "
            "expected one; store the certificate on the token or add ?cert=/path/cert.pem"
        )
    return _pki.load_certs(_pki.pem(x509.load_der_x509_certificate(found[0][Attribute.VALUE])))[0]


@contextmanager
def open_token(uri: SignerURI, secrets: Secrets) -> Iterator[PdfBackedSigner]:
    uri.refuse_secrets("pin-value", "pin", "password")
    attrs = _attributes(uri)
    token, label = attrs.get("token", ""), attrs.get("object", "")
    if not token or not label:
        raise SignerUnavailable(
            f"signer {uri.uri}: name the token and the key, e.g. pkcs11:token=NAME;object=LABEL"
        )
    module = _module(uri)
    pin = secrets(TOKEN_PIN, f"PKCS#11 token {token!r}").decode()
    try:
        session = open_pkcs11_session(module, token_criteria=TokenCriteria(label=token), user_pin=pin)
    except _PIN_ERRORS as e:
        raise SignerUnavailable(
            f"signer {uri.uri}: token {token!r} refused the PIN ({type(e).__name__}); "
            "check ECOCLUSTER_TOKEN_PIN (a locked token needs its SO to reset the PIN)"
        ) from e
    except pkcs11.PKCS11Error as e:
        raise SignerUnavailable(
            f"signer {uri.uri}: cannot open token {token!r} with module {module}: "
            f"{str(e) or type(e).__name__}; list tokens with `softhsm2-util --show-slots` "
            "or your token's tool"
        ) from e
    try:
        yield _signer(session, uri, label)
    finally:
        session.close()


def _signer(session: pkcs11.Session, uri: SignerURI, label: str) -> PdfBackedSigner:
    try:
        session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
    except pkcs11.NoSuchKey as e:
        raise SignerUnavailable(
            f"signer {uri.uri}: the token holds no private key labelled {label!r}; "
            "check object= against the token's key labels"
        ) from e
    except pkcs11.MultipleObjectsReturned as e:
        raise SignerUnavailable(
            f"signer {uri.uri}: more than one private key labelled {label!r}; give each key its own label"
        ) from e
    cert_path = uri.get("cert")
    cert = (
        _certs(Path(cert_path), "certificate", uri.uri)[0]
        if cert_path
        else _token_certificate(session, label, uri.uri)
    )
    chain = tuple(_certs(Path(uri.get("chain")), "chain", uri.uri)) if uri.get("chain") else ()
    backend = PKCS11Signer(
        session,
        key_label=label,
        signing_cert=asn1(cert),
        ca_chain=[asn1(c) for c in chain],
        bulk_fetch=False,
        use_raw_mechanism=True,
    )
    return PdfBackedSigner(cert, chain, backend, uri.uri)
