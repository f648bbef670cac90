"""DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1) around in-toto Statements.

A standard envelope so that anyone can check an approval with off-the-shelf tools
(securesystemslib, sigstore, in-toto) instead of trusting ecocluster's own code. The signature
covers PAE(payloadType, payload), never the JSON around it, so re-serialising the envelope does
not break it and changing the payload type does.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from signing._pki import key_id

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding: ``DSSEv1 SP LEN(type) SP type SP LEN(body) SP body``."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same value always gives the same bytes (and digest)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]  # (keyid, DER ECDSA signature)

    def to_json(self) -> bytes:
        return canonical_json({
            "payload": base64.b64encode(self.payload).decode(),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": k, "sig": base64.b64encode(s).decode()} for k, s in self.signatures],
        })

    @classmethod
    def from_json(cls, data: bytes) -> Envelope:
        """Parse; raises ValueError or TypeError on anything that is not a well-formed DSSE envelope."""
        doc = json.loads(data)
        if not isinstance(doc, dict) or not isinstance(doc.get("signatures"), list):
            raise TypeError("not a DSSE envelope: expected an object with payload, payloadType, signatures")
        sigs = tuple((str(s.get("keyid", "")), base64.b64decode(s["sig"], validate=True))
                     for s in doc["signatures"])
        return cls(str(doc["payloadType"]), base64.b64decode(doc["payload"], validate=True), sigs)

    def statement(self) -> dict[str, Any]:
        doc = json.loads(self.payload)
        if self.payload_type != IN_TOTO_PAYLOAD_TYPE or doc.get("_type") != STATEMENT_TYPE:
            raise ValueError(f"payload is not an in-toto Statement v1 (type {self.payload_type!r})")
        return dict(doc)


def sign(statement: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> Envelope:
    payload = canonical_json(statement)
    signature = key.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    return Envelope(IN_TOTO_PAYLOAD_TYPE, payload, ((key_id(key.public_key()), signature),))


def signed_by(envelope: Envelope, public_key: ec.EllipticCurvePublicKey) -> bool:
    """True when one of the envelope's signatures verifies with ``public_key``."""
    message = pae(envelope.payload_type, envelope.payload)
    for _keyid, signature in envelope.signatures:
        try:
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
        except InvalidSignature:
            continue
    return False
