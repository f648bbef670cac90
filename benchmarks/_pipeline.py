"""One population size, every stage against its raw floor, measured in the same run.

Ingestion, checks and the review drafts (JSON + HTML, no PDF) run over the whole population.
Drafting with PDFs and approval verification run on a sample (the first clusters, every member
of them) and are scaled to every member: 121,000 PDFs take hours on two cores, and their
per-document cost does not depend on the population size except through the warehouse reads,
which the sample includes. Each stage's peak memory is that of the process tree while it runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import datetime as dt
import resource
import time
from pathlib import Path
from typing import Any

from benchmarks import bench_signing
from benchmarks._memory import peak_rss
from benchmarks.bench_ingest import _bare_load
from benchmarks.bench_statements import _bare, _views
from ecocluster import checks, statements
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.statements._drafting import render
from ecocluster.statements._register import record_drafts
from ecocluster.warehouse import connect, ingest_paths, transaction
from ecocluster.warehouse.sample import write_synthetic

YEAR = 2025


def _sample(con: Any, n_clusters: int) -> statements.Selection:
    everyone = statements.select(con, None, None, YEAR)
    clusters = everyone.clusters[:n_clusters]
    chosen = {c for c, _ in clusters}
    members = tuple(p for p in everyone.members if p[0].rsplit("-", 1)[0] in chosen) or everyone.members[:100]
    return statements.Selection(members, clusters)


def _draft(home: Home, selection: statements.Selection, workers: int) -> float:
    con = connect(home.warehouse_path)
    try:
        started = time.perf_counter()
        renders = render(con, home, selection, workers=workers)
        with transaction(con):
            record_drafts(con, renders)
        return time.perf_counter() - started
    finally:
        con.close()


def _sample_views(home: Home, selection: statements.Selection) -> list[Any]:
    """The sample's views, which the bare render + PDF floor renders."""
    con = connect(home.warehouse_path, read_only=True)
    try:
        return _views(con, home, selection)
    finally:
        con.close()


def _review_drafts(home: Home, workers: int) -> tuple[float, int]:
    """JSON + HTML drafts of every member and cluster: what a coordinator reviews before PDFs."""
    con = connect(home.warehouse_path)
    try:
        started = time.perf_counter()
        run = statements.draft(con, home, year=YEAR, workers=workers, pdf=False)
        return time.perf_counter() - started, len(run.statements)
    finally:
        con.close()


def _rerun(home: Home, member: str) -> tuple[float, float]:
    """A coordinator's fix-and-rerun for one member: scoped checks, then that member's draft."""
    started = time.perf_counter()
    checks.run_checks(home, YEAR, members=[member])
    checked = time.perf_counter()
    con = connect(home.warehouse_path)
    try:
        statements.draft(con, home, member=member, year=YEAR, workers=1)
    finally:
        con.close()
    return checked - started, time.perf_counter() - checked


def measure(
    clusters: int,
    per_cluster: int,
    workdir: Path,
    *,
    sample_clusters: int = 2,
    verify_n: int = 2000,
    workers: int | None = None,
    log: Any = print,
) -> dict[str, Any]:
    workers = workers or os.cpu_count() or 1
    members = clusters * per_cluster
    log(f"[{members:,} members] generating {clusters} clusters × {per_cluster}")
    files = sorted(write_synthetic(workdir / "population", clusters, per_cluster, year=YEAR))
    log(f"[{members:,}] bare DuckDB load of {len(files):,} files")
    bare_load_s = _bare_load(files, workdir / "bare.duckdb")
    home = Home.resolve(workdir / "home")
    con = connect(home.warehouse_path)
    log(f"[{members:,}] ecocluster ingest")
    with peak_rss() as ingest_peak:
        started = time.perf_counter()
        ingest_paths(con, LocalStore(home.objects_dir), [workdir / "population"])
        ingest_s = time.perf_counter() - started
    selection = _sample(con, sample_clusters)
    con.close()
    log(f"[{members:,}] checks (ingest took {ingest_s:.1f} s)")
    with peak_rss() as checks_peak:
        started = time.perf_counter()
        run = checks.run_checks(home, YEAR)
        checks_s = time.perf_counter() - started
    log(f"[{members:,}] review drafts, JSON + HTML, of everyone (checks took {checks_s:.1f} s)")
    with peak_rss() as review_peak:
        review_s, review_docs = _review_drafts(home, workers)
    log(
        f"[{members:,}] drafting {selection.size} statements with PDF "
        f"({review_docs:,} reviewed in {review_s:.1f} s)"
    )
    with peak_rss() as draft_peak:
        draft_s = _draft(home, selection, workers)
    bare_render_s, startup_s = _bare(_sample_views(home, selection), workers)
    log(f"[{members:,}] verifying {verify_n} approvals, then a single-member rerun")
    signing = bench_signing.run(verify_n)
    rerun_member = (
        f"{statements.select(connect(home.warehouse_path, read_only=True), None, None, YEAR).members[-1][0]}"
    )
    rerun_check_s, rerun_draft_s = _rerun(home, rerun_member)
    docs = members + clusters
    f: dict[str, Any] = {
        "members": members,
        "clusters": clusters,
        "per_cluster": per_cluster,
        "measured_at": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "ingest_s": ingest_s,
        "bare_load_s": bare_load_s,
        "ingest_ratio": ingest_s / bare_load_s,
        "checks_s": checks_s,
        "gx_s": run.gx_seconds,
        "checks_sql_s": run.sql_seconds,
        "checks_ratio": checks_s / run.sql_seconds,
        "draft_docs": selection.size,
        "draft_s": draft_s,
        "draft_docs_per_s": selection.size / draft_s,
        "bare_docs_per_s": selection.size / bare_render_s,
        "draft_ratio": draft_s / bare_render_s,
        # The pool's start-up (spawn, imports, fonts) is paid once per draft call: apart from it,
        # the sample's rate is the rate of a 121,000-document run.
        "draft_startup_s": startup_s,
        "draft_steady_docs_per_s": selection.size / max(draft_s - startup_s, 1e-9),
        "draft_steady_ratio": max(draft_s - startup_s, 1e-9) / bare_render_s,
        "review_docs": review_docs,
        "review_s": review_s,
        "review_docs_per_s": review_docs / review_s,
        "verify_per_s": signing["approvals_per_s"],
        "bare_verify_per_s": signing["bare_verify_per_s"],
        "rerun_member": rerun_member,
        "rerun_check_s": rerun_check_s,
        "rerun_draft_s": rerun_draft_s,
        "rerun_s": rerun_check_s + rerun_draft_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_ingest_mib": ingest_peak.mib,
        "peak_checks_mib": checks_peak.mib,
        "peak_review_mib": review_peak.mib,
        "peak_draft_mib": draft_peak.mib,
    }
    f["hours_for_121000_pdfs"] = (startup_s + 121_000 / f["draft_steady_docs_per_s"]) / 3600
    f["pipeline_s"] = (
        ingest_s + checks_s + startup_s + docs / f["draft_steady_docs_per_s"] + members / f["verify_per_s"]
    )
    f["floors_s"] = (
        bare_load_s + run.sql_seconds + docs / f["bare_docs_per_s"] + members / f["bare_verify_per_s"]
    )
    f["pipeline_ratio"] = f["pipeline_s"] / f["floors_s"]
    f["no_pdf_pipeline_s"] = ingest_s + checks_s + review_s  # measured, every member and cluster
    return f
