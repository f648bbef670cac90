"""The local-folder object store: the embedded default, no server needed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath

from signing.store.interface import StoredObject
from warehouse.errors import ObjectLocked


def _safe_key(key: str) -> PurePosixPath:
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"object key {key!r} must be a relative path without '..'")
    return path


class LocalStore:
    """Files under one folder; writes are atomic (temp file + rename) and never overwrite."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

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
                os.fsync(out.fileno())
            os.link(tmp, path)  # fails if another writer won the race: no silent overwrite
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
