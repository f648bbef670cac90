"""One read-only warehouse connection kept open across a server's requests, given up for writers.

Opening the DuckDB file costs tens of milliseconds (reading its catalog, the settings, the first
blocks of every table a query touches), more than a desk page's queries once they are scoped to
what the page shows. A :class:`SharedReader` keeps one read-only connection per warehouse and
process and hands each request its own cursor (DuckDB's way of using one database from several
threads). It lets go whenever a writer waits (``ecocluster.warehouse._writers``): the connection is
closed as soon as the requests using it are done, new requests wait until the writer is in, and the
next one opens the warehouse again, so it sees what the writer committed. Idle for ``linger``
seconds it is closed too, which returns DuckDB's buffer memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ecocluster.core.config import CONFIG_NAME
from ecocluster.warehouse._writers import WriterProbe
from ecocluster.warehouse.db import Settings, connect

LINGER_S = 10.0  # an idle reader's connection is closed after this long
# One DuckDB thread per query: a server runs many small queries at once, one per request thread, so
# the cores are already shared out; a query spread over DuckDB's pool instead waits for each of its
# workers to be scheduled (on the loaded 2-core machine a desk's status query took 107 ms of wall
# time for 15 ms of CPU with the default pool, 14 ms with one thread).
THREADS = 1
POLL_S = 0.05  # how often an open connection looks for a waiting writer


class SharedReader:
    """The process's read-only connection to one warehouse file; :meth:`cursor` per request."""

    def __init__(self, path: Path, *, linger: float = LINGER_S, poll: float = POLL_S) -> None:
        self.path = path
        self._linger, self._poll = linger, poll
        self._state = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._retiring = False  # a writer waits: no new cursor on this connection
        self._last_used = 0.0
        self._probe: WriterProbe | None = None
        self.opened = 0  # how many times the warehouse was opened (for tests and figures)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the shared connection for one request's reads, closed after it."""
        if not self.path.exists():  # nothing to share: the short-lived connection creates the file
            con = connect(self.path, read_only=True)
            try:
                yield con
            finally:
                con.close()
            return
        cur = self._check_out()
        try:
            yield cur
        finally:
            cur.close()
            self._check_in()

    def _check_out(self) -> duckdb.DuckDBPyConnection:
        with self._state:
            while True:
                if self._con is not None and not self._retiring:
                    if not self._writer_waiting():
                        self._users += 1
                        return self._con.cursor()
                    self._retire()
                if self._con is None:
                    break
                self._state.wait(self._poll)  # the requests still reading finish first
            self._wait_for_writer()
            self._con = connect(self.path, read_only=True)
            self._con.execute(f"SET threads = {THREADS}")
            self.opened += 1
            self._retiring = False
            self._users += 1
            self._last_used = time.monotonic()
            watcher = threading.Thread(
                target=self._watch, args=(self._con,), name=f"reader {self.path.name}", daemon=True
            )
            watcher.start()
            return self._con.cursor()

    def _check_in(self) -> None:
        with self._state:
            self._users -= 1
            self._last_used = time.monotonic()
            if self._retiring and self._users == 0:
                self._close()

    def _writer_waiting(self) -> bool:
        if self._probe is None:
            self._probe = WriterProbe(self.path)
        return self._probe.writer_waiting()

    def _wait_for_writer(self) -> None:
        """Until no writer waits to open the warehouse (at most the lock wait: then DuckDB decides)."""
        deadline = time.monotonic() + Settings.of(self.path.parent / CONFIG_NAME).lock_wait_seconds
        while self._writer_waiting() and time.monotonic() < deadline:
            self._state.wait(self._poll)

    def _retire(self) -> None:
        self._retiring = True
        if self._users == 0:
            self._close()

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self._state.notify_all()

    def _watch(self, con: duckdb.DuckDBPyConnection) -> None:
        """While ``con`` is open: close it for a waiting writer, or after ``linger`` idle."""
        with self._state:
            while self._con is con:
                self._state.wait(self._poll)
                if self._con is not con:
                    return
                if self._writer_waiting():
                    self._retire()
                elif self._users == 0 and time.monotonic() - self._last_used > self._linger:
                    self._close()

    def close(self) -> None:
        """Close the connection now (waiting for the requests using it)."""
        with self._state:
            self._retire()
            while self._con is not None:
                self._state.wait(self._poll)
            self._retiring = False
            if self._probe is not None:
                self._probe.close()
                self._probe = None


_readers: dict[Path, SharedReader] = {}
_readers_lock = threading.Lock()


def shared_reader(path: Path) -> SharedReader:
    """This process's :class:`SharedReader` of the warehouse at ``path``."""
    key = path.resolve()
    with _readers_lock:
        if key not in _readers:
            _readers[key] = SharedReader(key)
        return _readers[key]
