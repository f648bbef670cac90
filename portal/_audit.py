"""The append-only audit log: every state-changing action, each entry chained to the one before.

``hash = sha256(prev_hash || canonical JSON of the entry)``; the first entry's ``prev_hash`` is 64
zeros. Triggers refuse UPDATE and DELETE through SQLite; anyone who edits the file by other means
breaks the chain, and :func:`verify_audit` names the first entry that no longer matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass

from ecocluster.core.errors import EcoclusterError

GENESIS = "0" * 64


class AuditBroken(EcoclusterError):
    """The audit chain does not verify: an entry was changed, removed or inserted."""

    exit_code = 3


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    who: str
    role: str
    action: str
    object: str
    outcome: str


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        [entry.seq, entry.at, entry.who, entry.role, entry.action, entry.object, entry.outcome],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(
    con: sqlite3.Connection, *, who: str, role: str, action: str, obj: str, outcome: str
) -> AuditEntry:
    """Append one entry; the read of the previous hash and the insert are one immediate transaction."""
    con.execute("BEGIN IMMEDIATE")
    try:
        last = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        entry = AuditEntry(
            seq, dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"), who, role, action, obj, outcome
        )
        con.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, entry.at, who, role, action, obj, outcome, prev, _digest(prev, entry)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return entry


def verify_audit(con: sqlite3.Connection) -> int:
    """The number of entries when every link holds; raises :class:`AuditBroken` at the first that does not."""
    prev, expected_seq = GENESIS, 1
    for row in con.execute(
        "SELECT seq, at, who, role, action, object, outcome, prev_hash, hash FROM audit ORDER BY seq"
    ):
        entry = AuditEntry(*row[:7])
        if entry.seq != expected_seq:
            raise AuditBroken(
                f"audit log: entry {expected_seq} is missing (next stored entry is {entry.seq}); "
                "the log was cut — restore it from a backup"
            )
        if row[7] != prev:
            raise AuditBroken(
                f"audit log: entry {entry.seq} points to {row[7][:12]}…, expected the previous "
                f"entry's hash {prev[:12]}…; entries were removed or reordered"
            )
        if row[8] != _digest(prev, entry):
            raise AuditBroken(
                f"audit log: entry {entry.seq} ({entry.action} by {entry.who} at {entry.at}) does not "
                "match its hash; it was edited after it was written"
            )
        prev, expected_seq = row[8], expected_seq + 1
    return expected_seq - 1


def entries(con: sqlite3.Connection, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
    """A page of the log, newest first."""
    rows = con.execute(
        "SELECT seq, at, who, role, action, object, outcome FROM audit ORDER BY seq DESC LIMIT ? OFFSET ?",
        [limit, offset],
    ).fetchall()
    return [AuditEntry(*r) for r in rows]
