"""The synthetic population: deterministic, fast, shaped like a coordinator's batch export."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest

from ecocluster.warehouse.sample import FAULT_KINDS, write_synthetic
from ecocluster.warehouse.sections import SECTIONS
from tests.sample._digest import tree_digest


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    write_synthetic(tmp_path / "a", clusters=3, members_per_cluster=40, seed=7)
    write_synthetic(tmp_path / "b", clusters=3, members_per_cluster=40, seed=7)
    write_synthetic(tmp_path / "c", clusters=3, members_per_cluster=40, seed=8)
    a, b, c = (tree_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c


def test_layout_headers_and_member_ids(tmp_path: Path) -> None:
    files = write_synthetic(tmp_path, clusters=2, members_per_cluster=5, year=2025)
    assert (tmp_path / "CL0001" / "cluster.json") in files
    for section in SECTIONS:
        for year in (2023, 2024, 2025):
            path = tmp_path / "CL0002" / f"{section.name}_{year}.csv"
            header = path.read_text(encoding="utf-8").splitlines()[0]
            assert header.replace('"', "").split(",") == list(section.columns)
    roster = json.loads((tmp_path / "CL0002" / "cluster.json").read_text(encoding="utf-8"))
    assert [m["member_id"] for m in roster["members"]] == [f"CL0002-M{i:03d}" for i in range(1, 6)]
    assert [c["reporting_year"] for c in roster["cycles"]] == [2023, 2024, 2025]
    ids = duckdb.sql(f"SELECT DISTINCT member_id FROM read_csv('{tmp_path}/*/profile_2025.csv')").fetchall()
    assert len(ids) == 10


def test_small_population_is_fast_and_faults_are_listed(tmp_path: Path) -> None:
    started = time.perf_counter()
    write_synthetic(tmp_path, clusters=20, members_per_cluster=115, seed=3)
    elapsed = time.perf_counter() - started
    assert elapsed < 15, f"2,300 members took {elapsed:.1f}s; 120,000 must stay well under a minute"
    manifest = json.loads((tmp_path / "faults.json").read_text(encoding="utf-8"))
    kinds = {f["kind"] for f in manifest["faults"]}
    assert kinds <= set(FAULT_KINDS)
    assert "incompatible_unit" in kinds


def test_yoy_fault_is_a_tenfold_jump(tmp_path: Path) -> None:
    write_synthetic(tmp_path, clusters=20, members_per_cluster=115, seed=3)
    faults = json.loads((tmp_path / "faults.json").read_text(encoding="utf-8"))["faults"]
    jump = next(f for f in faults if f["kind"] == "yoy_jump")
    ratio = duckdb.sql(f"""
        SELECT max(value) FILTER (reporting_year = 2025) / max(value) FILTER (reporting_year = 2024)
        FROM read_csv('{tmp_path}/{jump["cluster_id"]}/indicators_*.csv')
        WHERE member_id = '{jump["member_id"]}' AND indicator = 'water.total'""").fetchone()[0]  # type: ignore[index]
    assert 7 < ratio < 14


@pytest.mark.slow
def test_full_population_fits_well_under_a_minute(tmp_path: Path) -> None:
    """1,046 clusters x 115 members x 3 years. CPU time, not wall time: other suites share the cores."""
    started = time.process_time()
    files = write_synthetic(tmp_path, clusters=1046, members_per_cluster=115)
    used = time.process_time() - started
    assert len(files) == 1046 * (1 + 3 * len(SECTIONS)) + 2
    assert used < 40, f"{used:.1f}s of CPU for 120,290 members"
