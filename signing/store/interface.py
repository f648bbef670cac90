"""The object store interface every stage writes artefacts through.

Artefacts (raw submissions, statements, approvals, registration packages) are written once
under content-addressed or otherwise immutable keys. Back ends: ``local`` (a folder, the
embedded default) and ``s3`` (any S3 API through boto3; SeaweedFS in tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    version_id: str | None = None  # S3 version; None on back ends without versioning
    retain_until: datetime | None = None


class ObjectStore(Protocol):
    """Write-once storage.

    ``put`` of a key that exists with the same bytes is a no-op (reruns are idempotent);
    with different bytes it raises :class:`warehouse.errors.ObjectLocked` unless the back end
    keeps versions, in which case a new version is written and the old one stays.
    Unreachable storage raises :class:`warehouse.errors.StorageUnavailable`.
    """

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream",
            retain_until: datetime | None = None) -> StoredObject: ...

    def durable_together(self) -> AbstractContextManager[None]:
        """Puts inside the block may be made durable together when it ends rather than one by one
        (a batch of files: one journal commit for many); every object put in it is durable once the
        block has ended, so record nothing that points at them before. Blocks may nest."""
        ...

    def get(self, key: str) -> bytes:
        """Raises KeyError when absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> Iterator[str]: ...

    def location(self, key: str) -> str:
        """Where a person finds the object: a file path or an s3:// URL."""
        ...
