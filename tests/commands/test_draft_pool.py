"""Drafting: Ctrl-C ends a pooled draft with the one promised message and no worker tracebacks (issue 14,
honest output); when a pool is used at all: tests/statements/test_draft_pool_size.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest


@pytest.mark.slow
def test_ctrl_c_in_a_pooled_draft_prints_one_message_and_no_tracebacks(tmp_path):
    from ecocluster.warehouse.sample import write_bundled

    write_bundled(tmp_path / "s")
    env = {**os.environ, "ECOCLUSTER_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    entry = [sys.executable, "-c", "from ecocluster.flows.cli import main; main()"]
    subprocess.run(
        [*entry, "ingest", str(tmp_path / "s")], env=env, capture_output=True, timeout=900, check=False
    )
    drafting = subprocess.Popen(
        [*entry, "draft", "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    parent = psutil.Process(drafting.pid)
    deadline = time.monotonic() + 600
    while len(parent.children()) < 2 and drafting.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert drafting.poll() is None, "the draft ended before its workers started"
    time.sleep(1)  # the workers are importing or rendering (the 29 drafts take only seconds more)
    os.killpg(drafting.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
    out, err = drafting.communicate(timeout=300)
    assert drafting.returncode == 130, out + err
    assert "interrupted; nothing half-written was kept, run the command again" in err
    assert "Traceback" not in err + out and "KeyboardInterrupt" not in err + out, err
