"""Every rule against a passing fixture (the clean cluster) and a failing one (a member with
exactly that fault), on real warehouse files and a real GX run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecocluster import checks
from ecocluster.checks import CheckRun, Severity
from ecocluster.core.home import Home
from ecocluster.warehouse.db import connect
from tests.checks.warehouse_builder import (
    FAULTS,
    HOTELS,
    STEPPER,
    YEAR,
    build_clean,
    build_faulty,
    carrier_row,
    floor_area_row,
)

RULES = {r.name: r for r in checks.all_rules(checks.CheckConfig())}


def _checked(
    tmp_path_factory: pytest.TempPathFactory,
    build: Callable[[duckdb.DuckDBPyConnection], None],
) -> tuple[CheckRun, list[tuple[Any, ...]]]:
    home = Home.resolve(tmp_path_factory.mktemp("checks") / "home")
    con = connect(home.warehouse_path)
    build(con)
    con.close()
    run = checks.run_checks(home, YEAR)
    con = connect(home.warehouse_path, read_only=True)
    rows = con.execute(
        "SELECT expectation, member_id, severity, submission_id, source_row, explanation, observed,"
        " expected FROM check_result ORDER BY ALL"
    ).fetchall()
    con.close()
    return run, rows


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[CheckRun, list[tuple[Any, ...]]]:
    return _checked(tmp_path_factory, build_clean)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> tuple[CheckRun, list[tuple[Any, ...]]]:
    return _checked(tmp_path_factory, build_faulty)


def test_every_rule_has_a_failing_fixture() -> None:
    assert {r for f in FAULTS for r in f.rules} == set(RULES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_passes_on_the_clean_cluster(clean: tuple[CheckRun, list[tuple[Any, ...]]], rule: str) -> None:
    run, rows = clean
    assert [r for r in rows if r[0] == rule] == []
    assert run.gx_success and run.n_members == len(HOTELS) + 1


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: "+".join(f.rules))
def test_rule_catches_its_fault(faulty: tuple[CheckRun, list[tuple[Any, ...]]], fault) -> None:
    _, rows = faulty
    for rule in fault.rules:
        flagged = {(r[1], r[2]) for r in rows if r[0] == rule}
        assert (fault.member, RULES[rule].severity.value) in flagged, rule
        # The clean members of the same cluster are never dragged in.
        assert not {m for m, _ in flagged} & set((*HOTELS, STEPPER)), rule


def test_failures_name_the_file_and_row(faulty: tuple[CheckRun, list[tuple[Any, ...]]]) -> None:
    _, rows = faulty
    [exceeded] = [r for r in rows if r[0] == "compliance.permit_exceeded"]
    assert exceeded[3:5] == ("sub-F12-2025", 2)
    assert (
        "F12_2025.xlsx row 2" in exceeded[5]
        and "NOx measured 300 mg/m³ on 2025-06-01, above the limit 200 mg/m³" in exceeded[5]
    )
    [jump] = [r for r in rows if r[0] == "plausibility.yoy_jump" and r[1] == "F09"]
    assert "energy.total_direct" in jump[5] and "10 times the 2024 value" in jump[5]


def test_explanations_write_units_as_people_do(faulty: tuple[CheckRun, list[tuple[Any, ...]]]) -> None:
    """m² and m³ as a person writes them, never pint's m**2 (plausibility, compliance and the rest)."""
    _, rows = faulty
    [impossible] = [r for r in rows if r[0] == "plausibility.impossible_value" and r[1] == "F11"]
    assert "land.sealed (9000 m²) is larger than land.total (" in impossible[5], impossible[5]
    assert (
        impossible[6] == "9000 m²"
        and impossible[7].startswith("at most land.total = ")
        and impossible[7].endswith(" m²")
    ), impossible[6:]
    pint_spelled = [r for r in rows if any("**" in (text or "") for text in r[5:])]
    assert not pint_spelled, pint_spelled


def test_gx_verdict_and_counts_match_the_stored_rows(faulty: tuple[CheckRun, list[tuple[Any, ...]]]) -> None:
    run, rows = faulty
    assert not run.gx_success
    assert run.n_blocking == sum(r[2] == Severity.BLOCKING.value for r in rows)
    assert run.n_warning == sum(r[2] == Severity.WARNING.value for r in rows)
    assert Path(run.datadocs).is_file()


def test_a_thousandfold_jump_blocks_until_the_member_justifies_it(
    faulty: tuple[CheckRun, list[tuple[Any, ...]]],
) -> None:
    _, rows = faulty
    slip = [r for r in rows if r[1] == "F31" and r[0].startswith("plausibility.")]
    assert [
        (r[0], r[2])
        for r in slip
        if r[0] != "plausibility.peer_outlier_cluster" and r[0] != "plausibility.peer_outlier_all"
    ] == [("plausibility.unit_slip", "blocking")]
    assert "1000 times the 2024 value" in slip[-1][5] and "justification column" in slip[-1][5]
    explained = {(r[0], r[2]) for r in rows if r[1] == "F32"}
    assert ("plausibility.yoy_jump", "warning") in explained
    assert not [r for r in explained if r[1] == "blocking"]


def test_data_docs_have_a_readable_offline_index_naming_members(
    faulty: tuple[CheckRun, list[tuple[Any, ...]]],
) -> None:
    run, _ = faulty
    index = Path(run.datadocs)
    assert index.name == "index.html" and index.parent.name == "all"
    page = index.read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page and "https://" not in page  # nothing fetched
    assert "plausibility.unit_slip" in page and "F31" in page and "most likely a unit slip" in page
    assert "Members checked (" in page and "H1, H2" in page
    validations = list((index.parent / "gx" / "validations" / "plausibility").rglob("*.html"))
    assert validations and "members: F31" in validations[0].read_text(encoding="utf-8")


def test_a_long_scope_gets_a_whole_folder_name() -> None:
    from ecocluster.checks._run import folder_name

    members = [f"IT-CL-CERRETO-{n:03d}" for n in range(16)]
    many = folder_name("member " + ", ".join(members))
    assert many.startswith("member_16-ids_") and len(many) <= 100
    assert many != folder_name("member " + ", ".join([*members[:-1], "IT-CL-CERRETO-999"]))
    assert folder_name("member IT-CL-CERRETO-R02") == "member_IT-CL-CERRETO-R02"
    assert folder_name("cluster LV-JEL; member LV-JEL-01") == "cluster_LV-JEL_member_LV-JEL-01"


def test_co2e_findings_say_why_and_what_was_computed(faulty: tuple[CheckRun, list[tuple[Any, ...]]]) -> None:
    _, rows = faulty
    [missing] = [r for r in rows if r[0] == "plausibility.co2e_not_computed"]
    assert missing[1] == "F33" and missing[4] == 90
    assert (
        "energy.biomass (50 MWh) has no emission factor" in missing[5]
        and "scope 1 CO2e is not computed" in missing[5]
    )
    [differs] = [r for r in rows if r[0] == "plausibility.co2e_differs"]
    assert differs[1] == "F34" and "80.784 t CO2e computed from the energy reported by carrier" in differs[5]
    assert not [r for r in rows if r[1] == "F35" and "co2e" in r[0]]  # within 10 % of the computed total


def test_electricity_without_a_national_grid_factor_is_not_computed_not_guessed(tmp_path_factory) -> None:
    def build(con: duckdb.DuckDBPyConnection) -> None:
        build_clean(con, ("H1",))
        con.execute(carrier_row("grid_electricity", 120.0).format(m="H1", y=YEAR))

    _, rows = _checked(tmp_path_factory, build)
    [grid] = [r for r in rows if r[0] == "plausibility.co2e_not_computed"]
    assert "no national grid emission factor for IT 2025 or an earlier year" in grid[5]
    assert not [r for r in rows if r[0] == "plausibility.co2e_differs"]  # nothing to compare with


def test_one_warning_per_benchmark_for_members_that_do_not_reach_it(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test table (tests/benchmark_fixture.py: made-up value) stands in for the shipped one,
    which has no transcribed benchmark yet: H1 uses 400 MWh on 2000 m² (200 kWh/m², above the
    100 of the test benchmark), H2 on 8000 m² (50 kWh/m²), H3 reports no floor area."""
    from ecocluster.warehouse import benchmarks
    from tests.benchmark_fixture import table_json

    test_table = benchmarks.parse(table_json())
    monkeypatch.setattr(benchmarks, "table", lambda: test_table)

    def build(con: duckdb.DuckDBPyConnection) -> None:
        build_clean(con, ("H1", "H2", "H3"))
        for member, m2 in (("H1", 2000.0), ("H2", 8000.0)):
            con.execute(floor_area_row(m2).format(m=member, y=YEAR))

    run, rows = _checked(tmp_path_factory, build)
    name = "plausibility.benchmark_test_energy_per_floor_area"
    assert name in {r.name for r in checks.all_rules(checks.CheckConfig())}
    [found] = [r for r in rows if r[0] == name]
    assert found[1] == "H1" and found[2] == "warning" and found[6] == "200 kWh/m2"
    assert "energy.total_direct 400 MWh per output.floor_area 2000 m² is 200 kWh/m2" in found[5]
    assert "Annex section 9.9.9, p. 99" in found[5] and "Test wording" in found[5]
    assert not [r for r in rows if r[0] == name and r[1] != "H1"]
    assert run.n_blocking == 0
