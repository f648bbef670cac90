"""Deployments on a real local Prefect server: `ecocluster serve` picks up a manual rerun
triggered through the API and runs it to completion."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ecocluster.core.home import Home
from ecocluster.warehouse.sample import write_synthetic


def _wait_for_deployment(name: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            assert server.poll() is None, "ecocluster serve exited"
            try:
                client.read_deployment_by_name(name)
                return
            except ObjectNotFound:
                time.sleep(0.5)
    raise AssertionError(f"deployment {name} was not registered within {timeout} s")


@pytest.mark.prefect_server
def test_manual_rerun_deployment_runs_to_completion(
    prefect_api: str, con: duckdb.DuckDBPyConnection, home: Home, tmp_path: Path
) -> None:
    """`serve` needs an existing home (exit 78 otherwise), so the ``con`` fixture makes its warehouse
    first."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    con.close()
    submissions = tmp_path / "sample"
    write_synthetic(submissions, 1, 3)
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOCAL_STORAGE_PATH": str(tmp_path / "results"),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "ecocluster"), "--home", str(home.root), "serve"], env=env
    )
    try:
        _wait_for_deployment("rerun/manual-rerun", server)
        run = run_deployment(
            "rerun/manual-rerun",
            timeout=150,
            parameters={"member": "CL0001-M001", "stage": "collect", "submissions": [str(submissions)]},
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert isinstance(run, FlowRun) and run.state is not None and run.state.is_completed(), run
    check = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        members = check.execute("SELECT DISTINCT member_id FROM submission_part ORDER BY 1").fetchall()
        assert ("CL0001-M001",) in members
    finally:
        check.close()
