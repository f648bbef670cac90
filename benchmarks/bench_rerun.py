"""What a coordinator waits for: ``ecocluster rerun --member ID`` as typed, against the bare stage functions.

One synthetic population is ingested into a home. The first ``rerun`` starts the home's runner
(:mod:`ecocluster.flows._runner`: imports, Prefect's server; once per home) and is reported apart. Then,
interleaved round by round so both see the same load, (a) the command in a fresh process, wall
time as the coordinator sees it, Prefect recording the flow run, and (b) the same stages called
directly in this warm process (``run_cycle(..., direct=True)``: no Prefect, no CLI), each on a
member neither has touched (a member done before would be a cache hit, not a rerun). The command
minus the bare functions is what the CLI, the runner and Prefect add; it does not grow with the
warehouse. ``--home`` measures an ingested home instead of a fresh population (the 120,290-member one:
``ecocluster sample --clusters 1046 --members-per-cluster 115`` then ``ecocluster ingest``), and
``--stages check,draft`` measures a rerun from each stage in turn (a draft-stage rerun drafts the
member's statement with its PDF and the cluster's joint statement, then sends it to verification).
The machine's 1-minute load average is read before each command. Usage:
``python -m benchmarks.bench_rerun [--clusters 4] [--members 15] [--home HOME] [--stages check,draft]``.
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
    from ecocluster.warehouse.sample import write_synthetic

    home = Home.resolve(root / "home")
    write_synthetic(root / "population", clusters, members)
    with connect(home.warehouse_path) as con:
        ingest_paths(con, open_store(home), [root / "population"])
    return home, _due(home)


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


def _due(home: Home) -> list[str]:
    from ecocluster.warehouse import connect
    from ecocluster.warehouse.due import CycleKind, members_due

    with connect(home.warehouse_path, read_only=True) as con:
        return [d.member_id for d in members_due(con, 2025, CycleKind.ANNUAL)]


def _command(home: Home, member: str, stage: str = "check") -> float:
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
            stage,
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


def _first(home: Home, member: str, attempts: int = 3) -> float:
    """The first command, which starts the runner: on a loaded machine the runner may take longer
    than the client waits for it (``START_TIMEOUT``), so the command is asked again, as a person would."""
    started = time.perf_counter()
    for attempt in range(attempts):
        try:
            _command(home, member)
            break
        except RuntimeError:
            if attempt == attempts - 1:
                raise
    return time.perf_counter() - started


def _bare(home: Home, member: str, stage: str = "check") -> float:
    from ecocluster.flows.cycles import run_cycle
    from ecocluster.warehouse.due import CycleKind

    started = time.perf_counter()
    summary = run_cycle(CycleKind.ANNUAL, None, str(home.root), members=[member], start=stage, direct=True)
    assert [m.member_id for m in summary.members] == [member]
    return time.perf_counter() - started


def run(
    clusters: int = 4,
    members: int = 15,
    rounds: int = 5,
    home_root: Path | None = None,
    stages: tuple[str, ...] = ("check",),
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ecocluster-bench-rerun-") as tmp:
        if home_root is None:
            home, due = _population(Path(tmp), clusters, members)
        else:
            home = Home.resolve(home_root)
            due = _due(home)
        return _measure(home, due, rounds, stages)


def _measure(home: Home, due: list[str], rounds: int, stages: tuple[str, ...]) -> dict[str, Any]:
    """The first command (starts the runner), then per round and stage: the command, the bare stages."""
    from ecocluster.flows import _runner, _runtime

    _runtime.configure(home)  # Prefect is imported by the bare path too (never started there)
    _runtime.quiet()
    needed = 2 + 2 * rounds * len(stages)
    if len(due) < needed:
        raise SystemExit(f"only {len(due)} members due, {needed} needed: use more --clusters/--members")
    # members from the end of the roster: a home measured before used the first ones
    fresh = iter(due[::-1])
    figures: dict[str, Any] = {"members_due": len(due), "home": str(home.root)}
    try:
        figures["first_command_s"] = _first(home, next(fresh))
        _bare(home, next(fresh))  # warms this process's imports, as the runner's were
        runner = _runner_process(home)
        times: dict[str, dict[str, list[float]]] = {
            s: {k: [] for k in ("command", "bare", "command_cpu", "bare_cpu", "load")} for s in stages
        }
        for _ in range(rounds):
            for stage in stages:
                got = times[stage]
                got["load"].append(os.getloadavg()[0])
                cpu = _cpu(runner)
                got["command"].append(_command(home, next(fresh), stage))
                got["command_cpu"].append(_cpu(runner) - cpu)
                cpu = _cpu(None)
                got["bare"].append(_bare(home, next(fresh), stage))
                got["bare_cpu"].append(_cpu(None) - cpu)
    finally:
        _runner.stop(home)
    for stage, got in times.items():
        pairs = list(zip(got["command"], got["bare"], strict=True))
        cpu_pairs = list(zip(got["command_cpu"], got["bare_cpu"], strict=True))
        figures[stage] = {
            "command_s": got["command"],
            "bare_s": got["bare"],
            "command_median_s": statistics.median(got["command"]),
            "bare_median_s": statistics.median(got["bare"]),
            "added_median_s": statistics.median(c - b for c, b in pairs),
            "command_cpu_s": got["command_cpu"],
            "bare_cpu_s": got["bare_cpu"],
            "command_cpu_median_s": statistics.median(got["command_cpu"]),
            "bare_cpu_median_s": statistics.median(got["bare_cpu"]),
            "added_cpu_median_s": statistics.median(c - b for c, b in cpu_pairs),
            "load_average_1min": got["load"],
        }
    figures["load_average_at_end"] = os.getloadavg()
    return figures


def _shown(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    return round(value, 2) if isinstance(value, float) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--members", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--home", type=Path, help="an ingested home to measure instead of a fresh population")
    parser.add_argument("--stages", default="check", help="rerun stages to measure, comma-separated")
    args = parser.parse_args()
    figures = run(args.clusters, args.members, args.rounds, args.home, tuple(args.stages.split(",")))
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for name, inner in value.items():
                print(f"  {name}: {_shown(inner)}")
        else:
            print(f"{key}: {_shown(value)}")


if __name__ == "__main__":
    main()
