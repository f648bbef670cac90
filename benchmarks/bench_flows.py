"""Orchestration overhead: the annual cycle as Prefect flows ÷ the same stage functions called directly.

One synthetic population is generated and ingested once; two copies of that home folder then
run the same annual cycle (check → draft → send to verification → approvals; nobody has signed,
so it stops at the hand-off): one through Prefect (tasks with their cache keys and persisted
results, retries armed, artifacts, against a local server started beforehand so its start-up is
not counted), one calling the tasks' functions in the same order without Prefect
(``ecocluster.flows.run_cycle(..., direct=True)``). The ratio is what orchestration costs the cycle. The
Prefect run goes first, so any warm-up favours the direct one: the ratio is an upper bound.
Usage: ``python -m benchmarks.bench_flows [--clusters 20] [--members 115]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from ecocluster.core.home import Home
from ecocluster.flows import _runtime


def _population(workdir: Path, clusters: int, members: int) -> Home:
    from ecocluster.core.store import open_store
    from ecocluster.warehouse import connect, ingest_paths
    from ecocluster.warehouse.sample import write_synthetic

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
        from ecocluster.flows.cycles import annual_cycle, run_cycle
        from ecocluster.warehouse.due import CycleKind

        _runtime.quiet()
        ingested = _population(root, clusters, members)
        direct_home, prefect_home = _copy(ingested, root / "direct"), _copy(ingested, root / "prefect")
        _runtime.wait_for_server()

        server = psutil.Process(_runtime.server_pid()) if _runtime.server_pid() else None
        clock = _Clock(server)  # Prefect first: any warm-up (fonts, caches) favours the direct run
        orchestrated = annual_cycle(None, str(prefect_home.root))
        prefect_s, prefect_cpu = clock.lap()
        direct = run_cycle(CycleKind.ANNUAL, None, str(direct_home.root), direct=True)
        direct_s, direct_cpu = clock.lap()
        _runtime.stop_temporary_server()
    assert direct.counts() == orchestrated.counts(), (direct.counts(), orchestrated.counts())
    return {
        "members_due": len(direct.members),
        "states": direct.counts(),
        "stages": len(orchestrated.stages),
        "direct_s": direct_s,
        "prefect_s": prefect_s,
        "overhead_s": prefect_s - direct_s,
        "ratio": prefect_s / direct_s,
        "direct_cpu_s": direct_cpu,
        "prefect_cpu_s": prefect_cpu,
        "cpu_ratio": prefect_cpu / direct_cpu,
        "load_average": os.getloadavg(),
    }


class _Clock:
    """Wall time, and CPU time of this process, its finished children (the drafting pool) and the
    Prefect server: on a machine shared with other jobs CPU time is the steadier figure."""

    def __init__(self, server: psutil.Process | None) -> None:
        self.server = server
        self.last = self._now()

    def _now(self) -> tuple[float, float]:
        cpu = sum(
            getattr(resource.getrusage(who), f)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for f in ("ru_utime", "ru_stime")
        )
        if self.server is not None:
            times = self.server.cpu_times()
            cpu += times.user + times.system
        return time.perf_counter(), cpu

    def lap(self) -> tuple[float, float]:
        now = self._now()
        wall, cpu = now[0] - self.last[0], now[1] - self.last[1]
        self.last = now
        return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--members", type=int, default=115)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    r = run(args.clusters, args.members, args.workdir)
    print(f"annual cycle over {r['members_due']:,} due members ({r['states']}), {r['stages']} stages")
    print(f"stage functions called directly: {r['direct_s']:.1f} s")
    print(f"Prefect flow with tasks, cache, artifacts: {r['prefect_s']:.1f} s (+{r['overhead_s']:.1f} s)")
    print(
        f"ratio Prefect ÷ direct: {r['ratio']:.3f}× wall (goal ≤ 1.05×); CPU time "
        f"{r['prefect_cpu_s']:.1f} s ÷ {r['direct_cpu_s']:.1f} s = {r['cpu_ratio']:.3f}× "
        f"(load average {' / '.join(f'{x:.1f}' for x in r['load_average'])})"
    )


if __name__ == "__main__":
    main()
