"""Verifier approvals, the accreditation PKI, write-once storage, registration packages, offline checks.

Public API (everything else is private):

* PKI and keys: :func:`init_ca`, :func:`issue_verifier`, :func:`revoke` (with a CRLReason and an
  optional InvalidityDate), :func:`refresh_crl`, :func:`trust_anchors`, :func:`demo_verifier` (DEMO
  CA + verifier in a home folder, key password :data:`DEMO_PASSWORD`); :func:`current_crl` (the
  CA's newest CRL, refused as rule ``crl-freshness`` when stale) and :func:`revocation` (a
  certificate's :class:`Revocation` entry: reason and dates) for every reader of revocation data;
  :func:`accredit` (the accreditation body's signed accreditation statement for a verifier whose
  certificate a trust service provider issued; rule ``accreditation``).
* Approvals: :func:`sign_decision` (verifier side: signs WITHOUT recording; returns a
  :class:`SignedDecision` = DSSE envelope, certificate PEM and, for an approval, the PAdES-signed
  validated statement PDF; ``decision.files()`` names the files to drop as
  ``inbox/approvals/<name>.<suffix>`` for the approvals flow), :func:`record_approval` (pipeline
  side: every rule, then the statement's validated version via ``ecocluster.statements.render_validated``
  and the evidence write-once), :func:`approve` (= sign_decision + record_approval, what
  ``ecocluster approve`` runs), :func:`sign_approval` (the bare envelope), :func:`verify_approval`
  (pure rules, returns :class:`VerifiedApproval` or raises :class:`ApprovalRuleFailed`),
  :func:`parse_approval` (the envelope parsed once, strictly, into an :class:`ApprovalEnvelope`;
  malformed input is rule ``envelope-malformed``/``envelope-too-large``), :func:`verify_signer`
  (rules envelope to identity, no warehouse), :func:`receive_decision` (the approvals inbox: an
  :class:`Arrival` of files read once within :class:`InboxLimits`, then ``record_approval``),
  :func:`approval_context`, :func:`export_review`, :func:`mark_consulted`, :func:`register_verifier`.
  Every signing takes a :class:`ecocluster.signing.signers.Signer`
  (``ecocluster.signing.signers.open_signer(URI, secrets)``:
  ``file:`` key file, ``pkcs11:`` token); :func:`sign_draft` signs without a warehouse, from the
  :class:`Review` that :func:`read_review` reads out of a review export (``ecocluster sign``).
  The envelope's subject is the digests of the draft JSON and PDF the verifier reviewed; the PAdES
  signature is on the validated render of the same JSON (verifier block filled, no DRAFT mark).
* Packages: :func:`build_packages` (all approved members, or ``members=[...]`` / ``year=`` as the
  flows call it per batch; byte-identical on rerun; returns :class:`Delivery` values),
  :func:`read_tar` (the bounded boundary), :func:`verify_package` / :func:`verify_archive`
  (:class:`Check` outcomes PASS / FAIL / NOT CHECKED; only all-PASS verifies), :func:`intake`
  (per competent body; ``retry=``), :func:`init_body_key` (the body's receipt key, created only
  when asked), :func:`verify_receipt`. Country profiles (``_profiles``: :func:`country_profile`,
  :class:`RequestType`): intake classifies each package and answers "received, waiting until DATE"
  until the profile's waiting period ends (each file of a package within the profile's per-file size
  and type bounds, ``_attachments``: rules ``attachment-size``, ``attachment-type``); the
  organisation's own suspension or deletion (``_org_request``: :func:`sign_organisation_request`,
  signed by a certificate the body registered with :func:`register_requester`, delivered as
  ``*``:data:`REQUEST_SUFFIX` into the inbox) is taken in with a receipt and a register change;
  :func:`register_sweep` completes those and sends the
  overdue notices, suspensions and deletions. The register's monthly change file (``_feed``, EMAS
  Art. 12): :func:`register_month`, :func:`replay_register` (rebuilds :func:`body_register` exactly).
* Review rounds (``_review``): :func:`raise_finding`, :func:`answer_finding` (text and evidence files,
  judged by content and size, stored by SHA-256), :func:`accept_finding`, :func:`reopen_finding`,
  :func:`close_finding`, :func:`findings`, :func:`finding`, :func:`review_events` (hash-chained per
  statement, ``_review_log``: :func:`verify_review_log` names an edited, deleted or reordered event as
  :class:`ReviewLogBroken`, rule ``review-log``, which also refuses an approval); a :class:`Finding`
  open or answered refuses an approval (rule ``open-findings``); a refused step raises
  ``ecocluster.core.errors.ReviewRefused`` (:class:`FindingTransitionRefused` for an illegal state change).
  Deadlines: :func:`request_extension`, :func:`decide_extension`, :func:`finding_reminders`,
  :func:`send_reminders` (once per finding, deadline and threshold; the ``review-reminders`` flow);
  :func:`follow_up_improvements` (last year's recommended improvements as requests for information).
  The verifier's :class:`Verification` (:class:`Opinion`, :class:`SiteVisit`, recommended
  improvements) is signed in the approval predicate (``sign_decision(opinion=, site_visit=)``);
  "not-verified" is a rejection (rule ``opinion``); accepted ones are in ``approval_verification``.
  Decisions on findings are signed (``signer=``) and timestamped (``tsa_url=``, default
  ``ECOCLUSTER_TSA_URL``; ``review_decision.tsr``); rules ``timestamp`` and ``finding-decision``
  verify them at the attested time for an approval. Offline review (``_bundle``):
  ``export_review`` writes ``findings.json`` and ``evidence/``; :func:`decide_offline` signs
  decisions from it into an answers file; :func:`read_answers` and :func:`import_answers` apply it,
  each decision verified alone (:class:`ImportOutcome`, ``review_import``); the portal's upload of one
  decision passes :class:`ExpectedDecision` (this finding, signed by the uploading verifier).
* Sampling (``_sampling``): :func:`sampling_request` (roster snapshot, always-visited reasons),
  :func:`sign_plan` (deterministic signature -> seed -> draw), :func:`verify_plan`, :func:`record_plan`;
  the approval's verification block names the cluster's latest plan by digest.
* Storage: :func:`open_store` (local folder or S3 with Object Lock).
* Sending (``_sending``): :func:`send_to_verification` submits members' current drafts and writes each
  one's hand-off request (:class:`VerificationRequest`, ``handoff/<year>/requests/…``): the one path
  of the cycle's verify stage, a rerun and the portal's button; :func:`open_requests` reads them back.
* Time: :func:`tsa_url` (``[signing] tsa_url``); every decision carries an RFC 3161 timestamp over
  its signature (``SignedDecision.timestamp``, the ``.tsr`` file) and certificates are judged at
  that attested time; ``python -m ecocluster.signing._tsa --home HOME`` serves the demo's TSA
  (:func:`demo_tsa` creates it, :func:`running_tsa` serves it while a block runs).
* For the CLI's offline ``verify`` and ``intake``: :func:`check_country`, :func:`body_key_folder`,
  :func:`is_receipt` (:data:`MAX_RECEIPT_BYTES`), :data:`MAX_PACKAGE_BYTES`, :func:`trust_anchors_from`,
  :func:`load_certs`, :func:`read_pem_certificate` (a certificate from anyone),
  :class:`QualificationPolicy`; :func:`decisions_on` for ``statement show``.
* Archive timestamps (``_archive``, ``_renewals``): :func:`renew_archive` adds a new document
  timestamp to every stored validated PDF and package whose newest one's TSA certificate expires
  within a horizon, as a sidecar object (``archive_renewal``, migration 027), never over the locked
  original; :func:`archived` reads an original and its renewals back, each checked to extend the
  one before (:class:`RenewalRefused` names the rule), :func:`valid_chain` up to the first that
  does not, :func:`as_packages` as packages to verify (a PDF's generations in its package);
  :func:`extend_package` renews a package file on its own (a competent body's copy);
  :func:`archive_renew_days` (``[signing] archive_renew_days``).
"""

from __future__ import annotations

from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.core.store import open_store
from ecocluster.signing._annex import AnnexInvalid
from ecocluster.signing._approval import APPROVED, REJECTED, ApprovalDecision, Draft, sign_approval
from ecocluster.signing._archive import RenewalRefused, extend_package, newest_timestamp_expiry
from ecocluster.signing._bundle import (
    MAX_ANSWERS_BYTES,
    ExpectedDecision,
    Imported,
    ImportOutcome,
    decide_offline,
    import_answers,
    read_answers,
)
from ecocluster.signing._bundle import parse_choices as decision_choices
from ecocluster.signing._desk import (
    Intake,
    body_intakes,
    in_nace_scope,
    intake_receipt,
    member_decisions,
    member_registrations,
    verifier_nace_scope,
)
from ecocluster.signing._feed import FeedRefused, RegisterEntry
from ecocluster.signing._feed import month_file as register_month
from ecocluster.signing._feed import register as body_register
from ecocluster.signing._feed import replay as replay_register
from ecocluster.signing._inbox import (
    CERTIFICATE,
    COMPANION_RULES,
    DEFAULT_LIMITS,
    ENVELOPE,
    SIGNED_PDF,
    TIMESTAMP,
    Arrival,
    InboxFile,
    InboxLimits,
    SignedDecision,
    approve,
    export_review,
    receive_decision,
    record_approval,
    sign_decision,
    sign_draft,
)
from ecocluster.signing._intake import (
    DECIDED,
    MAX_RECEIPT_BYTES,
    IntakeOutcome,
    Receipt,
    Sweep,
    UnknownCountry,
    body_key_folder,
    check_country,
    init_body_key,
    intake,
    is_receipt,
    register_sweep,
    verify_receipt,
)
from ecocluster.signing._keys import (
    DEMO_NACE,
    DEMO_PASSWORD,
    KeyFiles,
    accredit,
    demo_verifier,
    init_ca,
    issue_verifier,
    refresh_crl,
    revoke,
    trust_anchors,
    trust_anchors_from,
    withdraw_accreditation,
)
from ecocluster.signing._offline import (
    Check,
    Outcome,
    PackageReport,
    verify_archive,
    verify_envelope,
    verify_package,
)
from ecocluster.signing._opinion import Opinion, SiteVisit, Verification
from ecocluster.signing._org_request import SUFFIX as REQUEST_SUFFIX
from ecocluster.signing._org_request import OrganisationRequest, RequestRefused, register_requester
from ecocluster.signing._org_request import sign_request as sign_organisation_request
from ecocluster.signing._overdue import Notice
from ecocluster.signing._package import (
    MAX_PACKAGE_BYTES,
    Delivery,
    PackageRefused,
    build_packages,
    read_tar,
    unpack,
    why_no_package,
)
from ecocluster.signing._pki import Revocation, load_certs, read_pem_certificate
from ecocluster.signing._profiles import CountryProfile, RequestType
from ecocluster.signing._profiles import profile as country_profile
from ecocluster.signing._records import (
    BuiltPackage,
    MemberDecision,
    VerifierScope,
    active_verifiers,
    approval_context,
    built_packages,
    decisions_on,
    draft_for,
    mark_consulted,
    register_verifier,
    standing_decisions,
)
from ecocluster.signing._renewals import (
    Renewal,
    RenewalRun,
    archive_renew_days,
    archived,
    as_packages,
    valid_chain,
)
from ecocluster.signing._renewals import renew as renew_archive
from ecocluster.signing._request import Review, read_review
from ecocluster.signing._review import (
    MAX_EVIDENCE_BYTES,
    Answer,
    Evidence,
    Finding,
    FindingId,
    FindingKind,
    FindingState,
    FindingTransitionRefused,
    Owner,
    Reminder,
    ReviewEvent,
    SentReminder,
    accept_finding,
    answer_finding,
    close_finding,
    decide_extension,
    finding,
    findings,
    follow_up_improvements,
    open_findings,
    raise_finding,
    reopen_finding,
    request_extension,
    send_reminders,
)
from ecocluster.signing._review import events as review_events
from ecocluster.signing._review import reminders as finding_reminders
from ecocluster.signing._review_log import LogReport, ReviewLogBroken
from ecocluster.signing._review_log import verify_log as verify_review_log
from ecocluster.signing._sampling import Reason as SamplingReason
from ecocluster.signing._sampling import (
    SamplingPlan,
    SamplingRequest,
    record_plan,
    sampling_request,
    sign_plan,
    verify_plan,
)
from ecocluster.signing._sending import (
    Sending,
    VerificationRequest,
    open_requests,
    request_verification,
    send_to_verification,
)
from ecocluster.signing._stored import read as read_stored
from ecocluster.signing._trusted_list import QualificationPolicy
from ecocluster.signing._tsa import TimestampUnavailable, demo_tsa, tsa_url
from ecocluster.signing._tsa import running as running_tsa
from ecocluster.signing._verify import (
    RULES,
    ApprovalContext,
    ApprovalEnvelope,
    TrustAnchors,
    VerifiedApproval,
    claimed_decision,
    current_crl,
    parse_approval,
    revocation,
    verify_approval,
    verify_signer,
)

__all__ = [
    "APPROVED",
    "CERTIFICATE",
    "COMPANION_RULES",
    "DECIDED",
    "DEFAULT_LIMITS",
    "DEMO_NACE",
    "DEMO_PASSWORD",
    "ENVELOPE",
    "REJECTED",
    "RULES",
    "SIGNED_PDF",
    "TIMESTAMP",
    "ApprovalContext",
    "ApprovalDecision",
    "ApprovalEnvelope",
    "ApprovalRuleFailed",
    "Arrival",
    "Check",
    "CountryProfile",
    "Delivery",
    "Draft",
    "InboxFile",
    "InboxLimits",
    "IntakeOutcome",
    "KeyFiles",
    "Notice",
    "Outcome",
    "PackageRefused",
    "PackageReport",
    "Receipt",
    "RequestType",
    "Review",
    "Revocation",
    "SignedDecision",
    "Sweep",
    "TimestampUnavailable",
    "TrustAnchors",
    "UnknownCountry",
    "VerifiedApproval",
    "accredit",
    "approval_context",
    "approve",
    "build_packages",
    "claimed_decision",
    "country_profile",
    "current_crl",
    "demo_verifier",
    "draft_for",
    "export_review",
    "init_body_key",
    "init_ca",
    "intake",
    "issue_verifier",
    "mark_consulted",
    "open_store",
    "parse_approval",
    "read_review",
    "read_stored",
    "read_tar",
    "receive_decision",
    "record_approval",
    "refresh_crl",
    "register_sweep",
    "register_verifier",
    "revocation",
    "revoke",
    "sign_approval",
    "sign_decision",
    "sign_draft",
    "trust_anchors",
    "tsa_url",
    "unpack",
    "verify_approval",
    "verify_archive",
    "verify_envelope",
    "verify_package",
    "verify_receipt",
    "verify_signer",
    "why_no_package",
    "withdraw_accreditation",
]
__all__ += [  # review rounds, the verification opinion and sampling (issue 18)
    "MAX_EVIDENCE_BYTES",
    "Answer",
    "Evidence",
    "Finding",
    "FindingId",
    "FindingKind",
    "FindingState",
    "FindingTransitionRefused",
    "LogReport",
    "Opinion",
    "Owner",
    "Reminder",
    "ReviewEvent",
    "ReviewLogBroken",
    "SamplingPlan",
    "SamplingReason",
    "SamplingRequest",
    "SentReminder",
    "SiteVisit",
    "Verification",
    "accept_finding",
    "answer_finding",
    "close_finding",
    "decide_extension",
    "finding",
    "finding_reminders",
    "findings",
    "follow_up_improvements",
    "open_findings",
    "raise_finding",
    "record_plan",
    "reopen_finding",
    "request_extension",
    "review_events",
    "sampling_request",
    "send_reminders",
    "sign_plan",
    "verify_plan",
    "verify_review_log",
]
__all__ += [  # the organisation's own suspension or deletion (issue 18)
    "REQUEST_SUFFIX",
    "AnnexInvalid",
    "OrganisationRequest",
    "RequestRefused",
    "register_requester",
    "sign_organisation_request",
]
__all__ += [  # the register's monthly change file (issue 18, EMAS Art. 12)
    "FeedRefused",
    "RegisterEntry",
    "body_register",
    "check_country",
    "register_month",
    "replay_register",
]
__all__ += [  # offline review: signed decisions out and back in (issue 18)
    "ImportOutcome",
    "Imported",
    "decide_offline",
    "decision_choices",
    "import_answers",
    "read_answers",
]


__all__ += [
    "MAX_ANSWERS_BYTES",
    "BuiltPackage",
    "ExpectedDecision",
    "MemberDecision",
    "Sending",
    "VerificationRequest",
    "VerifierScope",
    "active_verifiers",
    "built_packages",
    "open_requests",
    "request_verification",
    "send_to_verification",
    "standing_decisions",
]
__all__ += [  # what the portal's desks read (ecocluster.signing._desk)
    "Intake",
    "body_intakes",
    "in_nace_scope",
    "intake_receipt",
    "member_decisions",
    "member_registrations",
    "verifier_nace_scope",
]
__all__ += [  # what the CLI and the demo need beyond the above (issue 15: no cross-package private import)
    "MAX_PACKAGE_BYTES",
    "MAX_RECEIPT_BYTES",
    "QualificationPolicy",
    "body_key_folder",
    "decisions_on",
    "demo_tsa",
    "is_receipt",
    "load_certs",
    "read_pem_certificate",
    "running_tsa",
    "trust_anchors_from",
]
__all__ += [  # archive-timestamp renewal (issue 16)
    "Renewal",
    "RenewalRefused",
    "RenewalRun",
    "archive_renew_days",
    "archived",
    "as_packages",
    "extend_package",
    "newest_timestamp_expiry",
    "renew_archive",
    "valid_chain",
]
