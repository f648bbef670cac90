"""Objects the pipeline wrote and reads back, pinned to the version it wrote (``stored_object``).

Anyone with the bucket credentials can put a newer version of an approval or a package, or hide it
behind a delete marker; Object Lock only keeps the old version from being deleted. The pipeline
therefore records what each put returned (version id and SHA-256, in the same transaction as the
approval or package row that points at it) and reads exactly that back: an overwrite or a delete
marker changes nothing it sees, and altered bytes raise :class:`ecocluster.core.errors.StoredObjectChanged`.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from ecocluster.core.store.interface import ObjectStore, StoredObject


def record(con: duckdb.DuckDBPyConnection, *stored: StoredObject) -> None:
    """Pin each object to the version just written; a rerun that wrote the same bytes keeps the first pin."""
    for s in stored:
        con.execute(
            "INSERT INTO stored_object VALUES (?, ?, ?, ?, current_timestamp) ON CONFLICT DO NOTHING",
            [s.key, s.version_id, s.sha256, s.size],
        )


def read(con: duckdb.DuckDBPyConnection, store: ObjectStore, key: str) -> bytes:
    """The bytes written under ``key``, as pinned; a key recorded before pins existed (migration 010)
    is read unpinned, as it always was."""
    pin = con.execute("SELECT version_id, sha256 FROM stored_object WHERE object_key = ?", [key]).fetchone()
    if pin is None:
        return store.get(key)
    return store.get(key, version_id=pin[0], sha256=pin[1])


def keys_under(con: duckdb.DuckDBPyConnection, store: ObjectStore, prefix: str) -> list[str]:
    """Every key under ``prefix``: the ones the store lists and the pinned ones a delete marker
    hides from the listing (sorted)."""
    pinned = {
        row[0]
        for row in con.execute(
            "SELECT object_key FROM stored_object WHERE starts_with(object_key, ?)", [prefix]
        ).fetchall()
    }
    return sorted(pinned.union(store.list(prefix)))


def under(con: duckdb.DuckDBPyConnection, store: ObjectStore, prefix: str) -> Iterator[tuple[str, bytes]]:
    """Every object under ``prefix`` (:func:`keys_under`), each read pinned when it was recorded."""
    for key in keys_under(con, store, prefix):
        yield key, read(con, store, key)
