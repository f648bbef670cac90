"""One check run: read the warehouse read-only (GX and DuckDB), then write the results briefly.

The writer lock is taken only for the final transaction, so ingestion or statements waiting for
the warehouse are held up for milliseconds, not for the whole validation.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from ecocluster.checks import _peers as peers
from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._docs import GX_FOLDER, members_per_rule, write_index
from ecocluster.checks._gx import CheckEngineError, validate
from ecocluster.checks._rule import (
    RESULT_COLUMNS,
    RUN_DB,
    SPELL_OUT_AT_MOST,
    Rule,
    bound,
    for_members,
    spelled_out,
    unrestricted,
    whole_year,
)
from ecocluster.checks._scope import Scope
from ecocluster.checks._store import CheckRun, save
from ecocluster.checks._suites import all_rules, run_tables
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.warehouse.db import connect, out_of_memory

BATCH = f"{RUN_DB}.batch"  # the scope's rows (Scope.sql()), the batch GX validates
BATCH_SQL = f"SELECT * FROM {BATCH}"

# Everything a result depends on: the current submissions, the roster and the open cycles.
_FINGERPRINT = """
SELECT (SELECT count(*) || ':' || coalesce(bit_xor(hash(submission_id, member_id, reporting_year, section)), 0)
        FROM current_part)
    || '|' || (SELECT count(*) || ':' || coalesce(bit_xor(hash(member_id, cluster_id, roster_sha256)), 0)
        FROM member)
    || '|' || (SELECT count(*) || ':' || coalesce(bit_xor(hash(cluster_id, reporting_year, kind)), 0)
        FROM cycle)
"""  # noqa: E501  # SQL: wrapping a line would change the query text


def run_checks(
    home: Home,
    year: int,
    members: Iterable[str] | None = None,
    clusters: Iterable[str] | None = None,
    config: CheckConfig | None = None,
) -> CheckRun:
    """Check the scope's members for ``year``, store the results, return the run's summary."""
    config = config or home.config().checks
    scope = Scope.of(year, members, clusters)
    rules, tables = all_rules(config), run_tables()
    if scope.describe() == "all":
        rules = tuple(whole_year(r) for r in rules)
        tables = tuple((name, unrestricted(query)) for name, query in tables)
    elif 0 < len(scope.members) <= SPELL_OUT_AT_MOST:
        rules = tuple(for_members(r, scope.members) for r in rules)
        tables = tuple((name, spelled_out(query, scope.members)) for name, query in tables)
    if not home.warehouse_path.exists():
        raise ConfigurationError(f"{home.warehouse_path} does not exist; run `ecocluster ingest` first")
    reader = _reader(home)
    try:
        fingerprinted = reader.execute(_FINGERPRINT).fetchone()
        assert fingerprinted is not None  # an aggregate without GROUP BY answers one row
        fingerprint = fingerprinted[0]
        started = time.perf_counter()
        reader.execute(f"ATTACH ':memory:' AS {RUN_DB} (READ_WRITE)")  # the reader's instance is read-only
        # The batch is computed once: every rule names it once or more, and GX's pass again.
        reader.execute(f"CREATE TABLE {BATCH} AS {scope.sql()}")
        covered = reader.execute(
            f"SELECT DISTINCT s.member_id FROM {BATCH} s WHERE EXISTS (SELECT 1 FROM cycle c"
            " WHERE c.cluster_id = s.cluster_id AND c.reporting_year = s.reporting_year) OR EXISTS"
            " (SELECT 1 FROM current_part p WHERE p.member_id = s.member_id"
            " AND p.reporting_year = s.reporting_year) ORDER BY 1"
        ).fetch_arrow_table()
        for name, query in tables:
            reader.execute(f"CREATE TABLE {name} AS {bound(query, BATCH_SQL)}")
        findings = pa.concat_tables([reader.execute(attribution_sql(r)).fetch_arrow_table() for r in rules])
        peer_stamps, peer_ratios = peers.computed(reader)
        sql_seconds = time.perf_counter() - started
        # Still holding the reader: no writer can slip in between DuckDB's answer and GX's.
        datadocs = home.subdir("datadocs") / str(year) / folder_name(scope.describe())
        started = time.perf_counter()
        shutil.rmtree(datadocs, ignore_errors=True)  # a page per run scope, not an ever-growing pile
        outcomes = validate(reader, BATCH_SQL, rules, datadocs / GX_FOLDER, members_per_rule(findings))
        gx_seconds = time.perf_counter() - started
    except duckdb.OutOfMemoryException as e:
        raise out_of_memory(home.warehouse_path, e) from e
    finally:
        reader.execute(f"DETACH DATABASE IF EXISTS {RUN_DB}")
        reader.close()
    _agree(outcomes_counts={k: v for o in outcomes for k, v in o.unexpected.items()}, findings=findings)
    members_table = (
        pa.concat_tables([covered, findings.select(["member_id"])]).group_by("member_id").aggregate([])
    )
    write_index(
        datadocs / "index.html",
        year=year,
        scope=scope.describe(),
        rules=rules,
        findings=findings,
        members=sorted(m for m in members_table.column("member_id").to_pylist() if m is not None),
    )
    severities = findings.column("severity").to_pylist()
    run = CheckRun(
        run_id=_run_id(scope, fingerprint, rules, tables),
        reporting_year=scope.reporting_year,
        scope=scope.describe(),
        n_members=members_table.num_rows,
        n_blocking=severities.count(Severity.BLOCKING.value),
        n_warning=severities.count(Severity.WARNING.value),
        gx_success=all(o.success for o in outcomes),
        datadocs=str(datadocs / "index.html"),
        gx_seconds=gx_seconds,
        sql_seconds=sql_seconds,
    )
    writer = connect(home.warehouse_path)
    try:
        save(writer, run, members_table, findings)
        peers.store(writer, peer_stamps, peer_ratios)
    finally:
        writer.close()
    return run


def _reader(home: Home) -> duckdb.DuckDBPyConnection:
    """The run's read-only connection, to a warehouse with this version's tables (a read-only
    connection does not migrate: a warehouse that lacks them is migrated by a writer first)."""
    for attempt in range(2):
        try:
            reader = connect(home.warehouse_path, read_only=True, ordered=False)  # results sorted when stored
        except duckdb.ConnectionException as e:
            raise CheckEngineError(
                f"{home.warehouse_path} is open for writing in this process; close it before running the "
                "checks (they read it read-only and write their results in one short transaction)"
            ) from e
        found = reader.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'check_peer_stamp'"
        ).fetchone()
        if attempt or (found and found[0]):
            return reader
        reader.close()
        connect(home.warehouse_path).close()  # applies the migrations
    raise AssertionError("unreachable")


def attribution_sql(rule: Rule) -> str:
    """The rule's own unexpected-rows query, uncapped, labelled with its rule and severity.

    One query per rule, not one UNION ALL of all: DuckDB runs a union's branches at once, so
    over a 120,000-member year their hash tables add up (18.8 GiB, out of memory) where one
    rule at a time needs what the largest rule needs.
    """
    columns = ", ".join(
        f"CAST(q.{c} AS {'INTEGER' if c == 'source_row' else 'VARCHAR'}) AS {c}" for c in RESULT_COLUMNS
    )  # typed alike, so the rules' tables concatenate
    return (
        f"SELECT '{rule.suite}' AS suite, '{rule.name}' AS expectation, '{rule.severity.value}' AS severity, "
        f"{columns} FROM ({rule.bound(BATCH_SQL)}) q"
    )


def _agree(outcomes_counts: dict[str, int], findings: pa.Table) -> None:
    """GX and DuckDB ran the same queries on the same read-only snapshot: they must agree."""
    attributed: dict[str, int] = {}
    for name in findings.column("expectation").to_pylist():
        attributed[name] = attributed.get(name, 0) + 1
    for rule, count in outcomes_counts.items():
        if attributed.get(rule, 0) != count:
            raise CheckEngineError(
                f"rule {rule}: GX counted {count} failing rows but DuckDB attributed "
                f"{attributed.get(rule, 0)}; was the warehouse written during the run? run the checks again"
            )


def _run_id(
    scope: Scope, fingerprint: str, rules: tuple[Rule, ...], tables: tuple[tuple[str, str], ...]
) -> str:
    digest = hashlib.sha256(f"{scope!r}\n{fingerprint}".encode())
    for r in rules:
        digest.update(f"\n{r.name}\n{r.severity.value}\n{r.query}".encode())
    for name, query in tables:
        digest.update(f"\n{name}\n{query}".encode())
    return digest.hexdigest()


_FOLDER_MAX = 100


def folder_name(scope: str) -> str:
    """The Data Docs folder of a scope: its description made safe for a path, whole; a scope too
    long for that (many members) is named by its size and a digest instead of being cut off
    mid-id (its index page lists every member)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", scope).strip("_") or "all"
    if len(slug) <= _FOLDER_MAX:
        return slug
    kind, _, ids = scope.partition(" ")
    n = len(ids.split(", ")) if ";" not in scope else len(re.split(r", |; ", scope))
    return f"{kind}_{n}-ids_{hashlib.sha256(scope.encode()).hexdigest()[:12]}"


def open_reader(home: Home) -> duckdb.DuckDBPyConnection:
    """A read-only connection for reports, so reading results never blocks a writer for long."""
    return connect(home.warehouse_path, read_only=True)
