"""A corpus of hostile approval envelopes, each with the rule that must refuse it.

Most are signed by the genuine verifier (a valid signature over a payload of the wrong shape: the
type checks behind the signature are what is tested); the rest break the DSSE envelope around it.
Shared by the pure rules (tests/signing/test_envelope_hostile.py), the approvals inbox
(tests/signing/test_inbox_hostile.py) and ``ecocluster verify``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import strategies as st

from ecocluster.signing import _dsse, _pki
from ecocluster.signing._approval import APPROVED, REJECTED, Draft, approval_statement

Statement = dict[str, Any]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def envelope_of(
    payload: bytes, key: ec.EllipticCurvePrivateKey, payload_type: str = _dsse.IN_TOTO_PAYLOAD_TYPE
) -> dict[str, Any]:
    """A DSSE envelope (as a dict) whose signature over ``payload`` is valid."""
    sig = key.sign(_dsse.pae(payload_type, payload), ec.ECDSA(hashes.SHA256()))
    return {
        "payload": b64(payload),
        "payloadType": payload_type,
        "signatures": [{"keyid": "k", "sig": b64(sig)}],
    }


def load_key(path: Path, password: bytes) -> ec.EllipticCurvePrivateKey:
    """A verifier's key from its file, as the signing package opens it (for other packages' tests)."""
    return _pki.load_key(path, password)


def signed(statement: Statement, key: ec.EllipticCurvePrivateKey) -> bytes:
    return json.dumps(envelope_of(json.dumps(statement).encode(), key)).encode()


def genuine(
    draft: Draft,
    cert: x509.Certificate,
    decision: str = APPROVED,
    reasons: tuple[str, ...] = (),
    when: dt.datetime | None = None,
) -> Statement:
    return approval_statement(
        draft,
        cert,
        decision=decision,
        reasons=reasons,
        signed_at=when or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
    )


@dataclass(frozen=True)
class Case:
    """``build(statement, key)`` -> envelope bytes, from the genuine approval statement and the
    verifier's key."""

    name: str
    rule: str
    build: Callable[[Statement, ec.EllipticCurvePrivateKey], bytes]
    finding: str = ""


def _mutated(change: Callable[[Statement], None]) -> Callable[[Statement, ec.EllipticCurvePrivateKey], bytes]:
    def build(statement: Statement, key: ec.EllipticCurvePrivateKey) -> bytes:
        doc = json.loads(json.dumps(statement))
        change(doc)
        return signed(doc, key)

    return build


def _set(path: str, value: Any) -> Callable[[Statement, ec.EllipticCurvePrivateKey], bytes]:
    *parents, last = path.split(".")

    def change(doc: Statement) -> None:
        node = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value

    return _mutated(change)


def _drop(path: str) -> Callable[[Statement, ec.EllipticCurvePrivateKey], bytes]:
    *parents, last = path.split(".")

    def change(doc: Statement) -> None:
        node = doc
        for part in parents:
            node = node[part]
        del node[last]

    return _mutated(change)


def _payload(text: Callable[[Statement], bytes]) -> Callable[[Statement, ec.EllipticCurvePrivateKey], bytes]:
    return lambda statement, key: json.dumps(envelope_of(text(statement), key)).encode()


def _outer(
    change: Callable[[dict[str, Any]], Any],
) -> Callable[[Statement, ec.EllipticCurvePrivateKey], bytes]:
    """Change the (unsigned) DSSE envelope around a genuine signed statement."""

    def build(statement: Statement, key: ec.EllipticCurvePrivateKey) -> bytes:
        doc = json.loads(signed(statement, key))
        result = change(doc)
        return result if isinstance(result, bytes) else json.dumps(doc if result is None else result).encode()

    return build


def _duplicate_decision(statement: Statement) -> bytes:
    text = json.dumps(statement)
    return text.replace('"decision": "approved"', '"decision": "rejected", "decision": "approved"').encode()


def _rename_statement(statement: Statement) -> None:
    """Another statement id, subjects renamed to match, digests unchanged (those of the current draft)."""
    statement["predicate"]["statementId"] = "another-statement"
    statement["subject"][0]["name"] = "another-statement.json"
    statement["subject"][1]["name"] = "another-statement.pdf"


def _nested(depth: int) -> Callable[[Statement], bytes]:
    return lambda statement: (
        b'{"_type":"https://in-toto.io/Statement/v1","x":' + b"[" * depth + b"]" * depth + b"}"
    )


MALFORMED = "envelope-malformed"
CASES = (
    # the payload is signed by the genuine verifier, its shape is wrong
    Case("member-is-a-string", MALFORMED, _set("predicate.member", "IT-CL-001"), "1"),
    Case("member-is-null", MALFORMED, _set("predicate.member", None), "1"),
    Case("member-id-is-a-number", MALFORMED, _set("predicate.member.id", 1), "1"),
    Case("no-subject", MALFORMED, _drop("subject"), "17"),
    Case("verifier-is-a-string", MALFORMED, _set("predicate.verifier", "Giulia Verdi"), "17"),
    Case("verifier-is-a-list", MALFORMED, _set("predicate.verifier", []), "17"),
    Case("verifier-without-accreditation", MALFORMED, _drop("predicate.verifier.accreditationNo"), "17"),
    Case("subject-empty", MALFORMED, _set("subject", []), "17"),
    Case(
        "subject-a-third-entry",
        MALFORMED,
        _mutated(lambda s: s["subject"].append(dict(s["subject"][0]))),
        "17",
    ),
    Case("subject-digest-a-number", MALFORMED, _set("subject.0.digest.sha256", 5), "17"),
    Case(
        "subject-digest-upper-case",
        MALFORMED,
        _mutated(
            lambda s: s["subject"][0]["digest"].update(sha256=s["subject"][0]["digest"]["sha256"].upper())
        ),
        "17",
    ),
    Case("statement-id-not-the-subject", MALFORMED, _set("predicate.statementId", "another-statement"), "17"),
    Case("year-a-string", MALFORMED, _set("predicate.cycle.reportingYear", "2025"), "17"),
    Case("year-a-boolean", MALFORMED, _set("predicate.cycle.reportingYear", True), "17"),
    Case("year-overflows", MALFORMED, _set("predicate.cycle.reportingYear", 10**30), "17"),
    Case("reasons-a-string", MALFORMED, _set("predicate.reasons", "fine"), "17"),
    Case("reasons-a-number", MALFORMED, _set("predicate.reasons", [1]), "17"),
    Case("decision-upper-case", MALFORMED, _set("predicate.decision", "APPROVED"), "17"),
    Case("signed-at-a-number", MALFORMED, _set("predicate.signedAt", 1_700_000_000), "17"),
    Case("signed-at-not-a-time", MALFORMED, _set("predicate.signedAt", "yesterday"), "17"),
    Case("predicate-a-list", MALFORMED, _set("predicate", []), "17"),
    Case("predicate-type-other", MALFORMED, _set("predicateType", "https://slsa.dev/provenance/v1"), "17"),
    Case("statement-type-other", MALFORMED, _set("_type", "https://in-toto.io/Statement/v0.1"), "17"),
    Case("lone-surrogate-in-name", MALFORMED, _set("predicate.member.name", "\ud800"), "17"),
    Case(
        "rejection-without-reason",
        MALFORMED,
        _mutated(lambda s: s["predicate"].update(decision=REJECTED, reasons=[], declaration="")),
        "17",
    ),
    Case("approval-without-declaration", MALFORMED, _set("predicate.declaration", ""), "17"),
    Case("duplicate-decision-key", MALFORMED, _payload(_duplicate_decision), "17"),
    Case(
        "nan-in-payload", MALFORMED, _payload(lambda s: json.dumps({**s, "x": float("nan")}).encode()), "17"
    ),
    Case(
        "payload-not-utf8",
        MALFORMED,
        _payload(lambda s: json.dumps(s).encode().replace(b"Hotel", b"Hot\xe9l")),
        "17",
    ),
    Case("payload-nested-deeply", MALFORMED, _payload(_nested(100_000)), "17"),
    Case("payload-a-list", MALFORMED, _payload(lambda s: b"[]"), "17"),
    # signed and well-formed, but it names what was not signed
    Case(
        "certificate-sha256-of-another",
        "identity",
        _set("predicate.verifier.certificateSha256", "0" * 64),
        "17",
    ),
    Case("verifier-name-other", "identity", _set("predicate.verifier.name", "Someone Else"), "18"),
    Case("verifier-scope-other", "identity", _set("predicate.verifier.naceScope", ["01"]), "18"),
    Case("statement-id-not-current", "current-draft", _mutated(_rename_statement), "17"),
    # the DSSE envelope around a genuine statement is broken
    Case("signatures-a-number-list", MALFORMED, _outer(lambda d: d.update(signatures=[1])), "20"),
    Case("signatures-a-string", MALFORMED, _outer(lambda d: d.update(signatures="sig")), "20"),
    Case("sig-a-number", MALFORMED, _outer(lambda d: d["signatures"][0].update(sig=5)), "20"),
    Case("sig-not-base64", MALFORMED, _outer(lambda d: d["signatures"][0].update(sig="not base64!")), "20"),
    Case("keyid-a-number", MALFORMED, _outer(lambda d: d["signatures"][0].update(keyid=7)), "20"),
    Case("payload-a-number", MALFORMED, _outer(lambda d: d.update(payload=5)), "20"),
    Case("payload-type-missing", MALFORMED, _outer(lambda d: d.pop("payloadType") and None), "20"),
    Case("envelope-a-list", MALFORMED, _outer(lambda d: [d]), "20"),
    Case("envelope-null", MALFORMED, _outer(lambda d: b"null"), "20"),
    Case("envelope-empty", MALFORMED, _outer(lambda d: b""), "20"),
    Case(
        "envelope-duplicate-key",
        MALFORMED,
        _outer(
            lambda d: json.dumps(d).replace('"payloadType"', '"payloadType": "x", "payloadType"', 1).encode()
        ),
        "17",
    ),
    Case("envelope-utf16", MALFORMED, _outer(lambda d: json.dumps(d).encode("utf-16")), "20"),
    Case("envelope-not-json", MALFORMED, _outer(lambda d: b"{not json"), "20"),
)


# -- for property tests: arbitrary JSON in every field, signed by the genuine verifier; arbitrary bytes

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
PATHS = (
    "_type",
    "subject",
    "subject.0",
    "subject.0.name",
    "subject.0.digest",
    "subject.1.digest.sha256",
    "predicateType",
    "predicate",
    "predicate.decision",
    "predicate.reasons",
    "predicate.statementId",
    "predicate.member",
    "predicate.member.id",
    "predicate.member.nace",
    "predicate.cycle",
    "predicate.cycle.clusterId",
    "predicate.cycle.reportingYear",
    "predicate.verifier",
    "predicate.verifier.name",
    "predicate.verifier.accreditationNo",
    "predicate.verifier.naceScope",
    "predicate.verifier.certificateSha256",
    "predicate.signedAt",
    "predicate.declaration",
)


def envelopes(statement: dict[str, Any], key) -> st.SearchStrategy[bytes]:
    """Signed statements with one field replaced by arbitrary JSON, arbitrary JSON envelopes, and bytes."""

    def replace(path: str, value: Any) -> bytes:
        return _set(path, value)(statement, key)

    return st.one_of(
        st.builds(replace, st.sampled_from(PATHS), JSON),
        st.builds(lambda v: json.dumps(v).encode(), JSON),
        st.builds(lambda v: signed(v, key), JSON),
        st.binary(max_size=200),
    )
