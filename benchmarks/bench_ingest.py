"""Ingestion throughput: ecocluster ingest ÷ a bare DuckDB load of the same files, in one run.

The bare load is what a hand-written loader would do with no validation, no units, no archive
and no supersession: one ``read_csv`` per section over all files, one ``read_json`` for rosters.
Usage: ``python -m benchmarks.bench_ingest [--clusters 1046] [--members 115]``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import connect, ingest_paths
from ecocluster.warehouse.sample import write_synthetic
from ecocluster.warehouse.sections import SECTIONS


def _bare_load(files: list[Path], db: Path) -> float:
    con = duckdb.connect(str(db))
    start = time.perf_counter()
    rosters = [str(f) for f in files if f.name == "cluster.json"]
    con.execute("CREATE TABLE roster AS SELECT * FROM read_json(?)", [rosters])
    for section in SECTIONS:
        mine = [str(f) for f in files if f.suffix == ".csv" and f.name.startswith(section.name + "_")]
        if mine:
            con.execute(
                f"CREATE TABLE {section.name} AS SELECT * FROM read_csv(?, union_by_name = true)", [mine]
            )
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def run(clusters: int, members: int, workdir: Path) -> dict[str, float]:
    started = time.perf_counter()
    files = sorted(write_synthetic(workdir / "population", clusters, members))
    generate_s = time.perf_counter() - started
    bare_s = _bare_load(files, workdir / "bare.duckdb")
    con = connect(workdir / "warehouse.duckdb")
    start = time.perf_counter()
    report = ingest_paths(con, LocalStore(workdir / "objects"), [workdir / "population"])
    ingest_s = time.perf_counter() - start
    n_members = con.execute("SELECT count(*) FROM member").fetchone()[0]  # type: ignore[index]
    n_rows = con.execute("SELECT count(*) FROM indicator_value").fetchone()[0]  # type: ignore[index]
    con.close()
    return {
        "members": n_members,
        "files": len(files),
        "indicator_rows": n_rows,
        "rejected_files": report.count("rejected"),
        "generate_s": generate_s,
        "ingest_s": ingest_s,
        "bare_s": bare_s,
        "ratio": ingest_s / bare_s,
        "members_per_s": n_members / ingest_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=1046)
    parser.add_argument("--members", type=int, default=115)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecocluster-bench-") as tmp:
        r = run(args.clusters, args.members, Path(tmp))
    print(
        f"population: {r['members']:,} members, {r['files']:,} files, {r['indicator_rows']:,} indicator rows "
        f"(generated in {r['generate_s']:.1f} s; {r['rejected_files']} files rejected by design)"
    )
    print(f"ecocluster ingest: {r['ingest_s']:.1f} s = {r['members_per_s']:,.0f} members/s")
    print(f"bare DuckDB load of the same files: {r['bare_s']:.1f} s")
    print(f"ratio ingest ÷ bare: {r['ratio']:.2f}× (goal ≤ 3×); peak RSS {r['peak_rss_mib']:,.0f} MiB")


if __name__ == "__main__":
    main()
