"""``ecocluster --help`` start-up against the interpreter's own (issue 15 asks for <= 0.3 s).

Interleaved pairs (A B A B …, so both see the same load on a shared machine): (a) the floor,
``python -c pass`` with the same interpreter (its start-up and ``site``, the editable install's
finder included), and (b) the installed ``ecocluster --help`` in a fresh process, as typed. Each
pair gives the command's wall and CPU time (user + system of the child), and the command's wall
time over the floor's. Then every command group's ``--help`` (``ecocluster check --help`` …),
a few runs each.

Bytecode: ``pip install`` compiles every module once, so by default the modules' bytecode is
cached (in a temporary ``PYTHONPYCACHEPREFIX``, after one unmeasured run; the checkout and the
virtualenv are left alone). ``--no-bytecode`` measures a process that compiles every module from
source on each start, as this repository's virtualenv does (uv installs without compiling, and
``PYTHONDONTWRITEBYTECODE`` may be set). Usage:
``python -m benchmarks.bench_cli [--pairs 9] [--group-runs 3] [--no-bytecode]``.
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import _machine

GOAL_SECONDS = 0.3


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def _run(argv: Sequence[str], env: dict[str, str]) -> Timing:
    """One fresh process, its wall time as the shell sees it and its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu)


def _command() -> list[str]:
    """The ``ecocluster`` console script of this interpreter's environment, as a user types it."""
    script = Path(sys.executable).parent / "ecocluster"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from ecocluster.flows.cli import main; main()"]


def _environment(cache: Path, *, bytecode: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)  # an empty one: no bytecode is found but what this run writes
    env["COLUMNS"] = "100"
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _groups() -> list[str]:
    from ecocluster.flows.cli import app

    return [str(g.name) for g in app.registered_groups]


def _spread(values: Sequence[float], unit: str = " s") -> str:
    return (
        f"median {statistics.median(values):.3f}{unit} (min {min(values):.3f}, max {max(values):.3f}, "
        f"n {len(values)})"
    )


def measure(pairs: int, group_runs: int, *, bytecode: bool) -> dict[str, list[float]]:
    """The interleaved pairs, then each group's help; every figure is a list of seconds (or ratios)."""
    command = _command()
    with tempfile.TemporaryDirectory(prefix="ecocluster-bench-pyc-") as cache:
        env = _environment(Path(cache), bytecode=bytecode)
        _run([sys.executable, "-c", "pass"], env)
        _run([*command, "--help"], env)  # writes the bytecode (with --no-bytecode: warms the disk cache)
        figures: dict[str, list[float]] = {
            k: [] for k in ("floor wall", "floor cpu", "help wall", "help cpu", "help over floor", "ratio")
        }
        for _ in range(pairs):
            floor = _run([sys.executable, "-c", "pass"], env)
            shown = _run([*command, "--help"], env)
            figures["floor wall"].append(floor.wall)
            figures["floor cpu"].append(floor.cpu)
            figures["help wall"].append(shown.wall)
            figures["help cpu"].append(shown.cpu)
            figures["help over floor"].append(shown.wall - floor.wall)
            figures["ratio"].append(shown.wall / floor.wall)
        for group in _groups():
            runs = [_run([*command, group, "--help"], env) for _ in range(group_runs)]
            figures[f"{group} --help wall"] = [r.wall for r in runs]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_cli", description=__doc__)
    parser.add_argument("--pairs", type=int, default=9, help="interleaved floor/help pairs (at least 5)")
    parser.add_argument("--group-runs", type=int, default=3, help="runs of each group's --help")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="compile every module from source on each start"
    )
    args = parser.parse_args(argv)
    if args.pairs < 5:
        parser.error("--pairs: at least 5 pairs, or the median says little on a shared machine")
    machine = _machine.describe()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()), flush=True)
    figures = measure(args.pairs, args.group_runs, bytecode=not args.no_bytecode)
    print(
        f"bytecode: {'cached, as after pip install' if not args.no_bytecode else 'none, compiled on start'}"
    )
    print(f"floor `python -c pass`   wall {_spread(figures['floor wall'])}")
    print(f"floor `python -c pass`   CPU  {_spread(figures['floor cpu'])}")
    print(f"`ecocluster --help`      wall {_spread(figures['help wall'])}")
    print(f"`ecocluster --help`      CPU  {_spread(figures['help cpu'])}")
    print(f"help minus floor         wall {_spread(figures['help over floor'])}")
    print(f"help / floor (per pair)       {_spread(figures['ratio'], unit='')}")
    groups = {k: v for k, v in figures.items() if k.endswith("--help wall")}
    for name, values in groups.items():
        print(f"  `ecocluster {name.removesuffix(' wall')}`: {_spread(values)}")
    slowest = max(statistics.median(v) for v in groups.values()) if groups else float("nan")
    print(f"slowest group's median --help: {slowest:.3f} s")
    load = os.getloadavg()
    verdict = "met" if statistics.median(figures["help wall"]) <= GOAL_SECONDS else "not met"
    print(f"goal <= {GOAL_SECONDS} s wall: {verdict} (load average at the end {load[0]:.1f})")


if __name__ == "__main__":
    main()
