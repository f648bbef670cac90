"""Verifier approvals, the accreditation PKI, write-once storage, registration packages, offline checks.

Public API (everything else is private):

* PKI and keys: :func:`init_ca`, :func:`issue_verifier`, :func:`revoke` (with a CRLReason and an
  optional InvalidityDate), :func:`refresh_crl`, :func:`trust_anchors`, :func:`demo_verifier` (DEMO
  CA + verifier in a home folder, key password :data:`DEMO_PASSWORD`); :func:`current_crl` (the
  CA's newest CRL, refused as rule ``crl-freshness`` when stale) and :func:`revocation` (a
  certificate's :class:`Revocation` entry: reason and dates) for every reader of revocation data.
* Approvals: :func:`sign_decision` (verifier side: signs WITHOUT recording; returns a
  :class:`SignedDecision` = DSSE envelope, certificate PEM and, for an approval, the PAdES-signed
  validated statement PDF; ``decision.files()`` names the files to drop as
  ``inbox/approvals/<name>.<suffix>`` for the approvals flow), :func:`record_approval` (pipeline
  side: every rule, then the statement's validated version via ``statements.render_validated``
  and the evidence write-once), :func:`approve` (= sign_decision + record_approval, what
  ``ecocluster approve`` runs), :func:`sign_approval` (the bare envelope), :func:`verify_approval`
  (pure rules, returns :class:`VerifiedApproval` or raises :class:`ApprovalRuleFailed`),
  :func:`approval_context`, :func:`export_review`, :func:`mark_consulted`, :func:`register_verifier`.
  The envelope's subject is the digests of the draft JSON and PDF the verifier reviewed; the PAdES
  signature is on the validated render of the same JSON (verifier block filled, no DRAFT mark).
* Packages: :func:`build_packages` (all approved members, or ``members=[...]`` / ``year=`` as the
  flows call it per batch; byte-identical on rerun; returns :class:`Delivery` values),
  :func:`read_tar` (the bounded boundary), :func:`verify_package` / :func:`verify_archive`
  (:class:`Check` outcomes PASS / FAIL / NOT CHECKED; only all-PASS verifies), :func:`intake`
  (per competent body; ``retry=``), :func:`init_body_key` (the body's receipt key, created only
  when asked), :func:`verify_receipt`.
* Storage: :func:`open_store` (local folder or S3 with Object Lock).
* Time: :func:`tsa_url` (``[signing] tsa_url``); every decision carries an RFC 3161 timestamp over
  its signature (``SignedDecision.timestamp``, the ``.tsr`` file) and certificates are judged at
  that attested time; ``python -m signing._tsa --home HOME`` serves the demo's TSA.
"""

from __future__ import annotations

from signing._approval import APPROVED, REJECTED, Draft, sign_approval
from signing._inbox import SignedDecision, approve, export_review, record_approval, sign_decision
from signing._intake import Receipt, UnknownCountry, init_body_key, intake, verify_receipt
from signing._keys import (
                             DEMO_NACE,
                             DEMO_PASSWORD,
                             KeyFiles,
                             demo_verifier,
                             init_ca,
                             issue_verifier,
                             refresh_crl,
                             revoke,
                             trust_anchors,
)
from signing._offline import Check, Outcome, PackageReport, verify_archive, verify_envelope, verify_package
from signing._package import Delivery, PackageRefused, build_packages, read_tar, unpack, why_no_package
from signing._pki import Revocation
from signing._records import approval_context, draft_for, mark_consulted, register_verifier
from signing._stored import read as read_stored
from signing._tsa import TimestampUnavailable, tsa_url
from signing._verify import (
                             RULES,
                             ApprovalContext,
                             ApprovalRuleFailed,
                             TrustAnchors,
                             VerifiedApproval,
                             claimed_decision,
                             current_crl,
                             revocation,
                             verify_approval,
)
from signing.store import open_store

__all__ = [
    "APPROVED", "DEMO_NACE", "DEMO_PASSWORD", "REJECTED", "RULES", "ApprovalContext", "ApprovalRuleFailed",
    "Check", "Delivery", "Draft", "KeyFiles", "Outcome", "PackageRefused", "PackageReport", "Receipt",
    "Revocation", "SignedDecision", "TimestampUnavailable", "TrustAnchors", "UnknownCountry", "VerifiedApproval",
    "approval_context", "approve", "build_packages", "claimed_decision", "current_crl", "demo_verifier", "draft_for",
    "export_review", "init_body_key", "init_ca", "intake", "issue_verifier", "mark_consulted", "open_store",
    "read_stored", "read_tar", "record_approval", "refresh_crl", "register_verifier", "revocation", "revoke",
    "sign_approval", "sign_decision", "trust_anchors", "tsa_url", "unpack", "verify_approval", "verify_archive",
    "verify_envelope", "verify_package", "verify_receipt", "why_no_package",
]
