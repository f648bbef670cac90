"""Two processes on one warehouse: they take turns on DuckDB's single-writer lock, never corrupt it.

DuckDB's lock is between processes, so every test here holds it from a second, real process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecocluster.core.errors import WarehouseBusy
from ecocluster.core.home import Home
from ecocluster.warehouse.db import connect
from tests.reliability.crash import REPO, warehouse_content

_HOLD = """
import sys, time
from pathlib import Path
from ecocluster.warehouse.db import connect
con = connect(Path(sys.argv[1]))
con.execute("INSERT INTO cluster (cluster_id, name, country, language, roster_sha256) "
            "VALUES ('HOLDER', 'h', 'IT', 'it', 'r')")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that holds the warehouse's write lock for ``seconds``, then lets go."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), str(seconds)],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_a_second_process_waits_for_the_lock_then_works(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    connect(home.warehouse_path).close()
    holder = _hold_lock(home.warehouse_path, 1.5)
    monkeypatch.setenv("ECOCLUSTER_LOCK_WAIT_SECONDS", "30")
    started = time.monotonic()
    con = connect(home.warehouse_path)  # queued behind the holder, not refused
    waited = time.monotonic() - started
    try:
        assert con.execute("SELECT cluster_id FROM cluster").fetchall() == [("HOLDER",)]  # its commit is seen
    finally:
        con.close()
    holder.communicate(timeout=30)  # reads and closes its pipe
    assert holder.returncode == 0
    assert 0.5 < waited < 20


def test_a_lock_held_too_long_is_a_clear_transient_error(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    connect(home.warehouse_path).close()
    holder = _hold_lock(home.warehouse_path, 5)
    monkeypatch.setenv("ECOCLUSTER_LOCK_WAIT_SECONDS", "0.5")
    try:
        for read_only in (
            False,
            True,
        ):  # readers queue too: DuckDB refuses them while a writer holds the file
            with pytest.raises(
                WarehouseBusy, match=r"in use by another ecocluster process.*run the command again"
            ):
                connect(home.warehouse_path, read_only=read_only)
    finally:
        holder.kill()
        holder.communicate()
    assert WarehouseBusy.exit_code == 75


def _rerun(home: Home, member: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "ecocluster"),
            "--home",
            str(home.root),
            "rerun",
            "--member",
            member,
            "--stage",
            "check",
        ],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.mark.slow
def test_two_reruns_of_one_member_at_once_end_in_one_consistent_state(home: Home, tmp_path: Path) -> None:
    from ecocluster.core.store import open_store
    from ecocluster.warehouse import ingest_paths
    from ecocluster.warehouse.due import CycleKind, members_due
    from ecocluster.warehouse.sample import write_bundled

    write_bundled(tmp_path / "sample")
    with connect(home.warehouse_path) as con:
        assert ingest_paths(con, open_store(home), [tmp_path / "sample"]).outcomes
        member = members_due(con, 2025, CycleKind.ANNUAL)[0].member_id
    runs = [_rerun(home, member), _rerun(home, member)]
    outputs = [r.communicate(timeout=900)[0] for r in runs]
    codes = [r.returncode for r in runs]
    print("concurrent reruns:", codes, [o[-300:] for o in outputs])
    # each either completed or said clearly that the warehouse was busy (exit 75, run again)
    for code, out in zip(codes, outputs, strict=True):
        assert code == 0 or (code == 75 and "run the command again" in out), out[-2000:]
    assert 0 in codes
    assert all(member in out for code, out in zip(codes, outputs, strict=True) if code == 0)  # it did run
    after_both = warehouse_content(home.warehouse_path)
    again = _rerun(home, member)
    out = again.communicate(timeout=900)[0]
    assert again.returncode == 0, out[-2000:]
    assert warehouse_content(home.warehouse_path) == after_both  # consistent and idempotent: nothing doubled
    with connect(home.warehouse_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM check_member WHERE member_id = ?", [member]).fetchone() == (
            1,
        )
