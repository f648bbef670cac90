"""A content hash of the warehouse state some members' stage reads: the key Prefect caches results by.

A rerun after any relevant change misses the cache; one after none hits it. The warehouse's
identity (when it was created) is part of it, so a rebuilt warehouse never reuses results of
the old one.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def cluster_members(con: duckdb.DuckDBPyConnection, clusters: Sequence[str]) -> list[str]:
    """Every member of ``clusters``, due or not."""
    rows = con.execute(
        "SELECT member_id FROM member WHERE list_contains($c, cluster_id) ORDER BY member_id",
        {"c": list(clusters)},
    ).fetchall()
    return [r[0] for r in rows]


def state_digest(
    con: duckdb.DuckDBPyConnection, year: int, members: Sequence[str], tables: Sequence[str] = ()
) -> str:
    """SHA-256 over the warehouse identity, the members' roster rows, their current submissions of
    ``year`` and their rows of ``year`` in ``tables`` (what earlier stages wrote: ``check_member``,
    ``current_statement``…; a table not created yet counts as empty)."""
    parts = [
        "SELECT NULL AS member_id, CAST(applied_at AS VARCHAR) AS v FROM schema_migration WHERE version = 1",
        "SELECT member_id, roster_sha256 FROM member",
        "SELECT member_id, submission_id || section FROM current_part WHERE reporting_year = $year",
    ]
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    parts += [
        f"SELECT member_id, md5(CAST(t AS VARCHAR)) FROM {name} t WHERE reporting_year = $year"
        for name in tables
        if name in present
    ]
    sql = (
        "SELECT sha256(string_agg(coalesce(member_id, '') || ':' || v, ',' ORDER BY member_id, v)) "
        f"FROM ({' UNION ALL '.join(parts)}) WHERE member_id IS NULL OR list_contains($members, member_id)"
    )
    row = con.execute(sql, {"year": year, "members": list(members)}).fetchone()
    return str(row[0]) if row else ""
