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

from signing.store.interface import StoredObject
from warehouse.errors import ObjectLocked


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
    """Files under one folder; writes are atomic (temp file + rename) and never overwrite."""

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

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream",
            retain_until: datetime | None = None) -> StoredObject:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                raise ObjectLocked(f"{key} already exists with other content; stored objects are write-once")
            return StoredObject(key, digest, len(data), None, retain_until)
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
        return StoredObject(key, digest, len(data), None, retain_until)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> Iterator[str]:
        base = self.root
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(base).as_posix()
                if key.startswith(prefix):
                    yield key

    def location(self, key: str) -> str:
        return str(self._path(key))
