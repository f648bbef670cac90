"""The collect-stage commands as a coordinator runs them: real process, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.warehouse.builders import roster, submission, write_csv, write_json


def ecocluster(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECOCLUSTER_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", "from flows.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_ingest_status_and_a_malformed_file(tmp_path):
    home = tmp_path / "home"
    write_json(tmp_path / "in" / "cluster.json", roster())
    write_json(tmp_path / "in" / "h01.json", submission())
    good = ecocluster(home, "ingest", str(tmp_path / "in"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ingested" in good.stdout

    bad = write_csv(tmp_path / "bad.csv", "member_id,reporting_year,site_id,indicator,value,unit,period_start,"
                    "period_end,justification\nIT-H02,2025,,water.total,a lot,m3,,,\n")
    refused = ecocluster(home, "ingest", str(bad))
    assert refused.returncode == 65
    assert f"{bad}, row 2, column value: is not a number" in refused.stdout
    assert "nothing of it was stored" in refused.stdout

    shown = ecocluster(home, "status")
    assert shown.returncode == 0 and "IT-TEST" in shown.stdout
    per_member = ecocluster(home, "status", "--cluster", "IT-TEST", "--rejected")
    assert "IT-H01" in per_member.stdout and "submitted" in per_member.stdout
    assert "is not a number" in per_member.stdout


def test_every_command_has_help(tmp_path):
    listing = ecocluster(tmp_path, "--help")
    assert listing.returncode == 0
    for command in ("ingest", "status", "sample", "template"):
        assert command in listing.stdout
        assert ecocluster(tmp_path, command, "--help").returncode == 0
