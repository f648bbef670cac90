"""A first load partitioned by cluster: parallel writers, each to its own staging file, merged set-wise.

DuckDB allows one writer per file, so workers that ingest clusters at the same time each write a
staging warehouse of their own (same schema, same ingestion code, no contention), and one short
transaction then copies every staged table into the warehouse with ``INSERT ... SELECT``.
Supersession is decided per (member, year, section), so a cluster's files must all go to the same
partition; and because a staged file never saw the warehouse's own submissions, merging is only
allowed for members that have no current submission there yet for the staged (year, section):
later corrections go through ``ecocluster ingest`` as usual. Arrival order (``seq``) is renumbered
from the warehouse's own sequence, so a file ingested later is still newer than every merged one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ecocluster.core.errors import EcoclusterError
from ecocluster.warehouse.db import connect, transaction
from ecocluster.warehouse.ingest import IngestReport, ingest_paths
from ecocluster.warehouse.sections import SECTIONS

if TYPE_CHECKING:
    from ecocluster.core.store import ObjectStore

# Every table ingestion writes, parents first. submission_part is copied apart (seq renumbered).
ROSTER_TABLES = ("cluster", "cluster_programme", "member", "site", "cycle")
LOADED_TABLES = (*ROSTER_TABLES, "submission", "rejected_file", *(s.table for s in SECTIONS))


class MergeRefused(EcoclusterError):
    """A staging file overlaps what the warehouse already holds; nothing was merged."""


def partitions(folder: Path) -> list[list[Path]]:
    """One partition per cluster folder of a population; loose top-level files form their own."""
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir())
    loose = sorted(p for p in folder.iterdir() if p.is_file())
    return [[p] for p in subfolders] + ([loose] if loose else [])


def stage(paths: Sequence[Path], staging: Path, store: ObjectStore) -> IngestReport:
    """Ingest ``paths`` into the staging warehouse ``staging`` (created and migrated if absent)."""
    con = connect(staging)
    try:
        return ingest_paths(con, store, paths)
    finally:
        con.close()


def _overlap(con: duckdb.DuckDBPyConnection, stg: str) -> list[tuple[str, int, str]]:
    return con.execute(
        f"SELECT DISTINCT p.member_id, p.reporting_year, p.section FROM {stg}.submission_part p"
        " JOIN main.submission_part w USING (member_id, reporting_year, section)"
        " WHERE w.superseded_by IS NULL ORDER BY ALL LIMIT 5"
    ).fetchall()


def _merge_one(con: duckdb.DuckDBPyConnection, stg: str, staging: Path) -> None:
    overlap = _overlap(con, stg)
    if overlap:
        shown = ", ".join(f"{m} {y} {s}" for m, y, s in overlap)
        raise MergeRefused(
            f"{staging}: the warehouse already holds current submissions for {shown}...; a partitioned "
            "load is for members not loaded yet: ingest these files with `ecocluster ingest` instead"
        )
    for table in LOADED_TABLES:
        con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM {stg}.{table}")
    # Arrival order inside the partition is kept; the warehouse's sequence is advanced past it.
    counted = con.execute(f"SELECT count(*) FROM {stg}.submission_part").fetchone()
    assert counted is not None  # an aggregate without GROUP BY answers one row
    n = counted[0]
    if n:
        advanced = con.execute("SELECT max(nextval('main.submission_seq')) FROM range(?)", [n]).fetchone()
        assert advanced is not None
        base = advanced[0]
        con.execute(
            "INSERT INTO main.submission_part BY NAME SELECT * REPLACE"
            f" (? - ? + dense_rank() OVER (ORDER BY seq) AS seq) FROM {stg}.submission_part",
            [base, n],
        )


def merge(con: duckdb.DuckDBPyConnection, stagings: Sequence[Path]) -> None:
    """Copy every staging warehouse into ``con``'s warehouse in one transaction, all or nothing."""
    aliases = [f"stg{i}" for i in range(len(stagings))]
    try:
        for alias, staging in zip(aliases, stagings, strict=True):  # DuckDB attaches outside transactions
            con.execute(f"ATTACH '{staging}' AS {alias} (READ_ONLY)")
        with transaction(con):
            for alias, staging in zip(aliases, stagings, strict=True):
                _merge_one(con, alias, staging)
    except duckdb.ConstraintException as e:
        raise MergeRefused(
            f"merging {len(stagings)} staging files: two partitions (or a partition and the warehouse) "
            f"hold the same row ({e}); give each cluster's files to one partition only"
        ) from e
    finally:
        for alias in aliases:
            con.execute(f"DETACH DATABASE IF EXISTS {alias}")
