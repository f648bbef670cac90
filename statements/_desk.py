"""What the portal's desks read about statements: a cluster's current ones, and those awaiting a verifier.

"Current" is the newest render of a statement no newer draft supersedes. Lists are limited and
offset in the database, never paginated in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from ecocluster.statements._register import _COLUMNS, StatementStatus, StatementVersion

PAGE_SIZE = 50
_NOT_SUPERSEDED = "NOT EXISTS (SELECT 1 FROM statement n WHERE n.supersedes = s.statement_id)"


def cluster_statements(
    con: duckdb.DuckDBPyConnection, cluster_id: str, *, page: int = 0, page_size: int = PAGE_SIZE
) -> list[StatementVersion]:
    """One page of the cluster's current statements (members' and the joint one), newest year first."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM current_statement s WHERE cluster_id = ? AND {_NOT_SUPERSEDED} "
        "ORDER BY reporting_year DESC, subject = 'cluster' DESC, member_id, language LIMIT ? OFFSET ?",
        [cluster_id, page_size, max(page, 0) * page_size],
    ).fetchall()
    return [StatementVersion.of_row(r) for r in rows]


def member_statements(
    con: duckdb.DuckDBPyConnection, member_id: str, *, page_size: int = PAGE_SIZE
) -> list[StatementVersion]:
    """The member's current statements (each language), newest year first: the member desk's drafts."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM current_statement s WHERE member_id = ? AND {_NOT_SUPERSEDED} "
        "ORDER BY reporting_year DESC, language LIMIT ?",
        [member_id, page_size],
    ).fetchall()
    return [StatementVersion.of_row(r) for r in rows]


def awaiting_verification(
    con: duckdb.DuckDBPyConnection, clusters: Sequence[str], *, page: int = 0, page_size: int = PAGE_SIZE
) -> list[StatementVersion]:
    """One page of the member statements sent to verification (status submitted) in ``clusters``,
    oldest first: the verifier's queue."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM current_statement s WHERE status = 'submitted' AND subject = 'member' "
        f"AND list_contains(?, cluster_id) AND {_NOT_SUPERSEDED} "
        "ORDER BY created_at, statement_id LIMIT ? OFFSET ?",
        [list(clusters), page_size, max(page, 0) * page_size],
    ).fetchall()
    return [StatementVersion.of_row(r) for r in rows]


def member_statuses(con: duckdb.DuckDBPyConnection, cluster_id: str) -> dict[str, StatementStatus]:
    """Each member's current statement status for its latest drafted year (a member with several
    languages shows the most advanced one)."""
    rows = con.execute(
        f"SELECT member_id, status FROM current_statement s WHERE cluster_id = ? AND subject = 'member' "
        f"AND {_NOT_SUPERSEDED} QUALIFY row_number() OVER (PARTITION "
        "BY member_id ORDER BY reporting_year DESC, "
        "CASE status WHEN 'validated' THEN 0 WHEN 'submitted' THEN 1 WHEN 'rejected' THEN 2 ELSE 3 END) = 1",
        [cluster_id],
    ).fetchall()
    return {r[0]: StatementStatus(r[1]) for r in rows}
