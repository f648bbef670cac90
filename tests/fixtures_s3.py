"""A real SeaweedFS S3 server for the session, started by infra/seaweedfs.sh from .venv/bin/weed, exactly as a
deployment starts it (only the S3 API answers; tests/signing/test_seaweedfs_exposure.py proves it)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecocluster.core.config import StorageConfig

SCRIPT = Path(__file__).resolve().parents[1] / "infra" / "seaweedfs.sh"
ACCESS_KEY, SECRET_KEY = "ecocluster-test", "ecocluster-test-secret"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    folder: Path  # the script's DIR: data, log, pid
    pid: int  # the `weed mini` process: its listening ports are what an attacker on the network could reach

    def storage_config(self, bucket: str | None = None, **extra: object) -> dict[str, object]:
        """A ``[storage]`` section for this server; a fresh bucket per call unless one is named."""
        return {
            "backend": "s3",
            "endpoint_url": self.endpoint_url,
            "bucket": bucket or f"t-{uuid.uuid4().hex[:12]}",
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            **extra,
        }

    def store_config(self, bucket: str | None = None, **extra: object) -> StorageConfig:
        """:meth:`storage_config` as the parsed ``[storage]`` section."""
        return StorageConfig.parse(self.storage_config(bucket, **extra))


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    folder = tmp_path_factory.mktemp("seaweedfs")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    started = subprocess.run(
        [str(SCRIPT), "start", str(folder)], env=env, capture_output=True, text=True, check=False, timeout=90
    )
    if started.returncode != 0:
        pytest.fail(f"SeaweedFS did not start: {started.stderr}")
    try:
        pid = int((folder / "weed.pid").read_text())
        yield S3Server(started.stdout.strip(), ACCESS_KEY, SECRET_KEY, folder, pid)
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder)], timeout=30, check=False)
