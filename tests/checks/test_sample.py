"""Integration: every deliberate fault of a generated population is caught, by the right rule,
with the right severity, for the right member (after real ingestion of the generated files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import checks
from signing.store import open_store
from tests.checks.seeded_faults import CAUGHT_BY
from warehouse.db import connect
from warehouse.home import Home
from warehouse.ingest import ingest_paths
from warehouse.sample import write_synthetic


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
