"""Integration on the bundled sample clusters (real files, real ingestion, real GX run): every
deliberate fault is reported by the right rule, severity and member, and clean members pass."""

from __future__ import annotations

from ecocluster.warehouse import connect
from tests.checks.seeded_faults import CAUGHT_BY, REFUSED_BY_INGESTION


def _results(sample) -> set[tuple[str, str, str]]:
    con = connect(sample.home.warehouse_path, read_only=True)
    try:
        return set(con.execute("SELECT member_id, expectation, severity FROM check_result").fetchall())
    finally:
        con.close()


def test_every_bundled_fault_is_caught_with_its_severity_and_member(bundled_sample) -> None:
    found = _results(bundled_sample)
    faults = bundled_sample.faults
    assert {f["kind"] for f in faults} == {*CAUGHT_BY, *REFUSED_BY_INGESTION}  # the sample seeds every kind
    missed = [
        f for f in faults if f["kind"] in CAUGHT_BY and (f["member_id"], *CAUGHT_BY[f["kind"]]) not in found
    ]
    assert missed == []


# No national grid factor for IT or LV ships yet (issue 19: only values verified against their
# publisher's text are shipped), so every member's grid electricity is reported as "CO2e not
# computed": a gap in ecocluster's factor table, not a fault of the member.
NO_GRID_FACTOR = "plausibility.co2e_not_computed"


def test_no_clean_bundled_member_is_flagged_at_all(bundled_sample) -> None:
    """Not even a warning: every finding on the sample belongs to a member with a seeded fault
    (but for the missing national grid factors, see NO_GRID_FACTOR)."""
    faulty = {f["member_id"] for f in bundled_sample.faults}
    flagged = {
        (member, rule)
        for member, rule, _severity in _results(bundled_sample)
        if member not in faulty and rule != NO_GRID_FACTOR
    }
    assert flagged == set()


def test_electricity_without_a_shipped_grid_factor_is_the_only_co2e_gap_of_the_sample(bundled_sample) -> None:
    con = connect(bundled_sample.home.warehouse_path, read_only=True)
    try:
        gaps = set(
            con.execute(
                "SELECT member_id, indicator FROM check_result WHERE expectation = ?", [NO_GRID_FACTOR]
            ).fetchall()
        )
        electricity = set(
            con.execute(
                "SELECT DISTINCT member_id, indicator FROM "
                "current_indicator_value WHERE reporting_year = 2025 AND"
                " indicator IN ('energy.grid_electricity', "
                "'energy.renewable_electricity_go') AND value IS NOT NULL"
            ).fetchall()
        )
    finally:
        con.close()
    assert gaps == electricity and len({m for m, _ in gaps}) >= 20
