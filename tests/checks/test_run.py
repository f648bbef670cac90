"""How a check run behaves as a whole: idempotent storage, scopes, uncapped attribution,
configuration, the verdict API and the CLI."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from ecocluster import checks
from ecocluster.checks import CheckConfig, Severity
from ecocluster.checks._rule import IN_BATCH, for_members, spelled_out, whole_year
from ecocluster.checks._suites import run_tables
from ecocluster.core.errors import CheckFailed, ConfigurationError
from ecocluster.core.home import Home
from ecocluster.flows.cli import app
from ecocluster.warehouse.db import connect
from tests.checks.warehouse_builder import FAULTS, YEAR, build_faulty

_ALL_RESULTS = "SELECT * FROM check_result ORDER BY ALL"


def _faulty_home(home: Home, extra_sql: str = "") -> Home:
    con = connect(home.warehouse_path)
    build_faulty(con)
    if extra_sql:
        con.execute(extra_sql)
    con.close()
    return home


def _read(home: Home, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = connect(home.warehouse_path, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_rerun_on_unchanged_data_rewrites_the_same_rows(home: Home) -> None:
    _faulty_home(home)
    first = checks.run_checks(home, YEAR)
    before = _read(home, _ALL_RESULTS)
    second = checks.run_checks(home, YEAR)
    assert second.run_id == first.run_id
    assert _read(home, _ALL_RESULTS) == before
    assert _read(home, "SELECT count(*) FROM check_run") == [(1,)]


def test_a_member_run_replaces_only_that_members_results(home: Home) -> None:
    _faulty_home(home)
    checks.run_checks(home, YEAR)
    others = _read(home, "SELECT * FROM check_result WHERE member_id <> 'F12' ORDER BY ALL")
    con = connect(home.warehouse_path)
    con.execute("UPDATE measurement SET value = 0.0001 WHERE member_id = 'F12'")  # the fix
    con.close()
    run = checks.run_checks(home, YEAR, members=["F12"])
    assert (run.n_members, run.n_blocking, run.scope) == (1, 0, "member F12")
    assert _read(home, "SELECT * FROM check_result WHERE member_id = 'F12'") == []
    assert _read(home, "SELECT * FROM check_result WHERE member_id <> 'F12' ORDER BY ALL") == others
    con = connect(home.warehouse_path, read_only=True)
    assert "F12" in checks.cleared_members(con, YEAR) and "F12" not in checks.blocking_members(con, YEAR)
    assert "F16" in checks.blocking_members(con, YEAR)  # open major nonconformity still blocks
    assert "F17" in checks.cleared_members(con, YEAR)  # open minor one is only a warning
    con.close()


def test_cluster_scope_checks_only_that_cluster(home: Home) -> None:
    _faulty_home(home)
    run = checks.run_checks(home, YEAR, clusters=["C2"])
    assert run.scope == "cluster C2"
    assert _read(home, "SELECT DISTINCT member_id FROM check_member") == [("N1",)]


def test_attribution_is_not_capped_like_gx_results(home: Home) -> None:
    """GX returns at most 200 unexpected rows; every one of 300 duplicates is stored."""
    _faulty_home(
        home,
        "INSERT INTO indicator_value SELECT v.* REPLACE (100 + r.i AS source_row)"
        " FROM indicator_value v, range(300) r(i) WHERE member_id = 'H1' AND reporting_year = 2025"
        " AND indicator = 'materials.total'",
    )
    checks.run_checks(home, YEAR, members=["H1"])
    assert _read(
        home,
        "SELECT count(*) FROM check_result WHERE expectation = 'data_quality.duplicate_indicator'"
        " AND member_id = 'H1'",
    ) == [(301,)]


def test_severity_and_thresholds_come_from_the_config(home: Home) -> None:
    home.config_path.write_text(
        '[checks]\nyoy_factor = 20\n[checks.severity]\n"compliance.open_minor_nonconformity" = "blocking"\n',
        encoding="utf-8",
    )
    _faulty_home(home)
    checks.run_checks(home, YEAR)
    rows = _read(home, "SELECT expectation, severity FROM check_result WHERE member_id IN ('F09', 'F17')")
    assert ("compliance.open_minor_nonconformity", "blocking") in rows
    assert not [r for r in rows if r[0] == "plausibility.yoy_jump"]  # x10 is within a factor 20


def test_other_stages_read_the_results_as_typed_values(home: Home) -> None:
    """What statements (check_summaries) and signing (current_results, blocking_rules) read instead
    of the check_result table: severities as the enum, "never checked" apart from "nothing blocking"."""
    _faulty_home(home)
    checks.run_checks(home, YEAR)
    con = connect(home.warehouse_path, read_only=True)
    try:
        members = [m for (m,) in con.execute("SELECT member_id FROM member ORDER BY 1").fetchall()]
        summaries = checks.check_summaries(con, [(m, YEAR) for m in members])
        results = {m: checks.current_results(con, m, YEAR) for m in members}
        blocking = {m: checks.blocking_rules(con, m, YEAR) for m in members}
        assert checks.blocking_rules(con, members[0], YEAR - 10) is None  # never checked for that year
    finally:
        con.close()
    assert set(summaries) == set(members) and any(s.findings for s in summaries.values())
    for m in members:
        found = summaries[m].findings
        assert summaries[m].blocking == sum(f.severity is Severity.BLOCKING for f in found)
        assert all(type(f.severity) is Severity for f in found) and len(results[m]) == len(found)
        assert blocking[m] == tuple(sorted({r.expectation for r in results[m] if r.severity == "blocking"}))


@pytest.mark.parametrize(
    "section",
    [
        {"yoy_factor": "lots"},
        {"colour": 1},
        {"yoy_factor": 0.5},
        {"severity": {"compliance.permit_exceeded": "fatal"}},
    ],
)
def test_bad_configuration_is_refused_with_the_reason(section: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match=r"\[checks"):
        CheckConfig.parse(section)


def test_an_override_for_an_unknown_rule_is_a_typo() -> None:
    config = CheckConfig.parse({"severity": {"compliance.permit_exeeded": "warning"}})
    with pytest.raises(ConfigurationError, match="unknown rules"):
        checks.all_rules(config)


def test_rules_have_the_documented_default_severities() -> None:
    severity = {r.name: r.severity for r in checks.all_rules(CheckConfig())}
    assert severity["plausibility.yoy_jump"] is Severity.WARNING
    assert severity["compliance.open_major_nonconformity"] is Severity.BLOCKING
    assert len(severity) == len({r for f in FAULTS for r in f.rules})


def test_a_member_run_spells_its_members_out_and_a_whole_year_run_drops_the_restrictions() -> None:
    """Constant lists let DuckDB skip other members' row groups (a semi-join does not); the
    whole-year run needs no restriction at all. Either way every rule still joins the batch."""
    rules = checks.all_rules(CheckConfig())
    restricted = [r for r in rules if IN_BATCH in r.query]
    assert len(restricted) >= 10  # every rule reading a current_* view row by row
    for rule in restricted:
        narrow = for_members(rule, ("M1", "O'Brien"))
        assert IN_BATCH not in narrow.query and "member_id IN ('M1', 'O''Brien')" in narrow.query
        assert IN_BATCH not in whole_year(rule).query
    for name, query in run_tables():
        assert IN_BATCH not in spelled_out(query, ("M1",)), name


def test_cli_check_fails_on_blocking_and_report_prints_the_failures(home: Home) -> None:
    _faulty_home(home)
    runner = CliRunner(env={"COLUMNS": "300"})
    done = runner.invoke(app, ["--home", str(home.root), "check", "--year", str(YEAR)])
    assert done.exit_code == 1 and isinstance(done.exception, CheckFailed), done.output
    assert "blocking" in done.output and "Data Docs" in done.output
    done = runner.invoke(app, ["--home", str(home.root), "check", "report", "--member", "F12"])
    assert done.exit_code == 0, done.output  # a report: it fails only when asked to
    failing = runner.invoke(
        app, ["--home", str(home.root), "check", "report", "--member", "F12", "--fail-on", "blocking"]
    )
    assert isinstance(failing.exception, CheckFailed), failing.output
    assert "compliance.permit_exceeded" in done.output and "F12_2025.xlsx row 2" in done.output
    assert "datadocs/2025/all/index.html" in done.output
    clean = runner.invoke(app, ["--home", str(home.root), "check", "--member", "H1"])
    assert clean.exit_code == 0, clean.output
    assert runner.invoke(app, ["--home", str(home.root), "check", "report", "--member", "H1"]).exit_code == 0


def test_a_writer_open_in_this_process_gets_a_clear_message(
    home: Home, con: duckdb.DuckDBPyConnection
) -> None:
    with pytest.raises(checks.CheckEngineError, match="close it"):
        checks.run_checks(home, YEAR)


def test_a_memory_limit_too_small_to_spill_into_says_which_setting_to_raise(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    _faulty_home(home)
    monkeypatch.setenv("ECOCLUSTER_MEMORY_LIMIT", "2MB")
    with pytest.raises(
        ConfigurationError,
        match=r"memory_limit 2MB .*Out of Memory.*raise \[warehouse\] memory_limit"
        r" in .*ecocluster.toml or set ECOCLUSTER_MEMORY_LIMIT",
    ):
        checks.run_checks(home, YEAR)
    monkeypatch.delenv("ECOCLUSTER_MEMORY_LIMIT")
    assert checks.run_checks(home, YEAR).n_members > 0  # the reader was closed: nothing left locked
