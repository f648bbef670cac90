"""A writer's notice to long-lived readers: "I am waiting for the warehouse, let it go".

DuckDB lets one process write a file, and only while no other process has it open, even read-only.
A process that keeps a read-only connection between requests (the portal's
:class:`ecocluster.warehouse.reader.SharedReader`) would therefore make every writer (``ecocluster
ingest``, a rerun, the flows) wait until its lock wait runs out. So a writer holds a shared
``flock`` on ``<warehouse>.writers`` from before it asks DuckDB until DuckDB has let it in, and a
reader that finds the file locked closes its connection as soon as its requests are done and opens
no new one until the writer is in (then DuckDB's own lock makes it wait for the writer to finish).
``flock`` locks belong to an open file, so this works between processes and between the threads
of one process alike, and the kernel drops a dead writer's notice with its process.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def notice_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".writers")


@contextmanager
def waiting_writer(warehouse: Path) -> Iterator[None]:
    """Held by a writer while it waits for (and opens) the warehouse."""
    fd = os.open(notice_path(warehouse), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only for a reader's probe (microseconds)
        yield
    finally:
        os.close(fd)  # drops the lock


class WriterProbe:
    """A reader's view of the notice: one open file, probed with a non-blocking exclusive lock that a
    waiting writer's shared lock refuses."""

    def __init__(self, warehouse: Path) -> None:
        self._fd = os.open(notice_path(warehouse), os.O_RDWR | os.O_CREAT, 0o644)

    def writer_waiting(self) -> bool:
        for attempt in range(2):  # another reader's probe holds the lock for microseconds: ask twice
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if attempt == 0:
                    time.sleep(0.001)
                continue
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            return False
        return True

    def close(self) -> None:
        os.close(self._fd)
