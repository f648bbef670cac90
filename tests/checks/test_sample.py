"""Integration: every deliberate fault of a generated population is caught, by the right rule,
with the right severity, for the right member (after real ingestion of the generated files)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ecocluster import checks
from ecocluster.core.home import Home
from ecocluster.core.store import open_store
from ecocluster.warehouse.db import connect
from ecocluster.warehouse.ingest import ingest_paths
from ecocluster.warehouse.sample import write_synthetic
from tests.checks.seeded_faults import CAUGHT_BY


def _checked_population(home: Home, out: Path, clusters: int, members_per_cluster: int):
    """(findings as (member, rule, severity), seeded faults) for a generated, ingested, checked population."""
    write_synthetic(out, clusters=clusters, members_per_cluster=members_per_cluster)
    con = connect(home.warehouse_path)
    ingest_paths(con, open_store(home), [out])
    con.close()
    checks.run_checks(home, 2025)
    con = connect(home.warehouse_path, read_only=True)
    found = set(con.execute("SELECT member_id, expectation, severity FROM check_result").fetchall())
    con.close()
    return found, json.loads((out / "faults.json").read_text())["faults"]


@pytest.mark.slow
def test_every_seeded_fault_is_caught(home: Home, tmp_path: Path) -> None:
    found, faults = _checked_population(home, tmp_path / "pop", 10, 300)
    checked = [f for f in faults if f["kind"] in CAUGHT_BY]  # the rest are refused by ingestion
    assert {f["kind"] for f in checked} == set(CAUGHT_BY)
    missed = [f for f in checked if (f["member_id"], *CAUGHT_BY[f["kind"]]) not in found]
    assert missed == []


def test_only_members_with_seeded_faults_are_blocked(home: Home, tmp_path: Path) -> None:
    """Clean generated members pass: e.g. their sealed and nature areas never exceed their total land."""
    found, faults = _checked_population(home, tmp_path / "pop", 8, 75)
    blocked = {member for member, _rule, severity in found if severity == "blocking"}
    faulty = {f["member_id"] for f in faults}
    assert blocked and blocked <= faulty, sorted({(m, r) for m, r, s in found if m in blocked - faulty})[:10]


def test_a_one_member_run_finds_what_the_whole_year_run_found_for_it(home: Home, tmp_path: Path) -> None:
    """A narrow run restricts its totals to the member and its sector peers (run_scratch.totals):
    the peer statistics, year-on-year jumps and every other finding must not change with the scope."""
    _checked_population(home, tmp_path / "pop", 6, 40)
    con = connect(home.warehouse_path)
    for factor, indicator, member in ((40, "water.total", "min"), (1 / 40, "energy.total_direct", "max")):
        con.execute(
            f"UPDATE indicator_value SET value = value * {factor} WHERE reporting_year = 2025"
            f" AND indicator = '{indicator}' AND member_id = (SELECT {member}(member_id) FROM member)"
        )
    con.close()
    checks.run_checks(home, 2025)  # two members now far from their history and their peers
    member_rows = "SELECT * EXCLUDE (run_id) FROM check_result WHERE member_id = ? ORDER BY ALL"
    con = connect(home.warehouse_path, read_only=True)
    whole_year = {
        rule: con.execute(member_rows, [member]).fetchall()
        for rule, member in con.execute(
            "SELECT expectation, min(member_id) FROM check_result GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    }
    # clean but for its grid electricity, whose CO2e is "not computed" while no national grid factor ships
    clean = con.execute(
        "SELECT min(member_id) FROM check_member WHERE member_id NOT IN (SELECT member_id FROM"
        " check_result WHERE expectation <> 'plausibility.co2e_not_computed')"
    ).fetchone()[0]  # type: ignore[index]
    clean_rows = con.execute(member_rows, [clean]).fetchall()
    con.close()
    assert {
        "plausibility.peer_outlier_all",
        "plausibility.peer_outlier_cluster",
        "plausibility.yoy_jump",
    } <= set(whole_year)
    picked = {r: rows for r, rows in whole_year.items() if r.startswith("plausibility.")}
    picked["clean"] = clean_rows
    for rule, expected in picked.items():
        member = str(expected[0][1]) if expected else clean
        checks.run_checks(home, 2025, members=[member])
        con = connect(home.warehouse_path, read_only=True)
        assert con.execute(member_rows, [member]).fetchall() == expected, (rule, member)
        con.close()


def _resubmit(con: duckdb.DuckDBPyConnection, members: str, indicator: str, factor: float) -> None:
    """What ingesting corrected indicator files does to ``members`` (an SQL list): a new current
    submission per member whose rows are the old ones with ``indicator`` multiplied by ``factor``."""
    old = (
        f"SELECT * FROM submission_part WHERE member_id IN ({members}) AND reporting_year = 2025"
        " AND section = 'indicators' AND superseded_by IS NULL"
    )
    con.execute(
        "INSERT INTO indicator_value SELECT v.* REPLACE ('fix-' || v.submission_id AS submission_id,"
        f" CASE WHEN v.indicator = '{indicator}' THEN v.value * {factor} ELSE v.value END AS value)"
        f" FROM indicator_value v JOIN ({old}) p USING (submission_id, member_id, reporting_year)"
    )
    con.execute(
        "INSERT INTO submission_part SELECT 'fix-' || submission_id, member_id, reporting_year, section,"
        f" seq + 1000000, NULL FROM ({old})"
    )
    con.execute(
        f"UPDATE submission_part SET superseded_by = 'fix-' || submission_id WHERE member_id IN ({members})"
        " AND reporting_year = 2025 AND section = 'indicators' AND superseded_by IS NULL"
        " AND NOT starts_with(submission_id, 'fix-')"
    )


def test_a_rerun_computes_again_the_stored_ratios_of_peers_whose_data_changed(
    home: Home, tmp_path: Path
) -> None:
    """A run stores the peers' ratios (check_peer_ratio) and the next run reads those whose data
    did not change: after the member's sector peers sent corrected files, a one-member rerun must
    compare the member with their new figures, exactly as the whole-year run does."""
    _checked_population(home, tmp_path / "pop", 6, 40)
    con = connect(home.warehouse_path)
    member, sector = con.execute("SELECT member_id, sector FROM member ORDER BY member_id LIMIT 1").fetchone()  # type: ignore[misc]
    _resubmit(con, f"'{member}'", "water.total", 40)  # far from its peers: an outlier finding
    con.close()
    checks.run_checks(home, 2025)  # stores every member's ratios
    member_rows = "SELECT * EXCLUDE (run_id) FROM check_result WHERE member_id = ? ORDER BY ALL"
    con = connect(home.warehouse_path)
    before = con.execute(member_rows, [member]).fetchall()
    assert con.execute("SELECT count(DISTINCT member_id) FROM check_peer_stamp").fetchone()[0] > 200  # type: ignore[index]
    peers = f"SELECT member_id FROM member WHERE sector = '{sector}' AND member_id <> '{member}'"
    _resubmit(con, peers, "water.total", 7)  # the peers' medians move
    con.close()
    checks.run_checks(home, 2025, members=[member])
    con = connect(home.warehouse_path, read_only=True)
    rerun = con.execute(member_rows, [member]).fetchall()
    con.close()
    checks.run_checks(home, 2025)
    con = connect(home.warehouse_path, read_only=True)
    whole_year = con.execute(member_rows, [member]).fetchall()
    con.close()
    assert any("peer_outlier" in r[3] for r in before), before
    assert whole_year != before  # the peers' correction changes the member's findings
    assert rerun == whole_year
