"""The object store interface every stage writes artefacts through.

Artefacts (raw submissions, statements, approvals, registration packages) are written once
under content-addressed or otherwise immutable keys. Back ends: ``local`` (a folder, the
embedded default) and ``s3`` (any S3 API through boto3; SeaweedFS in tests).

Whoever holds the bucket credentials can add a version of any key or hide it behind a delete
marker, so a key alone does not say which bytes the pipeline wrote. ``put`` returns the
:class:`StoredObject` (version and SHA-256 of the bytes written); the pipeline records it and reads
the object back pinned, ``get(key, version_id=..., sha256=...)``, which returns exactly those bytes
(digest computed on read, never taken from the store's metadata) or raises
:class:`ecocluster.core.errors.StoredObjectChanged`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    """What a put wrote: enough to read exactly these bytes back later."""

    key: str
    sha256: str  # of the bytes written, computed by the writer
    size: int
    version_id: str | None = None  # S3: the version the put made; local: the content's SHA-256
    retain_until: datetime | None = None


class ObjectStore(Protocol):
    """Write-once storage.

    ``put`` of a key that exists with the same bytes is a no-op (reruns are idempotent);
    with different bytes it raises :class:`ecocluster.core.errors.ObjectLocked` unless the back end
    keeps versions, in which case a new version is written and the old one stays.
    Unreachable storage raises :class:`ecocluster.core.errors.StorageUnavailable`.
    """

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        retain_until: datetime | None = None,
    ) -> StoredObject: ...

    def durable_together(self) -> AbstractContextManager[None]:
        """Puts inside the block may be made durable together when it ends rather than one by one
        (a batch of files: one journal commit for many); every object put in it is durable once the
        block has ended, so record nothing that points at them before. Blocks may nest."""
        ...

    def get(self, key: str, *, version_id: str | None = None, sha256: str | None = None) -> bytes:
        """The bytes of ``key``.

        Unpinned (neither given): the current version, for objects another party drops in (an inbox);
        raises KeyError when absent. ``version_id``: that version exactly. ``sha256``: bytes that hash
        to it (with ``version_id``, that version's; alone, any version's: content-addressed keys).
        A pinned read whose version is gone or whose bytes do not hash to ``sha256`` raises
        :class:`ecocluster.core.errors.StoredObjectChanged`, never returns other bytes.
        """
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Bytes in the object, without reading it (a limit is checked before a hostile file is read);
        raises KeyError when absent."""
        ...

    def list(self, prefix: str) -> Iterator[str]: ...

    def location(self, key: str) -> str:
        """Where a person finds the object: a file path or an s3:// URL."""
        ...
