"""Review rounds: the verifier's findings on a statement, the answers with evidence, and their states.

Real verification takes rounds: the verifier raises findings (non-conformities, misstatements,
non-compliances, requests for information, recommended improvements), the member or the coordinator
answers with text and evidence files, the verifier accepts, reopens (another round) or closes. Rule
``open-findings`` (:func:`unresolved`, read by ``approval_context``) refuses an approval while a
finding of the member's cycle is open or answered; recommended improvements never block, they travel
with the approval instead.

States and the only moves between them (anything else is :class:`FindingTransitionRefused`)::

    open --answer--> answered --accept--> accepted --close--> closed
      ^                 |                                        ^
      +----reopen-------+      open | answered --close-----------+

Evidence files come from another party: each is read once, bounded in size, its type judged from its
content (the name's extension must agree), and stored write-once by SHA-256 under
``review/evidence/``; the warehouse keeps the pin (``stored_object``). Every step is one row in
``review_event`` (who, when, what, the state after), in the same transaction as the change, chained
to the statement's previous event by SHA-256 (``_review_log``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NewType, TypeVar

import duckdb

from ecocluster import checks
from ecocluster.core.errors import ReviewRefused
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _decisions, _review_log, _stored
from ecocluster.signing._dsse import canonical_json
from ecocluster.signing._pki import fingerprint, pem
from ecocluster.signing._tsa import default_tsa_url
from ecocluster.signing.signers import Signer
from ecocluster.warehouse import decode_text
from ecocluster.warehouse.db import transaction
from ecocluster.warehouse.sections import BY_NAME as SECTIONS

FindingId = NewType("FindingId", str)
_E = TypeVar("_E", bound=Enum)

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10
MAX_ZIP_UNCOMPRESSED = 50 * 1024 * 1024
MAX_TEXT = 4000
ANSWER_WORKING_DAYS = 20  # one round: up to 20 business days (issue 18, as Verra runs them)
_FINDING_ID = re.compile(r"^F-[0-9a-f]{12}$")
_VALUE_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_\-]+|\[\d+\])*$")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]")


class FindingKind(str, Enum):
    NON_CONFORMITY = "non-conformity"
    MISSTATEMENT = "misstatement"
    NON_COMPLIANCE = "non-compliance"
    REQUEST_FOR_INFORMATION = "request-for-information"
    RECOMMENDED_IMPROVEMENT = "recommended-improvement"


class Owner(str, Enum):
    MEMBER = "member"
    COORDINATOR = "coordinator"


class FindingState(str, Enum):
    OPEN = "open"
    ANSWERED = "answered"
    ACCEPTED = "accepted"
    CLOSED = "closed"


# event -> (states it may start from, state after)
_MOVES: dict[str, tuple[frozenset[FindingState], FindingState]] = {
    "answered": (frozenset({FindingState.OPEN}), FindingState.ANSWERED),
    "accepted": (frozenset({FindingState.ANSWERED}), FindingState.ACCEPTED),
    "reopened": (frozenset({FindingState.ANSWERED}), FindingState.OPEN),
    "closed": (
        frozenset({FindingState.OPEN, FindingState.ANSWERED, FindingState.ACCEPTED}),
        FindingState.CLOSED,
    ),
}
UNRESOLVED = frozenset({FindingState.OPEN, FindingState.ANSWERED})


class FindingTransitionRefused(ReviewRefused):
    """A step the finding's state does not allow (answering a closed finding, accepting an open one)."""

    def __init__(self, finding_id: str, state: FindingState, event: str) -> None:
        allowed = ", ".join(sorted(s.value for s in _MOVES[event][0]))
        super().__init__(
            "finding-transition",
            f"finding {finding_id} is {state.value}; it can be {event} only "
            f"when {allowed}; see its history with `ecocluster finding list`",
        )


@dataclass(frozen=True)
class Evidence:
    """One evidence file as stored: its name as sent (made safe), content type, digest and key."""

    filename: str
    media_type: str
    sha256: str
    size: int
    object_key: str


@dataclass(frozen=True)
class Answer:
    answer_no: int
    text: str
    answered_by: str
    answered_at: dt.datetime
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Finding:
    finding_id: FindingId
    statement_id: str
    member_id: str
    reporting_year: int
    kind: FindingKind
    text: str
    owner: Owner
    deadline: dt.date
    state: FindingState
    raised_by: str
    raised_at: dt.datetime
    value_path: str | None = None
    check_name: str | None = None
    section: str | None = None
    answers: tuple[Answer, ...] = ()

    @property
    def blocks_approval(self) -> bool:
        """Open or answered, and not a recommended improvement (those go into the approval instead)."""
        return self.state in UNRESOLVED and self.kind is not FindingKind.RECOMMENDED_IMPROVEMENT


@dataclass(frozen=True)
class ReviewEvent:
    event_no: int
    finding_id: FindingId
    event: str
    actor: str
    at: dt.datetime
    state_after: FindingState
    detail: str


def working_days_after(start: dt.date, days: int) -> dt.date:
    """``days`` working days (Monday to Friday) after ``start``: a round's default deadline."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        days -= day.weekday() < 5
    return day


def _text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise ReviewRefused("finding-text", f"the {what} is empty; say what was found or answered")
    if len(text) > MAX_TEXT:
        raise ReviewRefused(
            "finding-text",
            f"the {what} has {len(text)} characters, more than {MAX_TEXT}; "
            "attach the details as an evidence file",
        )
    return text


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def raise_finding(
    con: duckdb.DuckDBPyConnection,
    statement_id: str,
    kind: FindingKind | str,
    text: str,
    *,
    by: str,
    owner: Owner | str = Owner.MEMBER,
    deadline: dt.date | None = None,
    value_path: str | None = None,
    check_name: str | None = None,
    section: str | None = None,
    now: dt.datetime | None = None,
) -> Finding:
    """The verifier raises a finding on a member's draft ``statement_id``; returns it, state open.

    ``value_path`` (a path into the statement JSON), ``check_name`` (an expectation the member's
    checks reported) and ``section`` (a submission section) say what the finding is about; each is
    checked so a finding never points at nothing."""
    when = _now(now)
    kind = _enum(FindingKind, kind, "finding-kind")
    owner = _enum(Owner, owner, "finding-owner")
    statement_id, member_id, year = _draft(con, statement_id)
    deadline = deadline or working_days_after(when.date(), ANSWER_WORKING_DAYS)
    if deadline < when.date():
        raise ReviewRefused("finding-deadline", f"deadline {deadline} is in the past (today {when.date()})")
    _check_target(con, member_id, year, value_path, check_name, section)
    finding_id = FindingId(f"F-{secrets.token_hex(6)}")
    with transaction(con):
        con.execute(
            "INSERT INTO review_finding VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            [
                finding_id,
                statement_id,
                member_id,
                year,
                kind.value,
                _text(text, "finding"),
                value_path,
                check_name,
                section,
                owner.value,
                deadline,
                by,
                when,
            ],
        )
        _event(con, finding_id, "raised", by, when, FindingState.OPEN, f"{kind.value}, deadline {deadline}")
    return finding(con, finding_id)


def _draft(con: duckdb.DuckDBPyConnection, statement_id: str) -> tuple[str, str, int]:
    """(full id, member, year) of the member draft ``statement_id`` names (a unique prefix will do)."""
    rows = (
        con.execute(
            "SELECT statement_id, member_id, reporting_year FROM statement WHERE version = 1 "
            "AND subject = 'member' AND starts_with(statement_id, ?) LIMIT 2",
            [statement_id.strip().lower()],
        ).fetchall()
        if statement_id.strip()
        else []
    )
    if len(rows) != 1:
        what = "no member draft statement" if not rows else "more than one statement"
        raise ReviewRefused(
            "finding-statement",
            f"{what} with id {statement_id!r}; see the drafts with `ecocluster status` and give the full id",
        )
    return rows[0][0], rows[0][1], rows[0][2]


def _enum(cls: type[_E], value: _E | str, rule: str) -> _E:
    try:
        return cls(value)
    except ValueError as e:
        raise ReviewRefused(rule, f"{value!r} is not one of {', '.join(str(m.value) for m in cls)}") from e


def _check_target(
    con: duckdb.DuckDBPyConnection,
    member_id: str,
    year: int,
    value_path: str | None,
    check_name: str | None,
    section: str | None,
) -> None:
    if value_path is not None and (len(value_path) > 200 or not _VALUE_PATH.match(value_path)):
        raise ReviewRefused(
            "finding-target",
            f"value path {value_path!r} is not a path like indicators.energy.total or figures[2]",
        )
    if section is not None and section not in SECTIONS:
        raise ReviewRefused(
            "finding-target",
            f"section {section!r} is not a submission section; one of {', '.join(sorted(SECTIONS))}",
        )
    if check_name is not None and not checks.has_result(con, member_id, year, check_name):
        raise ReviewRefused(
            "finding-target",
            f"member {member_id} has no check result {check_name!r} for {year}; "
            "see its check report with `ecocluster check`",
        )


def answer_finding(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    finding_id: str,
    text: str,
    *,
    by: str,
    files: Sequence[Path] = (),
    now: dt.datetime | None = None,
) -> Finding:
    """The owner answers an open finding with text and evidence files; the state becomes answered.

    Every file is read and judged before anything is stored or recorded: one bad file refuses the
    whole answer (rule ``evidence-size``, ``evidence-type`` or ``evidence-count``), naming it."""
    current = finding(con, finding_id)
    _allowed(current, "answered")
    body = _text(text, "answer")
    if len(files) > MAX_EVIDENCE_FILES:
        raise ReviewRefused(
            "evidence-count",
            f"{len(files)} files, at most {MAX_EVIDENCE_FILES} per answer; put them in one PDF or XLSX",
        )
    loaded = [_read_evidence(path) for path in files]
    stored = [
        store.put(f"review/evidence/{sha}", data, content_type=media) for _name, media, sha, data in loaded
    ]
    when = _now(now)
    number = len(current.answers) + 1
    with transaction(con):
        _stored.record(con, *stored)
        con.execute("INSERT INTO review_answer VALUES (?, ?, ?, ?, ?)", [finding_id, number, body, by, when])
        for (name, media, sha, data), obj in zip(loaded, stored, strict=True):
            con.execute(
                "INSERT INTO review_evidence VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [finding_id, number, name, sha, media, len(data), obj.key],
            )
        _move(con, current, "answered", by, when, f"answer {number}, {len(loaded)} evidence file(s)")
    return finding(con, finding_id)


def accept_finding(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    *,
    by: str,
    note: str = "",
    now: dt.datetime | None = None,
    signer: Signer | None = None,
    tsa_url: str | None = None,
    accreditation: bytes | None = None,
) -> Finding:
    """The verifier accepts the answer: the finding is resolved (it no longer blocks an approval once
    the decision is signed, see :func:`_decide`)."""
    return _decide(con, finding_id, "accepted", by, note, now, signer, tsa_url, accreditation)


def reopen_finding(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    *,
    by: str,
    note: str = "",
    now: dt.datetime | None = None,
    signer: Signer | None = None,
    tsa_url: str | None = None,
    accreditation: bytes | None = None,
) -> Finding:
    """The verifier finds the answer insufficient: another round, the finding is open again."""
    return _decide(
        con,
        finding_id,
        "reopened",
        by,
        _text(note, "reason for reopening"),
        now,
        signer,
        tsa_url,
        accreditation,
    )


def close_finding(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    *,
    by: str,
    note: str = "",
    now: dt.datetime | None = None,
    signer: Signer | None = None,
    tsa_url: str | None = None,
    accreditation: bytes | None = None,
) -> Finding:
    """The verifier closes the finding (resolved, or withdrawn with a note); closed is final."""
    return _decide(con, finding_id, "closed", by, note, now, signer, tsa_url, accreditation)


def _decide(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    event: str,
    by: str,
    note: str,
    now: dt.datetime | None,
    signer: Signer | None,
    tsa_url: str | None,
    accreditation: bytes | None = None,
) -> Finding:
    """Make the verifier's decision, signed by ``signer`` (ecocluster.signing._decisions) and
    timestamped by the TSA at ``tsa_url`` (default ``ECOCLUSTER_TSA_URL``), in the same transaction.

    Without a signer the step is recorded unsigned (a portal click, an old caller): the state moves,
    but rule ``finding-decision`` refuses an approval until the verifier signs it. Signing a decision
    already recorded unsigned (same event, the finding unchanged since) attaches the signature. A TSA
    that does not answer records nothing (:class:`ecocluster.signing._tsa.TimestampUnavailable`)."""
    current, when, note = finding(con, finding_id), _now(now), note.strip()[:MAX_TEXT]
    unsigned = _unsigned_decision(con, current, event)
    if unsigned is None:
        _allowed(current, event)
    elif signer is None:
        raise FindingTransitionRefused(current.finding_id, current.state, event)
    signed = None
    if signer is not None:
        url = tsa_url or default_tsa_url()
        envelope = _decisions.seal(
            facts(current), event, signer, note=note, decided_at=when, accreditation=accreditation
        )
        signed = (envelope, _decisions.stamp(envelope, url), signer.certificate)
    with transaction(con):
        event_no = unsigned if unsigned is not None else _move(con, current, event, by, when, note)
        if signed is not None:
            envelope, token, cert = signed
            _record_decision(
                con, current.finding_id, event_no, event, envelope, pem(cert), fingerprint(cert), when, token
            )
    return finding(con, finding_id)


def _allowed(current: Finding, event: str) -> None:
    if current.state not in _MOVES[event][0]:
        raise FindingTransitionRefused(current.finding_id, current.state, event)


def _move(
    con: duckdb.DuckDBPyConnection, current: Finding, event: str, by: str, when: dt.datetime, detail: str
) -> int:
    """Change the state only from the state it was read in (a concurrent step loses, it is not merged);
    returns the review event's number."""
    after = _MOVES[event][1]
    changed = con.execute(
        "UPDATE review_finding SET state = ? WHERE finding_id = ? AND state = ? RETURNING 1",
        [after.value, current.finding_id, current.state.value],
    ).fetchall()
    if not changed:
        raise FindingTransitionRefused(current.finding_id, finding(con, current.finding_id).state, event)
    return _event(con, current.finding_id, event, by, when, after, detail)


def _event(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    event: str,
    actor: str,
    when: dt.datetime,
    after: FindingState,
    detail: str,
) -> int:
    row = con.execute(
        "INSERT INTO review_event (finding_id, event, actor, event_at, state_after, detail) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING event_no",
        [finding_id, event, actor, when, after.value, detail],
    ).fetchone()
    assert row is not None  # INSERT … RETURNING gives the row it inserted
    _review_log.link(con, int(row[0]))
    return int(row[0])


# --- signed decisions: the verifier's accept, reopen and close ----------------------------------------

_MOVING = tuple(_MOVES)  # the events that change a finding's state
_RESOLVING = frozenset({"accepted", "closed"})


def facts(current: Finding) -> _decisions.FindingFacts:
    """What a decision on ``current`` binds: the finding and its latest answer (number and digest)."""
    last = current.answers[-1] if current.answers else None
    digest = (
        _decisions.answer_digest(last.text, (e.sha256 for e in last.evidence))
        if last is not None
        else _decisions.NO_ANSWER
    )
    return _decisions.FindingFacts(
        current.finding_id,
        current.statement_id,
        current.member_id,
        current.reporting_year,
        len(current.answers),
        digest,
    )


def _last_move(con: duckdb.DuckDBPyConnection, finding_id: str) -> tuple[int, str] | None:
    row = con.execute(
        "SELECT event_no, event FROM review_event WHERE finding_id = ? AND list_contains(?, event) "
        "ORDER BY event_no DESC LIMIT 1",
        [finding_id, list(_MOVING)],
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def _unsigned_decision(con: duckdb.DuckDBPyConnection, current: Finding, event: str) -> int | None:
    """The event number of ``event`` when it is the finding's latest move and has no signed decision."""
    last = _last_move(con, current.finding_id)
    if last is None or last[1] != event or event not in _decisions.EVENTS:
        return None
    signed = con.execute(
        "SELECT 1 FROM review_decision WHERE finding_id = ? AND event_no = ?", [current.finding_id, last[0]]
    ).fetchone()
    return None if signed else last[0]


def _record_decision(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    event_no: int,
    event: str,
    envelope: bytes,
    cert_pem: bytes,
    cert_sha256: str,
    signed_at: dt.datetime,
    timestamp: bytes | None,
) -> None:
    con.execute(
        "INSERT INTO review_decision (finding_id, event_no, event, envelope, cert_pem, cert_sha256, "
        "signed_at, tsr) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [finding_id, event_no, event, envelope, cert_pem.decode("ascii"), cert_sha256, signed_at, timestamp],
    )


def resolutions(
    con: duckdb.DuckDBPyConnection, member_id: str, year: int
) -> tuple[_decisions.Resolution, ...]:
    """The member's findings of the cycle resolved (accepted or closed; recommended improvements never
    block, so they need none), each with the signed decision behind its current state, if any: what
    rule ``finding-decision`` verifies."""
    out = []
    for f in findings(con, member_id=member_id, year=year):
        if f.kind is FindingKind.RECOMMENDED_IMPROVEMENT or f.state in UNRESOLVED:
            continue
        last = _last_move(con, f.finding_id)
        # Only an accept or a close resolves: a resolved state behind any other move was set by no decision.
        event_no, event = last if last is not None and last[1] in _RESOLVING else (-1, f.state.value)
        row = con.execute(
            "SELECT envelope, cert_pem, tsr FROM review_decision WHERE finding_id = ? AND event_no = ?",
            [f.finding_id, event_no],
        ).fetchone()
        out.append(
            _decisions.Resolution(
                facts(f),
                event,
                None if row is None else bytes(row[0]),
                None if row is None else str(row[1]).encode("ascii"),
                None if row is None or row[2] is None else bytes(row[2]),
            )
        )
    return tuple(out)


def record_signed_decision(
    con: duckdb.DuckDBPyConnection,
    decision: _decisions.FindingDecision,
    cert_pem: bytes,
    by: str,
    timestamp: bytes | None,
) -> bool:
    """Apply a decision signed elsewhere (an offline review, ``ecocluster.signing._bundle``) whose signer
    and ``timestamp`` (its RFC 3161 token) the caller has verified: the finding must be as the
    verifier saw it (rule ``finding-stale`` otherwise), the step allowed (``finding-transition``).
    Returns False when this very decision is already recorded (an import run twice), True when
    applied now; a decision already made unsigned gets its signature."""
    current = finding(con, decision.facts.finding_id)
    if facts(current) != decision.facts:
        raise ReviewRefused(
            "finding-stale",
            f"finding {current.finding_id} has {len(current.answers)} answer(s) "
            f"now; the verifier decided on answer {decision.facts.answer_no} as exported (or on "
            "another statement or member): export the review again and decide on what is there",
        )
    if con.execute(
        "SELECT 1 FROM review_decision WHERE finding_id = ? AND envelope = ?",
        [current.finding_id, decision.raw],
    ).fetchone():
        return False
    unsigned = _unsigned_decision(con, current, decision.event)
    if unsigned is None:
        _allowed(current, decision.event)
    with transaction(con):
        event_no = (
            unsigned
            if unsigned is not None
            else _move(con, current, decision.event, by, decision.decided_at, decision.note[:MAX_TEXT])
        )
        _record_decision(
            con,
            current.finding_id,
            event_no,
            decision.event,
            decision.raw,
            cert_pem,
            decision.certificate_sha256,
            decision.decided_at,
            timestamp,
        )
    return True


# --- evidence files: parsed once at the boundary --------------------------------------------------

_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".csv": "text/csv",
    ".txt": "text/plain",
}


def _read_evidence(path: Path) -> tuple[str, str, str, bytes]:
    """(safe name, media type, SHA-256, bytes) of one evidence file, or :class:`ReviewRefused`."""
    name = _UNSAFE_NAME.sub("_", path.name)[-120:] or "evidence"
    expected = _TYPES.get(path.suffix.lower())
    if expected is None:
        raise ReviewRefused(
            "evidence-type",
            f"{name}: {path.suffix or 'no extension'} is not accepted; send {', '.join(sorted(_TYPES))}",
        )
    try:
        size = path.stat().st_size
        if size > MAX_EVIDENCE_BYTES:
            raise ReviewRefused(
                "evidence-size",
                f"{name} is {size / 1e6:.1f} MB, more than the "
                f"{MAX_EVIDENCE_BYTES / 1e6:.0f} MB an evidence file may have",
            )
        with path.open("rb") as f:
            data = f.read(MAX_EVIDENCE_BYTES + 1)  # the file may grow between stat and read
    except OSError as e:
        raise ReviewRefused("evidence-file", f"{path}: cannot be read ({e.strerror})") from e
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ReviewRefused("evidence-size", f"{name} is larger than {MAX_EVIDENCE_BYTES / 1e6:.0f} MB")
    if not data:
        raise ReviewRefused("evidence-size", f"{name} is empty")
    found = _content_type(data)
    if found != expected:
        raise ReviewRefused(
            "evidence-type",
            f"{name} is named {path.suffix} ({expected}) but its content is "
            f"{found or 'not a type accepted'}; send the file as it is, with its own extension",
        )
    return name, found, hashlib.sha256(data).hexdigest(), data


def _content_type(data: bytes) -> str | None:
    """The media type the bytes are, judged from their content alone."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    try:
        text, _encoding = decode_text(data)
    except ValueError:
        return None
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return None
    first = text.split("\n", 1)[0]
    return "text/csv" if first.count(",") + first.count(";") >= 1 else "text/plain"


def _office_type(data: bytes) -> str | None:
    """An OOXML workbook or document, bounded like ingestion bounds XLSX (no zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if sum(i.file_size for i in infos) > MAX_ZIP_UNCOMPRESSED:
        return None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return _TYPES[".xlsx"]
    if "word/document.xml" in names:
        return _TYPES[".docx"]
    return None


# --- reading -----------------------------------------------------------------------------------

_FINDING_COLUMNS = (
    "finding_id, statement_id, member_id, reporting_year, kind, text, owner, deadline, state, "
    "raised_by, raised_at, value_path, check_name, section"
)


def finding(con: duckdb.DuckDBPyConnection, finding_id: str) -> Finding:
    """One finding with its answers and evidence, or :class:`ReviewRefused` (rule ``finding-unknown``)."""
    if not _FINDING_ID.match(finding_id):
        raise ReviewRefused("finding-unknown", f"{finding_id!r} is not a finding id (F- and 12 hex digits)")
    found = _findings(con, "finding_id = ?", [finding_id])
    if not found:
        raise ReviewRefused(
            "finding-unknown", f"no finding {finding_id}; list them with `ecocluster finding list`"
        )
    return found[0]


def findings(
    con: duckdb.DuckDBPyConnection,
    *,
    statement_id: str | None = None,
    member_id: str | None = None,
    year: int | None = None,
) -> list[Finding]:
    """Findings, oldest first, of a statement, or of a member (and year), or all."""
    clauses, args = ["true"], []
    if statement_id is not None:
        statement_id = _draft(con, statement_id)[0]
    for column, value in (("statement_id", statement_id), ("member_id", member_id), ("reporting_year", year)):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value)
    return _findings(con, " AND ".join(clauses), args)


def open_findings(
    con: duckdb.DuckDBPyConnection, member_ids: Sequence[str], *, page: int = 0, page_size: int = 50
) -> list[Finding]:
    """One page (in the database) of the members' findings waiting for an answer, nearest deadline
    first: what a member's or a coordinator's desk lists to answer."""
    return _findings(
        con,
        "list_contains(?, member_id) AND state = 'open'",
        [list(member_ids)],
        order="deadline, finding_id",
        window=(page_size, page * page_size),
    )


def _findings(
    con: duckdb.DuckDBPyConnection,
    where: str,
    args: Sequence[object],
    *,
    order: str = "raised_at, finding_id",
    window: tuple[int, int] | None = None,
) -> list[Finding]:
    rows = con.execute(
        f"SELECT {_FINDING_COLUMNS} FROM review_finding WHERE {where} ORDER BY {order}"
        + (" LIMIT ? OFFSET ?" if window else ""),
        [*args, *(window or ())],
    ).fetchall()
    ids = [r[0] for r in rows]
    answers = con.execute(
        "SELECT finding_id, answer_no, text, answered_by, answered_at FROM review_answer "
        "WHERE list_contains(?, finding_id) ORDER BY finding_id, answer_no",
        [ids],
    ).fetchall()
    files = con.execute(
        "SELECT finding_id, answer_no, filename, media_type, sha256, size, object_key "
        "FROM review_evidence WHERE list_contains(?, finding_id) ORDER BY filename",
        [ids],
    ).fetchall()
    by_answer: dict[tuple[str, int], list[Evidence]] = {}
    for fid, no, *evidence in files:
        by_answer.setdefault((fid, no), []).append(Evidence(*evidence))
    by_finding: dict[str, list[Answer]] = {}
    for fid, no, text, who, at in answers:
        by_finding.setdefault(fid, []).append(Answer(no, text, who, at, tuple(by_answer.get((fid, no), ()))))
    return [
        Finding(
            FindingId(r[0]),
            r[1],
            r[2],
            r[3],
            FindingKind(r[4]),
            r[5],
            Owner(r[6]),
            r[7],
            FindingState(r[8]),
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            tuple(by_finding.get(r[0], ())),
        )
        for r in rows
    ]


def events(con: duckdb.DuckDBPyConnection, finding_id: str) -> list[ReviewEvent]:
    """The finding's trail, in order."""
    rows = con.execute(
        "SELECT event_no, finding_id, event, actor, event_at, state_after, detail FROM review_event "
        "WHERE finding_id = ? ORDER BY event_no",
        [finding_id],
    ).fetchall()
    return [ReviewEvent(r[0], FindingId(r[1]), r[2], r[3], r[4], FindingState(r[5]), r[6]) for r in rows]


def unresolved(con: duckdb.DuckDBPyConnection, member_id: str, year: int) -> tuple[str, ...]:
    """Findings of the member's cycle that block an approval (rule ``open-findings``), as
    ``F-…(kind, state)``: any draft of the year counts, so a redraft does not shed them."""
    return tuple(
        f"{f.finding_id} ({f.kind.value}, {f.state.value})"
        for f in findings(con, member_id=member_id, year=year)
        if f.blocks_approval
    )


def recommended_improvements(con: duckdb.DuckDBPyConnection, member_id: str, year: int) -> tuple[str, ...]:
    """The texts of the cycle's recommended improvements: they go into the approval, not in its way."""
    return tuple(
        f.text
        for f in findings(con, member_id=member_id, year=year)
        if f.kind is FindingKind.RECOMMENDED_IMPROVEMENT
    )


# --- deadlines: extension requests and reminders --------------------------------------------------

MAX_EXTENSION_DAYS = 90


@dataclass(frozen=True)
class Reminder:
    """A finding still to be answered whose deadline is one of the cycle's reminder days away, or past."""

    finding_id: FindingId
    member_id: str
    owner: Owner
    deadline: dt.date
    days_left: int  # negative: overdue

    def __str__(self) -> str:
        when = (
            f"overdue by {-self.days_left} day(s)"
            if self.days_left < 0
            else f"due in {self.days_left} day(s)"
        )
        return (
            f"finding {self.finding_id} of {self.member_id} ({self.owner.value}) {when}, on {self.deadline}"
        )


def request_extension(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    until: dt.date,
    reason: str,
    *,
    by: str,
    now: dt.datetime | None = None,
) -> int:
    """The owner asks for a later deadline for an open finding; returns the request's number.

    One request pending at a time, later than the current deadline, at most
    :data:`MAX_EXTENSION_DAYS` beyond it (rule ``finding-extension``)."""
    current = finding(con, finding_id)
    if current.state is not FindingState.OPEN:
        raise ReviewRefused(
            "finding-extension",
            f"finding {finding_id} is {current.state.value}; only an open finding's deadline can be extended",
        )
    if not current.deadline < until <= current.deadline + dt.timedelta(days=MAX_EXTENSION_DAYS):
        raise ReviewRefused(
            "finding-extension",
            f"{until} must be after the deadline {current.deadline} and at most "
            f"{MAX_EXTENSION_DAYS} days beyond it",
        )
    if _pending_extension(con, finding_id) is not None:
        raise ReviewRefused(
            "finding-extension",
            f"finding {finding_id} already has an extension request waiting for the verifier's decision",
        )
    body = _text(reason, "reason for the extension")
    when = _now(now)
    with transaction(con):
        row = con.execute(
            "SELECT coalesce(max(request_no), 0) + 1 FROM review_extension WHERE finding_id = ?", [finding_id]
        ).fetchone()
        number = int(row[0]) if row else 1
        con.execute(
            "INSERT INTO review_extension VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
            [finding_id, number, until, body, by, when],
        )
        _event(
            con, current.finding_id, "extension-requested", by, when, current.state, f"until {until}: {body}"
        )
    return number


def decide_extension(
    con: duckdb.DuckDBPyConnection,
    finding_id: str,
    *,
    grant: bool,
    by: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Finding:
    """The verifier grants (the deadline moves) or refuses the pending extension request."""
    current = finding(con, finding_id)
    pending = _pending_extension(con, finding_id)
    if pending is None:
        raise ReviewRefused("finding-extension", f"finding {finding_id} has no extension request waiting")
    number, until = pending
    decision, when = ("granted" if grant else "refused"), _now(now)
    with transaction(con):
        con.execute(
            "UPDATE review_extension SET decision = ?, decided_by = ?, decided_at = ? "
            "WHERE finding_id = ? AND request_no = ?",
            [decision, by, when, finding_id, number],
        )
        if grant:
            con.execute("UPDATE review_finding SET deadline = ? WHERE finding_id = ?", [until, finding_id])
        _event(
            con,
            current.finding_id,
            f"extension-{decision}",
            by,
            when,
            current.state,
            f"request {number} until {until}{': ' + note.strip()[:MAX_TEXT] if note.strip() else ''}",
        )
    return finding(con, finding_id)


def _pending_extension(con: duckdb.DuckDBPyConnection, finding_id: str) -> tuple[int, dt.date] | None:
    row = con.execute(
        "SELECT request_no, requested_until FROM review_extension WHERE finding_id = ? AND decision IS NULL",
        [finding_id],
    ).fetchone()
    return None if row is None else (int(row[0]), row[1])


def reminders(
    con: duckdb.DuckDBPyConnection, today: dt.date, reminder_days: Sequence[int] = (14, 7, 1)
) -> list[Reminder]:
    """Open findings (the owner's turn) whose deadline is one of ``reminder_days`` away (the cycle's
    ``[cycle] reminder_days``), or has passed: what to remind the owners of today."""
    due = []
    for f in findings(con):
        days_left = (f.deadline - today).days
        if f.state is FindingState.OPEN and (days_left < 0 or days_left in reminder_days):
            due.append(Reminder(f.finding_id, f.member_id, f.owner, f.deadline, days_left))
    return sorted(due, key=lambda r: (r.deadline, r.finding_id))


OVERDUE = "overdue"
NOTICES = "notices/reminders/"
SYSTEM = "ecocluster"  # the actor of what the pipeline does by itself (reminders)


@dataclass(frozen=True)
class SentReminder:
    """A reminder sent now: the finding, the threshold it crossed and the notice left for its owner."""

    reminder: Reminder
    threshold: str  # days before the deadline, or "overdue"
    notice_key: str

    def __str__(self) -> str:
        return f"{self.reminder} (threshold {self.threshold})"


def crossed_threshold(days_left: int, reminder_days: Sequence[int]) -> str | None:
    """The tightest reminder threshold ``days_left`` has reached: "overdue" past the deadline, else the
    smallest of ``reminder_days`` not below it. A run that missed a day (the server was down) still
    sends the threshold it passed instead of skipping it."""
    if days_left < 0:
        return OVERDUE
    reached = [d for d in reminder_days if days_left <= d]
    return str(min(reached)) if reached else None


def send_reminders(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    today: dt.date,
    reminder_days: Sequence[int] = (14, 7, 1),
) -> list[SentReminder]:
    """Remind the owners of open findings that reached a threshold (``[cycle] reminder_days``, or
    overdue), once per finding, deadline and threshold, however often it runs; returns what it sent.

    Sending is a notice written to ``notices/reminders/<member>/<finding>/<deadline>-<threshold>.json``
    (what a mail gateway or the member's desk picks up); its bytes depend only on the finding and the
    threshold, so a retry after a crash between the notice and the record writes the same object.
    The record (``review_reminder``) and the ``reminded`` review event are one transaction."""
    sent = []
    for f in findings(con):
        days_left = (f.deadline - today).days
        threshold = crossed_threshold(days_left, reminder_days)
        if f.state is not FindingState.OPEN or threshold is None or _reminded(con, f, threshold):
            continue
        reminder = Reminder(f.finding_id, f.member_id, f.owner, f.deadline, days_left)
        notice = store.put(
            f"{NOTICES}{f.member_id}/{f.finding_id}/{f.deadline}-{threshold}.json",
            _notice(f, threshold),
            content_type="application/json",
        )
        with transaction(con):
            _stored.record(con, notice)
            new = con.execute(
                "INSERT INTO review_reminder VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
                [f.finding_id, f.deadline, threshold, today, notice.key],
            ).fetchall()
            if new:
                _event(
                    con,
                    f.finding_id,
                    "reminded",
                    SYSTEM,
                    _now(None),
                    f.state,
                    f"threshold {threshold}: {reminder}; notice {notice.key}",
                )
        if new:
            sent.append(SentReminder(reminder, threshold, notice.key))
    return sent


def _reminded(con: duckdb.DuckDBPyConnection, f: Finding, threshold: str) -> bool:
    return (
        con.execute(
            "SELECT 1 FROM review_reminder WHERE finding_id = ? AND deadline = ? AND threshold = ?",
            [f.finding_id, f.deadline, threshold],
        ).fetchone()
        is not None
    )


def _notice(f: Finding, threshold: str) -> bytes:
    return canonical_json(
        {
            "type": "finding-reminder",
            "findingId": f.finding_id,
            "memberId": f.member_id,
            "statementId": f.statement_id,
            "owner": f.owner.value,
            "kind": f.kind.value,
            "deadline": f.deadline.isoformat(),
            "threshold": threshold,
            "text": f.text,
            "answerWith": f"ecocluster finding answer {f.finding_id} --text TEXT [--file F]",
        }
    )


# --- last year's recommended improvements, followed up ---------------------------------------------

FOLLOW_UP = "Follow-up of {year}'s recommended improvement {finding_id}: {text}"


def follow_up_improvements(
    con: duckdb.DuckDBPyConnection, statement_id: str, *, by: str, now: dt.datetime | None = None
) -> list[Finding]:
    """Raise on this draft a request for information for each recommended improvement of the
    member's previous reporting year, so the verifier sees what became of it; a rerun raises none
    twice. Returns the findings raised now."""
    statement_id, member_id, year = _draft(con, statement_id)
    earlier = [
        f
        for f in findings(con, member_id=member_id, year=year - 1)
        if f.kind is FindingKind.RECOMMENDED_IMPROVEMENT
    ]
    already = {f.text for f in findings(con, member_id=member_id, year=year)}
    raised = []
    for f in earlier:
        text = FOLLOW_UP.format(year=year - 1, finding_id=f.finding_id, text=f.text)[:MAX_TEXT]
        if text not in already:
            raised.append(
                raise_finding(
                    con,
                    statement_id,
                    FindingKind.REQUEST_FOR_INFORMATION,
                    text,
                    by=by,
                    owner=f.owner,
                    now=now,
                )
            )
    return raised
