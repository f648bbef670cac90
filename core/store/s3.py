"""The S3 object store (boto3): versioned, Object Lock in COMPLIANCE mode, reads pinned to the version
written.

Configuration (``[storage]`` in ecocluster.toml, ``backend = "s3"``)::

    endpoint_url   = "http://127.0.0.1:8333"   # omit for AWS
    bucket         = "ecocluster"
    region         = "us-east-1"
    access_key_id / secret_access_key          # else the usual AWS_* environment variables
    retention_days = 2555                      # default: 7 years

Why COMPLIANCE and 7 years: approvals and registration packages are evidence; nobody, not even an
administrator, may shorten the retention or delete a version before it ends (GOVERNANCE would let
a privileged user do so). Seven years spans two full three-year EMAS verification cycles plus the
statement of the next one, and matches common record-keeping periods; set it per deployment.

The bucket must have Object Lock enabled (it can only be enabled at creation): :meth:`from_config`
creates the bucket that way when it is missing and refuses a bucket without it.

Object Lock keeps a version from being deleted, not a key from getting a newer version or a delete
marker: anyone with the bucket credentials can do both. So nothing here trusts the newest version or
the digest a writer put in the metadata: a pinned :meth:`S3Store.get` reads the version recorded at
write time and hashes the bytes it received.
"""

from __future__ import annotations

import base64
import builtins
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, FlexibleChecksumError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ecocluster.core.config import StorageConfig
from ecocluster.core.errors import ConfigurationError, ObjectLocked, StorageUnavailable, StoredObjectChanged
from ecocluster.core.store.interface import StoredObject

_T = TypeVar("_T")
# "403" is what a HEAD (no error body) answers for bad credentials or missing permission.
_CREDENTIAL_ERRORS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "403"}
_LOCK_ERRORS = {"AccessDenied", "ObjectLocked", "InvalidRequest"}


class S3Store:
    """Write-once storage on any S3 API; every write is a new, locked version."""

    def __init__(self, client: Any, bucket: str, retention: dt.timedelta) -> None:
        self.client = client
        self.bucket = bucket
        self.retention = retention

    @classmethod
    def from_config(cls, config: StorageConfig) -> Self:
        """The store ``[storage]`` describes (its bucket created with Object Lock when missing)."""
        if not config.bucket:
            raise ConfigurationError("[storage] backend = 's3' needs bucket = \"...\"")
        client = boto3.client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=config.secret_access_key,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )
        store = cls(client, config.bucket, dt.timedelta(days=config.retention_days))
        store.ensure_bucket()
        return store

    def _call(self, what: str, fn: Callable[..., _T], **kwargs: Any) -> _T:
        """One boto3 call, its errors turned into ecocluster's: terminal, transient or locked."""
        try:
            return fn(**kwargs)
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            where = f"s3://{self.bucket}/{kwargs.get('Key', '')}"
            if code in _CREDENTIAL_ERRORS:
                raise ConfigurationError(
                    f"{what} {where}: the S3 server refused the credentials ({code}); "
                    "check [storage] access_key_id/secret_access_key"
                ) from e
            if code in ("NoSuchKey", "NoSuchVersion", "404", "NotFound") or (what == "get" and status == 405):
                # a GET of a delete marker's version id answers 405 MethodNotAllowed: nothing there
                raise KeyError(kwargs.get("Key", "")) from e
            if status >= 500 or code in ("SlowDown", "RequestTimeout"):
                raise StorageUnavailable(
                    f"{what} {where}: server error {code} ({status}); retry later"
                ) from e
            if what == "delete" and code in _LOCK_ERRORS:
                raise ObjectLocked(
                    f"{where} version {kwargs.get('VersionId')} is under COMPLIANCE retention "
                    f"and cannot be deleted ({code})"
                ) from e
            raise ConfigurationError(f"{what} {where}: refused by the S3 server: {code} ({status})") from e
        except FlexibleChecksumError as e:
            raise StorageUnavailable(
                f"{what} s3://{self.bucket}/{kwargs.get('Key', '')}: the body does not match "
                f"the checksum the server stored ({e}); damaged in transit: retry"
            ) from e
        except (BotoConnectionError, BotoCoreError) as e:
            raise StorageUnavailable(
                f"{what} s3://{self.bucket}: cannot reach the S3 server ({e}); "
                "start it (infra/seaweedfs.sh start DIR) or check endpoint_url"
            ) from e

    def ensure_bucket(self) -> None:
        try:
            self._call("check bucket", self.client.head_bucket, Bucket=self.bucket)
        except KeyError:
            self._call(
                "create bucket",
                self.client.create_bucket,
                Bucket=self.bucket,
                ObjectLockEnabledForBucket=True,
            )
        lock = self._call("check bucket", self.client.get_object_lock_configuration, Bucket=self.bucket)
        if lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
            raise ConfigurationError(
                f"bucket {self.bucket} has no Object Lock; approvals must be write-once: "
                "create a new bucket with Object Lock enabled"
            )

    def _head(self, key: str, version_id: str | None = None) -> dict[str, Any] | None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ChecksumMode": "ENABLED"}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            return self._call("head", self.client.head_object, **kwargs)
        except KeyError:
            return None

    @contextmanager
    def durable_together(self) -> Iterator[None]:
        """Nothing to gather: an object is durable once S3 has acknowledged its put."""
        yield

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        retain_until: dt.datetime | None = None,
    ) -> StoredObject:
        digest = hashlib.sha256(data).hexdigest()
        head = self._head(key)
        if head is not None and head.get("Metadata", {}).get("sha256") == digest:
            # Same bytes again (a rerun) is a no-op, but only if that version really holds them: the
            # metadata is whatever its writer claimed, and a forged version would become the pin.
            version = head.get("VersionId")
            if self._read(key, version) == data:
                return StoredObject(key, digest, len(data), version, head.get("ObjectLockRetainUntilDate"))
        until = retain_until or dt.datetime.now(dt.UTC) + self.retention
        answer = self._call(
            "put",
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(),
            Metadata={"sha256": digest},
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=until,
        )
        return StoredObject(key, digest, len(data), answer.get("VersionId"), until)

    def _read(self, key: str, version_id: str | None = None) -> bytes:
        """One version's bytes (the current one without ``version_id``); KeyError when absent. botocore
        checks the body against the checksum the server computed at upload (transport damage is
        transient: StorageUnavailable); whether they are the bytes that were written is the caller's pin."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ChecksumMode": "ENABLED"}
        if version_id:
            kwargs["VersionId"] = version_id
        return self._call("get", self._body, **kwargs)

    def _body(self, **kwargs: Any) -> bytes:
        """GET and read the body in one call: botocore checks the checksum as the body is read."""
        data: bytes = self.client.get_object(**kwargs)["Body"].read()
        return data

    def get(self, key: str, *, version_id: str | None = None, sha256: str | None = None) -> bytes:
        if version_id is None and sha256 is None:
            return self._read(key)
        where = f"s3://{self.bucket}/{key}"
        if version_id is None:
            return self._find(key, str(sha256))
        try:
            data = self._read(key, version_id)
        except KeyError:
            raise StoredObjectChanged(
                f"{where} version {version_id}, recorded when it was written, is gone: it was "
                "deleted despite its retention, or its retention was bypassed"
            ) from None
        found = hashlib.sha256(data).hexdigest()
        if sha256 is not None and found != sha256:
            raise StoredObjectChanged(
                f"{where} version {version_id}: SHA-256 is {found}, expected {sha256} as "
                "recorded when it was written: the stored bytes were altered"
            )
        return data

    def _find(self, key: str, sha256: str) -> bytes:
        """The bytes of a content-addressed key whose digest is known, whichever version holds them:
        a newer version or a delete marker in front of the original changes nothing."""
        try:
            data = self._read(key)
            if hashlib.sha256(data).hexdigest() == sha256:
                return data
        except KeyError:
            pass
        for version in self._version_ids(key):
            data = self._read(key, version)
            if hashlib.sha256(data).hexdigest() == sha256:
                return data
        raise StoredObjectChanged(
            f"s3://{self.bucket}/{key}: no version has SHA-256 {sha256}, recorded when it was "
            "written: the stored object was altered or removed"
        )

    def _version_ids(self, key: str) -> builtins.list[str]:
        """The ids of ``key``'s versions, newest first (delete markers left out), every page of them."""
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=key)
        try:
            return [
                item["VersionId"] for page in pages for item in page.get("Versions", []) if item["Key"] == key
            ]
        except (ClientError, BotoCoreError) as e:
            raise StorageUnavailable(f"list versions s3://{self.bucket}/{key}: {e}") from e

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise KeyError(key)
        return int(head["ContentLength"])

    def list(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, BotoCoreError) as e:
            raise StorageUnavailable(f"list s3://{self.bucket}/{prefix}: {e}") from e

    def versions(self, key: str) -> builtins.list[StoredObject]:  # `list` here is the method above
        """Every version of ``key``, newest first: the history write-once storage keeps (``sha256`` as
        each version's writer claimed it in the metadata: for looking, not for trusting)."""
        found = []
        for version in self._version_ids(key):
            head = self._head(key, version) or {}
            claimed = head.get("Metadata", {}).get("sha256", "")
            found.append(
                StoredObject(
                    key,
                    claimed,
                    int(head.get("ContentLength", 0)),
                    version,
                    head.get("ObjectLockRetainUntilDate"),
                )
            )
        return found

    def delete_version(self, key: str, version_id: str) -> None:
        """Raises :class:`ObjectLocked` while the version is retained (which is the point)."""
        self._call("delete", self.client.delete_object, Bucket=self.bucket, Key=key, VersionId=version_id)

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
