"""Drafting many statements: select in SQL, read in batches, render on every core.

The parent process owns the warehouse connection (DuckDB allows one writer) and reads one batch
of members at a time with set-based queries; worker processes only render and write to the
object store, then hand back where things went. A task is a chunk of members, never one member,
so process overhead stays small next to typst's few milliseconds per document.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb

from ecocluster.core.errors import EcoclusterError
from ecocluster.core.home import Home
from ecocluster.core.store import ObjectStore, open_store
from ecocluster.statements._collect import cluster_documents, member_documents
from ecocluster.statements._i18n import check_language
from ecocluster.statements._publish import Artefacts, publish

READ_BATCH = 256  # members per set of warehouse queries: their fixed cost is ~0.15 s
CHUNK = 16  # documents per render task: ~0.5 s of typst, small enough to keep both cores busy to the end
# Without typst a statement takes ~2 ms to render: larger reads (each query also scans the whole
# population's rows once; with 120,000 members a member costs 3.9 ms of reads in sets of 256,
# 1.6 ms in sets of 1,024, 1.0 ms in sets of 4,096) and tasks of ~0.25 s.
READ_BATCH_NO_PDF = 4096
CHUNK_NO_PDF = 128
POOL_MIN = 40
"""Full drafts (with PDF) below this many documents render in one process; from it on, on every core.

Measured, not estimated (issue 14): ``python -m benchmarks.bench_pool HOME`` drafts one cluster's
joint statement and N - 1 of its members with one process and with the pool in turn, five pairs
per size (benchmarks/RESULTS.md, "Drafting: one process or a pool"). Each spawned worker first
imports the renderer and loads typst's fonts (≈ 0.7 s of CPU each, ≈ 1.4 s for two), which a small
run never earns back: at 20 documents the pool took 1.22× one process's wall time, at 40 it took
0.94×, and more documents only widen the gap. So the demo's 29 statements stay in one process
(12-14 s with the pool, 6.5-7 s without, as issue 14 found). Runs of at most ``CHUNK`` documents are
one task and render in this process whatever is asked."""
POOL_MIN_NO_PDF = 4096
"""Review drafts (no PDF) are ~40× cheaper a document than full ones, so the pool's start-up weighs
~40× more: not measured (a cluster has ~116 documents, far below it); scaled from ``POOL_MIN``'s
first estimate, 96 × 40."""
CLUSTER_BATCH = 64  # joint statements per set of queries (~7,000 members: ~1 s of SQL, then rendering starts)

Progress = Callable[[int, int], None]


class NothingToDraft(EcoclusterError):
    """The selection matched no member or cluster with an open cycle."""


@dataclass(frozen=True)
class Selection:
    """Who to draft for: (member, year) pairs and (cluster, year) pairs with an open cycle."""

    members: tuple[tuple[str, int], ...]
    clusters: tuple[tuple[str, int], ...]
    # Some members of the clusters only (a rerun, ``draft --member``): their joint statements are
    # drafted to keep them current, so in the clusters' own language (the one published), not in a
    # language asked for the members' drafts.
    partial: bool = False

    @property
    def size(self) -> int:
        return len(self.members) + len(self.clusters)


def select(
    con: duckdb.DuckDBPyConnection,
    member: str | None,
    cluster: str | None,
    year: int | None,
    only_members: Sequence[str] | None = None,
) -> Selection:
    """Members (and their clusters' joint statements) in scope, each with its cycle's year.

    Without ``year`` each cluster's latest opened cycle is drafted. ``member`` alone selects no
    joint cluster statement (``ecocluster.statements.draft_member`` adds it). ``only_members`` narrows a
    cluster's members (a rerun of some of them, ``draft --member``) and keeps its joint statement,
    which a correction of any member changes.
    """
    params = {
        "member": member,
        "cluster": cluster,
        "year": year,
        "only": None if only_members is None else list(only_members),
    }
    cycles = """
        cycles AS (SELECT cluster_id, max(reporting_year) AS reporting_year FROM cycle
                   WHERE $year IS NULL OR reporting_year = $year GROUP BY cluster_id)"""
    members = con.execute(
        f"""
        WITH {cycles}
        SELECT m.member_id, c.reporting_year FROM member m JOIN cycles c USING (cluster_id)
        WHERE ($member IS NULL OR m.member_id = $member) AND ($cluster IS NULL OR m.cluster_id = $cluster)
          AND ($only IS NULL OR list_contains($only, m.member_id))
        ORDER BY m.cluster_id, m.member_id
    """,
        params,
    ).fetchall()
    clusters = (
        []
        if member
        else con.execute(
            f"""
        WITH {cycles}
        SELECT cluster_id, reporting_year FROM cycles WHERE $cluster IS NULL OR cluster_id = $cluster
        ORDER BY cluster_id
    """,
            {k: v for k, v in params.items() if k not in ("member", "only")},
        ).fetchall()
    )
    if not members and not clusters:
        scope = member or cluster or "the warehouse"
        raise NothingToDraft(
            "nothing to draft for "
            f"{scope}{f' in {year}' if year else ''}: no such "
            "member/cluster, or no cycle "
            "is open for it; check the roster with `ecocluster status` and open the cycle first"
        )
    return Selection(
        tuple((str(m), int(y)) for m, y in members),
        tuple((str(c), int(y)) for c, y in clusters),
        partial=only_members is not None,
    )


def _documents(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    language: str | None,
    read_batch: int = READ_BATCH,
    chunk: int = CHUNK,
) -> Iterator[list[dict[str, Any]]]:
    """Render tasks of ``chunk`` documents: the joint statements first, then the members."""
    joint_language = None if selection.partial else language
    for first_cluster in range(0, len(selection.clusters), CLUSTER_BATCH):
        joint = cluster_documents(
            con, selection.clusters[first_cluster : first_cluster + CLUSTER_BATCH], joint_language
        )
        for start in range(0, len(joint), chunk):
            yield joint[start : start + chunk]
    pairs = selection.members
    for start in range(0, len(pairs), read_batch):
        batch = pairs[start : start + read_batch]
        languages = {m: language for m, _ in batch} if language else {}
        documents = member_documents(con, batch, languages)
        for first in range(0, len(documents), chunk):
            yield documents[first : first + chunk]


_worker_store: ObjectStore | None = None


def _init_worker(home_root: str) -> None:
    global _worker_store
    _worker_store = open_store(Home(Path(home_root)))


def pool_size(documents: int, pdf: bool, workers: int | None = None) -> int:
    """Processes to render ``documents`` with: as asked, else one below the size where a pool pays off."""
    if workers is not None:
        return workers
    return 1 if documents < (POOL_MIN if pdf else POOL_MIN_NO_PDF) else os.cpu_count() or 1


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Pool workers started inside inherit an ignored SIGINT from their first instruction (even
    while importing), so Ctrl-C reaches only this process, which cancels the queue and reports it
    once, instead of every worker printing its own KeyboardInterrupt traceback."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _render_chunk(documents: list[dict[str, Any]], pdf: bool = True) -> list[Artefacts]:
    """Render a chunk; its objects are durable when this returns (the rows are recorded after)."""
    store = _worker_store
    assert store is not None, "worker not initialised"
    with store.durable_together():
        return [publish(store, d, pdf=pdf) for d in documents]


def render(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    selection: Selection,
    *,
    language: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    pdf: bool = True,
) -> list[Artefacts]:
    """Render every selected statement; ``workers=1`` renders in this process (small runs, tests).

    Without ``workers`` a run below :data:`POOL_MIN` documents renders in this process too, and a
    larger one on every core."""
    if language is not None:
        check_language(language)
    total = selection.size
    workers = pool_size(total, pdf, workers)
    done: list[Artefacts] = []

    def advance(batch: Sequence[Artefacts]) -> None:
        done.extend(batch)
        if progress:
            progress(len(done), total)

    chunk = CHUNK if pdf else CHUNK_NO_PDF
    read_batch = READ_BATCH if pdf else READ_BATCH_NO_PDF
    batches = _documents(con, selection, language, read_batch, chunk)
    # A whole read's tasks may wait queued: the workers render them while the next set is read.
    queued = read_batch // chunk + 2 * workers
    if workers == 1 or total <= chunk:
        _init_worker(str(home.root))
        for batch in batches:
            advance(_render_chunk(batch, pdf))
        return done
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_init_worker, initargs=(str(home.root),)
    ) as pool:
        pending: set[Future[list[Artefacts]]] = set()
        try:
            for batch in batches:  # read the next set of members while the workers render this one
                with _workers_ignore_ctrl_c():  # a submit may start a worker
                    pending.add(pool.submit(_render_chunk, batch, pdf))
                if len(pending) >= queued:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        advance(f.result())
            for f in pending:
                advance(f.result())
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)  # the chunks running finish; nothing is recorded
            raise
    return done
