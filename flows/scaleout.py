"""Scale-out of the first load: cluster batches ingested in parallel on a Dask cluster, merged set-wise.

Each Prefect task is one batch of clusters (never one member) and writes a staging warehouse of
its own under ``<home>/staging/<run>/``, so parallel writers never contend for DuckDB's one
writer lock; the flow then merges the staging files into the warehouse in one transaction
(:mod:`ecocluster.warehouse.partition`). The task runner is Prefect's ``DaskTaskRunner``: a local cluster
of processes by default, or an existing multi-machine Dask scheduler by address (infra/scale-out.md).
On several machines ``<home>`` (the staging folder) must be shared storage and the object store
S3, so every worker archives raw files into the same store.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecocluster.core.home import Home
from ecocluster.flows._runtime import configure, start_temporary_server, wait_for_server


@dataclass(frozen=True)
class PartitionedLoad:
    batches: int
    ingested: int
    unchanged: int
    rejected: int
    skipped: int


def _batches(population: Path, n: int) -> list[list[Path]]:
    from ecocluster.warehouse.partition import partitions

    parts = partitions(population)
    n = max(1, min(n, len(parts)))
    return [[p for part in parts[i::n] for p in part] for i in range(n)]


def _stage_batch(home_root: str, paths: list[str], staging: str) -> dict[str, int]:
    from ecocluster.core.store import open_store
    from ecocluster.warehouse.partition import stage

    report = stage([Path(p) for p in paths], Path(staging), open_store(Home(Path(home_root))))
    return {s: report.count(s) for s in ("ingested", "unchanged", "rejected", "skipped")}


def _task_runner(workers: int, address: str | None) -> Any:
    os.environ.setdefault(
        "DASK_LOGGING__DISTRIBUTED", "warning"
    )  # before dask is imported, here and in workers
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "processes": True,
            "threads_per_worker": 1,
            "dashboard_address": None,
        }
    )


def partitioned_load(
    home: Home,
    population: Path,
    *,
    workers: int | None = None,
    batches: int | None = None,
    address: str | None = None,
) -> PartitionedLoad:
    """Load a population folder (one sub-folder per cluster) with ``batches`` parallel staging writers.

    Unset arguments come from ``[scale]`` in ecocluster.toml: ``dask_address`` (an existing Dask
    scheduler, e.g. "tcp://10.0.0.5:8786"; absent = a local cluster of ``workers`` processes),
    ``workers`` (default 2) and ``batches`` (default: one per worker).
    """
    config = home.config().scale
    workers = workers or config.workers
    batches = batches or config.batches or workers
    address = address or config.dask_address
    configure(home)
    # Before the Dask workers are spawned: they inherit PREFECT_API_URL instead of each starting
    # a temporary server of its own.
    start_temporary_server(home)
    wait_for_server()
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    from ecocluster.warehouse.db import connect
    from ecocluster.warehouse.partition import merge

    stage_task = task(
        name="stage cluster batch", cache_policy=NO_CACHE, task_run_name="stage batch {staging}"
    )(_stage_batch)
    run_dir = home.subdir("staging") / uuid.uuid4().hex[:12]
    run_dir.mkdir()
    groups = _batches(population, batches)

    @flow(name="partitioned load", task_runner=_task_runner(workers, address), log_prints=False)
    def load() -> list[dict[str, int]]:
        futures = [
            stage_task.submit(str(home.root), [str(p) for p in g], str(run_dir / f"batch-{i:04d}.duckdb"))
            for i, g in enumerate(groups)
        ]
        return [f.result() for f in futures]

    try:
        counts = load()
        con = connect(home.warehouse_path)
        try:
            merge(con, sorted(run_dir.glob("batch-*.duckdb")))
        finally:
            con.close()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return PartitionedLoad(
        len(groups), *(sum(c[k] for c in counts) for k in ("ingested", "unchanged", "rejected", "skipped"))
    )
