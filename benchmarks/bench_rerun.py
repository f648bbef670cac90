"""What a coordinator waits for: ``ecocluster rerun --member ID`` as typed, against the bare stage functions.

One synthetic population is ingested into a home. The first ``rerun`` starts the home's runner
(:mod:`ecocluster.flows._runner`: imports, Prefect's server; once per home) and is reported apart. Then,
interleaved round by round so both see the same load, (a) the command in a fresh process, wall
time as the coordinator sees it, Prefect recording the flow run, and (b) the same stages called
directly in this warm process (``run_cycle(..., direct=True)``: no Prefect, no CLI), each on a
member neither has touched (a member done before would be a cache hit, not a rerun). The command
minus the bare functions is what the CLI, the runner and Prefect add; it does not grow with the
warehouse, so on the 120,290-member warehouse the command takes that plus the bare rerun measured
there (benchmarks/RESULTS.md). Usage: ``python -m benchmarks.bench_rerun [--clusters 4] [--members 15]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from ecocluster.core.home import Home


def _population(root: Path, clusters: int, members: int) -> tuple[Home, list[str]]:
    from ecocluster.core.store import open_store
    from ecocluster.warehouse import connect, ingest_paths
    from ecocluster.warehouse.due import CycleKind, members_due
    from ecocluster.warehouse.sample import write_synthetic

    home = Home.resolve(root / "home")
    write_synthetic(root / "population", clusters, members)
    with connect(home.warehouse_path) as con:
        ingest_paths(con, open_store(home), [root / "population"])
        due = [d.member_id for d in members_due(con, 2025, CycleKind.ANNUAL)]
    return home, due


def _cpu(runner: psutil.Process | None) -> float:
    """CPU seconds of this process and its finished children, and of the runner with its finished
    children and its live ones (Prefect's server; a drafting worker or typst that has not ended)."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime
    if runner is None:
        return total
    times = runner.cpu_times()
    total += times.user + times.system + times.children_user + times.children_system
    for child in runner.children(recursive=True):
        try:
            live = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += live.user + live.system
    return float(total)


def _runner_process(home: Home) -> psutil.Process:
    for p in psutil.process_iter(["cmdline"]):
        if (
            p.info["cmdline"]
            and "ecocluster.flows._runner" in p.info["cmdline"]
            and str(home.root) in p.info["cmdline"]
        ):
            return p
    raise RuntimeError("the runner is not running")


def _command(home: Home, member: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ecocluster.flows.cli import main; main()",
            "--home",
            str(home.root),
            "rerun",
            "--member",
            member,
            "--stage",
            "check",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    took = time.perf_counter() - started
    if done.returncode != 0 or member not in done.stdout:
        raise RuntimeError(
            f"rerun {member} exited {done.returncode}: {done.stdout[-1500:]}{done.stderr[-1500:]}"
        )
    return took


def _bare(home: Home, member: str) -> float:
    from ecocluster.flows.cycles import run_cycle
    from ecocluster.warehouse.due import CycleKind

    started = time.perf_counter()
    summary = run_cycle(CycleKind.ANNUAL, None, str(home.root), members=[member], start="check", direct=True)
    assert [m.member_id for m in summary.members] == [member]
    return time.perf_counter() - started


def run(clusters: int = 4, members: int = 15, rounds: int = 5) -> dict[str, Any]:
    from ecocluster.flows import _runner, _runtime

    with tempfile.TemporaryDirectory(prefix="ecocluster-bench-rerun-") as tmp:
        home, due = _population(Path(tmp), clusters, members)
        _runtime.configure(home)  # Prefect is imported by the bare path too (never started there)
        _runtime.quiet()
        if len(due) < 2 * rounds + 2:
            raise SystemExit(f"only {len(due)} members due: use more --clusters/--members")
        try:
            first = _command(home, due[0])  # starts the runner
            _bare(home, due[1])  # warms this process's imports, as the runner's were
            runner = _runner_process(home)
            command, bare, command_cpu, bare_cpu = [], [], [], []
            for i in range(rounds):
                cpu = _cpu(runner)
                command.append(_command(home, due[2 + 2 * i]))
                command_cpu.append(_cpu(runner) - cpu)
                cpu = _cpu(None)
                bare.append(_bare(home, due[3 + 2 * i]))
                bare_cpu.append(_cpu(None) - cpu)
        finally:
            _runner.stop(home)
    return {
        "members": clusters * members,
        "members_due": len(due),
        "first_command_s": first,
        "command_s": command,
        "bare_s": bare,
        "command_median_s": statistics.median(command),
        "bare_median_s": statistics.median(bare),
        "added_median_s": statistics.median(c - b for c, b in zip(command, bare, strict=True)),
        "command_cpu_s": command_cpu,
        "bare_cpu_s": bare_cpu,
        "added_cpu_median_s": statistics.median(c - b for c, b in zip(command_cpu, bare_cpu, strict=True)),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--members", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures = run(args.clusters, args.members, args.rounds)
    for key, value in figures.items():
        shown = (
            [round(v, 2) for v in value]
            if isinstance(value, list | tuple)
            else round(value, 2)
            if isinstance(value, float)
            else value
        )
        print(f"{key}: {shown}")


if __name__ == "__main__":
    main()
