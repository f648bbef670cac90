"""Check results in the warehouse: replaced per (year, member) in one transaction, so a rerun on
unchanged data rewrites the very same rows and a narrower rerun supersedes only what it covers."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ecocluster.warehouse.db import transaction


@dataclass(frozen=True)
class CheckRun:
    run_id: str
    reporting_year: int
    scope: str
    n_members: int
    n_blocking: int
    n_warning: int
    gx_success: bool
    datadocs: str
    gx_seconds: float  # wall time of the GX validations (all suites), for the benchmark
    sql_seconds: float  # wall time of the same queries run directly in DuckDB for attribution

    @property
    def blocking(self) -> bool:
        return self.n_blocking > 0


def save(con: duckdb.DuckDBPyConnection, run: CheckRun, members: pa.Table, findings: pa.Table) -> None:
    """Replace the results of the covered members by this run's, all or nothing."""
    con.register("covered_members", members)
    con.register("run_findings", findings)
    try:
        with transaction(con):
            con.execute(
                "DELETE FROM check_result WHERE reporting_year = ? AND member_id IN "
                "(SELECT member_id FROM covered_members)",
                [run.reporting_year],
            )
            con.execute(
                "DELETE FROM check_member WHERE reporting_year = ? AND member_id IN "
                "(SELECT member_id FROM covered_members)",
                [run.reporting_year],
            )
            con.execute(
                "INSERT INTO check_member SELECT ?, member_id, ? FROM covered_members",
                [run.reporting_year, run.run_id],
            )
            con.execute(
                "INSERT INTO check_result SELECT ?, ?, member_id, suite, expectation, severity, indicator,"
                " submission_id, source_row, observed, expected, explanation FROM run_findings"
                " ORDER BY ALL",
                [run.run_id, run.reporting_year],
            )
            con.execute(
                "INSERT OR REPLACE INTO check_run VALUES (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [
                    run.run_id,
                    run.reporting_year,
                    run.scope,
                    run.n_members,
                    run.n_blocking,
                    run.n_warning,
                    run.gx_success,
                    run.datadocs,
                ],
            )
    finally:
        con.unregister("covered_members")
        con.unregister("run_findings")


def blocking_members(con: duckdb.DuckDBPyConnection, year: int) -> set[str]:
    """Members whose current check results for ``year`` contain a blocking failure."""
    rows = con.execute(
        "SELECT member_id FROM check_verdict WHERE reporting_year = ? AND NOT cleared", [year]
    ).fetchall()
    return {r[0] for r in rows}


def cleared_members(con: duckdb.DuckDBPyConnection, year: int) -> set[str]:
    """Members checked for ``year`` with no blocking failure: the only ones that may go to a verifier."""
    rows = con.execute(
        "SELECT member_id FROM check_verdict WHERE reporting_year = ? AND cleared", [year]
    ).fetchall()
    return {r[0] for r in rows}


@dataclass(frozen=True)
class Finding:
    """One failed rule for one member, as the member's desk shows it."""

    reporting_year: int
    rule: str
    severity: str  # blocking | warning
    indicator: str | None
    source_row: int | None
    observed: str | None
    expected: str | None
    explanation: str  # what is wrong and what to do


def member_findings(con: duckdb.DuckDBPyConnection, member_id: str, limit: int = 200) -> list[Finding]:
    """The member's findings for its latest checked year, blocking first (limited in the database)."""
    rows = con.execute(
        "SELECT reporting_year, expectation, severity, indicator, "
        "source_row, observed, expected, explanation "
        "FROM check_result WHERE member_id = $m AND reporting_year = "
        "(SELECT max(reporting_year) FROM check_member WHERE member_id = $m) "
        "ORDER BY severity = 'blocking' DESC, expectation, indicator "
        "NULLS FIRST, source_row NULLS FIRST LIMIT $n",
        {"m": member_id, "n": limit},
    ).fetchall()
    return [Finding(*r) for r in rows]


def checked_members(con: duckdb.DuckDBPyConnection, year: int, members: list[str]) -> set[str]:
    """Those of ``members`` with a check verdict for ``year``: a member missing here sent nothing."""
    rows = con.execute(
        "SELECT member_id FROM check_verdict WHERE reporting_year = $year"
        " AND list_contains($members, member_id)",
        {"year": year, "members": members},
    ).fetchall()
    return {r[0] for r in rows}


def blocking_reasons(con: duckdb.DuckDBPyConnection, year: int, members: list[str]) -> dict[str, list[str]]:
    """member -> its current blocking results as ``rule: explanation``, sorted, for the coordinator."""
    rows = con.execute(
        """
        SELECT r.member_id,
               list(DISTINCT r.expectation || ': ' || r.explanation ORDER BY r.expectation || ': ' || r.explanation)
        FROM check_result r JOIN check_member m USING (reporting_year, member_id, run_id)
        WHERE r.reporting_year = $year AND r.severity = 'blocking' AND list_contains($members, r.member_id)
        GROUP BY r.member_id""",  # noqa: E501  # SQL: wrapping a line would change the query text
        {"year": year, "members": members},
    ).fetchall()
    return {m: list(reasons) for m, reasons in rows}


@dataclass(frozen=True)
class ReportLine:
    """One current check result, as ``check report`` lists it (every field printable as is)."""

    member_id: str
    severity: str
    rule: str
    about: str  # the indicator, or ""
    source: str  # "file.xlsx row 4", or ""
    explanation: str

    def cells(self) -> tuple[str, ...]:
        return (self.member_id, self.severity, self.rule, self.about, self.source, self.explanation)


@dataclass(frozen=True)
class Report:
    """The current results of a year (or one member of it) and the Data Docs that show them."""

    lines: tuple[ReportLine, ...]
    datadocs: tuple[str, ...]  # empty: no check has run for what was asked

    @property
    def n_blocking(self) -> int:
        return sum(line.severity == "blocking" for line in self.lines)


def report(con: duckdb.DuckDBPyConnection, year: int, member: str | None = None) -> Report:
    """The year's current results, blocking first, each with its source file and row."""
    params = {"year": year, "member": member}
    rows = con.execute(
        "SELECT r.member_id, r.severity, r.expectation, coalesce(r.indicator, ''),"
        " coalesce(s.filename, '') || coalesce(' row ' || r.source_row, ''), r.explanation"
        " FROM check_result r JOIN check_member cm USING (reporting_year, member_id, run_id)"
        " LEFT JOIN submission s ON s.submission_id = r.submission_id"
        " WHERE r.reporting_year = $year AND ($member IS NULL OR r.member_id = $member)"
        " ORDER BY r.severity, r.member_id, r.expectation, r.source_row",
        params,
    ).fetchall()
    docs = con.execute(
        "SELECT DISTINCT k.datadocs FROM check_member cm JOIN check_run k USING (run_id)"
        " WHERE cm.reporting_year = $year AND ($member IS NULL OR cm.member_id = $member) ORDER BY 1",
        params,
    ).fetchall()
    return Report(tuple(ReportLine(*r) for r in rows), tuple(d for (d,) in docs))
