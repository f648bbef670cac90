"""``ecocluster demo`` as a newcomer runs it: a real process on a fresh home folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_runs_end_to_end_on_a_fresh_home(tmp_path: Path) -> None:
    # no Prefect server and no TSA of the test session: the demo starts its own (offline, loopback)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ECOCLUSTER_TSA_"))}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ecocluster"), "--home", str(tmp_path / "home"), "demo"],
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "1 file rejected, as intended by the sample" in out and "unexpected rejection" not in out
    assert "Validated and registered" in out and "Blocked before verification" in out
    assert "registration package: home/objects/competent-body/" in out
    assert "DEMO" in out and "Data Docs" in out and "Try next" in out
    # issue 19: one registered member's CO2e (from its energy by carrier) and its VSME report
    figures = out.split("Figures of ", 1)[1].split("Try next", 1)[0]
    assert "CO₂e from energy by carrier: scope 1 " in figures and "ipcc-2006-v2-ch1-table1.4" in figures
    assert "not computed: grid_electricity — no grid factor" in figures
    assert "-vsme.xlsx" in figures and "-vsme.json" in figures and "home/exports/vsme/" in figures
    assert "export vsme --member" in out
    # issue 18: the Italian cluster through the IT profile, the Latvian clusters through the LV profile,
    # numbers only after each waiting period, on a DEMO clock the output names
    assert "DEMO competent body IT (ISPRA" in out and "DEMO competent body LV (" in out
    assert "received, waiting until" in out and out.count("DEMO clock advanced to") == 2
    assert "registered as IT-000001" in out and "registered as LV-000001" in out
    # The trattoria whose kWh were declared as MWh (about 1000x its 2024 energy) is not signed, and
    # the output says why (issue 14 item 8: a demo verifier once signed 93,070 MWh for it).
    blocked = out.split("Blocked before verification", 1)[1].split("DEMO:", 1)[0]
    trattoria = blocked.split("IT-CL-CERRETO-R02", 1)[1].split("\n  IT-", 1)[0]
    assert "plausibility.unit_slip" in trattoria and "most likely a unit slip" in trattoria
    assert "IT-CL-CERRETO-R02" not in out.split("Blocked before verification", 1)[0]
    assert done.stderr.strip() == "", done.stderr  # no log noise, no traceback at shutdown
    # The package check it suggests passes offline, the approval's RFC 3161 timestamp and the PDF's
    # B-LTA signature included, with the demo's TSA long stopped (its CA is the home's accreditation CA).
    suggested = next(line.strip() for line in out.split("Try next", 1)[1].splitlines() if " verify " in line)
    verify = subprocess.run(  # noqa: S602 -- the line the demo prints, run as a person pastes it into a shell
        suggested.split("   #", 1)[0],
        shell=True,
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "signature attested at" in verify.stdout and "PAdES B-LTA" in verify.stdout, verify.stdout
