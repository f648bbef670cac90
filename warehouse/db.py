"""Opening the DuckDB warehouse and bringing its schema up to date.

Migrations are numbered SQL files applied in order, each in its own transaction, and recorded
in ``schema_migration`` so that opening an older warehouse upgrades it in place and opening a
current one costs one query.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.errors import ConfigurationError, WarehouseBusy

DEFAULT_LOCK_WAIT_SECONDS = 60.0
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this warehouse has not seen yet; returns their names."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    applied = []
    for version, name, sql in _migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migration VALUES (?, ?, current_timestamp)", [version, name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def lock_wait_seconds() -> float:
    """How long to queue behind another process's lock: ``ECOCLUSTER_LOCK_WAIT_SECONDS``, default 60."""
    try:
        return max(0.0, float(os.environ.get("ECOCLUSTER_LOCK_WAIT_SECONDS", DEFAULT_LOCK_WAIT_SECONDS)))
    except ValueError as e:
        raise ConfigurationError("ECOCLUSTER_LOCK_WAIT_SECONDS must be a number of seconds") from e


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, waiting a bounded time for another process's lock.

    DuckDB allows one process per file (even readers are refused while a writer holds it), and a
    cycle opens the warehouse briefly per stage; so two runs at once (two reruns, a rerun during
    the scheduled cycle) take turns: each waits for the other's short hold instead of failing.
    Only a hold longer than :func:`lock_wait_seconds` becomes :class:`WarehouseBusy` (exit 75).
    """
    deadline = time.monotonic() + lock_wait_seconds()
    pause = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only and path.exists())
            break
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() + pause > deadline:
                raise WarehouseBusy(
                    f"{path} is in use by another ecocluster process (waited {lock_wait_seconds():.0f} s); "
                    "wait for it to finish (or stop it) and run the command again"
                ) from e
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
    if not read_only:
        migrate(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: a failed stage leaves the warehouse exactly as it found it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]],
                *, replace: bool = False) -> None:
    """Insert Python rows through one Arrow scan: DuckDB's executemany costs milliseconds per row."""
    if not rows:
        return
    batch = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    con.register("_insert_rows", batch)
    try:
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        con.execute(f"{verb} INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _insert_rows")
    finally:
        con.unregister("_insert_rows")
