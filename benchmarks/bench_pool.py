"""Where a drafting pool pays off: one process against the pool, interleaved, at several batch sizes.

``ecocluster.statements`` renders a run below ``POOL_MIN`` documents (``POOL_MIN_NO_PDF`` for review
drafts) in the calling process and a larger one on every core: each spawned worker first imports
the renderer and loads typst's fonts, which small runs never earn back. This measures that
crossover on an ingested home: for each batch size N (one cluster's joint statement and N - 1 of
its members), ``statements.draft(..., workers=1)`` (the floor) and ``workers=os.cpu_count()`` (the
pool) are called in turn, A B A B, for ``--pairs`` pairs, so both sides see the same load on a
shared machine. It prints the median wall and CPU of each side and the pool ÷ one-process ratio per
size; the threshold is the smallest size from which the pool is faster at every larger size
measured. Drafting the same members again writes the same bytes (no new statement ids), so the home
is not changed in meaning, but point it at a home you may draft in.
Usage: ``python -m benchmarks.bench_pool HOME [--sizes 1,5,10,20,40,80] [--pairs 5] [--no-pdf]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from ecocluster import statements
from ecocluster.core.home import Home
from ecocluster.warehouse import connect


def _cpu() -> float:
    """CPU seconds of this process and of its reaped children (the pool's workers once shut down)."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def _largest_cluster(home: Home) -> tuple[str, list[str]]:
    con = connect(home.warehouse_path, read_only=True)
    try:
        row = con.execute(
            "SELECT cluster_id FROM member GROUP BY cluster_id ORDER BY count(*) DESC, cluster_id LIMIT 1"
        ).fetchone()
        if row is None:
            raise SystemExit(f"{home.root} has no members: ingest a population first")
        members = con.execute(
            "SELECT member_id FROM member WHERE cluster_id = ? ORDER BY member_id", [row[0]]
        ).fetchall()
    finally:
        con.close()
    return str(row[0]), [str(m) for (m,) in members]


def _draft(home: Home, cluster: str, members: list[str], workers: int, pdf: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one draft call of the cluster's joint statement and ``members``."""
    con = connect(home.warehouse_path)
    try:
        started, cpu = time.perf_counter(), _cpu()
        run = statements.draft(con, home, cluster=cluster, only_members=members, workers=workers, pdf=pdf)
        wall, used = time.perf_counter() - started, _cpu() - cpu
    finally:
        con.close()
    if len(run.statements) != len(members) + 1:
        raise RuntimeError(f"drafted {len(run.statements)} documents, expected {len(members) + 1}")
    return wall, used


def crossover(sizes: list[int], ratios: list[float]) -> int | None:
    """The smallest size from which the pool is faster (ratio < 1) at every larger size measured."""
    found = None
    for size, ratio in zip(sizes, ratios, strict=True):
        if ratio < 1:
            found = size if found is None else found
        else:
            found = None
    return found


def run(home: Home, sizes: list[int], pairs: int = 5, pdf: bool = True) -> dict[str, Any]:
    cluster, members = _largest_cluster(home)
    if max(sizes) > len(members) + 1:
        raise SystemExit(
            f"the largest cluster, {cluster}, has {len(members)} members: sizes up to {len(members) + 1}"
        )
    pool = os.cpu_count() or 1
    _draft(home, cluster, members[:1], 1, pdf)  # warm this process's imports, as a CLI run has them
    rows: list[dict[str, Any]] = []
    for size in sizes:
        chosen = members[: size - 1]
        one: list[tuple[float, float]] = []
        many: list[tuple[float, float]] = []
        for _ in range(pairs):
            one.append(_draft(home, cluster, chosen, 1, pdf))
            many.append(_draft(home, cluster, chosen, pool, pdf))
        one_wall = statistics.median(w for w, _ in one)
        pool_wall = statistics.median(w for w, _ in many)
        rows.append(
            {
                "documents": size,
                "one_wall_s": one_wall,
                "pool_wall_s": pool_wall,
                "one_cpu_s": statistics.median(c for _, c in one),
                "pool_cpu_s": statistics.median(c for _, c in many),
                "pool_over_one_wall": pool_wall / one_wall,
                "pair_ratios": [m[0] / o[0] for o, m in zip(one, many, strict=True)],
                "load_average": os.getloadavg()[0],
            }
        )
        print(_line(rows[-1]), flush=True)
    return {
        "cluster": cluster,
        "pool_workers": pool,
        "pdf": pdf,
        "pairs": pairs,
        "rows": rows,
        "crossover_documents": crossover(sizes, [r["pool_over_one_wall"] for r in rows]),
    }


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['documents']:>4} documents: one process {row['one_wall_s']:.2f} s wall "
        f"({row['one_cpu_s']:.2f} s CPU), pool {row['pool_wall_s']:.2f} s wall "
        f"({row['pool_cpu_s']:.2f} s CPU), pool ÷ one {row['pool_over_one_wall']:.2f} "
        f"(pairs {', '.join(f'{r:.2f}' for r in row['pair_ratios'])}), load {row['load_average']:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("home", type=Path, help="an ingested home with open cycles (drafting writes into it)")
    parser.add_argument(
        "--sizes", default="1,5,10,20,40,80", help="documents per draft call, comma-separated"
    )
    parser.add_argument("--pairs", type=int, default=5, help="one-process/pool pairs per size")
    parser.add_argument(
        "--no-pdf", action="store_true", help="review drafts (JSON + HTML) instead of full ones"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = run(Home.resolve(args.home), sizes, args.pairs, pdf=not args.no_pdf)
    print(f"crossover: the pool is faster from {figures['crossover_documents']} documents on")


if __name__ == "__main__":
    main()
