"""The warehouse past one writer: DuckLake (SQLite catalog, Parquet on local disk) vs staging files.

W worker processes each write B cluster batches (one batch = one cluster's indicator rows, ~115
members × 20 indicators × 3 years) into one table, concurrently, one transaction per batch:

* ``duckdb``: the floor, one process writing every batch into one DuckDB file (one writer);
* ``ducklake``: every worker attached to one DuckLake (catalog in SQLite, data files as Parquet),
  retrying a batch when its commit conflicts with another worker's;
* ``staging``: every worker writes its own DuckDB staging file, then one set-wise merge
  (what :mod:`ecocluster.warehouse.partition` does).

It then times one aggregate over the whole table (the shape of the checks' queries) on the lake
and on the DuckDB file. Needs the PyPI packages ``duckdb-ext-ducklake`` and ``duckdb-ext-sqlite``
(DuckDB 1.4.4 only; not project dependencies: install them to run this evaluation).
Usage: ``python -m benchmarks.bench_ducklake [--workers 2] [--batches 40] [--members 115]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import duckdb

from benchmarks._results import show

_BATCH = """
SELECT 'CL' || lpad(CAST($batch AS VARCHAR), 4, '0') || '-M' || lpad(CAST(m AS VARCHAR), 3, '0') AS member_id,
       y AS reporting_year, 'ind.' || i AS indicator, random() * 1000 AS value, 'MWh' AS unit
FROM range($members) r(m), range(2023, 2026) ry(y), range(20) ri(i)
"""
_TABLE = (
    "CREATE TABLE IF NOT EXISTS {t} "
    "(member_id VARCHAR, reporting_year INTEGER, indicator VARCHAR, value DOUBLE, unit VARCHAR)"
)
_AGGREGATE = (
    "SELECT indicator, reporting_year, median(value), count(DISTINCT member_id) FROM {t} GROUP BY ALL"
)


def _extensions() -> Path:
    import duckdb_ext  # namespace package from duckdb-ext-*

    return Path(next(iter(duckdb_ext.__path__))) / "extensions" / f"v{duckdb.__version__}" / "linux_amd64"


def _lake(root: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in ("ducklake", "sqlite_scanner"):
        con.execute(f"LOAD '{_extensions() / (name + '.duckdb_extension')}'")
    con.execute(f"ATTACH 'ducklake:sqlite:{root / 'catalog.sqlite'}' AS lake (DATA_PATH '{root / 'data'}/')")
    return con


def _write_lake(root: str, batches: list[int], members: int) -> int:
    """Insert each batch in its own transaction; return how many commits had to be retried."""
    con = _lake(Path(root))
    retries = 0
    for batch in batches:
        while True:
            try:
                con.execute(f"INSERT INTO lake.iv {_BATCH}", {"batch": batch, "members": members})
                break
            except (duckdb.TransactionException, duckdb.IOException, duckdb.CatalogException):
                retries += 1
                time.sleep(0.05)
    con.close()
    return retries


def _write_file(path: str, batches: list[int], members: int) -> int:
    con = duckdb.connect(path)
    con.execute(_TABLE.format(t="iv"))
    for batch in batches:
        con.execute(f"INSERT INTO iv {_BATCH}", {"batch": batch, "members": members})
    con.close()
    return 0


def _parallel(
    fn: object, targets: list[str], batches: list[int], members: int, workers: int
) -> tuple[float, int]:
    shares = [batches[i::workers] for i in range(workers)]
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        retries = sum(pool.map(fn, targets, shares, [members] * workers))  # type: ignore[arg-type]
    return time.perf_counter() - started, retries


def run(workers: int, n_batches: int, members: int, workdir: Path) -> dict[str, float]:
    batches = list(range(n_batches))
    started = time.perf_counter()
    _write_file(str(workdir / "single.duckdb"), batches, members)
    single_s = time.perf_counter() - started

    (workdir / "lake" / "data").mkdir(parents=True)
    con = _lake(workdir / "lake")
    con.execute(_TABLE.format(t="lake.iv"))
    con.close()
    lake_s, retries = _parallel(_write_lake, [str(workdir / "lake")] * workers, batches, members, workers)

    stagings = [str(workdir / f"staging-{i}.duckdb") for i in range(workers)]
    staged_s, _ = _parallel(_write_file, stagings, batches, members, workers)
    started = time.perf_counter()
    merged = duckdb.connect(str(workdir / "merged.duckdb"))
    merged.execute(_TABLE.format(t="iv"))
    for i, path in enumerate(stagings):
        merged.execute(f"ATTACH '{path}' AS s{i} (READ_ONLY)")
    merged.execute("INSERT INTO iv " + " UNION ALL ".join(f"SELECT * FROM s{i}.iv" for i in range(workers)))
    merge_s = time.perf_counter() - started
    merged.close()

    reader = duckdb.connect(str(workdir / "single.duckdb"), read_only=True)
    started = time.perf_counter()
    reader.execute(_AGGREGATE.format(t="iv")).fetchall()
    query_duckdb_s = time.perf_counter() - started
    reader.close()
    lake = _lake(workdir / "lake")
    started = time.perf_counter()
    lake.execute(_AGGREGATE.format(t="lake.iv")).fetchall()
    query_lake_s = time.perf_counter() - started
    n_rows = lake.execute("SELECT count(*) FROM lake.iv").fetchone()[0]  # type: ignore[index]
    lake.close()
    files = len(list((workdir / "lake" / "data").rglob("*.parquet")))
    r = {
        "workers": workers,
        "batches": n_batches,
        "rows": n_rows,
        "duckdb_one_writer_s": single_s,
        "ducklake_parallel_s": lake_s,
        "ducklake_commit_retries": retries,
        "ducklake_parquet_files": files,
        "staging_parallel_s": staged_s,
        "staging_merge_s": merge_s,
        "staging_total_s": staged_s + merge_s,
        "query_duckdb_s": query_duckdb_s,
        "query_ducklake_s": query_lake_s,
    }
    show(r)
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--members", type=int, default=115)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecocluster-ducklake-") as tmp:
        run(args.workers, args.batches, args.members, Path(tmp))


if __name__ == "__main__":
    main()
