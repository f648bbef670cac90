"""Accepting an approval: every rule the EMAS regulation and the trust model impose, in order.

Pure: no warehouse, no store, no clock of its own. The caller gathers the facts (what the current
draft is, who consulted for the member, which checks block it) into an :class:`ApprovalContext`,
so the same rules run in the pipeline, in ``ecocluster verify`` offline and at the competent body.
Each refusal is an :class:`ApprovalRuleFailed` naming the rule, what was found and what was expected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import ApprovalRuleFailed, ConfigurationError
from ecocluster.signing import _accreditation, _decisions, _dsse, _time
from ecocluster.signing._approval import APPROVED, ApprovalDecision, ApprovalPredicate, ApprovalStatement
from ecocluster.signing._opinion import OpinionRefused, Verification, from_claim
from ecocluster.signing._pki import (
    Revocation,
    VerifierIdentity,
    identity,
    issued_by,
    normalise_accreditation_no,
    read_pem_certificates,
    revocation_of,
)

CLOCK_SKEW = _time.CLOCK_SKEW
# How long after the signer's claimed signedAt the timestamp may be taken: sign_decision asks the
# TSA seconds after signing, so a larger gap is a backdated claim (the date printed on the Annex VII
# declaration and the verifier block must not lie).
STAMP_DELAY = dt.timedelta(hours=1)
# A genuine envelope is a few KB; the limit (configurable, [inbox] max_envelope_kb) is checked
# before the bytes are read whole, so a huge file costs nothing to refuse.
MAX_ENVELOPE_BYTES = 1024 * 1024

# The rules, in the order they are checked; names are stable (tests, logs and receipts use them).
# companion-too-large and certificate-malformed concern the files that travel with an envelope
# (ecocluster.signing._inbox and the approvals inbox); the last two are checked by the pipeline after the
# pure ones (ecocluster.signing._inbox.record_approval): the signed PDF is the validated render, and the
# statement may still become validated.
RULES = (
    "envelope-too-large",
    "envelope-malformed",
    "companion-too-large",
    "certificate-malformed",
    "signature",
    "timestamp",
    "chain",
    "accreditation",
    "validity",
    "crl-freshness",
    "revocation",
    "identity",
    "nace-scope",
    "cycle",
    "current-draft",
    "opinion",
    "inputs-superseded",
    "conflict",
    "blocking-checks",
    "open-findings",
    "finding-decision",
    "review-log",
    "validated-pdf",
    "statement-status",
)


@dataclass(frozen=True)
class GrantedCa:
    """A trust service provider's CA taken from an EU trusted list (``[signing]
    qtsp_from_trusted_list``), with the periods the list shows its CA/QC service granted."""

    certificate: x509.Certificate
    periods: tuple[tuple[dt.datetime, dt.datetime | None], ...]  # [from, until), until None: still
    service: str

    def granted_at(self, at: dt.datetime) -> bool:
        return any(start <= at and (end is None or at < end) for start, end in self.periods)


@dataclass(frozen=True)
class TrustAnchors:
    """Accreditation-body CAs and their current CRLs: configuration, not code."""

    cas: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...]
    crl_grace: dt.timedelta = dt.timedelta(
        0
    )  # how long past nextUpdate a CRL still counts ([signing] crl_grace_hours)
    # CAs trusted for timestamp authorities only ([signing] tsa_trust_anchors), besides ``cas``:
    # a TSA certificate must also carry the timeStamping usage, which verifier certificates lack.
    tsa: tuple[x509.Certificate, ...] = ()
    # CAs of trust service providers ([signing] qtsp_trust_anchors): a verifier certificate they
    # issued is accepted only with the accreditation body's signed statement (rule accreditation).
    qtsp: tuple[x509.Certificate, ...] = ()
    # Those of ``qtsp`` that came from the trusted list: each counts only while its service was granted.
    listed: tuple[GrantedCa, ...] = ()
    _signed: dict[x509.Certificate, tuple[x509.CertificateRevocationList, ...]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def crls_signed_by(self, ca: x509.Certificate) -> tuple[x509.CertificateRevocationList, ...]:
        """The configured CRLs that ``ca`` issued and signed, their signatures checked once per
        trust configuration (every approval of a run asks the same question)."""
        if ca not in self._signed:
            self._signed[ca] = tuple(
                c
                for c in self.crls
                # cryptography types public_key() as any certificate key, is_signature_valid as an issuer's
                if c.issuer == ca.subject and c.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
            )
        return self._signed[ca]


@dataclass(frozen=True)
class ApprovalContext:
    """What the pipeline knows about the member when the approval arrives."""

    member_id: str
    nace: str
    cluster_id: str
    reporting_year: int  # the cycle that is open now
    statement_id: str
    json_sha256: str  # digests of the CURRENT draft
    pdf_sha256: str
    superseded: frozenset[str] = frozenset()  # digests of earlier drafts of this member
    consulted_by: frozenset[str] = frozenset()  # accreditation numbers with a conflict (any spelling)
    blocking_failures: tuple[str, ...] = ()
    # Member files received after the current draft was made (its inputs changed since): name, time.
    newer_inputs: tuple[str, ...] = ()
    # The verifier's findings of this cycle still open or answered (ecocluster.signing._review.unresolved).
    open_findings: tuple[str, ...] = ()
    # Why the cycle's review trail (review_event's hash chain) does not verify, or None
    # (ecocluster.signing._review_log.broken_link).
    review_log: str | None = None
    # The findings resolved (accepted or closed) with the signed decision behind each
    # (ecocluster.signing._review.resolutions).
    resolutions: tuple[_decisions.Resolution, ...] = ()


@dataclass(frozen=True)
class VerifiedApproval:
    """Facts that hold because every rule passed."""

    decision: ApprovalDecision
    reasons: tuple[str, ...]
    statement_id: str
    member_id: str
    cluster_id: str
    reporting_year: int
    verifier: VerifierIdentity
    signed_at: dt.datetime  # what the signer claims (printed on the documents), never trusted
    json_sha256: str
    pdf_sha256: str
    declaration: str
    statement: dict[str, Any]
    attested_at: dt.datetime  # the RFC 3161 time of the signature: validity is judged here
    verification: Verification | None = None  # the signed opinion, site visit, recommended improvements
    # The accreditation body's statement that vouched for a trust service provider's certificate.
    accreditation: bytes | None = None


@dataclass(frozen=True)
class ApprovalEnvelope:
    """An approval envelope parsed once at the boundary: the DSSE envelope and its statement, every
    field type-checked, NOT yet verified. ``raw`` is the bytes as received (stored as evidence)."""

    raw: bytes
    envelope: _dsse.Envelope
    statement: ApprovalStatement

    @property
    def predicate(self) -> ApprovalPredicate:
        return self.statement.predicate


@dataclass(frozen=True)
class SignedBy:
    """Rules envelope to identity hold: ``verifier`` signed ``approval`` and the predicate names them."""

    approval: ApprovalEnvelope
    verifier: VerifierIdentity
    attested_at: dt.datetime  # rule timestamp: the RFC 3161 time of the signature


def _fail(rule: str, message: str) -> ApprovalRuleFailed:
    return ApprovalRuleFailed(rule, message)


def parse_approval(
    data: bytes | ApprovalEnvelope, *, max_bytes: int = MAX_ENVELOPE_BYTES
) -> ApprovalEnvelope:
    """Rules envelope-too-large and envelope-malformed: strict JSON, a DSSE envelope around an
    in-toto Statement v1 with our predicate, every field of the right type (unverified).
    An :class:`ApprovalEnvelope` is returned as it is, so callers may pass either and parse once."""
    if isinstance(data, ApprovalEnvelope):
        return data
    if len(data) > max_bytes:
        raise _fail(
            "envelope-too-large",
            f"the envelope has {len(data):,} bytes, the limit is {max_bytes:,} "
            "([inbox] max_envelope_kb); a genuine approval envelope is a few KB",
        )
    try:
        envelope = _dsse.Envelope.from_json(data)
        statement = ApprovalStatement.from_document(envelope.statement())
    except _dsse.MalformedEnvelope as e:
        raise _fail("envelope-malformed", f"not a well-formed DSSE approval envelope: {e}") from e
    return ApprovalEnvelope(data, envelope, statement)


def parse(envelope_json: bytes) -> tuple[_dsse.Envelope, dict[str, Any]]:
    """:func:`parse_approval` as (DSSE envelope, statement document): the document has passed every
    type check, so reading its known fields cannot fail."""
    parsed = parse_approval(envelope_json)
    return parsed.envelope, parsed.statement.document


def claimed_decision(envelope: bytes | ApprovalEnvelope) -> str:
    """The decision an envelope says it carries, unverified: enough to know which files must lie
    beside it (an approval needs its signed PDF) before verifying it; raises like :func:`parse_approval`."""
    return parse_approval(envelope).predicate.decision


def signed_at(predicate: dict[str, Any]) -> dt.datetime:
    """The predicate's ``signedAt`` (of a document :func:`parse` has checked), UTC if it names no zone."""
    when = dt.datetime.fromisoformat(str(predicate["signedAt"]))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def issuer_of(cert: x509.Certificate, trust: TrustAnchors) -> x509.Certificate | None:
    """The configured CA that issued ``cert``: an accreditation body's, else a trust service
    provider's (``trust.qtsp``), else None."""
    return next((c for c in trust.cas + trust.qtsp if issued_by(cert, c)), None)


def check_certificate(
    cert: x509.Certificate,
    trust: TrustAnchors,
    at: dt.datetime,
    now: dt.datetime,
    accreditation: bytes | None = None,
) -> VerifierIdentity:
    """Rules chain, accreditation, validity, crl-freshness, revocation: the accreditation body vouches
    for this signer at ``at``, an attested time (a timestamp's genTime, never a time the signer wrote),
    judged with ``trust`` (the verifying party's CAs and CRLs) and a CRL current at ``now``
    (:func:`current_crl`); a listed certificate is judged by its reason and dates
    (:func:`ecocluster.signing._time.revocation_in_force`). A certificate of a trust service provider
    (``trust.qtsp``) needs ``accreditation``, the body's signed statement for it; its chain, validity
    and revocation are judged the same way against its own CA and that CA's CRL."""
    # 3. chain: issued by one of the configured accreditation-body CAs, or by a configured QTSP CA.
    ca = issuer_of(cert, trust)
    if ca is None:
        raise _fail(
            "chain",
            f"certificate of {cert.subject.rfc4514_string()} (issuer "
            f"{cert.issuer.rfc4514_string()}) does not chain to a trusted accreditation-body CA "
            "or trust service provider; pass the right CA with --trust or fix [signing] "
            "trust_anchors / qtsp_trust_anchors",
        )
    granted = next((g for g in trust.listed if g.certificate == ca), None) if trust.listed else None
    if granted is not None and not granted.granted_at(at):
        raise _fail(
            "chain",
            f"certificate of {cert.subject.rfc4514_string()} was issued by {ca.subject.rfc4514_string()}, "
            f"whose service {granted.service!r} the trusted list does not show granted at the attested "
            f"time {at.isoformat()}",
        )
    # 3a. accreditation: a QTSP's certificate says nothing about EMAS; the body's statement does.
    accredited = None
    if ca not in trust.cas:
        if accreditation is None:
            raise _fail(
                "accreditation",
                f"certificate of {cert.subject.rfc4514_string()} comes from the trust service provider "
                f"{ca.subject.rfc4514_string()}, not from an accreditation body, and no accreditation "
                "statement came with it: the verifier signs with `--accreditation FILE` (the "
                "accreditation body issues it with `ecocluster pki accredit`)",
            )
        accredited = _accreditation.verify(accreditation, cert, trust.cas, at)
        # 3b. the body may have withdrawn the statement since: its CRL, judged at the attested time.
        listed = revocation_of(current_crl(accredited.issuer, trust, now), accredited.serial)
        withdrawn = _time.revocation_in_force(listed, at) if listed is not None else None
        if withdrawn is not None:
            raise _fail(
                "accreditation",
                f"accreditation {accredited.accreditation_no} (statement {accredited.serial:x}) was "
                f"withdrawn by {accredited.issuer.subject.rfc4514_string()}: {withdrawn}",
            )
    # 4. validity: the certificate was valid at the attested time, which is not in the future.
    if at > now + CLOCK_SKEW:
        raise _fail("validity", f"signed at {at.isoformat()}, which is in the future (now {now.isoformat()})")
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise _fail(
            "validity",
            f"signed at {at.isoformat()}, but the certificate is valid only from "
            f"{cert.not_valid_before_utc.isoformat()} to {cert.not_valid_after_utc.isoformat()}",
        )
    # 5-6. crl-freshness, revocation: the CA's current CRL, judged at the attested time.
    entry = revocation_of(current_crl(ca, trust, now), cert.serial_number)
    revoked = _time.revocation_in_force(entry, at) if entry is not None else None
    if revoked is not None:
        raise _fail(
            "revocation",
            f"certificate {cert.serial_number:x} of {cert.subject.rfc4514_string()} was {revoked}",
        )
    if accredited is not None:
        return accredited.identity
    try:
        return identity(cert)
    except ConfigurationError as e:
        raise _fail("identity", str(e)) from e


def current_crl(
    ca: x509.Certificate, trust: TrustAnchors, now: dt.datetime
) -> x509.CertificateRevocationList:
    """The CRL to judge revocation by: issued and signed by ``ca``, taken from the verifying party's
    own ``trust`` (never from what is verified), and current at ``now``.

    Of several CRLs of that CA the newest (thisUpdate) counts, so an old copy cannot hide a later
    revocation. Fails closed: rule ``revocation`` when there is no valid CRL of that CA; rule
    ``crl-freshness`` when the newest is past its nextUpdate by more than ``trust.crl_grace``, has no
    nextUpdate, or claims a thisUpdate in the future. Shared by ``approve``, the inbox, and the
    offline ``verify``/``intake`` (through :func:`check_certificate`, or directly).
    """
    crls = trust.crls_signed_by(ca)
    if not crls:
        raise _fail(
            "revocation",
            f"no valid CRL from {ca.subject.rfc4514_string()} to check revocation against; "
            "fetch the accreditation body's current CRL",
        )
    crl = max(crls, key=lambda c: c.last_update_utc)
    fresh_until = None if crl.next_update_utc is None else crl.next_update_utc + trust.crl_grace
    if crl.last_update_utc <= now + CLOCK_SKEW and fresh_until is not None and now <= fresh_until:
        return crl  # current, the usual case: judged without formatting a name for a refusal
    issuer = ca.subject.rfc4514_string()
    if crl.last_update_utc > now + CLOCK_SKEW:
        raise _fail(
            "crl-freshness",
            f"the CRL of {issuer} says it was issued {crl.last_update_utc.isoformat()}, "
            f"in the future (now {now.isoformat()}); check this machine's clock",
        )
    if crl.next_update_utc is None:
        raise _fail(
            "crl-freshness",
            f"the CRL of {issuer} has no nextUpdate, so its freshness cannot be judged; "
            "fetch a CRL from the accreditation body",
        )
    if now > crl.next_update_utc + trust.crl_grace:
        raise _fail(
            "crl-freshness",
            f"the CRL of {issuer} expired at {crl.next_update_utc.isoformat()} (nextUpdate, "
            f"grace {trust.crl_grace}); now is {now.isoformat()}: fetch the accreditation body's current "
            "CRL (it runs `ecocluster pki crl`), or raise [signing] crl_grace_hours",
        )
    return crl


def revocation(cert: x509.Certificate, trust: TrustAnchors, now: dt.datetime) -> Revocation | None:
    """How ``cert`` stands on its CA's current CRL: its entry (reason, revocation and invalidity
    dates) or None; raises the ``chain``/``revocation``/``crl-freshness`` refusals. For the time
    rules, which judge a listed certificate by its reason and dates instead of refusing it outright."""
    ca = issuer_of(cert, trust)
    if ca is None:
        raise _fail(
            "chain",
            f"certificate of {cert.subject.rfc4514_string()} does not chain to a trusted "
            "accreditation-body CA or trust service provider",
        )
    return revocation_of(current_crl(ca, trust, now), cert.serial_number)


def attested_time(
    signatures: tuple[bytes, ...], timestamp: bytes | None, trust: TrustAnchors, now: dt.datetime
) -> dt.datetime:
    """Rule timestamp: the RFC 3161 time of one of ``signatures`` (those of the envelope that verify
    with the presented certificate's key, :func:`ecocluster.signing._dsse.signatures_by`), from a TSA
    the verifying party trusts and that was not revoked at that time. A token over another of the
    envelope's signatures attests another signer and is refused like any foreign token."""
    try:
        attested = _time.attest(timestamp, signatures, trust.cas + trust.tsa, now=now)
    except _time.TimestampInvalid as e:
        raise _fail("timestamp", str(e)) from e
    issuer = next(c for c in trust.cas + trust.tsa if issued_by(attested.tsa, c))  # attest found one
    try:
        entry = revocation_of(current_crl(issuer, trust, now), attested.tsa.serial_number)
    except ApprovalRuleFailed as e:
        raise _fail(
            "timestamp",
            f"the TSA {attested.tsa.subject.rfc4514_string()} cannot be checked for revocation: {e}",
        ) from e
    revoked = _time.revocation_in_force(entry, attested.time) if entry is not None else None
    if revoked is not None:
        raise _fail("timestamp", f"the TSA certificate {attested.tsa.subject.rfc4514_string()} was {revoked}")
    return attested.time


def check_signed_at(claimed: dt.datetime, attested: dt.datetime) -> None:
    """Rule timestamp, second half: the date the signer wrote may not be backdated (or postdated)."""
    if not attested - STAMP_DELAY <= claimed <= attested + CLOCK_SKEW:
        raise _fail(
            "timestamp",
            f"the envelope claims signedAt {claimed.isoformat()}, but its signature is attested "
            f"at {attested.isoformat()}: a signing time may not be backdated or postdated; sign again",
        )


def load_certificate(cert_pem: bytes) -> x509.Certificate:
    """Rule certificate-malformed: the file that travels with an envelope is a readable X.509
    certificate (the first of a PEM bundle is the signer's), parsed whole now rather than failing
    later in another rule."""
    try:
        cert = read_pem_certificates(cert_pem)[0]
        cert.public_key(), cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    except (ValueError, IndexError) as e:
        raise _fail(
            "certificate-malformed",
            f"the verifier certificate is not a readable PEM X.509 certificate "
            f"({e or 'no certificate in the file'}); give the signing verifier's cert.pem",
        ) from e
    except Exception as e:  # cryptography raises UnsupportedAlgorithm and others for odd keys
        raise _fail("certificate-malformed", f"the verifier certificate cannot be used: {e}") from e
    return cert


def verify_signer(
    envelope: bytes | ApprovalEnvelope,
    cert: x509.Certificate,
    trust: TrustAnchors,
    *,
    timestamp: bytes | None = None,
    now: dt.datetime | None = None,
) -> SignedBy:
    """Rules envelope to identity: who signed, proven, attested in time, and named as the signer
    in the predicate. Needs no warehouse: ``ecocluster verify`` of a bare envelope runs exactly
    these. ``timestamp`` is the RFC 3161 TimeStampResp (DER, the ``.tsr`` file beside the
    envelope) over the envelope's signature; without a valid one from a trusted TSA it is refused."""
    now = now or dt.datetime.now(dt.UTC)
    # 1. envelope
    approval = parse_approval(envelope)
    predicate = approval.predicate
    # 2. signature: by the key in the presented certificate.
    public_key = cert.public_key()
    signatures = (
        _dsse.signatures_by(approval.envelope, public_key)
        if isinstance(public_key, ec.EllipticCurvePublicKey)
        else ()
    )
    if not signatures:
        raise _fail(
            "signature",
            "the DSSE signature does not verify with the key of the presented certificate "
            f"({cert.subject.rfc4514_string()}): the envelope was changed or signed by another key",
        )
    # 3. timestamp: validity and revocation are judged at the attested time, not at signedAt.
    attested = attested_time(signatures, timestamp, trust, now)
    # chain, validity, CRL freshness and revocation, all at the attested time (numbered in check_certificate)
    who = check_certificate(cert, trust, attested, now, predicate.verifier.accreditation)
    check_signed_at(predicate.signed_at, attested)
    # 7. identity: the predicate names, field by field, the verifier whose certificate signed.
    claimed = predicate.verifier
    named = (
        normalise_accreditation_no(claimed.accreditation_no),
        claimed.name,
        claimed.nace_scope,
        claimed.certificate_sha256,
    )
    actual = (who.accreditation_no, who.name, who.nace_scope, who.fingerprint)
    for field, got, expected in zip(
        ("accreditationNo", "name", "naceScope", "certificateSha256"), named, actual, strict=True
    ):
        if got != expected:
            raise _fail(
                "identity",
                f"predicate.verifier.{field} is {got!r}, the signing certificate says "
                f"{expected!r}: an envelope names the verifier who signed it",
            )
    return SignedBy(approval, who, attested)


def verify_approval(
    envelope_json: bytes | ApprovalEnvelope,
    cert: x509.Certificate,
    trust: TrustAnchors,
    context: ApprovalContext,
    *,
    timestamp: bytes | None = None,
    now: dt.datetime | None = None,
) -> VerifiedApproval:
    """Verified facts of the approval, or :class:`ApprovalRuleFailed` naming the first broken rule;
    ``timestamp`` is the approval's ``.tsr`` (:func:`verify_signer`)."""
    # 1-7. envelope, signature, timestamp, chain, validity, CRL freshness, revocation, identity of the signer
    signed = verify_signer(envelope_json, cert, trust, timestamp=timestamp, now=now)
    who, predicate = signed.verifier, signed.approval.predicate
    statement = signed.approval.statement
    # 7. identity: the member is the one the pipeline is deciding about.
    if predicate.member.id != context.member_id:
        raise _fail(
            "identity", f"approval is for member {predicate.member.id!r}, expected {context.member_id!r}"
        )
    # 8. nace-scope: from the warehouse's member record, not from what the envelope claims.
    if not who.covers(context.nace):
        raise _fail(
            "nace-scope",
            f"member {context.member_id} has NACE {context.nace}, outside the scope "
            f"{', '.join(who.nace_scope)} of accreditation {who.accreditation_no}",
        )
    # 9. cycle: no replay of an approval from another cycle.
    if (predicate.cluster_id, predicate.reporting_year) != (context.cluster_id, context.reporting_year):
        raise _fail(
            "cycle",
            f"approval is for cycle {predicate.cluster_id} {predicate.reporting_year}, the open "
            f"cycle is {context.cluster_id} {context.reporting_year}: an approval cannot be replayed",
        )
    # 10. current-draft: the digests signed are those of the current draft, under its id.
    json_sha, pdf_sha = statement.json_sha256, statement.pdf_sha256
    if (json_sha, pdf_sha) != (context.json_sha256, context.pdf_sha256):
        stale = {json_sha, pdf_sha} & context.superseded
        why = "a superseded draft" if stale else "no draft of this member"
        raise _fail(
            "current-draft",
            f"the signed digests (json {json_sha[:12]}…, pdf {pdf_sha[:12]}…) belong "
            f"to {why}; current draft {context.statement_id} has json {context.json_sha256[:12]}…, "
            f"pdf {context.pdf_sha256[:12]}…: send the current draft for review",
        )
    if predicate.statement_id != context.statement_id:
        raise _fail(
            "current-draft",
            f"predicate.statementId is {predicate.statement_id[:80]!r}, but the signed "
            f"digests are those of statement {context.statement_id}: the approval names another statement",
        )
    # 10a. opinion: the verification block, when signed, is whole and agrees with the decision.
    try:
        verification = from_claim(statement.document["predicate"].get("verification"), predicate.decision)
    except OpinionRefused as e:
        raise _fail("opinion", str(e)) from e
    # 11. inputs-superseded: the member corrected its data after this draft was made; validating
    # it would validate figures the member has withdrawn (a rejection is still welcome).
    if predicate.decision == APPROVED and context.newer_inputs:
        raise _fail(
            "inputs-superseded",
            f"member {context.member_id} sent {len(context.newer_inputs)} file(s) after "
            f"draft {context.statement_id[:16]} was made ({', '.join(context.newer_inputs[:3])}): the draft "
            f"shows data the member has since corrected; the coordinator must redraft with `ecocluster draft "
            f"--member {context.member_id} --year "
            f"{context.reporting_year}` and send the new draft for "
            "review",
        )
    # 12. conflict: a verifier may not validate an organisation they consulted for.
    if who.accreditation_no in {normalise_accreditation_no(n) for n in context.consulted_by}:
        raise _fail(
            "conflict",
            f"verifier {who.name} ({who.accreditation_no}) consulted for member "
            f"{context.member_id} and may not validate its statement; assign another verifier",
        )
    # 13. blocking-checks: only an approval needs a clean member; a rejection is always welcome.
    if predicate.decision == APPROVED and context.blocking_failures:
        raise _fail(
            "blocking-checks",
            f"member {context.member_id} still has {len(context.blocking_failures)} "
            f"blocking check failure(s): {', '.join(context.blocking_failures[:5])}; fix and rerun checks",
        )
    # 14. open-findings: the verifier's own findings are resolved (accepted or closed) before they approve.
    if predicate.decision == APPROVED and context.open_findings:
        raise _fail(
            "open-findings",
            f"member {context.member_id} has {len(context.open_findings)} finding(s) not "
            f"resolved: {', '.join(context.open_findings[:10])}; answer them (`ecocluster finding answer`) "
            "and accept or close them (`ecocluster finding close`) before approving",
        )
    # 14a. finding-decision: each resolution is the verifier's signed decision, bound to that finding
    # and the answer it decided on; a state changed in the warehouse without one resolves nothing.
    if predicate.decision == APPROVED:
        for resolution in context.resolutions:
            decided_by = verify_resolution(
                resolution, trust, now=now, accreditation=predicate.verifier.accreditation
            )
            if decided_by.accreditation_no != who.accreditation_no:
                raise _fail(
                    "finding-decision",
                    f"finding {resolution.facts.finding_id} was {resolution.event} by "
                    f"{decided_by.name} ({decided_by.accreditation_no}), not by the approving verifier "
                    f"{who.name} ({who.accreditation_no}); the verifier who approves decides the findings",
                )
    # 14b. review-log: the trail the findings' states came through was not changed afterwards.
    if predicate.decision == APPROVED and context.review_log is not None:
        raise _fail(
            "review-log", f"{context.review_log}; restore the warehouse from a backup before approving"
        )
    return VerifiedApproval(
        decision=predicate.decision,
        reasons=predicate.reasons,
        statement_id=context.statement_id,
        member_id=context.member_id,
        cluster_id=context.cluster_id,
        reporting_year=context.reporting_year,
        verifier=who,
        signed_at=predicate.signed_at,
        json_sha256=json_sha,
        pdf_sha256=pdf_sha,
        declaration=predicate.declaration,
        statement=statement.document,
        verification=verification,
        attested_at=signed.attested_at,
        accreditation=predicate.verifier.accreditation,
    )


def verify_decision_signer(
    decision: _decisions.FindingDecision,
    cert_pem: bytes,
    timestamp: bytes | None,
    trust: TrustAnchors,
    *,
    now: dt.datetime | None = None,
    accreditation: bytes | None = None,
) -> VerifierIdentity:
    """Rule finding-decision, the signer's part: the envelope is signed by the key of ``cert_pem``, an
    accredited verifier's certificate (chain, validity, CRL, revocation) that the predicate names,
    judged at the time ``timestamp`` attests (rule ``timestamp``: an RFC 3161 token over this very
    signature from a TSA the verifying party trusts; ``decidedAt`` may not be backdated against it).
    A trust service provider's certificate needs the accreditation statement the decision embeds,
    else ``accreditation`` (the approving verifier's; it must name the certificate that decided).
    Returns who decided."""
    when = now or dt.datetime.now(dt.UTC)
    where = f"finding {decision.facts.finding_id}: the {decision.event} decision"
    try:
        cert = load_certificate(cert_pem)
    except ApprovalRuleFailed as e:
        raise _fail("finding-decision", f"{where} comes with an unusable certificate: {e.detail}") from e
    public_key = cert.public_key()
    signatures = (
        _dsse.signatures_by(decision.envelope, public_key)
        if isinstance(public_key, ec.EllipticCurvePublicKey)
        else ()
    )
    if not signatures:
        raise _fail(
            "finding-decision",
            f"{where} is not signed by the key of {cert.subject.rfc4514_string()}: it "
            "was changed after signing or forged; the verifier signs it again (`ecocluster finding "
            f"{_VERBS[decision.event]} {decision.facts.finding_id} --signer URI`)",
        )
    try:
        attested = attested_time(signatures, timestamp, trust, when)
    except ApprovalRuleFailed as e:
        raise _fail("timestamp", f"{where}: {e.detail}") from e
    try:
        who = check_certificate(cert, trust, attested, when, decision.accreditation or accreditation)
    except ApprovalRuleFailed as e:
        raise _fail("finding-decision", f"{where}: rule {e.rule}: {e.detail}") from e
    try:
        check_signed_at(decision.decided_at, attested)
    except ApprovalRuleFailed as e:
        raise _fail("timestamp", f"{where}: {e.detail.replace('signedAt', 'decidedAt')}") from e
    if who.fingerprint != decision.certificate_sha256:
        raise _fail(
            "finding-decision",
            f"{where} names certificate {decision.certificate_sha256[:16]}…, it was "
            f"signed with {who.fingerprint[:16]}…",
        )
    return who


_VERBS = {"accepted": "accept", "reopened": "reopen", "closed": "close"}


def verify_resolution(
    resolution: _decisions.Resolution,
    trust: TrustAnchors,
    *,
    now: dt.datetime | None = None,
    accreditation: bytes | None = None,
) -> VerifierIdentity:
    """Rule finding-decision: the decision that resolved the finding is signed (see
    :func:`verify_decision_signer`) and says what the warehouse says: this finding, this event, the
    answer it now has. Returns who decided, or raises :class:`ApprovalRuleFailed`."""
    facts = resolution.facts
    if resolution.envelope is None or resolution.cert_pem is None:
        raise _fail(
            "finding-decision",
            f"finding {facts.finding_id} was {resolution.event} without the verifier's "
            f"signature; the verifier signs the decision with `ecocluster finding {_VERBS[resolution.event]} "
            f"{facts.finding_id} --signer URI` (or in an offline review: `ecocluster finding import`)",
        )
    try:
        decision = _decisions.parse(resolution.envelope)
    except _decisions.DecisionMalformed as e:
        raise _fail("finding-decision", f"finding {facts.finding_id}: {e}") from e
    who = verify_decision_signer(
        decision, resolution.cert_pem, resolution.timestamp, trust, now=now, accreditation=accreditation
    )
    if (decision.facts, decision.event) != (facts, resolution.event):
        raise _fail(
            "finding-decision",
            f"finding {facts.finding_id} is {resolution.event} after answer "
            f"{facts.answer_no}, but its signed decision says {decision.event} of finding "
            f"{decision.facts.finding_id} after answer {decision.facts.answer_no}: the warehouse does not "
            "hold what the verifier signed",
        )
    return who
