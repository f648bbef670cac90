"""The S3 server (a real SeaweedFS of this test's own) stops in the middle of a cycle.

The tasks retry (Prefect, transient errors only), then the run fails with StorageUnavailable:
exit 75 and a message saying what to do. After the server is back, a rerun completes; nothing
is lost (every object the warehouse points to is there) and nothing is written twice (one
version per key: write-once puts of the same bytes are no-ops).

Unreachable storage, wrong credentials and locked versions on a running server are covered
in tests/signing/test_s3_store.py.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

import boto3
import duckdb
import pytest

from ecocluster.core.home import Home
from ecocluster.warehouse.sample import write_bundled
from tests.fixtures_s3 import ACCESS_KEY, SCRIPT, SECRET_KEY
from tests.reliability.crash import run_cycle

_ENV = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "COLUMNS": "200"}


def _seaweed(action: str, folder: Path) -> str:
    done = subprocess.run(
        [str(SCRIPT), action, str(folder)], env=_ENV, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _configure(home: Home, endpoint: str) -> None:
    home.config_path.write_text(
        f'[storage]\nbackend = "s3"\nendpoint_url = "{endpoint}"\nbucket = "outage"\n'
        f'access_key_id = "{ACCESS_KEY}"\nsecret_access_key = "{SECRET_KEY}"\n',
        encoding="utf-8",
    )


def _client(endpoint: str):  # a boto3 S3 client
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )


@pytest.mark.slow
@pytest.mark.s3
def test_storage_outage_mid_cycle_fails_clearly_then_a_rerun_completes(home: Home, tmp_path: Path) -> None:
    sample, weed = tmp_path / "sample", tmp_path / "seaweedfs"
    write_bundled(sample)
    endpoint = _seaweed("start", weed)
    _configure(home, endpoint)
    run = run_cycle(home.root, sample, _ENV)
    s3 = _client(endpoint)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:  # stop the server once the cycle has written the raw files
        with contextlib.suppress(Exception):  # the bucket may not exist yet
            if s3.list_objects_v2(Bucket="outage", Prefix="raw/").get("KeyCount", 0) >= 100:
                break
        time.sleep(0.2)
    _seaweed("stop", weed)
    stopped_at = time.monotonic()
    out = run.communicate(timeout=900)[0]
    print(
        f"outage run: exit {run.returncode} after {time.monotonic() - stopped_at:.0f} s without storage\n"
        f"{out[-600:]}"
    )
    assert run.returncode == 75, out[-3000:]
    assert "cannot reach the S3 server" in out and "run the command again" in out

    endpoint = _seaweed("start", weed)  # same data folder; new ports, so the configuration follows
    _configure(home, endpoint)
    again = run_cycle(home.root, sample, _ENV)
    out = again.communicate(timeout=900)[0]
    assert again.returncode == 0, out[-3000:]

    s3 = _client(endpoint)
    versions: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket="outage"):
        for v in page.get("Versions", []):
            versions[v["Key"]] = versions.get(v["Key"], 0) + 1
    twice = {k: n for k, n in versions.items() if n > 1}
    assert not twice, f"written twice: {twice}"
    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        pointed = {
            k
            for (k,) in con.execute(
                "SELECT archive_key FROM submission UNION SELECT json_key FROM statement "
                "UNION SELECT pdf_key FROM statement"
            ).fetchall()
            if k
        }
        n_statements = con.execute("SELECT count(*) FROM statement").fetchone()
        outage_rejections = con.execute(  # the outage never passes for a member's mistake
            "SELECT filename FROM rejected_file WHERE CAST(errors AS VARCHAR) ILIKE '%s3%'"
        ).fetchall()
    finally:
        con.close()
    missing = sorted(pointed - set(versions))
    assert not missing, f"lost: {missing[:10]}"
    assert n_statements and n_statements[0] > 0
    assert not outage_rejections
    print(f"outage: {len(versions)} objects, each one version; {len(pointed)} pointed to by the warehouse")
    _seaweed("stop", weed)
