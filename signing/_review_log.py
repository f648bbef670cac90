"""The review trail's hash chain: each ``review_event`` carries the SHA-256 of the one before it.

The review trail (``review_event``) is what the coordinator, the member and the competent body read
to know who raised, answered, accepted or closed what, and when. It is chained per statement: the
``n``-th event about a statement's findings is link ``n``, its ``prev_sha256`` is link ``n-1``'s
``sha256`` (64 zeros for link 1), and its ``sha256`` is the SHA-256 of its canonical form
(:func:`canonical`: canonical JSON of the event, its statement, its link number and
``prev_sha256``). ``review_chain`` keeps each statement's length and head, so cutting the last
events off is seen as well as an edit, a deletion in the middle or a reordering.

:func:`link` writes the link in the transaction that writes the event; :func:`verify_log` walks
the chains and names the first broken link (:class:`ReviewLogBroken`, rule ``review-log``), and
the approval's context carries :func:`broken_link` so that an approval is refused over a trail
that was changed. The chain is not keyed: whoever can rewrite the warehouse can rewrite a whole
chain; it shows edits made by anything other than ecocluster's own writers (the signed decisions
stay the evidence of the resolutions that count for an approval).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from ecocluster.core.errors import EcoclusterError
from ecocluster.signing._dsse import canonical_json

GENESIS = "0" * 64
_EVENT_COLUMNS = (
    "e.event_no, e.finding_id, f.statement_id, e.event, e.actor, e.event_at, e.state_after, e.detail, "
    "e.chain_seq, e.prev_sha256, e.sha256"
)


class ReviewLogBroken(EcoclusterError):
    """A statement's review trail does not verify: an event was edited, deleted, inserted or reordered."""

    exit_code = 3  # like a broken audit log or a changed stored object: the record itself is damaged
    rule = "review-log"

    def __init__(self, statement_id: str, message: str) -> None:
        self.statement_id = statement_id
        super().__init__(f"review log of statement {statement_id} broken (rule review-log): {message}")


@dataclass(frozen=True)
class LogReport:
    """What :func:`verify_log` walked: statements, chained events, and events older than the chain."""

    statements: int
    links: int
    unchained: int


def _at(value: dt.datetime) -> str:
    """The event time as the warehouse holds it, in UTC to the microsecond (TIMESTAMPTZ)."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    statement_id: str,
    seq: int,
    prev: str,
    event_no: int,
    finding_id: str,
    event: str,
    actor: str,
    at: dt.datetime,
    state_after: str,
    detail: str,
) -> bytes:
    """The bytes a link's sha256 is taken over: every column of the event, its place and its predecessor."""
    return canonical_json(
        {
            "statement": statement_id,
            "seq": seq,
            "prev": prev,
            "event_no": event_no,
            "finding": finding_id,
            "event": event,
            "actor": actor,
            "at": _at(at),
            "state_after": state_after,
            "detail": detail,
        }
    )


def _digest(row: tuple[object, ...], seq: int, prev: str) -> str:
    event_no, finding_id, statement_id, event, actor, at, state_after, detail = row[:8]
    assert isinstance(at, dt.datetime)  # TIMESTAMPTZ reads as an aware datetime
    body = canonical(
        statement_id=str(statement_id),
        seq=seq,
        prev=prev,
        event_no=int(str(event_no)),
        finding_id=str(finding_id),
        event=str(event),
        actor=str(actor),
        at=at,
        state_after=str(state_after),
        detail=str(detail),
    )
    return hashlib.sha256(body).hexdigest()


def link(con: duckdb.DuckDBPyConnection, event_no: int) -> None:
    """Chain the event just inserted to its statement's head; call inside the event's transaction.

    The event is read back as stored (the time as TIMESTAMPTZ keeps it), so the digest written is the
    digest :func:`verify_log` recomputes."""
    row = con.execute(
        f"SELECT {_EVENT_COLUMNS} FROM review_event e JOIN review_finding f USING (finding_id) "
        "WHERE e.event_no = ?",
        [event_no],
    ).fetchone()
    assert row is not None  # the caller inserted it in this transaction
    statement_id = str(row[2])
    head = con.execute(
        "SELECT length, head_sha256 FROM review_chain WHERE statement_id = ?", [statement_id]
    ).fetchone()
    seq, prev = (1, GENESIS) if head is None else (int(head[0]) + 1, str(head[1]))
    digest = _digest(row, seq, prev)
    con.execute(
        "UPDATE review_event SET chain_seq = ?, prev_sha256 = ?, sha256 = ? WHERE event_no = ?",
        [seq, prev, digest, event_no],
    )
    if head is None:
        con.execute("INSERT INTO review_chain VALUES (?, ?, ?)", [statement_id, seq, digest])
    else:
        con.execute(
            "UPDATE review_chain SET length = ?, head_sha256 = ? WHERE statement_id = ?",
            [seq, digest, statement_id],
        )


def _describe(row: tuple[object, ...]) -> str:
    return f"event {row[0]} ({row[3]} of {row[1]} by {row[4]} at {row[5]})"


def _walk(statement_id: str, rows: list[tuple[object, ...]], head: tuple[int, str] | None) -> tuple[int, int]:
    """Check one statement's chain; returns (links, unchained events); raises at the first broken link."""
    expected, prev, unchained = 1, GENESIS, 0
    stored = {int(str(r[8])) for r in rows if r[8] is not None}
    for row in rows:
        seq, row_prev, row_sha = row[8], row[9], row[10]
        if seq is None or row_sha is None or row_prev is None:
            if expected > 1:
                raise ReviewLogBroken(
                    statement_id,
                    f"{_describe(row)} has no link after link {expected - 1}; it was inserted outside "
                    "ecocluster",
                )
            unchained += 1  # written before migration 025
            continue
        seq = int(str(seq))
        if seq < expected or (seq > expected and expected in stored):
            raise ReviewLogBroken(
                statement_id,
                f"{_describe(row)} is link {seq} where link {expected} belongs; events were reordered",
            )
        if seq > expected:
            missing = f"link {expected}" if seq == expected + 1 else f"links {expected}-{seq - 1}"
            raise ReviewLogBroken(
                statement_id, f"{missing} before {_describe(row)} is missing; an event was deleted"
            )
        if row_prev != prev:
            raise ReviewLogBroken(
                statement_id,
                f"{_describe(row)} (link {seq}) points to {str(row_prev)[:12]}…, the link before it is "
                f"{prev[:12]}…; events were replaced or reordered",
            )
        if row_sha != _digest(row, seq, prev):
            raise ReviewLogBroken(
                statement_id,
                f"{_describe(row)} (link {seq}) does not match its hash; it was edited after it was written",
            )
        prev, expected = str(row_sha), expected + 1
    links = expected - 1
    if head is None and links:
        raise ReviewLogBroken(
            statement_id, f"{links} linked event(s) but no chain head; the head was deleted"
        )
    if head is not None and head[0] != links:
        if head[0] > links:
            cut = f"link {links + 1}" if head[0] == links + 1 else f"links {links + 1}-{head[0]}"
            raise ReviewLogBroken(
                statement_id, f"the chain has {head[0]} links, {links} are stored: {cut} deleted at the end"
            )
        raise ReviewLogBroken(statement_id, f"the chain head says {head[0]} links, {links} are stored")
    if head is not None and head[1] != prev:
        raise ReviewLogBroken(
            statement_id, f"the chain head {head[1][:12]}… is not its last link {prev[:12]}…"
        )
    return links, unchained


def verify_log(con: duckdb.DuckDBPyConnection, statement_ids: Iterable[str] | None = None) -> LogReport:
    """Walk the chains of ``statement_ids`` (all statements with a review trail when None); raises
    :class:`ReviewLogBroken` naming the first broken link."""
    wanted = None if statement_ids is None else sorted(set(statement_ids))
    if wanted == []:
        return LogReport(0, 0, 0)
    # All chains: every event, so that one whose finding is gone is seen too; some: only theirs (an
    # approval reads the member's few chains, not the whole trail).
    some = wanted is not None
    args = [wanted] if some else []
    where = "WHERE list_contains(?, statement_id)" if some else ""
    heads = {
        str(r[0]): (int(r[1]), str(r[2]))
        for r in con.execute(
            f"SELECT statement_id, length, head_sha256 FROM review_chain {where}", args
        ).fetchall()
    }
    events = (
        "JOIN review_finding f USING (finding_id) WHERE list_contains(?, f.statement_id)"
        if some
        else "LEFT JOIN review_finding f USING (finding_id)"
    )
    rows = con.execute(
        f"SELECT {_EVENT_COLUMNS} FROM review_event e {events} ORDER BY e.event_no", args
    ).fetchall()
    by_statement: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        if row[2] is None:
            raise ReviewLogBroken("(unknown)", f"{_describe(row)} names no finding that exists")
        by_statement.setdefault(str(row[2]), []).append(row)
    names = wanted if wanted is not None else sorted(set(by_statement) | set(heads))
    links = unchained = 0
    for statement_id in names:
        n, old = _walk(statement_id, by_statement.get(statement_id, []), heads.get(statement_id))
        links, unchained = links + n, unchained + old
    return LogReport(len(names), links, unchained)


def broken_link(con: duckdb.DuckDBPyConnection, member_id: str, year: int) -> str | None:
    """Why the review trail of the member's cycle does not verify, or None (the approval's context)."""
    statements = [
        str(r[0])
        for r in con.execute(
            "SELECT DISTINCT statement_id FROM review_finding WHERE member_id = ? AND reporting_year = ?",
            [member_id, year],
        ).fetchall()
    ]
    try:
        verify_log(con, statements)
    except ReviewLogBroken as broken:
        return str(broken)
    return None
