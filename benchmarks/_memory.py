"""Peak resident memory of one stage: this process plus its worker processes, sampled.

``ru_maxrss`` is a lifetime high-water mark (the bare-load baseline or an earlier stage would
hide the stage measured) and counts children only after they exit; the issue's limit is on what
the machine must hold while a stage runs, so a thread sums the RSS of the process tree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil

INTERVAL_S = 0.05


@dataclass
class Peak:
    mib: float = 0.0


def _tree_rss(me: psutil.Process) -> int:
    total = 0
    for process in (me, *me.children(recursive=True)):
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:  # a worker that ended between listing and reading
            continue
    return total


@contextmanager
def peak_rss() -> Iterator[Peak]:
    """``with peak_rss() as peak: ...`` then ``peak.mib``: the highest sum seen while inside."""
    peak, me, stop = Peak(), psutil.Process(), threading.Event()

    def sample() -> None:
        while True:
            peak.mib = max(peak.mib, _tree_rss(me) / 2**20)
            if stop.wait(INTERVAL_S):
                return

    sampler = threading.Thread(target=sample, name="peak-rss", daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()
        peak.mib = max(peak.mib, _tree_rss(me) / 2**20)
