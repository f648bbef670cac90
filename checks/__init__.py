"""Compliance and data-quality checks: Great Expectations suites over the warehouse.

``run_checks(home, year, members=None, clusters=None)`` validates one reporting year (or some
clusters or members of it) with one GX validation per suite, attributes every failing row to its
member, indicator and source row with the same queries in DuckDB, stores the results in
``check_result`` (see warehouse/migrations/002_checks.sql) and builds GX Data Docs under
``<home>/datadocs``. Later stages ask :func:`blocking_members` / :func:`cleared_members`, or read
the ``check_verdict`` view: a member goes to a verifier only when it is cleared.

Thresholds and severities: ``[checks]`` in ``ecocluster.toml``, documented in ``core/config.py``
(``ChecksConfig``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._desk import MemberFinding, Verdict, cluster_findings, cluster_rules, cluster_verdicts
from ecocluster.checks._rule import Rule
from ecocluster.checks._store import (
    CheckRun,
    CheckSummary,
    Finding,
    PublishedFinding,
    Report,
    ReportLine,
    ResultRow,
    blocking_members,
    blocking_reasons,
    blocking_rules,
    check_summaries,
    checked_members,
    cleared_members,
    current_results,
    has_result,
    member_findings,
    report,
)
from ecocluster.checks._suites import SUITES, all_rules

if TYPE_CHECKING:
    from ecocluster.checks._gx import CheckEngineError
    from ecocluster.checks._run import open_reader, run_checks

# Great Expectations takes seconds to import: only what runs the checks loads it, not the
# statements and signing stages that read the results.
_LAZY = {
    "CheckEngineError": "ecocluster.checks._gx",
    **dict.fromkeys(("open_reader", "run_checks"), "ecocluster.checks._run"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ecocluster.checks' has no attribute {name!r}")


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
__all__ += [  # what statements and signing read of the results (typed, never the tables)
    "CheckSummary",
    "PublishedFinding",
    "ResultRow",
    "blocking_rules",
    "check_summaries",
    "current_results",
    "has_result",
]
__all__ += [  # what the portal's coordinator desk reads
    "MemberFinding",
    "Verdict",
    "cluster_findings",
    "cluster_rules",
    "cluster_verdicts",
]
