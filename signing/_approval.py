"""What a verifier signs: an in-toto Statement whose subjects are the draft's digests.

The subject names the exact bytes reviewed (canonical statement JSON and PDF, by SHA-256), so an
approval can never be moved to another draft; the predicate carries the decision and everything
the competent body needs to know about who decided, under which accreditation and for which cycle,
plus the Annex VII declaration text the verifier signs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import ConfigurationError, SignerUnavailable
from ecocluster.signing import _dsse
from ecocluster.signing._language import N_, translate
from ecocluster.signing._pki import VerifierIdentity, identity
from ecocluster.signing.signers import Signer
from ecocluster.warehouse.messages import language_of

if TYPE_CHECKING:
    from ecocluster.signing._opinion import Verification

PREDICATE_TYPE = "https://ecocluster.eu/emas/approval/v1"


class ApprovalDecision(StrEnum):
    """What a verifier decided on a statement (the predicate's ``decision``)."""

    APPROVED = "approved"
    REJECTED = "rejected"


APPROVED, REJECTED = ApprovalDecision.APPROVED, ApprovalDecision.REJECTED


@dataclass(frozen=True)
class Draft:
    """One draft statement as the verifier saw it; only ids and digests, never the content."""

    statement_id: str
    member_id: str
    member_name: str
    nace: str
    cluster_id: str
    reporting_year: int
    json_sha256: str
    pdf_sha256: str
    language: str = "en"  # the statement's language: the declaration is in it and in English
    kind: str = "updated"  # full | updated: the statement the declaration names (the member's calendar)


ANNEX_VII = N_(
    "{verifier}, EMAS environmental verifier with accreditation number {accreditation_no}, "
    "accredited for the scope {scope} (NACE), declares to have verified whether the organisation "
    "{member} ({member_id}, NACE {nace}), as indicated in the {kind} environmental statement for "
    "the reporting year {year}, meets all requirements of Regulation (EC) No 1221/2009 as amended. "
    "By signing this declaration, I declare that: the verification and validation have been carried "
    "out in full compliance with the requirements of Regulation (EC) No 1221/2009; the outcome of "
    "the verification and validation confirms that there is no evidence of non-compliance with "
    "applicable legal requirements relating to the environment; the data and information of the "
    "environmental statement reflect a reliable, credible and correct image of all the "
    "organisation's activities within the scope mentioned in the environmental statement. "
    "This document is not equivalent to EMAS registration. Done at {place} on {date}."
)


# The statement kinds as the declaration names them (a full verification validates a full statement).
_KINDS = {"updated": N_("updated"), "full": N_("full")}


def signer_identity(cert: x509.Certificate, accreditation: bytes | None = None) -> VerifierIdentity:
    """Who signs with ``cert``: the accreditation facts its certificate carries (the accreditation
    body's own CA), or those of ``accreditation``, the body's signed statement for a certificate
    from a trust service provider (:mod:`ecocluster.signing._accreditation`)."""
    if accreditation is None:
        try:
            return identity(cert)
        except ConfigurationError as e:
            raise ConfigurationError(
                f"{e}; a certificate from a trust service provider signs with the accreditation "
                "body's statement for it (--accreditation FILE, from `ecocluster pki accredit`)"
            ) from e
    from ecocluster.signing import _accreditation  # it reads statements with this module's fields

    return _accreditation.claimed(accreditation, cert)


def declaration_text(draft: Draft, who: VerifierIdentity, signed_at: dt.datetime, place: str) -> str:
    """The Annex VII declaration in the statement's language, then in English (one text, signed)."""
    fields = {
        "verifier": who.name,
        "accreditation_no": who.accreditation_no,
        "scope": ", ".join(who.nace_scope),
        "member": draft.member_name,
        "member_id": draft.member_id,
        "nace": draft.nace,
        "year": draft.reporting_year,
        "place": place,
        "date": signed_at.date().isoformat(),
    }
    english = ANNEX_VII.format(kind=_KINDS[draft.kind], **fields)
    if language_of(draft.language) == "en":
        return english
    own = translate(draft.language, ANNEX_VII, kind=translate(draft.language, _KINDS[draft.kind]), **fields)
    return own + "\n\n" + english


def approval_statement(
    draft: Draft,
    cert: x509.Certificate,
    *,
    decision: str,
    reasons: tuple[str, ...],
    signed_at: dt.datetime,
    place: str = "",
    verification: Verification | None = None,
    accreditation: bytes | None = None,
) -> dict[str, Any]:
    """The in-toto Statement of the decision; ``accreditation`` (the accreditation body's statement
    for ``cert``, when it did not issue it) is embedded in ``predicate.verifier``."""
    if decision not in (APPROVED, REJECTED):
        raise ValueError(f"decision must be 'approved' or 'rejected', not {decision!r}")
    if decision == REJECTED and not reasons:
        raise ValueError("a rejection needs at least one reason the member can act on")
    if verification is not None:
        verification.agrees_with(decision)  # an OpinionRefused is a ValueError too
    who = signer_identity(cert, accreditation)
    statement: dict[str, Any] = {
        "_type": _dsse.STATEMENT_TYPE,
        "subject": [
            {"name": f"{draft.statement_id}.json", "digest": {"sha256": draft.json_sha256}},
            {"name": f"{draft.statement_id}.pdf", "digest": {"sha256": draft.pdf_sha256}},
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "decision": decision,
            "reasons": list(reasons),
            "statementId": draft.statement_id,
            "member": {"id": draft.member_id, "name": draft.member_name, "nace": draft.nace},
            "cycle": {"clusterId": draft.cluster_id, "reportingYear": draft.reporting_year},
            "verifier": {
                "name": who.name,
                "accreditationNo": who.accreditation_no,
                "naceScope": list(who.nace_scope),
                "certificateSha256": who.fingerprint,
            },
            "signedAt": signed_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "place": place,  # shown in the validated PDF's signature block, so it must be signed
            "declaration": declaration_text(draft, who, signed_at, place) if decision == APPROVED else "",
        },
    }
    if accreditation is not None:
        statement["predicate"]["verifier"]["accreditation"] = _dsse.strict_json(
            accreditation, "accreditation"
        )
    if (
        verification is not None
    ):  # the opinion, site visit and recommended improvements (ecocluster.signing._opinion)
        statement["predicate"]["verification"] = verification.claim()
    return statement


def sign_approval(
    draft: Draft,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    *,
    decision: str = APPROVED,
    reasons: tuple[str, ...] = (),
    signed_at: dt.datetime | None = None,
    place: str = "",
    verification: Verification | None = None,
    accreditation: bytes | None = None,
) -> bytes:
    """The DSSE envelope (JSON bytes) for the verifier's decision on ``draft``, with a bare key in
    memory (tests, forgeries); the verifier's own path is :func:`seal_approval` with a signer."""
    when = signed_at or dt.datetime.now(dt.UTC)
    statement = approval_statement(
        draft,
        cert,
        decision=decision,
        reasons=reasons,
        signed_at=when,
        place=place,
        verification=verification,
        accreditation=accreditation,
    )
    return _dsse.sign(statement, key).to_json()


def seal_approval(
    draft: Draft,
    signer: Signer,
    *,
    decision: str = APPROVED,
    reasons: tuple[str, ...] = (),
    signed_at: dt.datetime | None = None,
    place: str = "",
    verification: Verification | None = None,
    accreditation: bytes | None = None,
) -> bytes:
    """The DSSE envelope for the decision, signed by ``signer`` (key file, token, remote service)."""
    when = signed_at or dt.datetime.now(dt.UTC)
    cert = signer.certificate
    public_key = cert.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignerUnavailable(
            f"the signer's certificate {cert.subject.rfc4514_string()} is not for an ECDSA P-256 key"
        )
    statement = approval_statement(
        draft,
        cert,
        decision=decision,
        reasons=reasons,
        signed_at=when,
        place=place,
        verification=verification,
        accreditation=accreditation,
    )
    return _dsse.seal(statement, signer.sign, public_key).to_json()


# -- reading a signed statement back: once, strictly, into frozen values ------------------------------

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class MemberClaim:
    id: str
    name: str
    nace: str


@dataclass(frozen=True)
class VerifierClaim:
    """Who the predicate says signed; holds only once it equals the certificate (rule identity)."""

    name: str
    accreditation_no: str
    nace_scope: tuple[str, ...]
    certificate_sha256: str
    # The accreditation body's statement (canonical JSON of its DSSE envelope) when the certificate
    # is a trust service provider's; judged by rule accreditation, not here.
    accreditation: bytes | None = None


@dataclass(frozen=True)
class ApprovalPredicate:
    decision: ApprovalDecision
    reasons: tuple[str, ...]
    statement_id: str
    member: MemberClaim
    cluster_id: str
    reporting_year: int
    verifier: VerifierClaim
    signed_at: dt.datetime
    declaration: str


@dataclass(frozen=True)
class ApprovalStatement:
    """An in-toto Statement v1 with the approval predicate, every field type-checked.

    Unknown keys are ignored rather than refused (in-toto's own rule, so a later predicate version
    or an attached timestamp does not break older readers); nothing past this point reads the raw
    JSON except to hand the signed document on (``document``).
    """

    json_sha256: str
    pdf_sha256: str
    predicate: ApprovalPredicate
    document: dict[str, Any]

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> ApprovalStatement:
        """Raises :class:`ecocluster.signing._dsse.MalformedEnvelope` naming the first field that is wrong."""
        statement = _Fields(doc, "statement")
        if statement.text("predicateType") != PREDICATE_TYPE:
            raise _dsse.MalformedEnvelope(
                f"predicateType is {doc.get('predicateType')!r}, expected {PREDICATE_TYPE!r}"
            )
        p = statement.object("predicate")
        decision = p.text("decision")
        if decision not in (APPROVED, REJECTED):
            raise _dsse.MalformedEnvelope(
                f"predicate.decision is {decision!r}, expected 'approved' or 'rejected'"
            )
        reasons = p.texts("reasons")
        if decision == REJECTED and not any(r.strip() for r in reasons):
            raise _dsse.MalformedEnvelope("predicate.reasons: a rejection needs at least one reason")
        declaration = p.text("declaration", empty=decision == REJECTED)
        member, cycle, verifier = p.object("member"), p.object("cycle"), p.object("verifier")
        predicate = ApprovalPredicate(
            decision=ApprovalDecision(decision),
            reasons=reasons,
            statement_id=p.text("statementId"),
            member=MemberClaim(member.text("id"), member.text("name"), member.text("nace")),
            cluster_id=cycle.text("clusterId"),
            reporting_year=cycle.year("reportingYear"),
            verifier=VerifierClaim(
                verifier.text("name"),
                verifier.text("accreditationNo"),
                verifier.texts("naceScope"),
                verifier.sha256("certificateSha256"),
                verifier.optional_object("accreditation"),
            ),
            signed_at=p.time("signedAt"),
            declaration=declaration,
        )
        json_sha, pdf_sha = _subject_digests(statement, predicate.statement_id)
        return cls(json_sha, pdf_sha, predicate, doc)


def _subject_digests(statement: _Fields, statement_id: str) -> tuple[str, str]:
    """The subject names exactly the statement's JSON and PDF, ``<statementId>.json|.pdf``: so the
    statement id the predicate names is the one whose digests were signed."""
    entries = statement.objects("subject")
    names = [e.text("name") for e in entries]
    expected = [f"{statement_id}.json", f"{statement_id}.pdf"]
    if sorted(names) != expected:
        raise _dsse.MalformedEnvelope(f"statement.subject names {names!r}, expected exactly {expected!r}")
    digests = {e.text("name"): e.object("digest").sha256("sha256") for e in entries}
    return digests[expected[0]], digests[expected[1]]


class _Fields:
    """Typed reads of one JSON object; every failure names the field's path."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise _dsse.MalformedEnvelope(f"{where} must be an object, got {_kind(value)}")
        self.value, self.where = value, where

    def _get(self, key: str) -> Any:
        if key not in self.value:
            raise _dsse.MalformedEnvelope(f"{self.where}.{key} is missing")
        return self.value[key]

    def text(self, key: str, *, empty: bool = False) -> str:
        value = self.value.get(key)
        if type(value) is str and value.isascii() and (empty or (value != "" and not value.isspace())):
            return value  # the usual case, decided before a field path is formatted for a refusal
        return _text(self._get(key), f"{self.where}.{key}", empty=empty)

    def texts(self, key: str) -> tuple[str, ...]:
        items = self._get(key)
        if not isinstance(items, list):
            raise _dsse.MalformedEnvelope(f"{self.where}.{key} must be a list of strings, got {_kind(items)}")
        return tuple(_text(v, f"{self.where}.{key}[{n}]") for n, v in enumerate(items))

    def sha256(self, key: str) -> str:
        value = self.text(key)
        if not _SHA256.fullmatch(value):
            raise _dsse.MalformedEnvelope(
                f"{self.where}.{key} must be 64 lowercase hex digits, got {value[:80]!r}"
            )
        return value

    def year(self, key: str) -> int:
        value = self._get(key)
        if type(value) is not int or not 1000 <= value <= 9999:
            raise _dsse.MalformedEnvelope(
                f"{self.where}.{key} must be a four-digit year, got {str(value)[:20]!r}"
            )
        return value

    def time(self, key: str) -> dt.datetime:
        value = self.text(key)
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError as e:
            raise _dsse.MalformedEnvelope(f"{self.where}.{key} {value[:40]!r} is not an ISO 8601 time") from e
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)

    def object(self, key: str) -> _Fields:
        return _Fields(self._get(key), f"{self.where}.{key}")

    def optional_object(self, key: str) -> bytes | None:
        """An object that may be absent, handed on whole as canonical JSON (another parser reads it)."""
        if key not in self.value:
            return None
        try:
            return _dsse.canonical_json(self.object(key).value)
        except UnicodeEncodeError as e:  # a lone surrogate escape (\ud800) somewhere inside
            raise _dsse.MalformedEnvelope(f"{self.where}.{key} holds text that is not valid Unicode") from e

    def objects(self, key: str) -> list[_Fields]:
        items = self._get(key)
        if not isinstance(items, list):
            raise _dsse.MalformedEnvelope(f"{self.where}.{key} must be a list of objects, got {_kind(items)}")
        return [_Fields(v, f"{self.where}.{key}[{n}]") for n, v in enumerate(items)]


def typed_statement(data: bytes, predicate_type: str, where: str) -> tuple[_dsse.Envelope, _Fields]:
    """A DSSE envelope around an in-toto Statement v1 of ``predicate_type``, for typed reads of its
    fields (finding decisions, accreditation statements); raises :class:`_dsse.MalformedEnvelope`."""
    envelope = _dsse.Envelope.from_json(data)
    doc = _Fields(envelope.statement(), where)
    if doc.text("predicateType") != predicate_type:
        raise _dsse.MalformedEnvelope(f"predicateType is not {predicate_type!r}")
    return envelope, doc


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _text(value: Any, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _dsse.MalformedEnvelope(f"{where} must be a string, got {_kind(value)}")
    if not empty and not value.strip():
        raise _dsse.MalformedEnvelope(f"{where} must not be empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:  # a lone surrogate escape (\ud800): no database or terminal takes it
        raise _dsse.MalformedEnvelope(f"{where} is not valid Unicode text") from e
    return value
