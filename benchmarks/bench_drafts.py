"""Drafting a whole ingested population: review drafts (JSON + HTML, ``pdf=False``) or full ones.

Times ``ecocluster.statements.draft`` for every member and cluster of HOME's open cycles, with the CPU of
the parent (warehouse reads, rows) and of the render workers apart: on a shared machine CPU per
document is steadier than wall time, and the load average says how shared it was. It drafts into
HOME (statement rows and objects), so point it at a copy of a measured home.
Usage: ``python -m benchmarks.bench_drafts HOME [--pdf]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import Any

from benchmarks._memory import peak_rss
from benchmarks._results import show
from ecocluster import statements
from ecocluster.core.home import Home
from ecocluster.warehouse import connect


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, once the pool has reaped them
    return usage.ru_utime + usage.ru_stime


def run(home: Home, *, pdf: bool = False) -> dict[str, Any]:
    con = connect(home.warehouse_path)
    try:
        load_before, children_before = os.getloadavg()[0], _children_cpu()
        with peak_rss() as peak:
            started, cpu = time.perf_counter(), time.process_time()
            drafted = statements.draft(con, home, pdf=pdf)
            wall, parent = time.perf_counter() - started, time.process_time() - cpu
        workers = _children_cpu() - children_before
    finally:
        con.close()
    n = len(drafted.statements)
    return {
        "documents": n,
        "pdf": pdf,
        "wall_s": wall,
        "documents_per_s": n / wall,
        "parent_cpu_ms_per_doc": parent / n * 1000,
        "workers_cpu_ms_per_doc": workers / n * 1000,
        "cpu_ms_per_doc": (parent + workers) / n * 1000,
        "peak_rss_mib": peak.mib,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path, help="an ingested home (a copy: drafting writes into it)")
    parser.add_argument(
        "--pdf", action="store_true", help="full drafts (typst PDFs) instead of review drafts"
    )
    args = parser.parse_args()
    show(run(Home.resolve(args.home), pdf=args.pdf))


if __name__ == "__main__":
    main()
