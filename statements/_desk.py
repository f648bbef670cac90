"""What the portal's desks read about statements: a cluster's current ones, and those awaiting a verifier.

"Current" is the newest render of a statement no newer draft supersedes. Every query here names
its clusters or member before the newest render is picked (all renders of a statement share its
subject, member and cluster, and a newer draft supersedes within the same subject), so a page
reads its own cluster's rows, not the ``current_statement`` view's window over every statement of
the population. Lists are limited and offset in the database, never paginated in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from ecocluster.statements._register import _COLUMNS, StatementStatus, StatementVersion

PAGE_SIZE = 50
_NEWEST = "QUALIFY row_number() OVER (PARTITION BY statement_id ORDER BY version DESC) = 1"


def _current(scope: str) -> str:
    """The current statements within ``scope`` (a condition on the columns of ``statement`` alias
    ``{t}``, the same for every render of a statement and for the draft that supersedes it), as a
    subquery ``s``."""
    return (
        f"(SELECT * FROM statement s WHERE {scope.format(t='s')} AND NOT EXISTS (SELECT 1 FROM "
        f"statement n WHERE {scope.format(t='n')} AND n.supersedes = s.statement_id) {_NEWEST}) s"
    )


def cluster_statements(
    con: duckdb.DuckDBPyConnection, cluster_id: str, *, page: int = 0, page_size: int = PAGE_SIZE
) -> list[StatementVersion]:
    """One page of the cluster's current statements (members' and the joint one), newest year first."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM {_current('{t}.cluster_id = $cluster')} "
        "ORDER BY reporting_year DESC, subject = 'cluster' DESC, member_id, language "
        "LIMIT $limit OFFSET $offset",
        {"cluster": cluster_id, "limit": page_size, "offset": max(page, 0) * page_size},
    ).fetchall()
    return [StatementVersion.of_row(r) for r in rows]


def member_statements(
    con: duckdb.DuckDBPyConnection, member_id: str, *, page_size: int = PAGE_SIZE
) -> list[StatementVersion]:
    """The member's current statements (each language), newest year first: the member desk's drafts."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM {_current('{t}.member_id = $member')} "
        "ORDER BY reporting_year DESC, language LIMIT $limit",
        {"member": member_id, "limit": page_size},
    ).fetchall()
    return [StatementVersion.of_row(r) for r in rows]


def awaiting_verification(
    con: duckdb.DuckDBPyConnection, clusters: Sequence[str], *, page: int = 0, page_size: int = PAGE_SIZE
) -> list[StatementVersion]:
    """One page of the member statements sent to verification (status submitted) in ``clusters``,
    oldest first: the verifier's queue."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM {_current('list_contains($clusters, {t}.cluster_id)')} "
        "WHERE status = 'submitted' AND subject = 'member' "
        "ORDER BY created_at, statement_id LIMIT $limit OFFSET $offset",
        {"clusters": list(clusters), "limit": page_size, "offset": max(page, 0) * page_size},
    ).fetchall()
    return [StatementVersion.of_row(r) for r in rows]


def member_statuses(con: duckdb.DuckDBPyConnection, cluster_id: str) -> dict[str, StatementStatus]:
    """Each member's current statement status for its latest drafted year (a member with several
    languages shows the most advanced one)."""
    rows = con.execute(
        f"SELECT member_id, status FROM {_current('{t}.cluster_id = $cluster')} WHERE subject = 'member' "
        "QUALIFY row_number() OVER (PARTITION BY member_id ORDER BY reporting_year DESC, "
        "CASE status WHEN 'validated' THEN 0 WHEN 'submitted' THEN 1 WHEN 'rejected' THEN 2 ELSE 3 END) = 1",
        {"cluster": cluster_id},
    ).fetchall()
    return {r[0]: StatementStatus(r[1]) for r in rows}
