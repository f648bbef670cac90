"""`ecocluster serve` ends with one plain message (exit 75) when its Prefect server goes away."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.warehouse.builders import roster, write_json

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "prefect-server.sh"


@pytest.mark.slow
def test_serve_ends_cleanly_when_the_server_goes_away(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["ECOCLUSTER_HOME"] = str(tmp_path / "home")
    entry = [sys.executable, "-c", "from ecocluster.flows.cli import main; main()"]
    write_json(tmp_path / "in" / "cluster.json", roster())
    assert (
        subprocess.run(
            [*entry, "ingest", str(tmp_path / "in")], env=env, capture_output=True, timeout=600, check=False
        ).returncode
        == 0
    )
    server = tmp_path / "server"
    started = subprocess.run(
        [str(SCRIPT), "start", str(server)], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert started.returncode == 0, started.stderr
    serving = subprocess.Popen(
        [*entry, "serve"],
        env={**env, "PREFECT_API_URL": started.stdout.strip()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(45)  # imports, then the deployments are registered and polled
        assert serving.poll() is None, serving.communicate()
    finally:
        subprocess.run([str(SCRIPT), "stop", str(server)], env=env, timeout=60, check=False)
    out, err = serving.communicate(timeout=300)
    assert serving.returncode == 75, out + err
    assert "stopped answering" in err and "infra/prefect-server.sh start" in " ".join(err.split())
    assert "Traceback" not in out + err, err
