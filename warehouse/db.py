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
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from ecocluster.core.config import CONFIG_NAME, MEMORY_SIZE, Config, WarehouseConfig
from ecocluster.core.errors import ConfigurationError, WarehouseBusy
from ecocluster.warehouse._writers import waiting_writer

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("ecocluster.warehouse.migrations").iterdir():
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
            con.execute("INSERT INTO schema_migration VALUES (?, ?, current_timestamp)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    if applied:
        # DuckDB 1.4.4 cannot replay some DDL from its write-ahead log (ALTER TABLE ADD COLUMN on a
        # table with a nextval() default, as migration 025 does: "GetDefaultDatabase with no default
        # database set"), so a process killed before its next checkpoint would leave a warehouse
        # nobody can open. Written to the file now, the migrations never need replaying.
        con.execute("CHECKPOINT")
    return applied


@dataclass(frozen=True)
class Settings:
    """How much of the machine one process's warehouse may use, from ``[warehouse]`` in the home's
    ``ecocluster.toml`` (the env variables win, so ops can change a run without editing the home).

    DuckDB's own default memory limit is 80 % of RAM: on a 24 GiB machine a whole-year check
    grew to 12 GiB instead of spilling. A limit makes large sorts and aggregates spill to
    ``<home>/tmp`` (DuckDB creates it on the first spill), on the home's disk, not the system's.
    """

    memory_limit: str = WarehouseConfig.memory_limit
    threads: int | None = None  # None: DuckDB's default, one per core
    lock_wait_seconds: float = WarehouseConfig.lock_wait_seconds

    @classmethod
    def of(cls, config: Path) -> Settings:
        """The settings for the warehouse next to ``config``; an absent file means the defaults."""
        section = Config.read(config).warehouse
        env_memory = os.environ.get("ECOCLUSTER_MEMORY_LIMIT")
        if env_memory and not MEMORY_SIZE.match(env_memory):
            raise ConfigurationError(
                f"ECOCLUSTER_MEMORY_LIMIT must be a size such as '3GB' or '2.5GiB', got {env_memory!r}"
            )
        memory = env_memory or section.memory_limit
        return cls(memory.strip(), section.threads, _lock_wait(section.lock_wait_seconds))


def _lock_wait(configured: float) -> float:
    """``ECOCLUSTER_LOCK_WAIT_SECONDS`` wins over ``[warehouse] lock_wait_seconds``; default 60."""
    env = os.environ.get("ECOCLUSTER_LOCK_WAIT_SECONDS")
    if env is None:
        return configured
    try:
        return max(0.0, float(env))
    except ValueError as e:
        raise ConfigurationError(
            f"ECOCLUSTER_LOCK_WAIT_SECONDS must be a number of seconds, got {env!r}"
        ) from e


def connect(path: Path, *, read_only: bool = False, ordered: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file with the home's :class:`Settings`, waiting a bounded time for
    another process's lock.

    DuckDB allows one process per file (even readers are refused while a writer holds it), and a
    cycle opens the warehouse briefly per stage; so two runs at once (two reruns, a rerun during
    the scheduled cycle) take turns: each waits for the other's short hold instead of failing.
    Only a hold longer than the lock wait becomes :class:`WarehouseBusy` (exit 75).

    ``ordered=False`` lets DuckDB return rows in any order (``preserve_insertion_order``), which
    spares it buffering large results in scan order; only for callers whose every query that
    needs an order says ORDER BY. The settings are DuckDB's per open file, so they hold for every
    connection of this process to ``path`` until it is closed.
    """
    settings = Settings.of(path.parent / CONFIG_NAME)
    writing = not (read_only and path.exists())
    with waiting_writer(path) if writing else nullcontext():
        con = _open(path, writing, settings.lock_wait_seconds)
    try:
        con.execute(f"SET memory_limit = '{settings.memory_limit}'")
        spills = str(path.parent / "tmp")
        # Set once per open file: DuckDB refuses to switch it after a spill, even to itself.
        if con.execute("SELECT current_setting('temp_directory')").fetchone() != (spills,):
            con.execute(f"SET temp_directory = '{_quoted(spills)}'")
        con.execute(f"SET preserve_insertion_order = {'true' if ordered else 'false'}")
        if settings.threads is not None:
            con.execute(f"SET threads = {settings.threads}")
    except duckdb.Error as e:
        con.close()
        raise ConfigurationError(f"{path.parent / CONFIG_NAME}: [warehouse] refused by DuckDB: {e}") from e
    if not read_only:
        migrate(con)
    return con


# How long a connection waits for another connection of this process in the other mode (see _open).
IN_PROCESS_WAIT_S = 5.0


def _open(path: Path, writing: bool, lock_wait: float) -> duckdb.DuckDBPyConnection:
    """DuckDB's connection, retried with back-off while another process holds the file (or, in this
    process, a connection of the other mode: a reader that has not yet let a waiting writer in)."""
    started = time.monotonic()
    pause = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=not writing)
        except (duckdb.IOException, duckdb.ConnectionException) as e:
            text = str(e).lower()
            if "different configuration" in text:
                # In this process: a shared reader lets a waiting writer in within moments, but a
                # connection its own caller holds never goes: after a short wait, DuckDB's error
                # stands, for the caller to name (e.g. the checks' "close it").
                if time.monotonic() - started + pause > min(lock_wait, IN_PROCESS_WAIT_S):
                    raise
            elif "lock" not in text:
                raise
            if time.monotonic() - started + pause > lock_wait:
                raise WarehouseBusy(
                    f"{path} is in use by another ecocluster process "
                    f"(waited {lock_wait:.0f} s); "
                    "wait for it to finish (or stop it) and run the command again"
                ) from e
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def out_of_memory(path: Path | None, error: duckdb.OutOfMemoryException) -> ConfigurationError:
    """The actionable form of a query that needed more than the memory limit and could not spill
    (``path`` None: a caller that does not know which warehouse, such as the CLI's last resort)."""
    config = path.parent / CONFIG_NAME if path else None
    limit = f" {Settings.of(config).memory_limit}" if config else ""
    return ConfigurationError(
        f"{path or 'the warehouse'}: a query needed more memory than DuckDB's memory_limit{limit} "
        f"({str(error).splitlines()[0]}); raise [warehouse] "
        f"memory_limit in {config or 'the home’s ' + CONFIG_NAME} "
        "or set ECOCLUSTER_MEMORY_LIMIT (the machine's free memory allowing), and run the command again"
    )


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


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    replace: bool = False,
) -> None:
    """Insert Python rows through one Arrow scan: DuckDB's executemany costs milliseconds per row."""
    if not rows:
        return
    # here, not at the top: a light command (a rerun handed to the runner) never needs it
    import pyarrow as pa

    batch = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    con.register("_insert_rows", batch)
    try:
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        con.execute(
            f"{verb} INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _insert_rows"
        )
    finally:
        con.unregister("_insert_rows")
