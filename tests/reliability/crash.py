"""Crash injection around the cycle driver, and what "the same content" means after a crash.

**Content** of a home folder, compared between a crashed-and-rerun cycle and an uninterrupted one:

* every base table of the warehouse as a multiset of rows (so a duplicate row is a difference),
  leaving out only the columns of type ``TIMESTAMP`` (``received_at``, ``created_at``,
  ``recorded_at``, ``built_at``, ``last_run_at``…): they record *when* this installation did
  something, which a rerun legitimately changes. Ids are content hashes and stay in, and so do
  ``TIMESTAMPTZ`` columns, which come from signed documents (``signed_at``, certificate validity);
  also left out: ``submission_part.seq``, a sequence number that only orders arrivals (DuckDB hands
  out ``nextval`` in no fixed row order within one file); what it decides, which part supersedes
  which, is compared through ``superseded_by``;
* every object the store lists, by key and SHA-256.

Not content: Data Docs (GX's HTML, dated) and Prefect's own state. Both runs use the same home path,
because verification requests name where the drafts lie.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ecocluster.core.store import LocalStore

REPO = Path(__file__).resolve().parents[2]
_ARRIVAL_ORDER = {("submission_part", "seq")}


def warehouse_content(path: Path) -> dict[str, str]:
    """Table -> digest of its rows without TIMESTAMP columns, plus the row count (``table#rows``)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                "AND table_name <> 'schema_migration' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for table in tables:
            cols = [
                f'"{name}"'
                for name, kind in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if kind != "TIMESTAMP" and (table, name) not in _ARRIVAL_ORDER
            ]
            row = con.execute(
                f"SELECT count(*), coalesce(sha256(string_agg(r, '\n' ORDER BY r)), '') "
                f"FROM (SELECT CAST(({', '.join(cols)}) AS VARCHAR) AS r FROM {table})"
            ).fetchone()
            assert row is not None
            out[table] = row[1]
            out[f"{table}#rows"] = str(row[0])
        return out
    finally:
        con.close()


def store_content(root: Path) -> dict[str, str]:
    store = LocalStore(root)
    return {key: hashlib.sha256(store.get(key)).hexdigest() for key in store.list("")}


def run_cycle(home: Path, sample: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`ecocluster run-cycle` as a coordinator runs it, with its own embedded Prefect server, in a
    process session of its own: one ``os.killpg`` takes the CLI and its server down, as a power cut does."""
    return subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "ecocluster"),
            "--home",
            str(home),
            "run-cycle",
            "--submissions",
            str(sample),
        ],
        cwd=REPO,
        env=env or {**os.environ, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def leftover_temp_files(root: Path) -> list[Path]:
    """Temp files of writes a kill interrupted: on disk, but never listed as objects."""
    return sorted(p for p in root.rglob(".tmp-*"))


@dataclass
class Attempt:
    rc: int
    stage: str  # the last stage the driver announced before it ended or was killed
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)  # how long each announced stage ran


@dataclass(frozen=True)
class KillPoint:
    """SIGKILL ``delay`` seconds after the driver announces ``stage`` (a random moment inside it)."""

    stage: str
    delay: float


@dataclass
class Zygote:
    """The cycle driver's zygote process: forks one cycle per :meth:`run`, which may be killed."""

    proc: subprocess.Popen[str] = field(init=False)

    def __post_init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.cycle_driver"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the cycle driver died (rc {self.proc.poll()})")
        return line.strip()

    def run(self, home: Path, files: list[Path], kill: KillPoint | None = None) -> Attempt:
        """One cycle, SIGKILLed at ``kill`` if it gets there and is still running then."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(" ".join(["run", str(home), *map(str, files)]) + "\n")
        self.proc.stdin.flush()
        started = time.monotonic()
        killer: threading.Timer | None = None
        stage, pid, since = "start", 0, started
        seen: dict[str, float] = {}
        try:
            while True:  # the child's first lines may come before the zygote's "pid N"
                line = self._line()
                now = time.monotonic()
                if line.startswith("pid "):
                    pid = int(line.split()[1])
                elif line.startswith("stage "):
                    seen[stage] = seen.get(stage, 0.0) + now - since
                    stage, since = line[6:], now
                    if kill is not None and killer is None and stage == kill.stage:
                        while not pid:  # the pid line is next
                            pid = int(self._line().split()[1])
                        killer = threading.Timer(kill.delay, _kill, (pid,))
                        killer.start()
                elif line.startswith("exit "):
                    seen[stage] = seen.get(stage, 0.0) + now - since
                    return Attempt(int(line.split()[2]), stage, now - started, seen)
        finally:
            if killer:
                killer.cancel()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        if self.proc.stdout:
            self.proc.stdout.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # it finished first
        pass


def kill_points(seed: int, count: int, reference: Attempt) -> list[KillPoint]:
    """``count`` random moments, each inside a random stage of the reference run (weighted equally,
    so short stages such as recording approvals are hit as often as long ones); seeded."""
    rng = random.Random(seed)
    stages = sorted(name for name, took in reference.stage_seconds.items() if name not in ("start", "done"))
    return [
        KillPoint(stage, rng.uniform(0.0, reference.stage_seconds[stage]))
        for stage in (rng.choice(stages) for _ in range(count))
    ]
