"""The S3 object store (boto3): versioned, Object Lock in COMPLIANCE mode, SHA-256 checked both ways.

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
"""

from __future__ import annotations

import base64
import builtins
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from signing.store.interface import StoredObject
from warehouse.errors import ConfigurationError, ObjectLocked, StorageUnavailable

DEFAULT_RETENTION_DAYS = 2555
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
    def from_config(cls, config: dict[str, Any]) -> S3Store:
        bucket = config.get("bucket")
        if not bucket:
            raise ConfigurationError("[storage] backend = 's3' needs bucket = \"...\"")
        client = boto3.client(
            "s3", endpoint_url=config.get("endpoint_url"), region_name=config.get("region", "us-east-1"),
            aws_access_key_id=config.get("access_key_id"), aws_secret_access_key=config.get("secret_access_key"),
            config=Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=30,
                          retries={"max_attempts": 2, "mode": "standard"}))
        store = cls(client, bucket, dt.timedelta(days=int(config.get("retention_days", DEFAULT_RETENTION_DAYS))))
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
                raise ConfigurationError(f"{what} {where}: the S3 server refused the credentials ({code}); "
                                         "check [storage] access_key_id/secret_access_key") from e
            if code in ("NoSuchKey", "404", "NotFound"):
                raise KeyError(kwargs.get("Key", "")) from e
            if status >= 500 or code in ("SlowDown", "RequestTimeout"):
                raise StorageUnavailable(f"{what} {where}: server error {code} ({status}); retry later") from e
            if what == "delete" and code in _LOCK_ERRORS:
                raise ObjectLocked(f"{where} version {kwargs.get('VersionId')} is under COMPLIANCE retention "
                                   f"and cannot be deleted ({code})") from e
            raise ConfigurationError(f"{what} {where}: refused by the S3 server: {code} ({status})") from e
        except (BotoConnectionError, BotoCoreError) as e:
            raise StorageUnavailable(f"{what} s3://{self.bucket}: cannot reach the S3 server ({e}); "
                                     "start it (infra/seaweedfs.sh start DIR) or check endpoint_url") from e

    def ensure_bucket(self) -> None:
        try:
            self._call("check bucket", self.client.head_bucket, Bucket=self.bucket)
        except KeyError:
            self._call("create bucket", self.client.create_bucket, Bucket=self.bucket,
                       ObjectLockEnabledForBucket=True)
        lock = self._call("check bucket", self.client.get_object_lock_configuration, Bucket=self.bucket)
        if lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
            raise ConfigurationError(f"bucket {self.bucket} has no Object Lock; approvals must be write-once: "
                                     "create a new bucket with Object Lock enabled")

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

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream",
            retain_until: dt.datetime | None = None) -> StoredObject:
        digest = hashlib.sha256(data).hexdigest()
        head = self._head(key)
        if head is not None and head.get("Metadata", {}).get("sha256") == digest:
            return StoredObject(key, digest, len(data), head.get("VersionId"), head.get("ObjectLockRetainUntilDate"))
        until = retain_until or dt.datetime.now(dt.UTC) + self.retention
        answer = self._call(
            "put", self.client.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
            ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(), Metadata={"sha256": digest},
            ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
        return StoredObject(key, digest, len(data), answer.get("VersionId"), until)

    def get(self, key: str, version_id: str | None = None) -> bytes:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        answer = self._call("get", self.client.get_object, **kwargs)
        data: bytes = answer["Body"].read()
        expected = answer.get("Metadata", {}).get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise StorageUnavailable(f"s3://{self.bucket}/{key}: content does not match its SHA-256; read again")
        return data

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def list(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, BotoCoreError) as e:
            raise StorageUnavailable(f"list s3://{self.bucket}/{prefix}: {e}") from e

    def versions(self, key: str) -> builtins.list[StoredObject]:  # `list` here is the method above
        """Every version of ``key``, newest first: the history write-once storage keeps."""
        answer = self._call("list versions", self.client.list_object_versions, Bucket=self.bucket, Prefix=key)
        found = []
        for item in answer.get("Versions", []):
            if item["Key"] != key:
                continue
            head = self._head(key, item["VersionId"]) or {}
            found.append(StoredObject(key, head.get("Metadata", {}).get("sha256", ""), int(item["Size"]),
                                      item["VersionId"], head.get("ObjectLockRetainUntilDate")))
        return found

    def delete_version(self, key: str, version_id: str) -> None:
        """Raises :class:`ObjectLocked` while the version is retained (which is the point)."""
        self._call("delete", self.client.delete_object, Bucket=self.bucket, Key=key, VersionId=version_id)

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
