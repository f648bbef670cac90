"""The warehouse stays usable from the CLI while the portal serves: a real `ecocluster ingest`
process writes while browsers keep reading, and the portal shows what it wrote at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.portal.conftest import MEMBER, PortalHome
from tests.portal.test_browser import served  # noqa: F401  (the fixture: uvicorn on a free port)
from tests.warehouse.builders import submission


def test_cli_ingest_runs_while_the_portal_is_read_and_its_data_shows_at_once(
    served: tuple[str, PortalHome],  # noqa: F811 -- the fixture imported above, by pytest's name lookup
    tmp_path: Path,
) -> None:
    base, portal_home = served
    with httpx.Client(base_url=base, timeout=60) as client:  # a loaded CI machine: slow pages, not errors
        page = client.get("/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"csrf": csrf, "email": "member@h01.example", "password": "correct horse battery staple"},
        )
        stop, errors = threading.Event(), []

        def keep_reading() -> None:
            while not stop.is_set():
                status = client.get(f"/member/{MEMBER}").status_code
                if status != 200:
                    errors.append(status)

        reader = threading.Thread(target=keep_reading)
        reader.start()
        doc = submission()
        doc["indicators"][1]["value"] = 6100
        path = tmp_path / "from-the-cli.json"
        path.write_text(json.dumps(doc))
        started = time.monotonic()
        command = [
            str(Path(sys.executable).with_name("ecocluster")),
            "--home",
            str(portal_home.home.root),
            "ingest",
            str(path),
        ]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - started
        stop.set()
        reader.join()
        assert done.returncode == 0, done.stdout + done.stderr
        assert not errors, errors
        assert "from-the-cli.json" in client.get(f"/member/{MEMBER}").text  # visible on the next request
    assert took < 60, f"the CLI took {took:.1f} s beside the portal"


@pytest.mark.slow  # three server processes and a CLI ingest
def test_two_worker_processes_serve_the_pages_and_let_a_cli_write_in(
    portal_home: PortalHome, tmp_path: Path
) -> None:
    """``ecocluster portal --workers 2``: each worker keeps its own read connection between
    requests, and lets the CLI's ingest in well within its lock wait."""
    from ecocluster.core.processes import free_port, stop_process

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cli = str(Path(sys.executable).with_name("ecocluster"))
    root = str(portal_home.home.root)
    server = subprocess.Popen(
        [cli, "--home", root, "portal", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                assert httpx.get(f"{base}/register", timeout=5).status_code == 200
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.3)
        workers = psutil.Process(server.pid).children(recursive=True)
        assert len([p for p in workers if "spawn_main" in " ".join(p.cmdline())]) == 2
        with httpx.Client(base_url=base) as client:
            for _ in range(10):  # new connections: both workers answer and open their readers
                assert httpx.get(f"{base}/register", timeout=10).status_code == 200
            doc = submission()
            path = tmp_path / "while-two-workers-read.json"
            path.write_text(json.dumps(doc))
            done = subprocess.run(
                [cli, "--home", root, "ingest", str(path)],
                check=False,
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "ECOCLUSTER_LOCK_WAIT_SECONDS": "20"},
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert client.get("/register").status_code == 200
    finally:
        stop_process(server)
