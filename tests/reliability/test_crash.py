"""SIGKILL the cycle at random moments, rerun until it completes: the result is the uninterrupted one.

Set-up (once per session): the bundled sample is run through the cycle in a scratch home and the
DEMO verifier signs every waiting draft there; the signed envelopes, certificates and validated PDFs
are then what "arrives in the inbox" of every home below, with the same accreditation-body CA, so
an uninterrupted run and a crashed one see exactly the same inputs and reach registration.

Each scenario runs the uninterrupted cycle once in ``<tmp>/cycle/home``, keeps its content (see
:mod:`tests.reliability.crash`), then runs the same cycle in a fresh home at the same path, killing
it with SIGKILL at seeded random wall-clock times, and reruns it until it completes.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.flows import _demo
from ecocluster.flows._handoff import open_requests
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse.sample import write_bundled
from tests.reliability.crash import (
    Attempt,
    Zygote,
    kill_points,
    leftover_temp_files,
    run_cycle,
    store_content,
    warehouse_content,
)


@dataclass(frozen=True)
class Inputs:
    sample: Path
    ca: Path  # the accreditation body's public CA certificate and CRL (no keys)
    inbox: dict[str, bytes]  # object key -> bytes dropped into each home's approvals inbox


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    yield z
    z.close()


@pytest.fixture(scope="module")
def inputs(zygote: Zygote, tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    root = tmp_path_factory.mktemp("crash-inputs")
    sample = root / "sample"
    write_bundled(sample)
    home = Home.resolve(root / "signer")
    assert zygote.run(home.root, [sample]).rc == 0
    ws = Workspace.of(home)
    year = _year(home)
    signed = _demo.sign_waiting(ws, year, sorted({r.member_id for r in open_requests(ws.store, year)}))
    assert signed, "the DEMO verifier signed nothing: the crash test would never reach registration"
    store = LocalStore(home.objects_dir)
    inbox = {
        f"inbox/approvals/{key.split('/')[-2]}-{key.split('/')[-1]}": store.get(key)
        for key in store.list("approvals/")
    }
    return Inputs(sample, home.root / "pki" / "ca", inbox)


def _year(home: Home) -> int:
    from ecocluster.warehouse.due import latest_reporting_year

    with Workspace.of(home).warehouse(read_only=True) as con:
        year = latest_reporting_year(con)
    assert year is not None
    return year


def _fresh_home(path: Path, inputs: Inputs) -> Path:
    if path.exists():
        shutil.rmtree(path)
    ca = path / "pki" / "ca"
    ca.mkdir(parents=True)
    for name in ("ca.pem", "crl.pem"):
        shutil.copy(inputs.ca / name, ca / name)
    store = LocalStore(path / "objects")
    for key, data in inputs.inbox.items():
        store.put(key, data)
    return path


def _content(home: Path) -> dict[str, str]:
    return {
        **{f"warehouse:{k}": v for k, v in warehouse_content(home / "warehouse.duckdb").items()},
        **{f"object:{k}": v for k, v in store_content(home / "objects").items()},
    }


def crash_and_compare(zygote: Zygote, inputs: Inputs, tmp: Path, seed: int, kills: int) -> list[Attempt]:
    """The scenario; returns every attempt (killed ones first) for the figures."""
    home = tmp / "cycle" / "home"
    reference = zygote.run(_fresh_home(home, inputs), [inputs.sample])
    assert reference.rc == 0 and reference.stage == "done"
    expected = _content(home)
    assert any(k.startswith("object:packages/") or "registration_package#rows" in k for k in expected)
    assert int(expected["warehouse:registration_package#rows"]) > 0, "the reference run registered nobody"
    home.rename(tmp / "reference")  # kept for a person debugging a difference
    home = _fresh_home(home, inputs)
    attempts = []
    for point in kill_points(seed, kills, reference):
        attempts.append(zygote.run(home, [inputs.sample], kill=point))
        assert attempts[-1].rc in (-9, 0), f"a cycle failed on its own after a crash: {attempts[-1]}"
    for _ in range(3):  # a rerun after the last kill completes
        attempts.append(zygote.run(home, [inputs.sample]))
        if attempts[-1].rc == 0:
            break
    assert attempts[-1].rc == 0, f"the cycle does not complete after crashes: {attempts}"
    got = _content(home)
    differ = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
    assert not differ, f"content after crashes differs from the uninterrupted run: {differ[:20]}"
    assert not any(".tmp-" in k for k in got)  # half-written objects are never listed
    return attempts


@pytest.mark.slow  # 2-5 min of cycles; the default suite keeps the kill-point test below
def test_killed_cycle_reruns_to_the_uninterrupted_content(
    zygote: Zygote, inputs: Inputs, tmp_path: Path
) -> None:
    attempts = crash_and_compare(zygote, inputs, tmp_path, seed=9, kills=3)
    assert sum(a.rc == -9 for a in attempts) >= 1
    print("attempts:", [(a.rc, a.stage, round(a.seconds, 1)) for a in attempts])


def test_kill_points_cover_every_stage_of_the_cycle() -> None:
    reference = Attempt(0, "done", 10.0, {"collect": 4.0, "check": 2.0, "register": 0.5, "done": 0.0})
    points = kill_points(1, 60, reference)
    assert {p.stage for p in points} == {"collect", "check", "register"}
    assert all(0 <= p.delay <= reference.stage_seconds[p.stage] for p in points)
    assert points == kill_points(1, 60, reference)  # reproducible


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="open (2026-12-02): once in the last two runs of seed 3, the cycle after a SIGKILL read a "
    "warehouse block whose checksum did not match (DuckDB 1.4.4 IOException 'Corrupt database file') "
    "in the check stage; not yet explained, see the session-6 note of issue 14. Every other seed and "
    "run completed to the uninterrupted content",
)
@pytest.mark.parametrize("seed", range(4))
def test_many_random_kills(zygote: Zygote, inputs: Inputs, tmp_path: Path, seed: int) -> None:
    attempts = crash_and_compare(zygote, inputs, tmp_path, seed=100 + seed, kills=10)
    killed = Counter(a.stage for a in attempts if a.rc == -9)
    assert sum(killed.values()) >= 5
    print(
        f"seed {seed}: killed {sum(killed.values())}x during {dict(killed)}; "
        f"temp leftovers {len(leftover_temp_files(tmp_path / 'cycle' / 'home' / 'objects'))}"
    )


# Where each stage of `run-cycle` first leaves files in the object store: raw files (collect),
# statements (draft), verification requests (verify), recorded approvals, registration packages.
_MILESTONES = ("raw", "statements", "handoff", "approvals", "competent-body")


def _files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _kill_when_written(run: subprocess.Popen[str], folder: Path, delay: float) -> bool:
    """SIGKILL the run's whole session ``delay`` s after a new file appears under ``folder``;
    False when the run ended first."""
    before = _files(folder)
    while run.poll() is None:
        if _files(folder) > before:
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
            run.communicate(timeout=60)
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_killed_prefect_run_cycle_reruns_to_the_uninterrupted_content(
    zygote: Zygote, inputs: Inputs, tmp_path: Path
) -> None:
    """The orchestrated path (embedded Prefect server, task cache keys, persisted results), killed
    once inside each stage: the rerun after the last kill reaches exactly the uninterrupted content."""
    home = tmp_path / "cycle" / "home"
    reference = run_cycle(_fresh_home(home, inputs), inputs.sample)
    out = reference.communicate(timeout=900)[0]
    assert reference.returncode == 0, out[-3000:]
    expected = _content(home)
    assert int(expected["warehouse:registration_package#rows"]) > 0, "the reference run registered nobody"
    home.rename(tmp_path / "reference")
    home = _fresh_home(home, inputs)
    rng = random.Random(8)
    killed = [
        m
        for m in _MILESTONES
        if _kill_when_written(run_cycle(home, inputs.sample), home / "objects" / m, rng.uniform(0, 0.3))
    ]
    assert len(killed) >= 3, f"the runs ended before most kills: only {killed} were hit"
    last = run_cycle(home, inputs.sample)
    out = last.communicate(timeout=900)[0]
    assert last.returncode == 0, out[-3000:]
    got = _content(home)
    differ = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
    assert not differ, (
        f"content after killing run-cycle in {killed} differs from the uninterrupted run: {differ[:20]}"
    )
    print(f"run-cycle killed after the first new file under {killed}")
