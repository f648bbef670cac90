"""Drafting: one process below the size where a pool pays off (issue 14); Ctrl-C in a pooled draft:
tests/commands/test_draft_pool.py."""

from __future__ import annotations

import os

from ecocluster.statements import _drafting


def test_a_small_draft_renders_in_one_process_unless_asked():
    assert _drafting.pool_size(29, pdf=True) == 1  # the demo's statements: 6.5-7 s alone, 12-14 s with a pool
    assert _drafting.pool_size(_drafting.POOL_MIN, pdf=True) == (os.cpu_count() or 1)
    assert _drafting.pool_size(1000, pdf=False) == 1 and _drafting.pool_size(29, pdf=True, workers=2) == 2


def test_a_draft_of_a_cluster_uses_the_pool_from_the_measured_crossover() -> None:
    """benchmarks/bench_pool.py: the pool was slower at 20 documents (1.22× one process's wall time)
    and faster at 40 (0.94×); the threshold is the measured size, not the old estimate of 96."""
    assert _drafting.pool_size(39, pdf=True) == 1
    assert _drafting.pool_size(40, pdf=True) == (os.cpu_count() or 1)
