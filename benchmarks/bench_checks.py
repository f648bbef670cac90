"""Checks benchmark: GX wall time vs raw DuckDB SQL on the same predicates, and the pandas route.

``python -m benchmarks.bench_checks HOME [YEAR]`` on a home folder whose warehouse holds an
ingested population (e.g. ``ecocluster sample --out d --clusters 1046 --members-per-cluster 115``
then ``ecocluster ingest d``). Prints, from one run: GX (SQL datasource, duckdb_readonly dialect)
seconds, the same 24 unexpected-rows queries run directly in DuckDB, their ratio (goal <= 3), a
pandas-datasource run of built-in expectations over current_indicator_value against the same
built-ins on the SQL datasource, and peak RSS.
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import resource
import sys
import time
from pathlib import Path
from typing import Any

import duckdb_engine
import great_expectations as gx
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context.data_context.abstract_data_context import AbstractDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig

from ecocluster import checks
from ecocluster.checks._gx import DIALECT  # importing it registers the read-only dialect
from ecocluster.core.home import Home


def _builtins() -> list[gx.expectations.Expectation]:
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="indicator"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="unit"),
    ]


def _route(
    name: str,
    batch_definition: BatchDefinition[Any],
    batch_parameters: dict[str, Any] | None,
    context: AbstractDataContext,
) -> float:
    suite = context.suites.add(gx.ExpectationSuite(name=name))
    for e in _builtins():
        suite.add_expectation(e)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    started = time.perf_counter()
    definition.run(batch_parameters=batch_parameters, result_format="BASIC")
    return time.perf_counter() - started


def datasource_routes(home: Home, year: int) -> tuple[float, float, float]:
    """Seconds for the same built-ins via SQL and via pandas (load included), and the load alone."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    reader = checks.open_reader(home)
    try:
        query = f"SELECT * FROM current_indicator_value WHERE reporting_year = {year}"
        sql = context.data_sources.add_sql(
            "sql",
            connection_string=f"{DIALECT}:///:memory:",
            create_temp_table=False,
            kwargs={"creator": lambda: duckdb_engine.ConnectionWrapper(reader.cursor())},
        )  # type: ignore[call-arg]
        sql_batch = sql.add_query_asset("iv", query=query).add_batch_definition_whole_table("all")
        sql_seconds = _route("sql", sql_batch, None, context)
        started = time.perf_counter()
        frame = reader.execute(query).df()
        load = time.perf_counter() - started
        pandas_batch = (
            context.data_sources.add_pandas("pandas")
            .add_dataframe_asset("iv")
            .add_batch_definition_whole_dataframe("all")
        )
        pandas_seconds = load + _route("pandas", pandas_batch, {"dataframe": frame}, context)
        sql.get_engine().dispose()
    finally:
        reader.close()
    return sql_seconds, pandas_seconds, load


def run(home: Home | str | Path, year: int = 2025) -> dict[str, float]:
    home = home if isinstance(home, Home) else Home.resolve(home)
    check_run = checks.run_checks(home, year)
    sql_route, pandas_route, load = datasource_routes(home, year)
    figures = {
        "members": float(check_run.n_members),
        "gx_seconds": check_run.gx_seconds,
        "duckdb_seconds": check_run.sql_seconds,
        "ratio": check_run.gx_seconds / check_run.sql_seconds,
        "builtins_sql_seconds": sql_route,
        "builtins_pandas_seconds": pandas_route,
        "pandas_load_seconds": load,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(
        f"checks: {check_run.n_members} members, {check_run.n_blocking} blocking, "
        f"{check_run.n_warning} warning"
    )
    print(f"  GX (4 suites, 24 rules, SQL datasource): {figures['gx_seconds']:.2f} s")
    print(f"  raw DuckDB, same 24 queries:              {figures['duckdb_seconds']:.2f} s")
    print(f"  ratio GX / DuckDB:                        {figures['ratio']:.2f}x (goal <= 3x)")
    print(
        f"  built-ins on current_indicator_value: SQL datasource {sql_route:.2f} s, "
        f"pandas datasource {pandas_route:.2f} s (of which loading the frame {load:.2f} s)"
    )
    print(f"  peak RSS: {figures['peak_rss_mib']:.0f} MiB")
    return figures


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2025)
