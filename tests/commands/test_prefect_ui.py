"""infra/prefect-server.sh: the UI it serves talks to the API on the server's own (free) port."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "prefect-server.sh"


@pytest.mark.slow
def test_the_ui_settings_point_at_the_servers_own_port(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    started = subprocess.run(
        [str(SCRIPT), "start", str(tmp_path / "server")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    try:
        assert started.returncode == 0, started.stderr
        api = started.stdout.strip()
        assert api.startswith("http://127.0.0.1:") and api.endswith("/api") and ":4200/" not in api
        with urllib.request.urlopen(api.removesuffix("/api") + "/ui-settings", timeout=30) as answer:
            settings = json.load(answer)
        assert settings["api_url"] == api, settings
    finally:
        subprocess.run([str(SCRIPT), "stop", str(tmp_path / "server")], env=env, timeout=60, check=False)
