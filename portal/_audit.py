"""The append-only audit log: every state-changing action, each entry chained to the one before.

``hash = sha256(prev_hash || canonical JSON of the entry)``; the first entry's ``prev_hash`` is 64
zeros. An entry about an object in a cluster or a country carries that scope (chained with it), so
a coordinator or a competent body reads its own scope's entries, a page at a time, in the database.
Triggers refuse UPDATE and DELETE through SQLite; anyone who edits the file by other means breaks the
chain, and :func:`verify_audit` names the first entry that no longer matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from ecocluster.core.errors import EcoclusterError

GENESIS = "0" * 64
_COLUMNS = "seq, at, who, role, action, object, outcome, cluster_id, country"


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
    cluster_id: str | None = None  # the scope of the object acted on, when it has one
    country: str | None = None


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    fields: list[object] = [
        entry.seq,
        entry.at,
        entry.who,
        entry.role,
        entry.action,
        entry.object,
        entry.outcome,
    ]
    if entry.cluster_id is not None or entry.country is not None:  # entries without a scope hash as before
        fields += [entry.cluster_id, entry.country]
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(
    con: sqlite3.Connection,
    *,
    who: str,
    role: str,
    action: str,
    obj: str,
    outcome: str,
    cluster_id: str | None = None,
    country: str | None = None,
) -> AuditEntry:
    """Append one entry; the read of the previous hash and the insert are one immediate transaction."""
    con.execute("BEGIN IMMEDIATE")
    try:
        last = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        entry = AuditEntry(seq, at, who, role, action, obj, outcome, cluster_id, country)
        con.execute(
            f"INSERT INTO audit ({_COLUMNS}, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, at, who, role, action, obj, outcome, cluster_id, country, prev, _digest(prev, entry)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return entry


def verify_audit(con: sqlite3.Connection) -> int:
    """The number of entries when every link holds; raises :class:`AuditBroken` at the first that does not."""
    prev, expected_seq = GENESIS, 1
    for row in con.execute(f"SELECT {_COLUMNS}, prev_hash, hash FROM audit ORDER BY seq"):
        entry = AuditEntry(*row[:9])
        if entry.seq != expected_seq:
            raise AuditBroken(
                f"audit log: entry {expected_seq} is missing (next stored entry is {entry.seq}); "
                "the log was cut — restore it from a backup"
            )
        if row[9] != prev:
            raise AuditBroken(
                f"audit log: entry {entry.seq} points to {row[9][:12]}…, expected the previous "
                f"entry's hash {prev[:12]}…; entries were removed or reordered"
            )
        if row[10] != _digest(prev, entry):
            raise AuditBroken(
                f"audit log: entry {entry.seq} ({entry.action} by {entry.who} at {entry.at}) does not "
                "match its hash; it was edited after it was written"
            )
        prev, expected_seq = row[10], expected_seq + 1
    return expected_seq - 1


def entries(
    con: sqlite3.Connection,
    limit: int = 50,
    offset: int = 0,
    *,
    cluster_id: str | None = None,
    clusters: Sequence[str] = (),
    country: str | None = None,
) -> list[AuditEntry]:
    """A page of the log, newest first: all of it, or the entries about one cluster, or about a
    country (its own ``country`` or one of its ``clusters``)."""
    where, args = "true", []
    if cluster_id is not None:
        where, args = "cluster_id = ?", [cluster_id]
    elif country is not None:
        where = "country = ? OR cluster_id IN (SELECT value FROM json_each(?))"
        args = [country, json.dumps(list(clusters))]
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM audit WHERE {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    return [AuditEntry(*r) for r in rows]
