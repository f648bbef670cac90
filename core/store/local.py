"""The local-folder object store: the embedded default, no server needed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePosixPath

from ecocluster.core.errors import ObjectLocked, StoredObjectChanged
from ecocluster.core.store.interface import StoredObject


def _safe_key(key: str) -> PurePosixPath:
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"object key {key!r} must be a relative path without '..'")
    return path


SYNC_THREADS = 8


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    """Files under one folder; writes are atomic (temp file + rename) and never overwrite.

    A folder keeps one version per key, so an object's "version" is its content's SHA-256: a pinned
    read of a file someone edited in place raises :class:`StoredObjectChanged`.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._unsynced: list[Path] | None = None

    @contextmanager
    def durable_together(self) -> Iterator[None]:
        """Puts inside the block are made durable together when it ends, not one by one.

        Each fsync waits for its own journal commit (~1-4 ms here); drafting thousands of statements
        spent more time there than rendering them. Nothing may point at these objects before the
        block has ended (the statement rows are recorded after the renders return), so the write-once
        guarantee holds as with single puts: when the block ends, every object put in it is on disk.
        """
        if self._unsynced is not None:  # nested: the outer block syncs
            yield
            return
        self._unsynced = []
        try:
            yield
            with ThreadPoolExecutor(SYNC_THREADS) as pool:  # concurrent fsyncs share journal commits
                for _ in pool.map(_fsync, self._unsynced):
                    pass
        finally:
            self._unsynced = None

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_safe_key(key).parts)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        retain_until: datetime | None = None,
    ) -> StoredObject:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                raise ObjectLocked(f"{key} already exists with other content; stored objects are write-once")
            return StoredObject(key, digest, len(data), digest, retain_until)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                if self._unsynced is None:
                    os.fsync(out.fileno())
            os.link(tmp, path)  # fails if another writer won the race: no silent overwrite
            if self._unsynced is not None:
                self._unsynced.append(path)
        except FileExistsError:
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                raise ObjectLocked(f"{key} already exists with other content") from None
        finally:
            os.unlink(tmp)
        return StoredObject(key, digest, len(data), digest, retain_until)

    def get(self, key: str, *, version_id: str | None = None, sha256: str | None = None) -> bytes:
        path = self._path(key)
        pinned = version_id is not None or sha256 is not None
        if not path.is_file():
            if pinned:
                raise StoredObjectChanged(
                    f"{path}: the object recorded as written (SHA-256 {version_id or sha256}) "
                    "is gone; restore it from a backup, then rerun"
                )
            raise KeyError(key)
        data = path.read_bytes()
        if pinned:
            found = hashlib.sha256(data).hexdigest()
            for expected in {version_id, sha256} - {None}:
                if found != expected:
                    raise StoredObjectChanged(
                        f"{path}: SHA-256 is {found}, expected {expected} as recorded when "
                        "it was written; the file was altered: restore it from a backup"
                    )
        return data

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.stat().st_size

    def list(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix``; walks only the folder the prefix names, not the whole store."""
        folder = prefix.rpartition("/")[0]
        start = self._path(folder) if folder else self.root
        if not start.is_dir():
            return
        for path in sorted(start.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def location(self, key: str) -> str:
        return str(self._path(key))
