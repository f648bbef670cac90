from __future__ import annotations

import datetime as dt

import duckdb

from ecocluster.checks import run_checks
from ecocluster.core.home import Home
from ecocluster.warehouse.db import connect
from ecocluster.warehouse.due import CycleKind, Due, latest_reporting_year, members_due, missing_evidence
from tests.flows.builders import add_cluster, add_member, add_milestones


def _dues(con: duckdb.DuckDBPyConnection, year: int, kind: CycleKind = CycleKind.ANNUAL) -> dict[str, Due]:
    return {d.member_id: d.due for d in members_due(con, year, kind)}


def test_standard_calendar_is_full_every_three_years_from_registration(
    con: duckdb.DuckDBPyConnection,
) -> None:
    add_cluster(con)
    add_member(con, "NEW")
    add_member(con, "R2022", registered_on=dt.date(2022, 5, 1))
    add_member(con, "R2024", registered_on=dt.date(2024, 5, 1))
    add_member(con, "R2025", registered_on=dt.date(2025, 5, 1))  # registered this year: nothing yet
    assert _dues(con, 2025) == {"NEW": Due.INITIAL, "R2022": Due.FULL, "R2024": Due.UPDATE}
    assert _dues(con, 2025, CycleKind.THREE_YEAR) == {"NEW": Due.INITIAL, "R2022": Due.FULL}
    assert _dues(con, 2026)["R2022"] is Due.UPDATE


def test_derogation_is_full_every_four_years_update_every_two(con: duckdb.DuckDBPyConnection) -> None:
    add_cluster(con)
    add_member(con, "D", registered_on=dt.date(2020, 3, 1), derogation=True)
    by_year = {y: _dues(con, y).get("D") for y in range(2021, 2029)}
    assert by_year == {
        2021: None,
        2022: Due.UPDATE,
        2023: None,
        2024: Due.FULL,
        2025: None,
        2026: Due.UPDATE,
        2027: None,
        2028: Due.FULL,
    }


def test_derogation_without_eligibility_keeps_the_standard_calendar(con: duckdb.DuckDBPyConnection) -> None:
    add_cluster(con)
    add_member(con, "RISKY", registered_on=dt.date(2022, 1, 1), derogation=True, risk=True)
    add_member(con, "LARGE", registered_on=dt.date(2022, 1, 1), derogation=True, size_class="large")
    assert _dues(con, 2025) == {"RISKY": Due.FULL, "LARGE": Due.FULL}
    assert _dues(con, 2023) == {"RISKY": Due.UPDATE, "LARGE": Due.UPDATE}


def test_scope_is_the_clusters_with_a_cycle_opened_for_the_year(con: duckdb.DuckDBPyConnection) -> None:
    add_cluster(con, "A")
    add_cluster(con, "B")
    add_member(con, "A1", cluster_id="A")
    add_member(con, "B1", cluster_id="B")
    assert set(_dues(con, 2025)) == {"A1", "B1"}  # no cycle opened yet: every cluster
    con.execute("INSERT INTO cycle VALUES ('A', 2025, 'annual', DATE '2026-01-10')")
    assert set(_dues(con, 2025)) == {"A1"}
    assert [d.member_id for d in members_due(con, 2024, CycleKind.ANNUAL, members=["B1"])] == ["B1"]


def test_full_verification_needs_the_evidence_no_check_judges(con: duckdb.DuckDBPyConnection) -> None:
    add_cluster(con)
    add_member(con, "NEW")
    add_member(con, "FULL", registered_on=dt.date(2022, 1, 1))
    add_member(con, "UPD", registered_on=dt.date(2024, 1, 1))
    add_member(con, "OK", registered_on=dt.date(2022, 1, 1))
    # step_6 of a first registration and last year's audit/review are the checks' rules, not the gate's
    add_milestones(con, "NEW", 2025, skip=("initial_review", "step_6"))
    add_milestones(con, "FULL", 2025, skip=("initial_review", "audit_3"), completed_on=dt.date(2024, 11, 1))
    add_milestones(con, "UPD", 2025, skip=("step_1",))  # an update needs no EMS evidence
    add_milestones(con, "OK", 2025)
    due = members_due(con, 2025, CycleKind.ANNUAL)
    assert missing_evidence(con, 2025, due) == {"NEW": ("initial_review",), "FULL": ("initial_review",)}
    assert latest_reporting_year(con) == 2025


def test_calendar_and_check_agree_on_who_may_use_the_derogation(
    con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    """Art. 2(28): medium-sized enterprises are small organisations; Art. 7(1): not with significant
    environmental risks. The calendar gives the derogation to exactly those the check lets claim it."""
    add_cluster(con)
    con.execute("INSERT INTO cycle VALUES ('IT-CL', 2025, 'annual', DATE '2026-01-15')")
    for member, size, risk in (
        ("MEDIUM", "medium", False),
        ("LARGE", "large", False),
        ("RISKY", "small", True),
    ):
        add_member(
            con, member, registered_on=dt.date(2021, 3, 1), derogation=True, size_class=size, risk=risk
        )
    due = {d.member_id: d for d in members_due(con, 2025, CycleKind.ANNUAL, everyone=True)}
    con.close()
    run_checks(home, 2025)
    with connect(home.warehouse_path, read_only=True) as reader:
        refused = {
            r[0]: r[1]
            for r in reader.execute(
                "SELECT member_id, explanation FROM check_result WHERE "
                "expectation = 'compliance.derogation_ineligible'"
            ).fetchall()
        }
    assert set(refused) == {"LARGE", "RISKY"}
    assert "Art. 2(28)" in refused["LARGE"] and "Art. 7(1)" in refused["RISKY"]
    # four years after registration: the derogation's full verification, else the standard update
    assert {m: d.due for m, d in due.items()} == {
        "MEDIUM": Due.FULL,
        "LARGE": Due.UPDATE,
        "RISKY": Due.UPDATE,
    }
    assert "derogation" in due["MEDIUM"].reason and "derogation" not in due["LARGE"].reason


def test_a_member_not_due_is_listed_with_the_calendars_reason(con: duckdb.DuckDBPyConnection) -> None:
    add_cluster(con)
    add_member(con, "OFF", registered_on=dt.date(2020, 3, 1), derogation=True)  # 2025: 5 years, odd
    add_member(con, "NEW", registered_on=dt.date(2025, 2, 1))  # registered this year
    add_member(con, "UPD", registered_on=dt.date(2024, 2, 1))
    assert [d.member_id for d in members_due(con, 2025, CycleKind.ANNUAL)] == ["UPD"]
    everyone = {d.member_id: d for d in members_due(con, 2025, CycleKind.ANNUAL, everyone=True)}
    assert {m: d.due for m, d in everyone.items()} == {"OFF": Due.NONE, "NEW": Due.NONE, "UPD": Due.UPDATE}
    assert "derogation" in everyone["OFF"].reason and "Art. 7(3)" in everyone["OFF"].reason
    assert "first updated statement is due in 2026" in everyone["NEW"].reason
    three_year = {d.member_id: d for d in members_due(con, 2025, CycleKind.THREE_YEAR, everyone=True)}
    assert three_year["UPD"].due is Due.NONE and "annual cycle" in three_year["UPD"].reason
