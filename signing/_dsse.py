"""DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1) around in-toto Statements.

A standard envelope so that anyone can check an approval with off-the-shelf tools
(securesystemslib, sigstore, in-toto) instead of trusting ecocluster's own code. The signature
covers PAE(payloadType, payload), never the JSON around it, so re-serialising the envelope does
not break it and changing the payload type does.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.signing._pki import key_id

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding: ``DSSEv1 SP LEN(type) SP type SP LEN(body) SP body``."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same value always gives the same bytes (and digest)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class MalformedEnvelope(ValueError):
    """Bytes that are not a well-formed DSSE envelope (or not strict JSON); the message says where."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise MalformedEnvelope(
            f"duplicate key(s) {', '.join(map(repr, twice))}: another JSON reader would "
            "see other values than this one"
        )
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise MalformedEnvelope(f"{name} is not JSON")


def strict_json(data: bytes, what: str) -> Any:
    """RFC 8259 JSON read strictly: UTF-8 only, no duplicate keys (the "last one wins" of one reader
    is the "first one wins" of another, so a signed payload could mean two things), no NaN or
    Infinity; raises :class:`MalformedEnvelope` naming ``what``.

    Canonical bytes (:func:`canonical_json`, what ecocluster writes) take a fast path: orjson reads
    them, and writing the value back must give the same bytes, which no input with a duplicate key,
    a NaN, a non-UTF-8 byte or any other laxity can (writing back has one key per name and none of
    those). Anything else, canonical or not, is read by the strict hooks below, which say what is
    wrong; so both paths accept exactly the same documents and give the same values."""
    try:
        value = orjson.loads(data)
        if orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == data:
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        pass  # the strict reader below names the fault
    return _strict_json_checked(data, what)


def _strict_json_checked(data: bytes, what: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedEnvelope(f"{what} is not UTF-8 ({e.reason} at byte {e.start})") from e
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except MalformedEnvelope as e:
        raise MalformedEnvelope(f"{what}: {e}") from e
    except RecursionError as e:
        raise MalformedEnvelope(f"{what} is nested too deeply") from e
    except ValueError as e:  # JSONDecodeError, and ints beyond Python's digit limit
        raise MalformedEnvelope(f"{what} is not JSON: {e}") from e


def _base64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedEnvelope(f"{what} must be a base64 string, got {type(value).__name__}")
    try:  # strict_mode: b64decode(validate=True)'s refusals, in C rather than a regular expression
        return binascii.a2b_base64(value, strict_mode=True)
    except ValueError as e:
        raise MalformedEnvelope(f"{what} is not valid base64: {e}") from e


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]  # (keyid, DER ECDSA signature)

    def to_json(self) -> bytes:
        return canonical_json(
            {
                "payload": base64.b64encode(self.payload).decode(),
                "payloadType": self.payload_type,
                "signatures": [{"keyid": k, "sig": base64.b64encode(s).decode()} for k, s in self.signatures],
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> Envelope:
        """Parse strictly; raises :class:`MalformedEnvelope` on anything that is not a DSSE envelope
        with a string ``payloadType``, a base64 ``payload`` and a list of ``{"keyid", "sig"}`` objects."""
        doc = strict_json(data, "envelope")
        if not isinstance(doc, dict):
            raise MalformedEnvelope(f"envelope must be a JSON object, got {type(doc).__name__}")
        payload_type, signatures = doc.get("payloadType"), doc.get("signatures")
        if not isinstance(payload_type, str):
            raise MalformedEnvelope(
                f"envelope payloadType must be a string, got {type(payload_type).__name__}"
            )
        if not isinstance(signatures, list):
            raise MalformedEnvelope(f"envelope signatures must be a list, got {type(signatures).__name__}")
        sigs = []
        for n, entry in enumerate(signatures, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("keyid", ""), str):
                raise MalformedEnvelope(
                    f"envelope signature {n} must be an object with a string keyid and sig"
                )
            sigs.append((entry.get("keyid", ""), _base64(entry.get("sig"), f"envelope signature {n} sig")))
        return cls(payload_type, _base64(doc.get("payload"), "envelope payload"), tuple(sigs))

    def statement(self) -> dict[str, Any]:
        """The in-toto Statement v1 the payload carries, as strict JSON (not yet type-checked)."""
        if self.payload_type != IN_TOTO_PAYLOAD_TYPE:
            raise MalformedEnvelope(
                f"payloadType is {self.payload_type!r}, expected {IN_TOTO_PAYLOAD_TYPE!r}"
            )
        doc = strict_json(self.payload, "payload")
        if not isinstance(doc, dict) or doc.get("_type") != STATEMENT_TYPE:
            raise MalformedEnvelope(f"payload is not an in-toto Statement v1 (_type {STATEMENT_TYPE!r})")
        return doc


def sign(statement: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> Envelope:
    return seal(statement, lambda message: key.sign(message, ec.ECDSA(hashes.SHA256())), key.public_key())


def seal(
    statement: dict[str, Any], sign_raw: Callable[[bytes], bytes], public_key: ec.EllipticCurvePublicKey
) -> Envelope:
    """The envelope signed by ``sign_raw`` (a :class:`ecocluster.signing.signers.Signer`'s ``sign``: key file,
    token or remote service), a DER ECDSA-SHA256 signature over the PAE by ``public_key``'s key."""
    payload = canonical_json(statement)
    return Envelope(
        IN_TOTO_PAYLOAD_TYPE, payload, ((key_id(public_key), sign_raw(pae(IN_TOTO_PAYLOAD_TYPE, payload))),)
    )


def signed_by(envelope: Envelope, public_key: ec.EllipticCurvePublicKey) -> bool:
    """True when one of the envelope's signatures verifies with ``public_key``."""
    message = pae(envelope.payload_type, envelope.payload)
    return any(_verifies(message, signature, public_key) for _keyid, signature in envelope.signatures)


def signatures_by(envelope: Envelope, public_key: ec.EllipticCurvePublicKey) -> tuple[bytes, ...]:
    """The envelope's signatures that verify with ``public_key``: what a timestamp token over "this
    signer's signature" may stamp, so the token check needs no second signature verification."""
    message = pae(envelope.payload_type, envelope.payload)
    return tuple(
        signature for _keyid, signature in envelope.signatures if _verifies(message, signature, public_key)
    )


def _verifies(message: bytes, signature: bytes, public_key: ec.EllipticCurvePublicKey) -> bool:
    try:
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
