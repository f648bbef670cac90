"""The shared read-only connection: kept between requests, given up at once for a writer of another
process, and reopened to see what that writer committed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from ecocluster.core.home import Home
from ecocluster.warehouse.db import connect
from ecocluster.warehouse.reader import SharedReader


def _made(home: Home) -> None:
    con = connect(home.warehouse_path)
    con.execute("CREATE TABLE probe (a INTEGER)")
    con.close()


def _count(reader: SharedReader) -> int:
    with reader.cursor() as cur:
        row = cur.execute("SELECT count(*) FROM probe").fetchone()
    assert row is not None
    return int(row[0])


def test_requests_share_one_connection_and_threads_get_their_own_cursor(home: Home) -> None:
    _made(home)
    reader = SharedReader(home.warehouse_path, linger=30)
    try:
        counts: list[int] = []
        threads = [threading.Thread(target=lambda: counts.extend(_count(reader) for _ in range(20)))]
        threads += [threading.Thread(target=lambda: counts.extend(_count(reader) for _ in range(20)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert counts == [0] * 40
        assert reader.opened == 1  # forty reads, one open
    finally:
        reader.close()


def test_a_writer_of_another_process_gets_in_while_pages_keep_reading_and_they_see_its_rows(
    home: Home,
) -> None:
    _made(home)
    reader = SharedReader(home.warehouse_path, linger=30)
    stop, seen, errors = threading.Event(), [], []

    def keep_reading() -> None:
        while not stop.is_set():
            try:
                seen.append(_count(reader))
            except Exception as e:  # what a page would show as an error
                errors.append(e)

    readers = [threading.Thread(target=keep_reading) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        time.sleep(0.5)  # the connection is open and busy
        code = (
            "import pathlib, time\nfrom ecocluster.warehouse.db import connect\n"
            f"con = connect(pathlib.Path({str(home.warehouse_path)!r}))\n"
            "con.execute('INSERT INTO probe VALUES (1)')\n"
            "con.close()\n"
        )
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "ECOCLUSTER_LOCK_WAIT_SECONDS": "5"},  # with the old reader: WarehouseBusy
            timeout=60,
        )
        took = time.monotonic() - started
        time.sleep(0.5)
    finally:
        stop.set()
        for t in readers:
            t.join()
        reader.close()
    assert done.returncode == 0, done.stderr
    assert not errors, errors
    assert seen[0] == 0 and seen[-1] == 1  # the rows it wrote, on the requests after it
    assert reader.opened >= 2
    assert took < 5, f"the writer waited {took:.1f} s for the readers"
