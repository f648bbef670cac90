"""Statement drafting throughput: ``ecocluster.statements.draft`` ÷ bare rendering of the same documents.

The full run does everything ``ecocluster draft`` does: set-based reads of a synthetic
population, canonical JSON + schema validation, views, charts, HTML, PDF, three writes to the
object store per statement and the warehouse rows, on every core. The bare run takes the views
of the same documents (prepared beforehand, not timed) and only renders the Jinja2 template and
compiles the typst PDF, on the same number of processes. WeasyPrint is timed on the same HTML
for a sample of documents, for the engine choice recorded in benchmarks/RESULTS.md.
Usage: ``python -m benchmarks.bench_statements [--clusters 20] [--members 25] [--weasyprint 10]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks._results import show
from ecocluster import statements
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.statements import _render
from ecocluster.statements._canonical import canonical_bytes, digest, normalise
from ecocluster.statements._collect import cluster_document, member_documents
from ecocluster.statements._drafting import CHUNK, READ_BATCH, Selection, select
from ecocluster.statements._view import build_view
from ecocluster.warehouse import connect, ingest_paths
from ecocluster.warehouse.sample import write_synthetic


def _bare_chunk(views: list[tuple[str, dict[str, Any], str]]) -> int:
    for subject, view, on in views:
        _render.html(subject, view)
        _render.pdf(subject, view, on)
    return len(views)


def _views(con: Any, home: Home, selection: Selection | None = None) -> list[tuple[str, dict[str, Any], str]]:
    selection = selection or select(con, None, None, None)
    docs = [cluster_document(con, c, y, None) for c, y in selection.clusters]
    for start in range(0, len(selection.members), READ_BATCH):
        docs += member_documents(con, selection.members[start : start + READ_BATCH], {})
    out = []
    for doc in (normalise(d) for d in docs if d is not None):
        out.append((doc["subject"], build_view(doc, digest(canonical_bytes(doc))), doc["document_date"]))
    return out


def _bare(views: list[tuple[str, dict[str, Any], str]], workers: int) -> tuple[float, float]:
    """Seconds to render every view on a warm pool, and seconds the pool took to warm up.

    The warm-up (spawning the processes, their imports and typst's fonts) is the fixed cost a
    full draft pays once per call; timing it apart lets a small sample's throughput be scaled.
    """
    chunks = [views[i : i + CHUNK] for i in range(0, len(views), CHUNK)]
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_bare_chunk, chunks[:workers]))  # warm-up: imports and typst fonts, as in the full run
        warm = time.perf_counter()
        assert sum(pool.map(_bare_chunk, chunks)) == len(views)
        return time.perf_counter() - warm, warm - started


def _weasyprint(views: list[tuple[str, dict[str, Any], str]], sample: int) -> tuple[float, float]:
    """Seconds per document for WeasyPrint and for typst, one process, same documents."""
    import weasyprint

    picked = [v for v in views if v[0] == "member"][:sample]
    html = [_render.html(s, v) for s, v, _ in picked]
    weasyprint.HTML(string=html[0].decode()).write_pdf()  # warm-up (fonts, CSS parser)
    start = time.perf_counter()
    for page in html:
        weasyprint.HTML(string=page.decode()).write_pdf()
    weasy = (time.perf_counter() - start) / len(html)
    _render.pdf(*picked[0])
    start = time.perf_counter()
    for subject, view, on in picked:
        _render.pdf(subject, view, on)
    return weasy, (time.perf_counter() - start) / len(picked)


def run(
    clusters: int, members: int, workdir: Path, workers: int | None = None, weasy_sample: int = 10
) -> dict[str, float]:
    """Draft a synthetic population and print documents/s and the ratio to bare rendering."""
    workers = workers or os.cpu_count() or 1
    write_synthetic(workdir / "population", clusters, members)
    home = Home.resolve(workdir / "home")
    con = connect(home.warehouse_path)
    ingest_paths(con, LocalStore(home.objects_dir), [workdir / "population"])
    start = time.perf_counter()
    drafted = statements.draft(con, home, workers=workers)
    full_s = time.perf_counter() - start
    views = _views(con, home)
    con.close()
    bare_s, _ = _bare(views, workers)
    weasy, typst_s = _weasyprint(views, weasy_sample)
    n = len(drafted.statements)
    result = {
        "statements": n,
        "workers": workers,
        "full_s": full_s,
        "bare_s": bare_s,
        "docs_per_s": n / full_s,
        "bare_docs_per_s": len(views) / bare_s,
        "ratio": full_s / bare_s,
        "typst_s_per_doc": typst_s,
        "weasyprint_s_per_doc": weasy,
        "weasyprint_over_typst": weasy / typst_s,
        "hours_for_121000": 121_000 / (n / full_s) / 3600,
    }
    show(result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--members", type=int, default=25)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--weasyprint", type=int, default=10, help="documents to time WeasyPrint on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(args.clusters, args.members, Path(tmp), args.workers, args.weasyprint)


if __name__ == "__main__":
    main()
