"""Approvals in and out: the verifier signs on their side; the pipeline accepts or refuses and records.

Nothing here takes a private key except :func:`sign_decision` (and :func:`approve`, which is
``sign_decision`` + :func:`record_approval`): it runs in the verifier's hands (their key file,
their password) and hands over only the envelope, the public certificate and the signed PDF.

Two documents, two signatures. The DSSE envelope's subject is the digests of the **draft** JSON and
PDF the verifier reviewed, so an approval can never be moved to another draft. The PAdES signature
sits on the **validated** render of that same statement (``statements.validated_pdf``: verifier
block filled, no DRAFT mark, dated the day of signing), which is what the member publishes and the
competent body receives. Both renders come from the same canonical JSON, and the pipeline accepts
the signed PDF only if its signed bytes are exactly the validated render it makes itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

import statements
from signing import _dsse, _pki, _records, _stored, _time, _tsa
from signing._approval import APPROVED, REJECTED, sign_approval
from signing._keys import KeyFiles
from signing._pades import sign_pdf, verify_pdf
from signing._pki import VerifierIdentity
from signing._verify import ApprovalRuleFailed, TrustAnchors, VerifiedApproval, parse, verify_approval
from signing.store.interface import ObjectStore
from warehouse.db import transaction
from warehouse.errors import ConfigurationError, EcoclusterError
from warehouse.spreadsheet import write_csv

ENVELOPE, CERTIFICATE, SIGNED_PDF = "dsse.json", "cert.pem", "validated.pdf"  # file suffixes of one decision
TIMESTAMP = "tsr"  # RFC 3161 TimeStampResp (DER) over the envelope's signature


@dataclass(frozen=True)
class SignedDecision:
    """A verifier's signed decision, not yet recorded: what travels from the verifier to the pipeline."""

    envelope: bytes
    cert_pem: bytes
    signed_pdf: bytes | None  # the PAdES B-LTA-signed validated statement; None for a rejection
    timestamp: bytes = b""    # TimeStampResp over the envelope's signature: its attested time

    def files(self) -> dict[str, bytes]:
        """Suffix -> bytes; drop them as ``inbox/approvals/<name>.<suffix>`` for the approvals flow."""
        out = {ENVELOPE: self.envelope, CERTIFICATE: self.cert_pem, TIMESTAMP: self.timestamp}
        return out | ({SIGNED_PDF: self.signed_pdf} if self.signed_pdf is not None else {})


def approval_prefix(verified: VerifiedApproval) -> str:
    return f"approvals/{verified.cluster_id}/{verified.reporting_year}/{verified.member_id}"


def verifier_block(who: VerifierIdentity, signed_at: dt.datetime, place: str = "") -> statements.VerifierBlock:
    """The statement's verifier block as the signature dates it (UTC day of signing), with the
    visible signature block: who signed, where and when. A DEMO verifier's (accreditation number
    ``DEMO-…``, see ``signing.demo_verifier``) marks every page DEMO."""
    return statements.VerifierBlock(who.name, who.accreditation_no, signed_at.astimezone(dt.UTC).date(),
                                    signed_at=signed_at.astimezone(dt.UTC), place=place[:200],
                                    demo=who.accreditation_no.upper().startswith("DEMO-"))


def approved_block(verified: VerifiedApproval) -> statements.VerifierBlock:
    """The verifier block of a verified approval: the place is the one the verifier signed."""
    return verifier_block(verified.verifier, verified.signed_at, str(verified.statement["predicate"].get("place", "")))


def sign_decision(con: duckdb.DuckDBPyConnection, store: ObjectStore, statement_id: str, key_files: KeyFiles,
                  key_password: bytes, *, decision: str = APPROVED, reasons: tuple[str, ...] = (),
                  place: str = "", signed_at: dt.datetime | None = None, tsa_url: str | None = None,
                  trust: TrustAnchors | None = None) -> SignedDecision:
    """The verifier's side: sign the decision on the draft and have the TSA at ``tsa_url``
    (default ``ECOCLUSTER_TSA_URL``) timestamp its signature; for an approval, PAdES B-LTA-sign the
    validated render (``trust``'s CRLs go into its DSS with the verifier's and the TSA's chains). Records nothing (pass the result
    to :func:`record_approval`, or drop :meth:`SignedDecision.files` into the approvals inbox)."""
    url = tsa_url or _tsa.default_tsa_url()
    draft = _records.draft_for(con, statement_id)
    key = _pki.load_key(key_files.key, key_password)
    cert = key_files.load_cert()
    chain = tuple(_pki.load_certs(key_files.chain.read_bytes())) if key_files.chain.exists() else ()
    when = signed_at or dt.datetime.now(dt.UTC)
    envelope = sign_approval(draft, key, cert, decision=decision, reasons=reasons, signed_at=when, place=place)
    timestamp = _tsa.request(url, _dsse.Envelope.from_json(envelope).signatures[0][1])
    signed_pdf = None
    if decision == APPROVED:
        document = statements.load_json(store, statements.show(con, statement_id))
        pdf = statements.validated_pdf(document, verifier_block(_pki.identity(cert), when, place))
        if trust is None:
            raise ConfigurationError("signing an approval needs the trust anchors (signing.trust_anchors): the "
                                     "accreditation body's current CRL goes into the signed PDF (PAdES B-LTA)")
        signed_pdf = sign_pdf(pdf, key, cert, chain, tsa_url=url, location=place,
                              roots=_time.token_certificates(timestamp), crls=trust.crls)
    return SignedDecision(envelope, _pki.pem(cert), signed_pdf, timestamp)


def record_approval(con: duckdb.DuckDBPyConnection, store: ObjectStore, envelope: bytes, cert_pem: bytes,
                    trust: TrustAnchors, *, signed_pdf: bytes | None = None,
                    timestamp: bytes | None = None) -> VerifiedApproval:
    """Verify every rule against the warehouse, validate the statement, store the evidence write-once.

    An approval makes the statement's validated version (``statements.render_validated``, status
    ``validated``) after checking that ``signed_pdf`` is that very render, PAdES-signed by the
    approving verifier. A refused envelope is recorded in ``approval_refusal`` (so the coordinator
    sees the rule) and the :class:`ApprovalRuleFailed` is raised again.
    """
    member_id = None
    rejected: tuple[str, ...] = ()  # statuses a rejection moves the statement through
    try:
        _envelope, statement = parse(envelope)
        predicate = statement["predicate"]
        member_id = str(predicate.get("member", {}).get("id", ""))
        context = _records.approval_context(con, member_id, str(predicate.get("statementId", "")))
        cert = _pki.load_certs(cert_pem)[0]
        verified = verify_approval(envelope, cert, trust, context, timestamp=timestamp)
        # An approval is what the verifier signed, not the envelope's bytes: the same signed
        # decision re-wrapped (an extra signature, another JSON layout) is a replay, kept once.
        approval_id = hashlib.sha256(_dsse.pae(_envelope.payload_type, _envelope.payload)).hexdigest()
        if con.execute("SELECT 1 FROM approval WHERE approval_id = ?", [approval_id]).fetchone():
            return verified
        if verified.decision == APPROVED:
            if signed_pdf is None:
                raise ApprovalRuleFailed("validated-pdf", "an approval must come with the PAdES-signed validated "
                                         "PDF: sign with `ecocluster approve` or signing.sign_decision")
            _validate_statement(con, store, verified, cert_pem, trust, signed_pdf)
        else:
            rejected = _rejection_steps(con, verified.statement_id)
    except ApprovalRuleFailed as e:
        _records.record_refusal(con, envelope, member_id, e.rule, str(e))
        raise
    prefix = f"{approval_prefix(verified)}/{approval_id}"
    stored = [store.put(f"{prefix}.{ENVELOPE}", envelope, content_type="application/json"),
              store.put(f"{prefix}.{CERTIFICATE}", cert_pem, content_type="application/x-pem-file")]
    if signed_pdf is not None and verified.decision == APPROVED:
        stored.append(store.put(f"{prefix}.{SIGNED_PDF}", signed_pdf, content_type="application/pdf"))
    token = store.put(f"{prefix}.{TIMESTAMP}", timestamp or b"", content_type=_tsa.REPLY_TYPE)
    with transaction(con):
        _records.insert_approval(con, approval_id, verified, envelope_key=stored[0].key, cert_key=stored[1].key,
                                 signed_pdf_key=stored[2].key if len(stored) > 2 else None)
        _records.insert_timestamp(con, approval_id, verified, token.key)
        _stored.record(con, *stored, token)  # read back pinned: a newer version or a delete marker changes nothing
        if verified.decision == REJECTED:
            for step in rejected:
                (statements.submit if step == "submitted" else statements.reject)(con, verified.statement_id)
    return verified


def _rejection_steps(con: duckdb.DuckDBPyConnection, statement_id: str) -> tuple[str, ...]:
    """The statuses a rejection moves the statement through, checked before anything is stored:
    its status follows the verifier's decision, so it is not sent for verification again as it is."""
    version = statements.show(con, statement_id)
    steps = {"draft": ("submitted", "rejected"), "submitted": ("rejected",), "rejected": ()}.get(version.status)
    if steps is None:
        raise ApprovalRuleFailed("statement-status", f"statement {statement_id[:16]} was validated on "
                                 f"{version.validated_on} by {version.verifier_name} ({version.accreditation_no}); "
                                 "a rejection cannot undo a validation: raise it with the competent body")
    try:
        if steps:
            statements.check_transition(con, version, steps[0])
    except statements.TransitionRefused as e:
        raise ApprovalRuleFailed("statement-status", str(e)) from e
    return steps


def _validate_statement(con: duckdb.DuckDBPyConnection, store: ObjectStore, verified: VerifiedApproval,
                        cert_pem: bytes, trust: TrustAnchors, signed_pdf: bytes) -> statements.StatementVersion:
    """Record the validated version once the signed PDF is proven to be its render, signed by the verifier."""
    block = approved_block(verified)
    sid = verified.statement_id
    try:
        version = statements.show(con, sid)
        expected = statements.validated_pdf(statements.load_json(store, version), block)
    except EcoclusterError as e:
        raise ApprovalRuleFailed("validated-pdf", f"cannot render the validated statement {sid[:16]}: {e}") from e
    if not signed_pdf.startswith(expected):
        raise ApprovalRuleFailed(
            "validated-pdf", f"the signed PDF is not the validated render of statement {sid[:16]} with verifier "
            f"block {block.name} / {block.accreditation_no} / {block.validated_on}; sign the PDF made by "
            "`ecocluster approve` (signing.sign_decision), not another file")
    ok, detail = verify_pdf(signed_pdf, _pki.load_certs(cert_pem)[0], trust)
    if not ok:
        raise ApprovalRuleFailed("validated-pdf", f"PAdES signature of the validated PDF does not hold: {detail}")
    try:
        if version.status in ("draft", "rejected"):  # the verifier had it: sending it again is implied
            statements.submit(con, sid)
        return statements.render_validated(con, store, sid, block)
    except statements.TransitionRefused as e:
        raise ApprovalRuleFailed("statement-status", str(e)) from e


def approve(con: duckdb.DuckDBPyConnection, store: ObjectStore, trust: TrustAnchors, statement_id: str,
            key_files: KeyFiles, key_password: bytes, *, decision: str = APPROVED,
            reasons: tuple[str, ...] = (), place: str = "", tsa_url: str | None = None) -> VerifiedApproval:
    """The verifier's whole act in one call: :func:`sign_decision` then :func:`record_approval`."""
    signed = sign_decision(con, store, statement_id, key_files, key_password, decision=decision,
                           reasons=reasons, place=place, tsa_url=tsa_url, trust=trust)
    return record_approval(con, store, signed.envelope, signed.cert_pem, trust, signed_pdf=signed.signed_pdf,
                           timestamp=signed.timestamp)


def export_review(con: duckdb.DuckDBPyConnection, store: ObjectStore, member_id: str, out: Path) -> list[Path]:
    """Everything the verifier reviews for the member's current draft: statement JSON/PDF, checks, evidence."""
    context = _records.approval_context(con, member_id)
    row = con.execute("SELECT json_key, pdf_key, pdf_sha256 FROM statement WHERE statement_id = ? AND version = 1",
                      [context.statement_id]).fetchone()
    assert row is not None
    if row[1] is None:
        _records.refuse_without_pdf(con, context.statement_id)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    # Read by the digests the approval will sign (the draft's), so the verifier reviews exactly those
    # bytes even if someone put a newer version of the keys in the store.
    for name, key, sha256 in ((f"{context.statement_id}.json", row[0], context.statement_id),
                              (f"{context.statement_id}.pdf", row[1], row[2])):
        (out / name).write_bytes(store.get(key, sha256=sha256))
        written.append(out / name)
    checks = con.execute(
        "SELECT r.suite, r.expectation, r.severity, r.indicator, r.observed, r.expected, r.explanation "
        "FROM check_result r JOIN check_verdict v USING (run_id, member_id, reporting_year) "
        "WHERE r.member_id = ? AND r.reporting_year = ? ORDER BY r.severity, r.expectation",
        [member_id, context.reporting_year])
    report = (checks.description, checks.fetchall())
    evidence = con.execute(
        "SELECT s.filename, s.submission_id AS sha256, s.archive_key, p.section, s.received_at "
        "FROM current_part p JOIN submission s USING (submission_id) "
        "WHERE p.member_id = ? AND p.reporting_year = ? ORDER BY p.section", [member_id, context.reporting_year])
    for name, (columns, rows) in (("check-report.csv", report), ("evidence.csv", (evidence.description,
                                                                                  evidence.fetchall()))):
        with (out / name).open("w", encoding="utf-8", newline="") as f:  # members' text: spreadsheet-safe
            write_csv(f, [c[0] for c in columns], rows)
        written.append(out / name)
    return written
