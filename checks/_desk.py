"""What the coordinator's desk reads from the checks: each member's verdict and the cluster's findings.

Typed functions over ``check_member``/``check_result`` (this package's tables) so that no portal
page writes SQL; lists are limited and offset in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ecocluster.checks._store import Finding

PAGE_SIZE = 50

# Each member's latest checked year and its current run: the rows every question below starts from.
_LATEST = """
    SELECT v.member_id, v.reporting_year, v.run_id, v.n_blocking, v.n_warning
    FROM check_verdict v JOIN member m USING (member_id)
    WHERE m.cluster_id = $cluster
    QUALIFY row_number() OVER (PARTITION BY v.member_id ORDER BY v.reporting_year DESC) = 1
"""


@dataclass(frozen=True)
class Verdict:
    """A member's latest check: the year, and how many blocking and warning results it has."""

    reporting_year: int
    n_blocking: int
    n_warning: int

    @property
    def cleared(self) -> bool:
        return self.n_blocking == 0


@dataclass(frozen=True)
class MemberFinding:
    member_id: str
    finding: Finding


def cluster_verdicts(con: duckdb.DuckDBPyConnection, cluster_id: str) -> dict[str, Verdict]:
    """Each checked member of the cluster: its latest year's verdict (members never checked are absent)."""
    rows = con.execute(
        f"SELECT member_id, reporting_year, n_blocking, n_warning FROM ({_LATEST})", {"cluster": cluster_id}
    ).fetchall()
    return {r[0]: Verdict(r[1], r[2], r[3]) for r in rows}


def cluster_findings(
    con: duckdb.DuckDBPyConnection,
    cluster_id: str,
    *,
    severity: str | None = None,
    rule: str | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> list[MemberFinding]:
    """One page of the cluster's current check results (each member's latest checked year), blocking
    first, optionally of one severity or one rule."""
    rows = con.execute(
        "SELECT l.member_id, r.reporting_year, r.expectation, "
        "r.severity, r.indicator, r.source_row, r.observed, "
        f"r.expected, r.explanation FROM ({_LATEST}) l JOIN "
        "check_result r USING (run_id, member_id, reporting_year) "
        "WHERE ($severity IS NULL OR r.severity = $severity) AND ($rule IS NULL OR r.expectation = $rule) "
        "ORDER BY r.severity = 'blocking' DESC, l.member_id, r.expectation, r.indicator NULLS FIRST, "
        "r.source_row NULLS FIRST LIMIT $limit OFFSET $offset",
        {
            "cluster": cluster_id,
            "severity": severity,
            "rule": rule,
            "limit": page_size,
            "offset": max(page, 0) * page_size,
        },
    ).fetchall()
    return [MemberFinding(r[0], Finding.of_row(r[1:])) for r in rows]


def cluster_rules(con: duckdb.DuckDBPyConnection, cluster_id: str) -> list[str]:
    """The rules with a current result in the cluster: the choices of the findings filter."""
    rows = con.execute(
        f"SELECT DISTINCT r.expectation FROM ({_LATEST}) l JOIN check_result r "
        "USING (run_id, member_id, reporting_year) ORDER BY 1",
        {"cluster": cluster_id},
    ).fetchall()
    return [r[0] for r in rows]
