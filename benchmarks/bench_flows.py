"""Orchestration overhead: the annual cycle as Prefect flows ÷ the same stage functions called directly.

One synthetic population is generated and ingested once; two copies of that home folder then
run the same annual cycle (check → draft → send to verification → approvals; nobody has signed,
so it stops at the hand-off): one through Prefect (tasks with their cache keys and persisted
results, retries armed, artifacts, against a local server started beforehand so its start-up is
not counted), one calling the tasks' functions in the same order without Prefect
(``flows.run_cycle(..., direct=True)``). The ratio is what orchestration costs the cycle. The
Prefect run goes first, so any warm-up favours the direct one: the ratio is an upper bound.
Usage: ``python -m benchmarks.bench_flows [--clusters 20] [--members 115]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from flows import _runtime
from warehouse.home import Home


def _population(workdir: Path, clusters: int, members: int) -> Home:
    from signing.store import open_store
    from warehouse import connect, ingest_paths
    from warehouse.sample import write_synthetic

    home = Home.resolve(workdir / "ingested")
    write_synthetic(workdir / "population", clusters, members)
    with connect(home.warehouse_path) as con:
        ingest_paths(con, open_store(home), [workdir / "population"])
    return home


def _copy(home: Home, to: Path) -> Home:
    shutil.copytree(home.root, to)
    return Home.resolve(to)


def run(clusters: int = 20, members: int = 115, workdir: Path | None = None) -> dict[str, Any]:
    """Figures of one measurement; the Prefect server is started here unless PREFECT_API_URL is set."""
    with tempfile.TemporaryDirectory(prefix="ecocluster-bench-flows-", dir=workdir) as tmp:
        root = Path(tmp)
        _runtime.configure(Home.resolve(root / "prefect-state"))
        _runtime.start_temporary_server(Home.resolve(root / "prefect-state"))  # comes up while we ingest
        from flows._due import CycleKind
        from flows.cycles import annual_cycle, run_cycle

        _runtime.quiet()
        ingested = _population(root, clusters, members)
        direct_home, prefect_home = _copy(ingested, root / "direct"), _copy(ingested, root / "prefect")
        _runtime.wait_for_server()

        start = time.perf_counter()  # Prefect first: any warm-up (fonts, caches) favours the direct run
        orchestrated = annual_cycle(None, str(prefect_home.root))
        prefect_s = time.perf_counter() - start
        start = time.perf_counter()
        direct = run_cycle(CycleKind.ANNUAL, None, str(direct_home.root), direct=True)
        direct_s = time.perf_counter() - start
        _runtime.stop_temporary_server()
    assert direct.counts() == orchestrated.counts(), (direct.counts(), orchestrated.counts())
    return {"members_due": len(direct.members), "states": direct.counts(), "stages": len(orchestrated.stages),
            "direct_s": direct_s, "prefect_s": prefect_s, "overhead_s": prefect_s - direct_s,
            "ratio": prefect_s / direct_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--members", type=int, default=115)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    r = run(args.clusters, args.members, args.workdir)
    print(f"annual cycle over {r['members_due']:,} due members ({r['states']}), {r['stages']} stages")
    print(f"stage functions called directly: {r['direct_s']:.1f} s")
    print(f"Prefect flow with tasks, cache, artifacts: {r['prefect_s']:.1f} s "
          f"(+{r['overhead_s']:.1f} s)")
    print(f"ratio Prefect ÷ direct: {r['ratio']:.3f}× (goal ≤ 1.05×)")


if __name__ == "__main__":
    main()
