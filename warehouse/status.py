"""What the coordinator asks first: who has submitted what, and which files were refused."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from warehouse.errors import RowError
from warehouse.sections import SECTIONS

ALL_SECTIONS = len(SECTIONS)
# Without these a statement cannot be drafted; the other sections may be legitimately empty
# (no permits, no nonconformities) and are not required.
REQUIRED_SECTIONS = ("profile", "indicators")


@dataclass(frozen=True)
class ClusterStatus:
    cluster_id: str
    name: str
    members: int
    submitted: int  # members with every section current for the year
    partial: int
    missing: int
    rejected_files: int


@dataclass(frozen=True)
class MemberStatus:
    member_id: str
    legal_name: str
    sections: int
    required: int  # how many of REQUIRED_SECTIONS are current
    last_received: str | None
    rejected_files: int

    @property
    def state(self) -> str:
        if self.required == len(REQUIRED_SECTIONS):
            return "submitted"
        return "partial" if self.sections else ("rejected" if self.rejected_files else "missing")


def latest_year(con: duckdb.DuckDBPyConnection) -> int | None:
    row = con.execute("SELECT max(reporting_year) FROM current_part").fetchone()
    return row[0] if row else None


_REQUIRED_SQL = ", ".join(f"'{name}'" for name in REQUIRED_SECTIONS)
_PER_MEMBER = f"""
    SELECT m.cluster_id, m.member_id, m.legal_name,
           count(DISTINCT p.section) AS sections,
           count(DISTINCT p.section) FILTER (p.section IN ({_REQUIRED_SQL})) AS required,
           strftime(max(s.received_at), '%Y-%m-%d %H:%M') AS last_received,
           (SELECT count(*) FROM rejected_file r WHERE r.member_id = m.member_id) AS rejected
    FROM member m
    LEFT JOIN current_part p ON p.member_id = m.member_id AND p.reporting_year = $year
    LEFT JOIN submission s ON s.submission_id = p.submission_id
    WHERE $cluster IS NULL OR m.cluster_id = $cluster
    GROUP BY ALL
"""


def cluster_status(con: duckdb.DuckDBPyConnection, year: int) -> list[ClusterStatus]:
    rows = con.execute(
        f"SELECT c.cluster_id, c.name, count(x.member_id), count(*) FILTER (x.required = {len(REQUIRED_SECTIONS)}),"
        f" count(*) FILTER (x.sections > 0 AND x.required < {len(REQUIRED_SECTIONS)}), count(*) FILTER (x.sections = 0),"
        f" sum(x.rejected) FROM cluster c JOIN ({_PER_MEMBER}) x USING (cluster_id) GROUP BY ALL ORDER BY 1",
        {"year": year, "cluster": None}).fetchall()
    return [ClusterStatus(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6] or 0)) for r in rows]


def member_status(con: duckdb.DuckDBPyConnection, year: int, cluster_id: str) -> list[MemberStatus]:
    rows = con.execute(f"SELECT member_id, legal_name, sections, required, last_received, rejected FROM ({_PER_MEMBER}) "
                       "ORDER BY member_id", {"year": year, "cluster": cluster_id}).fetchall()
    return [MemberStatus(*r) for r in rows]


def rejected_files(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[tuple[str, str, list[RowError]]]:
    """(file, rejected at, errors) of refused files not since replaced by an accepted one."""
    out = []
    for name, at, errors in con.execute("SELECT filename, strftime(rejected_at, '%Y-%m-%d %H:%M'), errors "
                                        "FROM rejected_file ORDER BY rejected_at DESC, filename LIMIT ?",
                                        [limit]).fetchall():
        out.append((name, at, [RowError(name, e["reason"], e["part"], e["row"], e["column"], e["value"])
                               for e in json.loads(errors)]))
    return out
