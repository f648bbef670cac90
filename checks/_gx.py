"""Great Expectations over the DuckDB warehouse, read-only, one validation per suite.

GX's SQL datasource fails on stock ``duckdb_engine``: GX reads a result after its connection
block ends, and the real DuckDB transaction that ``duckdb_engine`` opened is rolled back by then,
discarding the pending result (great_expectations #10738, #11579). Validation only reads, so the
``duckdb_readonly`` dialect below makes BEGIN and ROLLBACK no-ops and opens the file read-only:
GX then sees consistent results and never holds the warehouse's writer lock.
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import duckdb_engine
import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.metadata_types import FailureSeverity
from sqlalchemy.dialects import registry

from ecocluster.checks._config import Severity
from ecocluster.checks._gx_views import SITE_VIEWS
from ecocluster.checks._rule import Rule
from ecocluster.core.errors import EcoclusterError

DIALECT = "duckdb_readonly"
_GX_SEVERITY = {Severity.BLOCKING: FailureSeverity.CRITICAL, Severity.WARNING: FailureSeverity.WARNING}


class CheckEngineError(EcoclusterError):
    """GX could not evaluate a rule, or disagreed with DuckDB on it: a bug, not a data problem."""


class ReadOnlyDuckDBDialect(duckdb_engine.Dialect):
    """duckdb_engine without transactions, for read-only validation (see the module docstring)."""

    name = DIALECT
    supports_statement_cache = False  # as duckdb_engine itself; said explicitly to silence SQLAlchemy

    def do_begin(self, connection: Any) -> None:
        pass

    def do_rollback(self, connection: Any) -> None:
        pass


registry.register(DIALECT, __name__, "ReadOnlyDuckDBDialect")


class CountedRowsExpectation(gx.expectations.UnexpectedRowsExpectation):
    """``UnexpectedRowsExpectation`` that asks the warehouse for the count only.

    GX 1.24 computes every metric an expectation declares whatever the result_format, so the
    stock expectation always runs its query twice: once counted, once for up to 200 rows.
    The rows are not needed here (the DuckDB attribution lists every failing row), and in a
    120,000-member warehouse each pass over the rules costs seconds.
    """

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict[str, Any] | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        count = metrics["unexpected_rows_query.row_count"]
        members = (self.meta or {}).get("members", "")
        # The validation page shows the observed value: name the failing members there.
        shown = f"{count} rows; members: {members}" if count and members else count
        return {"success": count == 0, "result": {"observed_value": shown, "details": {"rows": count}}}


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    success: bool
    unexpected: dict[str, int]  # rule name -> rows GX counted


def validate(
    reader: duckdb.DuckDBPyConnection,
    scope_sql: str,
    rules: tuple[Rule, ...],
    datadocs: Path,
    members: dict[str, str] | None = None,
) -> list[SuiteOutcome]:
    """Run each suite once over the scope (the batch) and build Data Docs into ``datadocs``.

    GX reads through cursors of ``reader`` (a read-only connection): DuckDB refuses a second
    connection to the same file with other settings in one process, and sharing the reader
    means GX and the attribution queries see the same snapshot. ``members`` (rule -> the member
    ids DuckDB attributed its failures to) is shown on the validation pages.
    """
    failing = members or {}
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in context.get_site_names():
        context.delete_data_docs_site(site)
    shutil.rmtree(datadocs, ignore_errors=True)  # a page per run scope, not an ever-growing pile
    # GX's views, its templates compiled once per process (checks/_gx_views.py); typed Any: GX's
    # TypedDict for it omits site_section_builders, which its SiteBuilder reads
    site_config: Any = {
        "class_name": "SiteBuilder",
        **SITE_VIEWS,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(datadocs)},
    }
    context.add_data_docs_site(site_name="ecocluster", site_config=site_config)
    source = context.data_sources.add_sql(
        "warehouse",
        connection_string=f"{DIALECT}:///:memory:",
        kwargs={"creator": lambda: duckdb_engine.ConnectionWrapper(reader.cursor())},
        create_temp_table=False,
    )  # type: ignore[call-arg]  # add_sql is generated; kwargs go to create_engine
    batch = source.add_query_asset("scope", query=scope_sql).add_batch_definition_whole_table("scope")
    outcomes = []
    try:
        for suite_name in dict.fromkeys(r.suite for r in rules):
            suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
            for r in (r for r in rules if r.suite == suite_name):
                suite.add_expectation(
                    CountedRowsExpectation(
                        unexpected_rows_query=r.query,
                        description=r.description,
                        severity=_GX_SEVERITY[r.severity],
                        meta={
                            "rule": r.name,
                            "severity": r.severity.value,
                            "members": failing.get(r.name, ""),
                        },
                    )
                )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=suite_name, data=batch, suite=suite)
            )
            result = definition.run(result_format="BASIC")
            outcomes.append(SuiteOutcome(suite_name, bool(result.success), _counts(suite_name, result)))
        context.build_data_docs(site_names=["ecocluster"])
    finally:
        source.get_engine().dispose()  # release the read-only handle before anyone writes
    return outcomes


def _counts(suite: str, result: Any) -> dict[str, int]:
    counts = {}
    for item in result.results:
        rule = item.expectation_config.meta["rule"]
        failure = _raised(item.exception_info)
        if failure is not None:
            raise CheckEngineError(f"GX could not evaluate rule {rule} of suite {suite}: {failure}")
        counts[rule] = int(item.result.get("details", {}).get("rows") or 0)
    return counts


def _raised(info: dict[str, Any]) -> str | None:
    """GX reports exceptions flat, or nested per metric; either way, the first message."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = (_raised(v) for v in info.values() if isinstance(v, dict))
    return next((m for m in nested if m is not None), None)
