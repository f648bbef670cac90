"""Check results in the warehouse: replaced per (year, member) in one transaction, so a rerun on
unchanged data rewrites the very same rows and a narrower rerun supersedes only what it covers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import TYPE_CHECKING, Any

import duckdb

from ecocluster.checks._config import Severity
from ecocluster.warehouse.db import transaction

if TYPE_CHECKING:
    import pyarrow as pa  # only the stage that runs the checks builds these tables


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
    severity: Severity
    indicator: str | None
    source_row: int | None
    observed: str | None
    expected: str | None
    explanation: str  # what is wrong and what to do

    @classmethod
    def of_row(cls, row: Sequence[Any]) -> Finding:
        """From (year, rule, severity, indicator, source_row, observed, expected, explanation)."""
        year, rule, severity, *rest = row
        return cls(year, rule, Severity(severity), *rest)


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
    return [Finding.of_row(r) for r in rows]


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
    severity: Severity
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
        return sum(line.severity is Severity.BLOCKING for line in self.lines)


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
    lines = tuple(ReportLine(m, Severity(severity), *rest) for m, severity, *rest in rows)
    return Report(lines, tuple(d for (d,) in docs))


def blocking_rules(con: duckdb.DuckDBPyConnection, member_id: str, year: int) -> tuple[str, ...] | None:
    """The rules the member's current check run for ``year`` failed as blocking (distinct, sorted);
    None when the member was never checked for ``year`` (which is not the same as nothing blocking)."""
    verdict = con.execute(
        "SELECT run_id FROM check_verdict WHERE member_id = ? AND reporting_year = ?", [member_id, year]
    ).fetchone()
    if verdict is None:
        return None
    rows = con.execute(
        "SELECT DISTINCT expectation FROM check_result WHERE run_id = ? AND member_id = ? "
        "AND reporting_year = ? AND severity = 'blocking' ORDER BY 1",
        [verdict[0], member_id, year],
    ).fetchall()
    return tuple(r[0] for r in rows)


@dataclass(frozen=True)
class ResultRow:
    """One current check result with its observed and expected values, as the verifier's review
    export lists it (``check-report.csv``: the field names are its columns)."""

    suite: str
    expectation: str
    severity: Severity
    indicator: str | None
    observed: str | None
    expected: str | None
    explanation: str

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def cells(self) -> tuple[object, ...]:
        return astuple(self)


def current_results(con: duckdb.DuckDBPyConnection, member_id: str, year: int) -> list[ResultRow]:
    """The member's current results for ``year``, by severity (blocking first) and rule."""
    rows = con.execute(
        "SELECT r.suite, r.expectation, r.severity, r.indicator, r.observed, r.expected, r.explanation "
        "FROM check_result r JOIN check_verdict v USING (run_id, member_id, reporting_year) "
        "WHERE r.member_id = ? AND r.reporting_year = ? ORDER BY r.severity, r.expectation",
        [member_id, year],
    ).fetchall()
    return [ResultRow(suite, rule, Severity(severity), *rest) for suite, rule, severity, *rest in rows]


@dataclass(frozen=True)
class PublishedFinding:
    """What a statement publishes of one result: which rule, how severe, about which indicator."""

    rule: str
    severity: Severity
    indicator: str | None


@dataclass(frozen=True)
class CheckSummary:
    """A member's current verdict for a year and its findings, as its statement publishes them:
    nothing that changes when the member's data do not (no run id, no peers' medians)."""

    blocking: int
    warnings: int
    findings: tuple[PublishedFinding, ...]


# One summary per selected (member, year) that has a verdict, its findings in a stable order. The
# verdict is counted here for the selected members only: the check_verdict view aggregates every
# member's results first (1.9 s of a one-member draft once a whole-year check ran at 120,000).
_SUMMARIES_SQL = """
WITH sel AS (SELECT unnest($members) AS member_id, unnest($years) AS reporting_year)
SELECT cm.member_id,
       count(r.expectation) FILTER (WHERE r.severity = 'blocking') AS n_blocking,
       count(r.expectation) FILTER (WHERE r.severity = 'warning') AS n_warning,
       coalesce(list(struct_pack(rule := r.expectation, severity := r.severity, indicator := r.indicator)
            ORDER BY r.severity, r.suite, r.expectation, r.indicator, r.source_row, r.explanation)
            FILTER (WHERE r.expectation IS NOT NULL), []) AS findings
FROM check_member cm JOIN sel USING (member_id, reporting_year)
LEFT JOIN check_result r USING (reporting_year, member_id, run_id)
GROUP BY cm.member_id, cm.reporting_year
"""


def check_summaries(
    con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, int]]
) -> dict[str, CheckSummary]:
    """member -> its :class:`CheckSummary` for the (member, year) pairs that were checked; empty
    when the warehouse has no checks stage (a statement then says checks were not run)."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('check_verdict', 'check_result')"
    ).fetchone()
    if not (found and found[0] == 2):
        return {}
    rows = con.execute(
        _SUMMARIES_SQL, {"members": [m for m, _ in pairs], "years": [y for _, y in pairs]}
    ).fetchall()
    return {
        member: CheckSummary(
            blocking,
            warnings,
            tuple(PublishedFinding(f["rule"], Severity(f["severity"]), f["indicator"]) for f in findings),
        )
        for member, blocking, warnings, findings in rows
    }


def has_result(con: duckdb.DuckDBPyConnection, member_id: str, year: int, rule: str) -> bool:
    """Whether any check run recorded a result of ``rule`` for the member and year (what a finding
    that names a check may point at)."""
    row = con.execute(
        "SELECT 1 FROM check_result WHERE member_id = ? AND reporting_year = ? AND expectation = ? LIMIT 1",
        [member_id, year, rule],
    ).fetchone()
    return row is not None
