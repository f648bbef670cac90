"""Approvals in and out: the verifier signs on their side; the pipeline accepts or refuses and records.

Nothing here takes a private key except :func:`approve`, which runs in the verifier's hands (their
key file, their password) and passes only the envelope, the public certificate and the signed PDF
on to :func:`record_approval`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from signing import _pki, _records
from signing._approval import APPROVED, sign_approval
from signing._keys import KeyFiles
from signing._pades import sign_pdf
from signing._verify import ApprovalRuleFailed, TrustAnchors, VerifiedApproval, parse, verify_approval
from signing.store.interface import ObjectStore
from warehouse.db import transaction


def approval_prefix(verified: VerifiedApproval) -> str:
    return f"approvals/{verified.cluster_id}/{verified.reporting_year}/{verified.member_id}"


def record_approval(con: duckdb.DuckDBPyConnection, store: ObjectStore, envelope: bytes, cert_pem: bytes,
                    trust: TrustAnchors, *, signed_pdf: bytes | None = None) -> VerifiedApproval:
    """Verify every rule against the warehouse, then store the evidence write-once and record it.

    A refused envelope is recorded in ``approval_refusal`` (so the coordinator sees the rule) and
    the :class:`ApprovalRuleFailed` is raised again.
    """
    member_id = None
    try:
        _envelope, statement = parse(envelope)
        predicate = statement["predicate"]
        member_id = str(predicate.get("member", {}).get("id", ""))
        context = _records.approval_context(con, member_id, str(predicate.get("statementId", "")))
        cert = _pki.load_certs(cert_pem)[0]
        verified = verify_approval(envelope, cert, trust, context)
    except ApprovalRuleFailed as e:
        _records.record_refusal(con, envelope, member_id, e.rule, str(e))
        raise
    if verified.decision == APPROVED and signed_pdf is None:
        raise ApprovalRuleFailed("envelope", "an approval must come with the PAdES-signed validated PDF")
    approval_id = hashlib.sha256(envelope).hexdigest()
    prefix = f"{approval_prefix(verified)}/{approval_id}"
    envelope_key = store.put(f"{prefix}.dsse.json", envelope, content_type="application/json").key
    cert_key = store.put(f"{prefix}.cert.pem", cert_pem, content_type="application/x-pem-file").key
    pdf_key = (store.put(f"{prefix}.validated.pdf", signed_pdf, content_type="application/pdf").key
               if signed_pdf is not None else None)
    with transaction(con):
        _records.insert_approval(con, approval_id, verified, envelope_key=envelope_key, cert_key=cert_key,
                                 signed_pdf_key=pdf_key)
    return verified


def approve(con: duckdb.DuckDBPyConnection, store: ObjectStore, trust: TrustAnchors, statement_id: str,
            key_files: KeyFiles, key_password: bytes, *, decision: str = APPROVED,
            reasons: tuple[str, ...] = (), place: str = "", validated_pdf: bytes | None = None) -> VerifiedApproval:
    """The verifier's whole act: sign the decision and (for an approval) the validated PDF, then record.

    ``validated_pdf`` is the statement PDF with the verifier block filled; without it the draft PDF
    the verifier reviewed is signed.
    """
    draft = _records.draft_for(con, statement_id)
    key = _pki.load_key(key_files.key, key_password)
    cert = key_files.load_cert()
    chain = tuple(_pki.load_certs(key_files.chain.read_bytes())) if key_files.chain.exists() else ()
    envelope = sign_approval(draft, key, cert, decision=decision, reasons=reasons, place=place)
    signed_pdf = None
    if decision == APPROVED:
        pdf = validated_pdf if validated_pdf is not None else _draft_pdf(con, store, statement_id)
        signed_pdf = sign_pdf(pdf, key, cert, chain, location=place)
    return record_approval(con, store, envelope, _pki.pem(cert), trust, signed_pdf=signed_pdf)


def _draft_pdf(con: duckdb.DuckDBPyConnection, store: ObjectStore, statement_id: str) -> bytes:
    row = con.execute("SELECT pdf_key FROM statement WHERE statement_id = ? AND version = 1",
                      [statement_id]).fetchone()
    assert row is not None  # draft_for found it
    return store.get(row[0])


def export_review(con: duckdb.DuckDBPyConnection, store: ObjectStore, member_id: str, out: Path) -> list[Path]:
    """Everything the verifier reviews for the member's current draft: statement JSON/PDF, checks, evidence."""
    context = _records.approval_context(con, member_id)
    row = con.execute("SELECT json_key, pdf_key FROM statement WHERE statement_id = ? AND version = 1",
                      [context.statement_id]).fetchone()
    assert row is not None
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, key in ((f"{context.statement_id}.json", row[0]), (f"{context.statement_id}.pdf", row[1])):
        (out / name).write_bytes(store.get(key))
        written.append(out / name)
    checks = con.execute(
        "SELECT r.suite, r.expectation, r.severity, r.indicator, r.observed, r.expected, r.explanation "
        "FROM check_result r JOIN check_verdict v USING (run_id, member_id, reporting_year) "
        "WHERE r.member_id = ? AND r.reporting_year = ? ORDER BY r.severity, r.expectation",
        [member_id, context.reporting_year]).df()
    evidence = con.execute(
        "SELECT s.filename, s.submission_id AS sha256, s.archive_key, p.section, s.received_at "
        "FROM current_part p JOIN submission s USING (submission_id) "
        "WHERE p.member_id = ? AND p.reporting_year = ? ORDER BY p.section", [member_id, context.reporting_year]).df()
    for name, frame in (("check-report.csv", checks), ("evidence.csv", evidence)):
        frame.to_csv(out / name, index=False)
        written.append(out / name)
    return written
