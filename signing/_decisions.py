"""A verifier's signed decision on a finding: accepted, reopened or closed (issue 18).

Signed the way the approval and its opinion are: an in-toto Statement in a DSSE envelope, sealed
through a :class:`ecocluster.signing.signers.Signer` (key file, token, remote service), so the same tools
check both. The subject is the draft statement the finding was raised on; the predicate names the
finding, the event, and the answer the verifier decided on (its number and the digest of its text
and evidence files), when, and by which certificate. A decision therefore cannot be moved to
another finding, to another round, or to an answer changed after the verifier read it.

No warehouse, no store, so the verifier signs offline from a review bundle
(``ecocluster.signing._bundle``) exactly as ``ecocluster finding accept --signer`` does online. Like an
approval, every decision carries an RFC 3161 timestamp token over its signature (:func:`stamp`, from
the configured TSA): ``decidedAt`` is the verifier's own claim and decides nothing, the token's time
does. The certificate's trust (chain, validity, revocation) is judged at that attested time by
``ecocluster.signing._verify`` (rules ``timestamp`` and ``finding-decision``), which refuses an
approval whose resolved findings lack a signed, timestamped decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import SignerUnavailable
from ecocluster.signing import _dsse, _tsa
from ecocluster.signing._approval import signer_identity, typed_statement
from ecocluster.signing.signers import Signer

PREDICATE_TYPE = "https://ecocluster.eu/emas/finding-decision/v1"
EVENTS = ("accepted", "reopened", "closed")
MAX_DECISION_BYTES = 64 * 1024  # a genuine decision is about 1.5 KB
MAX_NOTE = 4000


@dataclass(frozen=True)
class FindingFacts:
    """What a decision binds: the finding and the answer decided on (``answer_no`` 0: none yet)."""

    finding_id: str
    statement_id: str
    member_id: str
    reporting_year: int
    answer_no: int
    answer_sha256: str


@dataclass(frozen=True)
class FindingDecision:
    """A decision envelope parsed once, strictly; NOT yet verified (signature, certificate, binding)."""

    raw: bytes
    envelope: _dsse.Envelope
    facts: FindingFacts
    event: str
    note: str
    decided_at: dt.datetime
    certificate_sha256: str
    # The accreditation body's statement for a trust service provider's certificate (rule accreditation).
    accreditation: bytes | None = None


@dataclass(frozen=True)
class Resolution:
    """A finding of the cycle that no longer blocks an approval (accepted or closed), with the signed
    decision behind its current state as the warehouse holds it (None: recorded unsigned)."""

    facts: FindingFacts
    event: str
    envelope: bytes | None
    cert_pem: bytes | None
    timestamp: bytes | None = None  # the RFC 3161 TimeStampResp over the envelope's signature


class DecisionMalformed(ValueError):
    """Bytes that are not a finding decision envelope; the message says where."""


def answer_digest(text: str, evidence_sha256: Iterable[str]) -> str:
    """SHA-256 of an answer as the verifier read it: its text and its evidence files' digests."""
    return hashlib.sha256(
        _dsse.canonical_json({"text": text, "evidence": sorted(evidence_sha256)})
    ).hexdigest()


NO_ANSWER = answer_digest("", ())


def statement(
    facts: FindingFacts,
    event: str,
    note: str,
    decided_at: dt.datetime,
    certificate_sha256: str,
    accreditation: bytes | None = None,
) -> dict[str, object]:
    if event not in EVENTS:
        raise ValueError(f"a finding decision is one of {', '.join(EVENTS)}, not {event!r}")
    verifier: dict[str, object] = {"certificateSha256": certificate_sha256}
    if accreditation is not None:
        verifier["accreditation"] = _dsse.strict_json(accreditation, "accreditation")
    return {
        "_type": _dsse.STATEMENT_TYPE,
        "subject": [{"name": f"{facts.statement_id}.json", "digest": {"sha256": facts.statement_id}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "findingId": facts.finding_id,
            "event": event,
            "memberId": facts.member_id,
            "reportingYear": facts.reporting_year,
            "statementId": facts.statement_id,
            "answer": {"number": facts.answer_no, "sha256": facts.answer_sha256},
            "note": note[:MAX_NOTE],
            "decidedAt": decided_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "verifier": verifier,
        },
    }


def seal(
    facts: FindingFacts,
    event: str,
    signer: Signer,
    *,
    note: str = "",
    decided_at: dt.datetime | None = None,
    accreditation: bytes | None = None,
) -> bytes:
    """The DSSE envelope (JSON bytes) of the verifier's ``event`` on the finding, signed by ``signer``;
    ``accreditation`` (the body's statement for a trust service provider's certificate) is embedded."""
    public_key = signer.certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignerUnavailable(
            f"the signer's certificate {signer.certificate.subject.rfc4514_string()} is not "
            "for an ECDSA P-256 key"
        )
    when = decided_at or dt.datetime.now(dt.UTC)
    who = signer_identity(signer.certificate, accreditation)
    doc = statement(facts, event, note, when, who.fingerprint, accreditation)
    return _dsse.seal(doc, signer.sign, public_key).to_json()


def stamp(envelope: bytes, tsa_url: str) -> bytes:
    """The RFC 3161 TimeStampResp (DER) over the signature of a decision :func:`seal` made, from the
    TSA at ``tsa_url`` (``[signing] tsa_url``); :class:`ecocluster.signing._tsa.TimestampUnavailable`
    when it does not answer (nothing is recorded then: decide again online)."""
    return _tsa.request(tsa_url, _dsse.Envelope.from_json(envelope).signatures[0][1])


def parse(data: bytes) -> FindingDecision:
    """The envelope read once: strict JSON, DSSE, in-toto Statement v1 with this predicate type and
    every field typed; raises :class:`DecisionMalformed` naming the field."""
    if len(data) > MAX_DECISION_BYTES:
        raise DecisionMalformed(f"the decision has {len(data):,} bytes, more than {MAX_DECISION_BYTES:,}")
    try:
        envelope, doc = typed_statement(data, PREDICATE_TYPE, "statement")
        p = doc.object("predicate")
        event = p.text("event")
        if event not in EVENTS:
            raise _dsse.MalformedEnvelope(f"predicate.event {event[:40]!r} is not one of {', '.join(EVENTS)}")
        answer = p.object("answer")
        number = answer.value.get("number")
        if type(number) is not int or not 0 <= number <= 10_000:
            raise _dsse.MalformedEnvelope("predicate.answer.number must be a whole number from 0")
        statement_id = p.sha256("statementId")
        subject = [s.object("digest").sha256("sha256") for s in doc.objects("subject")]
        if subject != [statement_id]:
            raise _dsse.MalformedEnvelope("the subject is not the statement predicate.statementId names")
        facts = FindingFacts(
            p.text("findingId")[:40],
            statement_id,
            p.text("memberId")[:64],
            p.year("reportingYear"),
            number,
            answer.sha256("sha256"),
        )
        note = p.text("note", empty=True)
        if len(note) > MAX_NOTE:
            raise _dsse.MalformedEnvelope(f"predicate.note has more than {MAX_NOTE} characters")
        return FindingDecision(
            data,
            envelope,
            facts,
            event,
            note,
            p.time("decidedAt"),
            p.object("verifier").sha256("certificateSha256"),
            p.object("verifier").optional_object("accreditation"),
        )
    except _dsse.MalformedEnvelope as e:
        raise DecisionMalformed(f"not a finding decision envelope: {e}") from e
