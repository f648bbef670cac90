"""The portal's own words (the ingestion's refusals come from ``ecocluster.warehouse.messages``):
English here, by key; Italian and Latvian in ``portal/locale/<language>/LC_MESSAGES/portal.po``,
where each entry's msgctxt is its key, so two labels that read alike in English may still differ in
translation. The same gettext catalogs as the ingestion's, the statements' and the signing's words
(``tests/portal/test_words.py`` holds every key translated, with the same ``{fields}``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from ecocluster.warehouse.messages import catalog, language_of

DOMAIN = "portal"

_WORDS: dict[str, str] = {  # key: English, the msgid
    "title": "ecocluster portal",
    "sign_in": "Sign in",
    "sign_out": "Sign out",
    "email": "E-mail",
    "password": "Password",
    "code": "Authenticator code (verifiers, competent bodies, admins)",
    "login_failed": "E-mail, password or code not accepted.",
    "throttled": "Too many failed sign-ins. Wait 15 minutes and try again.",
    "register": "EMAS register",
    "register_intro": "Organisations registered through their cluster, with their registration numbers.",
    "reg_no": "Registration no.",
    "organisation": "Organisation",
    "country": "Country",
    "cluster": "Cluster",
    "since": "Registered since",
    "renewed": "Last renewed",
    "none_registered": "No organisation is registered yet.",
    "previous": "Previous",
    "next": "Next",
    "desk": "My desk",
    "signed_in_as": "Signed in as",
    "no_desk": (
        "Administrators: the audit log, and every desk by its address (/cluster/ID, /review/ID, /body/CC)."
    ),
    "sections": "Your sections",
    "section": "Section",
    "year": "Year",
    "file": "File",
    "received": "Received",
    "not_submitted": "not submitted",
    "upload": "Submit your data",
    "upload_help": (
        "The workbook (XLSX), or CSV or JSON in the ecocluster format. A file with any error is "
        "refused whole, with every error listed; fix them and submit the file again."
    ),
    "choose_file": "File to submit",
    "send": "Submit",
    "template": "Download the submission workbook",
    "accepted": "Accepted: the file was stored and replaces your earlier data for its sections.",
    "unchanged": "This very file was received before; nothing changed.",
    "rejected": "Refused: nothing of this file was stored. Fix these errors and submit it again.",
    "where": "Where",
    "row": "Row",
    "column": "Column",
    "value": "Value",
    "problem": "What to fix",
    "findings": "Check findings",
    "no_findings": "No finding: your latest checked data passed every rule, or it has not been checked yet.",
    "rule": "Rule",
    "severity": "Severity",
    "what_to_do": "What is wrong and what to do",
    "no_file": "Choose a file first.",
    "too_large": "The file is larger than the portal accepts.",
    "forbidden": "You may not open this page.",
    "not_found": "There is no such page.",
    "expired": "Your session ended or the form was stale. Sign in again.",
    "language": "Language",
    "audit": "Audit log",
    "skip": "Skip to content",
    "uploading": "Checking the file…",
    "member": "Member",
    # --- the coordinator's, verifier's and competent body's desks, first-login links
    "members": "Members",
    "check_verdict": "Checks",
    "statement": "Statement",
    "statements": "Statements of the cluster",
    "verification": "Verification",
    "state_submitted": "submitted",
    "state_partial": "partly submitted",
    "state_missing": "nothing submitted",
    "state_rejected": "file refused",
    "refused_files": "refused file(s)",
    "not_checked": "not checked yet",
    "cleared": "cleared",
    "status_draft": "draft",
    "status_submitted": "sent to verification",
    "status_validated": "validated",
    "status_rejected": "rejected by the verifier",
    "decision_approved": "approved",
    "decision_rejected": "rejected",
    "no_members": "The roster names no member for this cluster yet.",
    "severity_blocking": "blocking",
    "severity_warning": "warning",
    "severity_all": "all",
    "all_rules": "all rules",
    "filter": "Filter",
    "no_cluster_findings": (
        "No check result matches: the members' latest checked data passed, or nothing was checked."
    ),
    "no_statements": "No statement is drafted yet: run ecocluster draft.",
    "status": "Status",
    "documents": "Documents",
    "joint_statement": "Joint statement of the cluster",
    "review": "Review",
    "verifier_queue": "Statements to verify",
    "assigned_clusters": "Your clusters",
    "nace_scope": "NACE scope",
    "scope_unknown": "unknown (no certificate of yours is registered yet)",
    "to_review": "Sent to you for verification",
    "sent_on": "Drafted",
    "out_of_scope": "outside your NACE scope",
    "queue_empty": "Nothing waits for you.",
    "body_desk": "Competent body",
    "body_intro": (
        "Packages delivered to you, each verified offline at intake (ecocluster intake), with the "
        "signed receipt."
    ),
    "received_packages": "Received packages",
    "outcome": "Outcome",
    "why": "Checks not passed",
    "receipt": "Receipt",
    "attempts": "attempts",
    "unattributed": "unattributed",
    "outcome_registered": "registered",
    "outcome_renewed": "renewed",
    "outcome_refused": "refused",
    "retriable": "may be retried",
    "every_check_passed": "every check passed",
    "no_intakes": "No package was taken in yet.",
    "welcome": "Welcome",
    "welcome_intro": "Choose the password of your account",
    "new_password": "New password (at least 12 characters)",
    "repeat_password": "The same password again",
    "enrol_totp": (
        "Your role signs in with a second factor: add this secret to an authenticator app (TOTP, 30"
        " s), then enter the code it shows."
    ),
    "set_password": "Set password and sign in",
    "invite_refused": (
        "This first-login link is not valid any more (used, expired or unknown). Ask your "
        "administrator for a new one."
    ),
    "passwords_differ": "The two passwords differ.",
    "password_short": "Use at least 12 characters.",
    "code_refused": "The authenticator code was not accepted; enter the current one.",
    "decision_result": "Your signed decision",
    "recorded_approved": "Approval verified and recorded:",
    "recorded_rejected": "Rejection verified and recorded:",
    "upload_refused": "Refused (the coordinator sees the rule)",
    "upload_incomplete": "Incomplete: a file the decision needs is missing",
    "sections_col": "Sections",
    "your_statements": "Your environmental statement",
    "no_statements_yet": "Your coordinator has not drafted your statement yet.",
    "detail": "Detail",
    "signing_request": "Signing request (review export, ZIP)",
    "sign_offline": (
        "Signing happens on your own machine: unzip the request, sign it with your key or token, "
        "and upload the files it writes here."
    ),
    "upload_decision": "Upload the signed decision",
    "decision_envelope": "Signed decision",
    "decision_certificate": "Your certificate",
    "decision_timestamp": "Timestamp of the decision",
    "decision_pdf": "Signed statement PDF (approvals)",
    "check_results": "Check results",
    "no_check_results": "No check result: the member's latest checked data passed every rule.",
    "review_findings": "Review findings",
    "kind_non-conformity": "non-conformity",
    "kind_misstatement": "misstatement",
    "kind_non-compliance": "non-compliance",
    "kind_request-for-information": "request for information",
    "kind_recommended-improvement": "recommended improvement",
    "fstate_open": "open",
    "fstate_answered": "answered",
    "fstate_accepted": "accepted",
    "fstate_closed": "closed",
    "owner": "Who answers",
    "owner_member": "the member",
    "owner_coordinator": "the coordinator",
    "deadline": "Deadline",
    "deadline_default": "empty: 20 working days",
    "raised_by": "raised by",
    "accept": "Accept the answer",
    "reopen": "Reopen",
    "reopen_why": "Why the answer is not enough",
    "note": "Note",
    "signed_decision": "Signed decision (close, accept or reopen)",
    "upload_signed": "Upload the signed decision",
    "sign_decision_offline": (
        "A finding is closed only by your signed, timestamped decision: sign it on your own machine"
        " from the signing request, then upload the file here."
    ),
    "decision_recorded": "Signed decision verified and recorded:",
    "refused_decision_file": (
        "Not accepted: this is not one signed decision written by `ecocluster finding decide` (not "
        "JSON, larger than 4 MB, another format or more than one decision)."
    ),
    "refused_decision_signature": (
        "Not accepted: the decision's signature or certificate does not hold (unsigned, changed "
        "after signing, or not an accredited verifier's certificate at the time it was signed)."
    ),
    "refused_decision_timestamp": (
        "Not accepted: the decision's timestamp does not hold (missing, over other bytes, or the "
        "decision is backdated or postdated against it)."
    ),
    "refused_decision_other": (
        "Not accepted: the file holds a decision on another finding; upload the decision on this one."
    ),
    "refused_decision_signer": (
        "Not accepted: the decision is signed by another verifier; upload your own signed decision."
    ),
    "refused_decision_stale": (
        "Not accepted: the finding changed since you decided (answered again, or this decision does"
        " not fit its state now); download the signing request again and decide on what is there."
    ),
    "refused_decision": "Not accepted (rule {rule}).",
    "no_review_findings": "No finding raised on this member's statement.",
    "raise_finding": "Raise a finding",
    "kind": "Kind",
    "finding_text": "What you found and what you need",
    # answering findings (member and coordinator desks)
    "answers": "Findings to answer",
    "answers_intro": (
        "The verifier's open findings, nearest deadline first. Answer each with text and, if you "
        "have it, one evidence file."
    ),
    "no_open_findings": "No finding is waiting for an answer.",
    "your_answer": "Your answer",
    "evidence_file": "Evidence file (optional)",
    "evidence_help": (
        "PDF, PNG, JPEG, XLSX, DOCX, CSV or TXT, at most {mb} MB; its content must be what its name says."
    ),
    "send_answer": "Send the answer",
    "answered_ok": "Your answer to {id} is recorded; the verifier decides next.",
    "refused_evidence_size": (
        "The evidence file {name} is not accepted: it is larger than {mb} MB or empty. Send a "
        "smaller file (for example a PDF of the pages that matter)."
    ),
    "refused_evidence_type": (
        "The evidence file {name} is not accepted: its content is not a PDF, PNG, JPEG, XLSX, DOCX,"
        " CSV or TXT file matching its name. Send the file as it is, with its own extension."
    ),
    "refused_answer_text": (
        "The answer is empty or longer than 4000 characters: write it again, and put the details in"
        " an evidence file."
    ),
    "refused_not_open": (
        "This finding is no longer open (it was answered or closed); the list shows the ones still open."
    ),
    "refused_answer": "The answer was not accepted (rule {rule}).",
    # the coordinator's buttons
    "actions": "Actions",
    "rerun_check": "Rerun check",
    "rerun_draft": "Rerun draft",
    "send_verification": "Send to verification",
    "action_ok": "Done",
    "action_failed": "Not done",
    "flow_run": "the flow run in Prefect",
    "flow_runs": "Runs started here",
    "stage": "Stage",
    "run_state": "State",
    "run_scheduled": "Scheduled for",
    "run_started": "Started",
    "run_ended": "Ended",
    "runstate_scheduled": "scheduled",
    "runstate_pending": "pending",
    "runstate_running": "running",
    "runstate_completed": "completed",
    "runstate_failed": "failed",
    "runstate_cancelled": "cancelled",
    "runstate_crashed": "crashed",
    "runstate_paused": "paused",
    "runstate_cancelling": "cancelling",
    "run_unreachable": "Prefect did not answer: the last state known is shown.",
    "run_following": "This list follows the runs until they end.",
    # scoped audit views
    "audit_of": "Audit log of {scope}",
    "no_audit": "No entry yet.",
    "audit_who": "Who",
    "audit_role": "Role",
    "audit_action": "Action",
    "audit_object": "Object",
}
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "lv": "Latviešu"}


def words(language: str) -> Mapping[str, str]:
    """Every label in ``language`` (English for an unsupported one), read-only: one per language."""
    return _words(language_of(language))


@cache
def _words(language: str) -> Mapping[str, str]:
    translations = catalog("ecocluster.portal", DOMAIN, language)
    return MappingProxyType({key: translations.pgettext(key, english) for key, english in _WORDS.items()})
