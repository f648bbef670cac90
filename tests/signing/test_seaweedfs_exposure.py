"""The SeaweedFS the project starts (infra/seaweedfs.sh, the same script the s3 fixture runs) exposes
only the S3 API: no HTTP request without credentials, on any port or socket the process listens on,
deletes, alters or even reads a COMPLIANCE-locked version, and gRPC needs the client certificate.

Issue 13 finding 5: with `weed mini`'s defaults a plain HTTP DELETE on the filer removed a locked
version, and a GET of the master's ``/col/delete`` destroyed the whole bucket's data, while the S3
API itself refused both.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
from pathlib import Path

import psutil
import pytest

from ecocluster.core.store.s3 import S3Store
from tests.fixtures_s3 import S3Server

pytestmark = pytest.mark.s3

WEED = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "weed"
METHODS = ("DELETE", "PUT", "POST", "GET")  # altering ones, and a read of the locked bytes
# Master endpoints that change or destroy data on a GET (collection = bucket in SeaweedFS).
MASTER_ADMIN = (
    "/col/delete?collection={bucket}",
    "/vol/vacuum?garbageThreshold=0",
    "/vol/grow?collection={bucket}",
    "/submit",
    "/dir/assign?collection={bucket}",
)


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket (the filer's and the S3 gateway's local sockets)."""

    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=5)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(self.socket_path)


def _request(where: str | tuple[str, int], method: str, path: str) -> int | str:
    """Status code, or the transport error's name (gRPC ports drop plain HTTP/1.1)."""
    connection = (
        _UnixConnection(where)
        if isinstance(where, str)
        else http.client.HTTPConnection(where[0], where[1], timeout=5)
    )
    try:
        connection.request(method, path, body=b"forged" if method in ("PUT", "POST") else None)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__
    finally:
        connection.close()


def _flag(process: psutil.Process, name: str) -> str:
    return next(str(arg).split("=", 1)[1] for arg in process.cmdline() if arg.startswith(f"-{name}="))


def _shell(process: psutil.Process, command: str, cwd: Path, timeout: float) -> str:
    """`weed shell` over the master's gRPC port; it reads the client certificate from ./security.toml."""
    master = f"127.0.0.1:{_flag(process, 'master.port')}.{_flag(process, 'master.port.grpc')}"
    try:
        return subprocess.run(
            [str(WEED), "shell", f"-master={master}"],
            input=f"{command}\n",
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        ).stdout
    except subprocess.TimeoutExpired as e:  # without a certificate it keeps retrying the handshake
        return e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")


def _chunk_ids(s3_server: S3Server, process: psutil.Process, filer_path: str) -> list[str]:
    """The volume file ids holding a version's bytes, read as the operator can (`weed shell` with the
    gRPC client certificate in the server's folder): the ids an attacker would aim a volume DELETE at."""
    out = _shell(process, f"fs.meta.cat {filer_path}", s3_server.folder, 60)
    ids = [line.split('"')[3] for line in out.splitlines() if line.strip().startswith('"fileId"')]
    assert ids, f"no chunk found for {filer_path}: {out[-500:]}"
    return ids


def test_grpc_needs_the_client_certificate(s3_server: S3Server, tmp_path: Path) -> None:
    """gRPC has no authentication but mutual TLS, and `weed shell` over it can delete any file."""
    store = S3Store.from_config(s3_server.store_config(retention_days=1))
    store.put("k", b"x")
    process = psutil.Process(s3_server.pid)
    assert store.bucket in _shell(process, "fs.ls /buckets", s3_server.folder, 60)
    assert store.bucket not in _shell(process, "fs.ls /buckets", tmp_path, 8)  # no ./security.toml here


def test_only_loopback_and_no_uncredentialed_http_request_alters_or_reads_a_locked_version(
    s3_server: S3Server,
) -> None:
    store = S3Store.from_config(s3_server.store_config(retention_days=1))
    key = "approvals/c1/2026/m1/locked.dsse.json"
    stored = store.put(key, b"evidence", content_type="application/json")
    process = psutil.Process(s3_server.pid)
    inet = {c.laddr for c in process.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    unix = sorted({c.laddr for c in process.net_connections("unix") if c.laddr})
    assert inet and {ip for ip, _port in inet} == {"127.0.0.1"}, f"listening beyond loopback: {sorted(inet)}"

    bucket, version = store.bucket, f"{key}.versions/v_{stored.version_id}"
    targets = [
        f"/buckets/{bucket}/{key}",
        f"/buckets/{bucket}/{version}",
        f"/buckets/{bucket}/{key}.versions",
        f"/buckets/{bucket}/{key}.versions?recursive=true",
        f"/buckets/{bucket}?recursive=true",
        f"/{bucket}/{key}",
        f"/{bucket}/{key}?versionId={stored.version_id}",
        *(f"/{fid}" for fid in _chunk_ids(s3_server, process, f"/buckets/{bucket}/{version}")),
    ]
    answered: dict[tuple[object, str, str], int | str] = {}
    for where in [*sorted(inet), *unix]:
        for path in targets:
            for method in METHODS:
                answered[(where, method, path)] = _request(where, method, path)
        for admin in MASTER_ADMIN:
            path = admin.format(bucket=bucket)
            answered[(where, "GET", path)] = _request(where, "GET", path)

    accepted = {
        k: status for k, status in answered.items() if isinstance(status, int) and 200 <= status < 300
    }
    assert not accepted, f"requests without credentials were accepted: {accepted}"
    assert store.get(key, version_id=stored.version_id, sha256=stored.sha256) == b"evidence"
    assert [v.version_id for v in store.versions(key)] == [stored.version_id]
