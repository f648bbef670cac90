"""Approvals in and out: the verifier signs on their side; the pipeline accepts or refuses and records.

Nothing here touches a private key except through a :class:`ecocluster.signing.signers.Signer` in
:func:`sign_draft` / :func:`sign_decision` (and :func:`approve`, which is ``sign_decision`` +
:func:`record_approval`): it runs in the verifier's hands (their key file, token or signing
service) and hands over only the envelope, the public certificate, the signed PDF and the TSA's
token (the `.tsr`).

Two documents, two signatures. The DSSE envelope's subject is the digests of the **draft** JSON and
PDF the verifier reviewed, so an approval can never be moved to another draft. The PAdES signature
sits on the **validated** render of that same statement (``ecocluster.statements.validated_pdf``: verifier
block filled, no DRAFT mark, dated the day of signing), which is what the member publishes and the
competent body receives. Both renders come from the same canonical JSON, and the pipeline accepts
the signed PDF only if its signed bytes are exactly the validated render it makes itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from cryptography import x509

from ecocluster import checks, statements
from ecocluster.core.config import InboxConfig
from ecocluster.core.errors import (
    ApprovalRefused,
    ApprovalRuleFailed,
    ConfigurationError,
    DecisionIncomplete,
    EcoclusterError,
    TransientError,
)
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import (
    _bundle,
    _dsse,
    _pki,
    _records,
    _review,
    _sampling,
    _stored,
    _time,
    _tsa,
    signers,
)
from ecocluster.signing._approval import APPROVED, REJECTED, Draft, seal_approval, signer_identity
from ecocluster.signing._keys import KeyFiles
from ecocluster.signing._opinion import Opinion, SiteVisit, Verification
from ecocluster.signing._pades import seal_pdf, verify_pdf
from ecocluster.signing._pki import VerifierIdentity
from ecocluster.signing._verify import (
    MAX_ENVELOPE_BYTES,
    ApprovalContext,
    ApprovalEnvelope,
    TrustAnchors,
    VerifiedApproval,
    load_certificate,
    parse_approval,
    verify_approval,
    verify_signer,
)
from ecocluster.signing.signers import Signer
from ecocluster.warehouse.db import transaction
from ecocluster.warehouse.spreadsheet import write_csv

ENVELOPE, CERTIFICATE, SIGNED_PDF = "dsse.json", "cert.pem", "validated.pdf"  # file suffixes of one decision
TIMESTAMP = "tsr"  # RFC 3161 TimeStampResp (DER) over the envelope's signature

# Refusals whose verdict depends on a file beside the envelope, not on the envelope alone: a
# half-uploaded PDF, a wrong certificate planted first. The inbox looks at such a refusal again
# when those files change; every other refusal is the envelope's own and stays (the envelope pins
# its certificate by SHA-256 and its PDF is compared byte for byte, so a retry can only ever
# accept the very files the verifier signed).
COMPANION_RULES = frozenset(
    {
        "companion-too-large",
        "certificate-malformed",
        "signature",
        "chain",
        "validity",
        "revocation",
        "identity",
        "validated-pdf",
    }
)


@dataclass(frozen=True)
class InboxLimits:
    """The largest file of each kind the approvals inbox reads (``[inbox]`` in ``ecocluster.toml``:
    ``max_envelope_kb``, ``max_certificate_kb``, ``max_pdf_mb``). Checked from the store's size
    before a file is read, so a huge upload is refused without costing memory."""

    envelope_bytes: int = MAX_ENVELOPE_BYTES
    certificate_bytes: int = 256 * 1024
    pdf_bytes: int = 64 * 1024 * 1024

    @classmethod
    def from_config(cls, config: InboxConfig) -> InboxLimits:
        return cls(
            config.max_envelope_kb * 1024, config.max_certificate_kb * 1024, config.max_pdf_mb * 1024 * 1024
        )

    def for_suffix(self, suffix: str) -> int:
        """The limit of a file ``NAME.<suffix>``; a kind of file not known here gets the envelope's."""
        return {
            ENVELOPE: self.envelope_bytes,
            CERTIFICATE: self.certificate_bytes,
            SIGNED_PDF: self.pdf_bytes,
        }.get(suffix, self.envelope_bytes)


DEFAULT_LIMITS = InboxLimits()


@dataclass(frozen=True)
class InboxFile:
    """One file of the inbox, read once if within its limit (``data`` None: too large, never read)."""

    key: str
    size: int
    data: bytes | None = field(repr=False)

    @classmethod
    def read(cls, store: ObjectStore, key: str, limit: int) -> InboxFile:
        size = store.size(key)
        return cls(key, size, store.get(key) if size <= limit else None)

    @classmethod
    def from_path(cls, path: Path, limit: int) -> InboxFile:
        """A local file (``ecocluster verify``) under the same limit; the caller has checked it is a file."""
        size = path.stat().st_size
        return cls(str(path), size, path.read_bytes() if size <= limit else None)

    @property
    def sha256(self) -> str:
        """The content's SHA-256; for a file too large to read, that of its key and size (a new
        upload of another size is another file)."""
        return hashlib.sha256(
            self.data if self.data is not None else f"{self.key}\n{self.size}".encode()
        ).hexdigest()


@dataclass(frozen=True)
class Arrival:
    """A decision in the approvals inbox: ``NAME.dsse.json`` and whatever lies beside it under the
    same name (``NAME.<suffix>``: certificate, signed PDF, any later companion), each read once."""

    envelope: InboxFile
    companions: Mapping[str, InboxFile]  # by suffix

    def companions_sha256(self) -> tuple[tuple[str, str], ...]:
        return tuple((suffix, f.sha256) for suffix, f in sorted(self.companions.items()))


@dataclass(frozen=True)
class SignedDecision:
    """A verifier's signed decision, not yet recorded: what travels from the verifier to the pipeline."""

    envelope: bytes
    cert_pem: bytes
    signed_pdf: bytes | None  # the PAdES B-LTA-signed validated statement; None for a rejection
    timestamp: bytes = b""  # TimeStampResp over the envelope's signature: its attested time

    def files(self) -> dict[str, bytes]:
        """Suffix -> bytes; drop them as ``inbox/approvals/<name>.<suffix>`` for the approvals flow."""
        out = {ENVELOPE: self.envelope, CERTIFICATE: self.cert_pem, TIMESTAMP: self.timestamp}
        return out | ({SIGNED_PDF: self.signed_pdf} if self.signed_pdf is not None else {})


def approval_prefix(verified: VerifiedApproval) -> str:
    return f"approvals/{verified.cluster_id}/{verified.reporting_year}/{verified.member_id}"


def verifier_block(
    who: VerifierIdentity, signed_at: dt.datetime, place: str = ""
) -> statements.VerifierBlock:
    """The statement's verifier block as the signature dates it (UTC day of signing), with the
    visible signature block: who signed, where and when. A DEMO verifier's (accreditation number
    ``DEMO-…``, see ``ecocluster.signing.demo_verifier``) marks every page DEMO."""
    return statements.VerifierBlock(
        who.name,
        who.accreditation_no,
        signed_at.astimezone(dt.UTC).date(),
        signed_at=signed_at.astimezone(dt.UTC),
        place=place[:200],
        demo=who.accreditation_no.upper().startswith("DEMO-"),
    )


def approved_block(verified: VerifiedApproval) -> statements.VerifierBlock:
    """The verifier block of a verified approval: the place is the one the verifier signed."""
    return verifier_block(
        verified.verifier, verified.signed_at, str(verified.statement["predicate"].get("place", ""))
    )


def sign_decision(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    statement_id: str,
    signer: Signer | KeyFiles,
    key_password: bytes | None = None,
    *,
    decision: str = APPROVED,
    reasons: tuple[str, ...] = (),
    place: str = "",
    signed_at: dt.datetime | None = None,
    tsa_url: str | None = None,
    trust: TrustAnchors | None = None,
    opinion: Opinion | None = None,
    site_visit: SiteVisit = SiteVisit.NONE,
    sampling_plan_sha256: str | None = None,
    accreditation: bytes | None = None,
) -> SignedDecision:
    """The verifier's side: sign the decision on the draft and have the TSA at ``tsa_url``
    (default ``ECOCLUSTER_TSA_URL``) timestamp its signature; for an approval, PAdES B-LTA-sign the
    validated render (``trust``'s CRLs go into its DSS with the verifier's and the TSA's chains).
    Records nothing (pass the result to :func:`record_approval`, or drop
    :meth:`SignedDecision.files` into the approvals inbox). ``signer`` is a
    :class:`ecocluster.signing.signers.Signer`; a :class:`KeyFiles` with ``key_password`` still works (a
    ``file:`` signer).

    With an ``opinion`` the predicate carries the verification block (ecocluster.signing._opinion): the
    opinion, ``site_visit``, the cycle's recommended improvements as the review recorded them and the
    cluster's latest sampling plan (ecocluster.signing._sampling), unless ``sampling_plan_sha256`` names
    another. ``accreditation``: the accreditation body's statement for a trust service provider's
    certificate (:mod:`ecocluster.signing._accreditation`), embedded in the envelope."""
    url = tsa_url or _tsa.default_tsa_url()
    draft = _records.draft_for(con, statement_id)
    verification = (
        None
        if opinion is None
        else Verification(
            opinion,
            site_visit,
            _review.recommended_improvements(con, draft.member_id, draft.reporting_year),
            sampling_plan_sha256 or _sampling.latest_plan_sha256(con, draft.cluster_id, draft.reporting_year),
        )
    )
    if decision == APPROVED and trust is None:
        raise ConfigurationError(
            "signing an approval needs the trust anchors (ecocluster.signing.trust_anchors): the "
            "accreditation body's current CRL goes into the signed PDF (PAdES B-LTA)"
        )
    document = (
        statements.load_json(store, statements.show(con, statement_id)) if decision == APPROVED else b""
    )
    return sign_draft(
        draft,
        document,
        _as_signer(signer, key_password),
        decision=decision,
        reasons=reasons,
        place=place,
        signed_at=signed_at,
        verification=verification,
        tsa_url=url,
        roots=trust.cas + trust.qtsp if trust is not None else (),
        crls=trust.crls if trust is not None else (),
        accreditation=accreditation,
    )


def _as_signer(signer: Signer | KeyFiles, key_password: bytes | None) -> Signer:
    if not isinstance(signer, KeyFiles):
        return signer
    if key_password is None:
        raise TypeError("a KeyFiles signer needs key_password")
    chain = signer.chain if signer.chain.exists() else None
    return signers.load(signer.key, signer.cert, chain, key_password, f"file:{signer.key}")


def sign_draft(
    draft: Draft,
    statement_json: bytes,
    signer: Signer,
    *,
    tsa_url: str,
    decision: str = APPROVED,
    reasons: tuple[str, ...] = (),
    place: str = "",
    signed_at: dt.datetime | None = None,
    verification: Verification | None = None,
    roots: tuple[x509.Certificate, ...] = (),
    crls: tuple[x509.CertificateRevocationList, ...] = (),
    accreditation: bytes | None = None,
) -> SignedDecision:
    """Sign without a warehouse (``ecocluster sign`` on the verifier's machine): the envelope over
    ``draft``'s digests, stamped by the TSA at ``tsa_url`` (the ``.tsr``: its attested time), and,
    for an approval, the PAdES B-LTA-signed validated render of ``statement_json`` (the signer's
    chain, ``roots`` and ``crls`` -- the accreditation CA and its current CRL where the signer has
    them -- and the TSA's chain go into its DSS); ``accreditation`` is the accreditation body's
    statement for a trust service provider's certificate, embedded in the envelope. The TSA is asked
    after the signer signed, over the signature: unreachable, it raises
    :class:`ecocluster.signing.TimestampUnavailable` and nothing is returned (sign again when it answers)."""
    if decision == APPROVED and not crls:
        raise ConfigurationError(
            "signing an approval needs the accreditation CA's current CRL: it goes into the "
            "signed PDF (PAdES B-LTA); sign from a review export that has crl.pem "
            "(`ecocluster review export` writes it)"
        )
    when = signed_at or dt.datetime.now(dt.UTC)
    envelope = seal_approval(
        draft,
        signer,
        decision=decision,
        reasons=reasons,
        signed_at=when,
        place=place,
        verification=verification,
        accreditation=accreditation,
    )
    timestamp = _tsa.request(tsa_url, _dsse.Envelope.from_json(envelope).signatures[0][1])
    signed_pdf = None
    if decision == APPROVED:
        pdf = statements.validated_pdf(
            statement_json, verifier_block(signer_identity(signer.certificate, accreditation), when, place)
        )
        signed_pdf = seal_pdf(
            pdf,
            signer,
            tsa_url=tsa_url,
            location=place,
            roots=(*roots, *_time.token_certificates(timestamp)),
            crls=crls,
            accreditation=accreditation,
        )
    return SignedDecision(envelope, _pki.pem(signer.certificate), signed_pdf, timestamp)


def receive_decision(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    trust: TrustAnchors,
    arrival: Arrival,
    limits: InboxLimits = DEFAULT_LIMITS,
) -> VerifiedApproval:
    """The approvals inbox's verify-and-record of one decision: :func:`record_approval` on the files
    that arrived, after the inbox's own rules (size limits, the files an approval needs beside it).

    Raises :class:`ApprovalRuleFailed` (recorded in ``approval_refusal``) for a refusal, and
    :class:`ecocluster.core.errors.DecisionIncomplete` (not recorded) while a needed file is missing
    (the certificate, the RFC 3161 ``.tsr`` and, for an approval, the signed PDF).
    """
    envelope, member_id = arrival.envelope, None
    try:
        if envelope.data is None:
            raise ApprovalRuleFailed(
                "envelope-too-large",
                f"{envelope.key} has {envelope.size:,} bytes, the limit "
                f"is {limits.envelope_bytes:,} ([inbox] max_envelope_kb); it was not read",
            )
        parsed = parse_approval(envelope.data, max_bytes=limits.envelope_bytes)
        member_id = parsed.predicate.member.id
        needed = (CERTIFICATE, TIMESTAMP, *((SIGNED_PDF,) if parsed.predicate.decision == APPROVED else ()))
        files = {s: arrival.companions[s] for s in needed if s in arrival.companions}
        too_large = [s for s, f in files.items() if f.data is None]
        if too_large:
            raise ApprovalRuleFailed(
                "companion-too-large",
                "; ".join(
                    f"{files[s].key} has {files[s].size:,} bytes, the limit "
                    f"is {limits.for_suffix(s):,} ([inbox] "
                    f"{'max_pdf_mb' if s == SIGNED_PDF else 'max_certificate_kb'})"
                    for s in too_large
                ),
            )
        missing = [f"{envelope.key.removesuffix(ENVELOPE)}{s}" for s in needed if s not in files]
        if missing:
            if CERTIFICATE in files:  # what can be refused without the PDF is refused now, not left waiting
                _verify(con, parsed, files[CERTIFICATE].data or b"", trust, _data(files, TIMESTAMP))
            raise DecisionIncomplete(
                f"inbox envelope {envelope.key} waits for {', '.join(missing)} beside it"
            )
    except ApprovalRuleFailed as e:
        _records.record_refusal(con, envelope.sha256, member_id, e.rule, str(e))
        raise
    pdf = files[SIGNED_PDF].data if SIGNED_PDF in files else None
    return record_approval(
        con,
        store,
        parsed,
        files[CERTIFICATE].data or b"",
        trust,
        signed_pdf=pdf,
        timestamp=_data(files, TIMESTAMP),
    )


def _data(files: Mapping[str, InboxFile], suffix: str) -> bytes | None:
    return files[suffix].data if suffix in files else None


def _context(
    con: duckdb.DuckDBPyConnection,
    parsed: ApprovalEnvelope,
    cert: x509.Certificate,
    trust: TrustAnchors,
    timestamp: bytes | None,
) -> ApprovalContext:
    """The warehouse's facts about the member the envelope names; an envelope about nobody we know
    is refused for its signature first (so a forgery is named as one), else as rule current-draft."""
    try:
        return _records.approval_context(con, parsed.predicate.member.id, parsed.predicate.statement_id)
    except ApprovalRuleFailed:
        raise
    except ApprovalRefused as e:
        verify_signer(parsed, cert, trust, timestamp=timestamp)
        raise ApprovalRuleFailed("current-draft", str(e)) from e


def _verify(
    con: duckdb.DuckDBPyConnection,
    parsed: ApprovalEnvelope,
    cert_pem: bytes,
    trust: TrustAnchors,
    timestamp: bytes | None,
) -> VerifiedApproval:
    """Every pure rule, against the warehouse's facts about the member the envelope names."""
    cert = load_certificate(cert_pem)
    return verify_approval(
        parsed, cert, trust, _context(con, parsed, cert, trust, timestamp), timestamp=timestamp
    )


def record_approval(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    envelope: bytes | ApprovalEnvelope,
    cert_pem: bytes,
    trust: TrustAnchors,
    *,
    signed_pdf: bytes | None = None,
    timestamp: bytes | None = None,
) -> VerifiedApproval:
    """Verify every rule against the warehouse, validate the statement, store the evidence write-once.

    An approval makes the statement's validated version (``ecocluster.statements.render_validated``, status
    ``validated``) after checking that ``signed_pdf`` is that very render, PAdES-signed by the
    approving verifier. A refused envelope is recorded in ``approval_refusal`` (so the coordinator
    sees the rule) and the :class:`ApprovalRuleFailed` is raised again; nothing else escapes for a
    malformed envelope, certificate or PDF. ``envelope`` may be already parsed (parsed once).
    """
    raw = envelope.raw if isinstance(envelope, ApprovalEnvelope) else envelope
    member_id = None
    rejected: tuple[str, ...] = ()  # statuses a rejection moves the statement through
    try:
        parsed = parse_approval(envelope)
        member_id = parsed.predicate.member.id
        verified = _verify(con, parsed, cert_pem, trust, timestamp)
        # An approval is what the verifier signed, not the envelope's bytes: the same signed
        # decision re-wrapped (an extra signature, another JSON layout) is a replay, kept once.
        approval_id = hashlib.sha256(
            _dsse.pae(parsed.envelope.payload_type, parsed.envelope.payload)
        ).hexdigest()
        if con.execute("SELECT 1 FROM approval WHERE approval_id = ?", [approval_id]).fetchone():
            return verified
        if verified.decision == APPROVED:
            if signed_pdf is None:
                raise ApprovalRuleFailed(
                    "validated-pdf",
                    "an approval must come with the PAdES-signed validated "
                    "PDF: sign with `ecocluster approve` or ecocluster.signing.sign_decision",
                )
            _validate_statement(con, store, verified, cert_pem, trust, signed_pdf)
        else:
            rejected = _rejection_steps(con, verified.statement_id)
    except ApprovalRuleFailed as e:
        _records.record_refusal(con, hashlib.sha256(raw).hexdigest(), member_id, e.rule, str(e))
        raise
    prefix = f"{approval_prefix(verified)}/{approval_id}"
    stored = [
        store.put(f"{prefix}.{ENVELOPE}", raw, content_type="application/json"),
        store.put(f"{prefix}.{CERTIFICATE}", cert_pem, content_type="application/x-pem-file"),
    ]
    if signed_pdf is not None and verified.decision == APPROVED:
        stored.append(store.put(f"{prefix}.{SIGNED_PDF}", signed_pdf, content_type="application/pdf"))
    token = store.put(f"{prefix}.{TIMESTAMP}", timestamp or b"", content_type=_tsa.REPLY_TYPE)
    with transaction(con):
        _records.insert_approval(
            con,
            approval_id,
            verified,
            envelope_key=stored[0].key,
            cert_key=stored[1].key,
            signed_pdf_key=stored[2].key if len(stored) > 2 else None,
        )
        _records.insert_timestamp(con, approval_id, verified, token.key)
        _stored.record(
            con, *stored, token
        )  # read back pinned: a newer version or a delete marker changes nothing
        _records.forget_refusal(con, hashlib.sha256(raw).hexdigest())  # accepted once its files were complete
        if verified.decision == REJECTED:
            for step in rejected:
                submitted = step is statements.StatementStatus.SUBMITTED
                (statements.submit if submitted else statements.reject)(con, verified.statement_id)
    return verified


_Status = statements.StatementStatus
_REJECTION_STEPS = {
    _Status.DRAFT: (_Status.SUBMITTED, _Status.REJECTED),
    _Status.SUBMITTED: (_Status.REJECTED,),
    _Status.REJECTED: (),
}


def _rejection_steps(
    con: duckdb.DuckDBPyConnection, statement_id: str
) -> tuple[statements.StatementStatus, ...]:
    """The statuses a rejection moves the statement through, checked before anything is stored:
    its status follows the verifier's decision, so it is not sent for verification again as it is."""
    version = statements.show(con, statement_id)
    steps = _REJECTION_STEPS.get(version.status)
    if steps is None:
        raise ApprovalRuleFailed(
            "statement-status",
            f"statement {statement_id[:16]} was validated on "
            f"{version.validated_on} by {version.verifier_name} ({version.accreditation_no}); "
            "a rejection cannot undo a validation: raise it with the competent body",
        )
    try:
        if steps:
            statements.check_transition(con, version, steps[0])
    except statements.TransitionRefused as e:
        raise ApprovalRuleFailed("statement-status", str(e)) from e
    return steps


def _validate_statement(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    verified: VerifiedApproval,
    cert_pem: bytes,
    trust: TrustAnchors,
    signed_pdf: bytes,
) -> statements.StatementVersion:
    """Record the validated version once the signed PDF is proven to be its render, signed by the verifier."""
    block = approved_block(verified)
    sid = verified.statement_id
    try:
        version = statements.show(con, sid)
        expected = statements.validated_pdf(statements.load_json(store, version), block)
    except TransientError:
        raise  # a storage outage is no fault of the envelope: retried, never refused
    except EcoclusterError as e:
        raise ApprovalRuleFailed(
            "validated-pdf", f"cannot render the validated statement {sid[:16]}: {e}"
        ) from e
    if not signed_pdf.startswith(expected):
        raise ApprovalRuleFailed(
            "validated-pdf",
            f"the signed PDF is not the validated render of statement {sid[:16]} with verifier "
            f"block {block.name} / {block.accreditation_no} / {block.validated_on}; sign the PDF made by "
            "`ecocluster approve` (ecocluster.signing.sign_decision), not another file",
        )
    try:
        ok, detail = verify_pdf(
            signed_pdf, _pki.load_certs(cert_pem)[0], trust, accreditation=verified.accreditation
        )
    except Exception as e:
        ok, detail = False, f"unreadable signature ({type(e).__name__}: {e})"
    if not ok:
        raise ApprovalRuleFailed(
            "validated-pdf", f"PAdES signature of the validated PDF does not hold: {detail}"
        )
    try:
        if version.status in (
            _Status.DRAFT,
            _Status.REJECTED,
        ):  # the verifier had it: sending it again is implied
            statements.submit(con, sid)
        return statements.render_validated(con, store, sid, block)
    except statements.TransitionRefused as e:
        raise ApprovalRuleFailed("statement-status", str(e)) from e


def approve(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    trust: TrustAnchors,
    statement_id: str,
    signer: Signer | KeyFiles,
    key_password: bytes | None = None,
    *,
    decision: str = APPROVED,
    reasons: tuple[str, ...] = (),
    place: str = "",
    tsa_url: str | None = None,
    opinion: Opinion | None = None,
    site_visit: SiteVisit = SiteVisit.NONE,
    accreditation: bytes | None = None,
) -> VerifiedApproval:
    """The verifier's whole act in one call: :func:`sign_decision` then :func:`record_approval`."""
    signed = sign_decision(
        con,
        store,
        statement_id,
        signer,
        key_password,
        decision=decision,
        reasons=reasons,
        place=place,
        tsa_url=tsa_url,
        trust=trust,
        opinion=opinion,
        site_visit=site_visit,
        accreditation=accreditation,
    )
    return record_approval(
        con,
        store,
        signed.envelope,
        signed.cert_pem,
        trust,
        signed_pdf=signed.signed_pdf,
        timestamp=signed.timestamp,
    )


def export_review(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    member_id: str,
    out: Path,
    *,
    trust: TrustAnchors | None = None,
) -> list[Path]:
    """Everything the verifier reviews for the member's current draft: statement JSON/PDF, checks, evidence,
    and the cycle's findings with their answers (``findings.json``, ``evidence/``); with ``trust``, also
    ``ca.pem`` and ``crl.pem`` (the accreditation CAs, the trust service providers' CAs of ``[signing]
    qtsp_trust_anchors``, and their current CRLs), which ``ecocluster sign``
    puts into the PAdES B-LTA signature's DSS. They decide nothing there: the pipeline judges the signed
    PDF by its own anchors."""
    context = _records.approval_context(con, member_id)
    row = con.execute(
        "SELECT json_key, pdf_key, pdf_sha256 FROM statement WHERE statement_id = ? AND version = 1",
        [context.statement_id],
    ).fetchone()
    assert row is not None
    if row[1] is None:
        _records.refuse_without_pdf(con, context.statement_id)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    # Read by the digests the approval will sign (the draft's), so the verifier reviews exactly those
    # bytes even if someone put a newer version of the keys in the store.
    for name, key, sha256 in (
        (f"{context.statement_id}.json", row[0], context.statement_id),
        (f"{context.statement_id}.pdf", row[1], row[2]),
    ):
        (out / name).write_bytes(store.get(key, sha256=sha256))
        written.append(out / name)
    results = checks.current_results(con, member_id, context.reporting_year)
    evidence = con.execute(
        "SELECT s.filename, s.submission_id AS sha256, s.archive_key, p.section, s.received_at "
        "FROM current_part p JOIN submission s USING (submission_id) "
        "WHERE p.member_id = ? AND p.reporting_year = ? ORDER BY p.section",
        [member_id, context.reporting_year],
    )
    for name, (columns, rows) in (
        ("check-report.csv", (checks.ResultRow.columns(), [r.cells() for r in results])),
        ("evidence.csv", (tuple(c[0] for c in evidence.description), evidence.fetchall())),
    ):
        with (out / name).open("w", encoding="utf-8", newline="") as f:  # members' text: spreadsheet-safe
            write_csv(f, columns, rows)
        written.append(out / name)
    # The findings with their answers and evidence, for a verifier who decides offline
    # (ecocluster.signing._bundle).
    written += _bundle.write_findings(
        con, store, member_id, context.reporting_year, context.statement_id, out
    )
    if trust is not None:
        cas = trust.cas + trust.qtsp
        crls = [_pki.crl_pem(c) for c in trust.crls if any(c.issuer == ca.subject for ca in cas)]
        for name, data in (("ca.pem", b"".join(_pki.pem(c) for c in cas)), ("crl.pem", b"".join(crls))):
            (out / name).write_bytes(data)
            written.append(out / name)
    return written
