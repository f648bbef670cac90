"""Compliance and data-quality checks: Great Expectations suites over the warehouse.

``run_checks(home, year, members=None, clusters=None)`` validates one reporting year (or some
clusters or members of it) with one GX validation per suite, attributes every failing row to its
member, indicator and source row with the same queries in DuckDB, stores the results in
``check_result`` (see warehouse/migrations/002_checks.sql) and builds GX Data Docs under
``<home>/datadocs``. Later stages ask :func:`blocking_members` / :func:`cleared_members`, or read
the ``check_verdict`` view: a member goes to a verifier only when it is cleared.

Thresholds and severities: ``[checks]`` in ``ecocluster.toml``, documented in ``checks/_config.py``.
"""

from __future__ import annotations

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._desk import MemberFinding, Verdict, cluster_findings, cluster_rules, cluster_verdicts
from ecocluster.checks._gx import CheckEngineError
from ecocluster.checks._rule import Rule
from ecocluster.checks._run import open_reader, run_checks
from ecocluster.checks._store import (
    CheckRun,
    Finding,
    Report,
    ReportLine,
    blocking_members,
    blocking_reasons,
    checked_members,
    cleared_members,
    member_findings,
    report,
)
from ecocluster.checks._suites import SUITES, all_rules

__all__ = [
    "SUITES",
    "CheckConfig",
    "CheckEngineError",
    "CheckRun",
    "Finding",
    "Report",
    "ReportLine",
    "Rule",
    "Severity",
    "all_rules",
    "blocking_members",
    "blocking_reasons",
    "checked_members",
    "cleared_members",
    "member_findings",
    "open_reader",
    "report",
    "run_checks",
]
__all__ += [  # what the portal's coordinator desk reads
    "MemberFinding",
    "Verdict",
    "cluster_findings",
    "cluster_rules",
    "cluster_verdicts",
]
