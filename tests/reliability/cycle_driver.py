"""The annual cycle's stages in a plain process that a test can SIGKILL at any moment.

It runs exactly the stage functions the Prefect flow runs (``ecocluster.flows.cycles._BATCH_STAGES``, each
task's undecorated ``fn``) in the flow's order, without the Prefect server, so a cycle over the
bundled sample takes seconds and a test can kill it at many points. (The Prefect path,
``ecocluster run-cycle``, is crashed by the slow suite.)

Importing GX, Prefect and the stage packages takes ~10-20 s on a busy 2-core machine, longer than
a cycle, so the driver is a *zygote*: ``python -m tests.reliability.cycle_driver`` imports
everything once (no threads yet), then for every ``run HOME FILE...`` line on stdin forks a child
that runs one cycle, prints ``pid N``, the child's ``stage NAME`` progress lines, and ``exit N RC``
(RC = -9 when the test killed it). The kill itself is the test's: ``os.kill(N, SIGKILL)``.
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import sys
import threading
import traceback
from pathlib import Path

from ecocluster.core.home import Home
from ecocluster.flows._stages import batches, collect
from ecocluster.flows._workspace import Workspace
from ecocluster.flows.cycles import _BATCH_STAGES
from ecocluster.warehouse.due import CycleKind, latest_reporting_year, members_due


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(home: Path, submissions: list[Path]) -> None:
    ws = Workspace.of(Home.resolve(home))
    _say("stage collect")
    collect(ws, submissions)
    with ws.warehouse(read_only=True) as con:
        year = latest_reporting_year(con)
        assert year is not None
        due = members_due(con, year, CycleKind.ANNUAL)
    for batch in batches(year, due):
        for _stage, task, _tables in _BATCH_STAGES:
            if not batch.members:
                break
            _say(f"stage {task.name}")
            batch = batch.only(task.fn(ws, batch, "").passed)
    _say("stage done")


def _child(args: list[str]) -> None:
    code = 0
    try:
        run(Path(args[0]), [Path(p) for p in args[1:]])
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve() -> None:
    assert threading.active_count() == 1, "forking needs a single-threaded zygote"
    _say("ready")
    for line in sys.stdin:
        command, *args = line.split()
        if command != "run":
            continue
        pid = os.fork()
        if pid == 0:
            _child(args)
        _say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"exit {pid} {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    serve()
