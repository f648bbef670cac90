"""A real local Prefect server for the tests that claim deployment or scheduling.

Session-scoped: ``prefect server start`` costs ~15 s on two cores, so every test of the session
shares one server on a free port of 127.0.0.1 with its SQLite database in a temporary folder.
A test points the client at it with :func:`prefect.settings.temporary_settings` (``PREFECT_API_URL``),
which the ``prefect_api`` fixture does for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecocluster.core.processes import free_port, stop_process


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(
        f"prefect server did not answer on {url} within {timeout} s: {log.read_text()[-2000:]}"
    )


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API URL of a running ``prefect server start``; stopped at the end of the session."""
    state = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(state),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{state}/prefect.db",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = state / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        stop_process(process, timeout=15)


@pytest.fixture
def prefect_api(prefect_server: str, tmp_path: Path) -> Iterator[str]:
    """Point this test's Prefect client at the session's server, with results stored in tmp_path."""
    from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    with temporary_settings(
        {PREFECT_API_URL: prefect_server, PREFECT_LOCAL_STORAGE_PATH: tmp_path / "results"}
    ):
        yield prefect_server
        _deliver_logs_and_events()


def _deliver_logs_and_events() -> None:
    """Send what Prefect still buffers while the server is up; at interpreter exit it would be
    too late (the session's server is gone) and Prefect prints "Error logging to API"."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=15)
    EventsWorker.drain_all(timeout=15)
