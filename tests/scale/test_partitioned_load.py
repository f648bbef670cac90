"""Partitioned first load (per-cluster staging warehouses merged set-wise) equals the sequential load."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.warehouse import connect, ingest_paths
from ecocluster.warehouse.partition import LOADED_TABLES, MergeRefused, merge, partitions, stage
from ecocluster.warehouse.sample import write_synthetic

# Arrival stamps and sequence numbers differ by construction; everything else must be identical.
_VOLATILE = {"seq", "received_at", "rejected_at"}
_VIEWS = ("current_part", "current_indicator_value", "current_obligation")


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    write_synthetic(out, 4, 12, seed=7)
    return out


def _sequential(root: Path, population: Path) -> Home:
    home = Home.resolve(root / "sequential")
    con = connect(home.warehouse_path)
    ingest_paths(con, LocalStore(home.objects_dir), [population])
    con.close()
    return home


def _differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """Per table and view: rows, rows only in a, rows only in b (multiset comparison)."""
    con = duckdb.connect(str(a), read_only=True)
    con.execute(f"ATTACH '{b}' AS other (READ_ONLY)")
    out = {}
    for name in (*LOADED_TABLES, *_VIEWS):
        described = con.execute(f"SELECT * FROM {name} LIMIT 0").description
        cols = ", ".join(d[0] for d in described if d[0] not in _VOLATILE)
        only_a = con.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM main.{name} EXCEPT ALL "
            f"SELECT {cols} FROM other.{name})"
        ).fetchone()[0]  # type: ignore[index]
        only_b = con.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM other.{name} EXCEPT ALL "
            f"SELECT {cols} FROM main.{name})"
        ).fetchone()[0]  # type: ignore[index]
        out[name] = (con.execute(f"SELECT count(*) FROM {name}").fetchone()[0], only_a, only_b)  # type: ignore[index]
    con.close()
    return out


def _assert_same(a: Path, b: Path) -> None:
    diff = _differences(a, b)
    assert diff["indicator_value"][0] > 0 and diff["current_part"][0] > 0
    assert {k: v[1:] for k, v in diff.items()} == {k: (0, 0) for k in diff}, diff


def test_staged_partitions_merge_to_the_sequential_warehouse(tmp_path: Path, population: Path) -> None:
    sequential = _sequential(tmp_path, population)
    home = Home.resolve(tmp_path / "partitioned")
    groups = partitions(population)
    assert len(groups) == 5  # four cluster folders and the loose top-level files
    stagings = []
    for i, group in enumerate(reversed(groups)):  # order of partitions must not matter
        stagings.append(tmp_path / f"stage-{i}.duckdb")
        stage(group, stagings[-1], LocalStore(home.objects_dir))
    con = connect(home.warehouse_path)
    merge(con, stagings)
    # A later correction ingested the ordinary way is newer than every merged file.
    newest = con.execute("SELECT max(seq) FROM submission_part").fetchone()[0]  # type: ignore[index]
    assert con.execute("SELECT nextval('submission_seq')").fetchone()[0] > newest  # type: ignore[index]
    con.close()
    _assert_same(sequential.warehouse_path, home.warehouse_path)


def test_merge_refuses_members_already_loaded_and_changes_nothing(tmp_path: Path, population: Path) -> None:
    home = _sequential(tmp_path, population)
    staging = tmp_path / "again.duckdb"
    stage(partitions(population)[0], staging, LocalStore(tmp_path / "objects"))
    con = connect(home.warehouse_path)
    before = con.execute("SELECT count(*) FROM submission_part").fetchone()
    with pytest.raises(MergeRefused, match="ecocluster ingest"):
        merge(con, [staging])
    assert con.execute("SELECT count(*) FROM submission_part").fetchone() == before
    con.close()


@pytest.mark.slow
def test_dask_task_runner_loads_the_same_warehouse(tmp_path: Path, population: Path) -> None:
    """Prefect + a local Dask cluster of two worker processes, cluster batches in parallel."""
    from ecocluster.flows.scaleout import partitioned_load

    sequential = _sequential(tmp_path, population)
    home = Home.resolve(tmp_path / "dask")
    result = partitioned_load(home, population, workers=2, batches=3)
    assert result.batches == 3 and result.ingested > 0
    assert not list((home.root / "staging").glob("*/*.duckdb"))  # staging files are removed after the merge
    _assert_same(sequential.warehouse_path, home.warehouse_path)
