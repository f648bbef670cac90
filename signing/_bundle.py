"""The offline review: findings out in the review export, the verifier's signed decisions back in.

A verifier without portal access reviews from the folder ``ecocluster review export`` writes. Besides
the statement, the check report and the evidence list it holds ``findings.json`` (the member's
findings of the cycle with every answer) and ``evidence/<sha256>`` (the answers' files). On their
own machine, with no warehouse, the verifier signs decisions on those findings
(:func:`decide_offline`, ``ecocluster finding decide``): one DSSE envelope per decision
(``ecocluster.signing._decisions``), bound to the answer as exported, each with the RFC 3161 timestamp
token the configured TSA gave over its signature, gathered in one *answers file* with the verifier's
certificate. The coordinator imports it (:func:`import_answers`, ``ecocluster finding
import FILE``).

The answers file comes from another party: it is read once, within :data:`MAX_ANSWERS_BYTES`,
parsed strictly (rule ``review-answers`` for the file), and each decision is judged alone: its
signature, its timestamp (rule ``timestamp``: a decision without a token, or with a token over other
bytes, is refused) and its certificate at the attested time against the coordinator's own trust
anchors (rule ``finding-decision``),
the finding as it is now (``finding-unknown``, ``finding-stale`` when it was answered again since
the export, ``finding-transition``). One refused decision never stops the others; every outcome is
a row of ``review_import``. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import duckdb

from ecocluster.core.errors import ApprovalRuleFailed, ConfigurationError, ReviewRefused
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _decisions, _dsse, _review, _stored
from ecocluster.signing._approval import _Fields
from ecocluster.signing._pki import load_certs, pem
from ecocluster.signing._tsa import default_tsa_url
from ecocluster.signing._verify import TrustAnchors, verify_decision_signer
from ecocluster.signing.signers import Signer
from ecocluster.warehouse.db import transaction

FINDINGS_FILE = "findings.json"
EVIDENCE_DIR = "evidence"
FINDINGS_FORMAT = "ecocluster/review-findings/v1"
ANSWERS_FORMAT = "ecocluster/review-answers/v1"
MAX_ANSWERS_BYTES = 4 * 1024 * 1024
MAX_DECISIONS = 500
MAX_FINDINGS_BYTES = 16 * 1024 * 1024
MAX_TIMESTAMP_BYTES = 64 * 1024  # a token with the TSA's chain is about 2 KB


# --- out: the findings in the review export ---------------------------------------------------------


def write_findings(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    member_id: str,
    year: int,
    statement_id: str,
    out: Path,
) -> list[Path]:
    """``findings.json`` and the answers' evidence files (read as pinned) into the review export ``out``."""
    found = _review.findings(con, member_id=member_id, year=year)
    written = []
    for f in found:
        for answer in f.answers:
            for e in answer.evidence:
                path = out / EVIDENCE_DIR / e.sha256
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(_stored.read(con, store, e.object_key))
                    written.append(path)
    doc = {
        "format": FINDINGS_FORMAT,
        "memberId": member_id,
        "reportingYear": year,
        "statementId": statement_id,
        "findings": [_finding_claim(f) for f in found],
    }
    (out / FINDINGS_FILE).write_bytes(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode())
    return [out / FINDINGS_FILE, *written]


def _finding_claim(f: _review.Finding) -> dict[str, object]:
    return {
        "findingId": f.finding_id,
        "statementId": f.statement_id,
        "memberId": f.member_id,
        "reportingYear": f.reporting_year,
        "kind": f.kind.value,
        "text": f.text,
        "owner": f.owner.value,
        "deadline": f.deadline.isoformat(),
        "state": f.state.value,
        "answers": [
            {
                "number": a.answer_no,
                "text": a.text,
                "answeredBy": a.answered_by,
                "evidence": [
                    {"filename": e.filename, "mediaType": e.media_type, "sha256": e.sha256}
                    for e in a.evidence
                ],
            }
            for a in f.answers
        ],
    }


# --- the verifier's machine: decide and sign, no warehouse --------------------------------------------


@dataclass(frozen=True)
class ExportedFinding:
    """A finding as the review export shows it; ``facts`` is what a decision on it binds."""

    facts: _decisions.FindingFacts
    kind: str
    state: str
    text: str


def _refuse_export(folder: Path, why: str) -> ReviewRefused:
    return ReviewRefused(
        "review-bundle",
        f"{folder / FINDINGS_FILE}: {why}; decide from the folder "
        "`ecocluster review export` wrote, unchanged",
    )


def read_findings(folder: Path) -> dict[str, ExportedFinding]:
    """The export's findings by id, each answer's digest recomputed from its text and the evidence
    files in the folder (a file that is missing or changed is refused: the verifier signs only what
    they could read)."""
    path = folder / FINDINGS_FILE
    try:
        if path.stat().st_size > MAX_FINDINGS_BYTES:
            raise _refuse_export(folder, f"larger than {MAX_FINDINGS_BYTES:,} bytes")
        doc = _Fields(_dsse.strict_json(path.read_bytes(), FINDINGS_FILE), "findings.json")
        if doc.text("format") != FINDINGS_FORMAT:
            raise _dsse.MalformedEnvelope(f"format is not {FINDINGS_FORMAT!r}")
        out = {}
        for f in doc.objects("findings"):
            answers = f.objects("answers")
            last = answers[-1] if answers else None
            digest = (
                _decisions.NO_ANSWER
                if last is None
                else _decisions.answer_digest(
                    last.text("text"),
                    [_evidence(folder, e.sha256("sha256")) for e in last.objects("evidence")],
                )
            )
            facts = _decisions.FindingFacts(
                f.text("findingId"),
                f.sha256("statementId"),
                f.text("memberId"),
                f.year("reportingYear"),
                len(answers),
                digest,
            )
            out[facts.finding_id] = ExportedFinding(facts, f.text("kind"), f.text("state"), f.text("text"))
        return out
    except OSError as e:
        raise _refuse_export(folder, f"cannot read it ({e.strerror})") from e
    except _dsse.MalformedEnvelope as e:
        raise _refuse_export(folder, str(e)) from e


def _evidence(folder: Path, sha256: str) -> str:
    path = folder / EVIDENCE_DIR / sha256
    try:
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        raise _dsse.MalformedEnvelope(
            f"evidence file {EVIDENCE_DIR}/{sha256} cannot be read ({e.strerror})"
        ) from e
    if actual != sha256:
        raise _dsse.MalformedEnvelope(
            f"evidence file {EVIDENCE_DIR}/{sha256} has SHA-256 {actual[:16]}…: changed"
        )
    return sha256


def decide_offline(
    folder: Path,
    choices: Sequence[tuple[str, str, str]],
    signer: Signer,
    *,
    tsa_url: str | None = None,
    decided_at: dt.datetime | None = None,
    accreditation: bytes | None = None,
) -> bytes:
    """The answers file: one signed decision per ``(finding id, event, note)`` on the export in
    ``folder``, each timestamped by the TSA at ``tsa_url``; a decision the finding's exported state
    does not allow is refused here already, a TSA that does not answer writes nothing
    (:class:`ecocluster.signing._tsa.TimestampUnavailable`). ``accreditation``: the accreditation
    body's statement for a trust service provider's certificate, embedded in each decision."""
    exported = read_findings(folder)
    when = decided_at or dt.datetime.now(dt.UTC)
    envelopes: list[bytes] = []
    for finding_id, event, note in choices:
        found = exported.get(finding_id)
        if found is None:
            raise ReviewRefused(
                "finding-unknown",
                f"{finding_id!r} is not among the exported findings "
                f"({', '.join(sorted(exported)) or 'none'})",
            )
        allowed = {s.value for s in _review._MOVES[event][0]}
        if found.state not in allowed:
            raise ReviewRefused(
                "finding-transition",
                f"finding {finding_id} is {found.state} in the export; it can "
                f"be {event} only when {', '.join(sorted(allowed))}",
            )
        envelopes.append(
            _decisions.seal(
                found.facts, event, signer, note=note, decided_at=when, accreditation=accreditation
            )
        )
    if not envelopes:
        raise ConfigurationError("no decision given: name findings with --accept, --reopen or --close")
    url = tsa_url or default_tsa_url()
    tokens = [base64.b64encode(_decisions.stamp(e, url)).decode("ascii") for e in envelopes]
    return _dsse.canonical_json(
        {
            "format": ANSWERS_FORMAT,
            "certificate": pem(signer.certificate).decode(),
            "decisions": [e.decode() for e in envelopes],
            "timestamps": tokens,
        }
    )


# --- in: the coordinator imports the answers file --------------------------------------------------


class Imported(StrEnum):
    """What importing one decision of an answers file did (stored in the import log as the value)."""

    APPLIED = "applied"
    ALREADY = "already"  # imported before: nothing changed
    REFUSED = "refused"  # a rule failed; named in ``rule``


@dataclass(frozen=True)
class ImportOutcome:
    item: str  # "file" or "decision <n>"
    finding_id: str | None
    outcome: Imported
    rule: str | None
    message: str


@dataclass(frozen=True)
class AnswersFile:
    """An answers file parsed once: the certificate and the decisions' envelopes, not yet verified."""

    sha256: str
    cert_pem: bytes
    decisions: tuple[bytes, ...]
    timestamps: tuple[bytes | None, ...]  # one per decision; None: the file carries none for it


def parse_answers(data: bytes) -> AnswersFile:
    """Rule ``review-answers``: strict JSON of the answers format, a PEM certificate, at most
    :data:`MAX_DECISIONS` decision envelopes as strings and, when present, ``timestamps``: one
    base64 RFC 3161 token per decision, in the same order (a file without them parses; each of its
    decisions is then refused by rule ``timestamp``)."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        if len(data) > MAX_ANSWERS_BYTES:
            raise _dsse.MalformedEnvelope(f"{len(data):,} bytes, more than {MAX_ANSWERS_BYTES:,}")
        doc = _Fields(_dsse.strict_json(data, "answers file"), "answers")
        if doc.text("format") != ANSWERS_FORMAT:
            raise _dsse.MalformedEnvelope(f"answers.format is not {ANSWERS_FORMAT!r}")
        cert = doc.text("certificate").encode("utf-8")
        decisions = doc.texts("decisions")
        if not 0 < len(decisions) <= MAX_DECISIONS:
            raise _dsse.MalformedEnvelope(f"answers.decisions must hold 1 to {MAX_DECISIONS} decisions")
        try:
            load_certs(cert)
        except (ValueError, ConfigurationError) as e:
            raise _dsse.MalformedEnvelope(f"answers.certificate is not a PEM certificate: {e}") from e
        timestamps = _timestamps(doc, len(decisions))
    except _dsse.MalformedEnvelope as e:
        raise ReviewRefused(
            "review-answers", f"not an answers file of `ecocluster finding decide`: {e}"
        ) from e
    return AnswersFile(sha, cert, tuple(d.encode("utf-8") for d in decisions), timestamps)


def _timestamps(doc: _Fields, count: int) -> tuple[bytes | None, ...]:
    """``answers.timestamps`` decoded: absent, a token per decision is missing (None); present, it is
    exactly one base64 string per decision, each at most :data:`MAX_TIMESTAMP_BYTES` decoded."""
    if "timestamps" not in doc.value:
        return (None,) * count
    texts = doc.texts("timestamps")
    if len(texts) != count:
        raise _dsse.MalformedEnvelope(
            f"answers.timestamps holds {len(texts)} token(s) for {count} decision(s): one per decision"
        )
    tokens = []
    for n, text in enumerate(texts, 1):
        if len(text) > MAX_TIMESTAMP_BYTES * 4 // 3 + 4:
            raise _dsse.MalformedEnvelope(
                f"answers.timestamps[{n}] is larger than {MAX_TIMESTAMP_BYTES:,} bytes"
            )
        try:
            tokens.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError) as e:
            raise _dsse.MalformedEnvelope(f"answers.timestamps[{n}] is not base64: {e}") from e
    return tuple(tokens)


def read_answers(path: Path) -> bytes:
    """The file's bytes, at most one more than :data:`MAX_ANSWERS_BYTES` (a huge file costs nothing)."""
    try:
        with path.open("rb") as f:
            return f.read(MAX_ANSWERS_BYTES + 1)
    except OSError as e:
        raise ReviewRefused(
            "review-answers",
            f"{path}: cannot read it ({e.strerror}); give the answers file `ecocluster finding decide` wrote",
        ) from e


@dataclass(frozen=True)
class ExpectedDecision:
    """What an answers file uploaded for one finding must be (the portal's verifier desk): exactly one
    decision (rule ``review-answers``), on ``finding_id`` (rule ``finding-other``), signed by the
    verifier accredited as ``accreditation_no`` who uploads it (rule ``finding-signer``)."""

    finding_id: str
    accreditation_no: str


def import_answers(
    con: duckdb.DuckDBPyConnection,
    trust: TrustAnchors,
    data: bytes,
    *,
    now: dt.datetime | None = None,
    expect: ExpectedDecision | None = None,
) -> list[ImportOutcome]:
    """Apply each signed decision of an answers file that holds; refuse, by rule, each that does not.
    Every outcome is recorded in ``review_import``; a file refused whole is one ``file`` row.
    ``ecocluster finding import`` and the portal's upload both call this; the portal adds ``expect``."""
    when = now or dt.datetime.now(dt.UTC)
    try:
        answers = parse_answers(data)
        if expect is not None and len(answers.decisions) != 1:
            raise ReviewRefused(
                "review-answers",
                f"the file holds {len(answers.decisions)} decisions; upload one decision on finding "
                f"{expect.finding_id} (`ecocluster finding decide FOLDER --close {expect.finding_id}`)",
            )
    except ReviewRefused as e:
        outcomes = [ImportOutcome("file", None, Imported.REFUSED, e.rule, str(e))]
        _record(con, hashlib.sha256(data).hexdigest(), outcomes, when)
        return outcomes
    outcomes = [
        _import_one(con, trust, answers.cert_pem, n, envelope, token, when, expect)
        for n, (envelope, token) in enumerate(zip(answers.decisions, answers.timestamps, strict=True), 1)
    ]
    _record(con, answers.sha256, outcomes, when)
    return outcomes


def _import_one(
    con: duckdb.DuckDBPyConnection,
    trust: TrustAnchors,
    cert_pem: bytes,
    n: int,
    envelope: bytes,
    timestamp: bytes | None,
    now: dt.datetime,
    expect: ExpectedDecision | None = None,
) -> ImportOutcome:
    item, finding_id = f"decision {n}", None
    try:
        decision = _decisions.parse(envelope)
        finding_id = decision.facts.finding_id
        if expect is not None and finding_id != expect.finding_id:
            raise ReviewRefused(
                "finding-other",
                f"the decision is on finding {finding_id}, not on {expect.finding_id}: upload the "
                "decision on this finding",
            )
        who = verify_decision_signer(decision, cert_pem, timestamp, trust, now=now)
        if expect is not None and who.accreditation_no != expect.accreditation_no:
            raise ReviewRefused(
                "finding-signer",
                f"the decision is signed by {who.name} ({who.accreditation_no}), not by the verifier "
                f"uploading it ({expect.accreditation_no}): each verifier uploads their own decisions",
            )
        applied = _review.record_signed_decision(
            con, decision, cert_pem, f"{who.name} ({who.accreditation_no})", timestamp
        )
    except _decisions.DecisionMalformed as e:
        return ImportOutcome(item, finding_id, Imported.REFUSED, "finding-decision", str(e))
    except ApprovalRuleFailed as e:
        return ImportOutcome(item, finding_id, Imported.REFUSED, e.rule, e.detail)
    except ReviewRefused as e:
        return ImportOutcome(item, finding_id, Imported.REFUSED, e.rule, str(e))
    verb = Imported.APPLIED if applied else Imported.ALREADY
    return ImportOutcome(
        item,
        finding_id,
        verb,
        None,
        f"{decision.event} by {who.name} ({who.accreditation_no}){'' if applied else ', imported before'}",
    )


def _record(
    con: duckdb.DuckDBPyConnection, file_sha256: str, outcomes: Sequence[ImportOutcome], when: dt.datetime
) -> None:
    with transaction(con):
        for o in outcomes:
            con.execute(
                "INSERT OR REPLACE INTO review_import VALUES (?, ?, ?, ?, ?, ?, ?)",
                [file_sha256, o.item, o.finding_id, o.outcome, o.rule, o.message[:2000], when],
            )


def parse_choices(
    accept: Sequence[str], reopen: Sequence[str], close: Sequence[str]
) -> list[tuple[str, str, str]]:
    """``--accept ID[=NOTE]``, ``--reopen ID=REASON``, ``--close ID[=NOTE]`` as (finding, event, note)."""
    out = []
    options: Mapping[str, Sequence[str]] = {"accepted": accept, "reopened": reopen, "closed": close}
    for event, given in options.items():
        for item in given:
            finding_id, _, note = item.partition("=")
            if event == "reopened" and not note.strip():
                raise ReviewRefused("finding-text", f"--reopen {item!r}: say why, as ID=REASON")
            out.append((finding_id.strip(), event, note.strip()))
    return out
