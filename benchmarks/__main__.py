"""``make bench`` = ``python -m benchmarks``: every stage at chosen sizes, ratios, RESULTS.md.

Default: 1,000 and ~10,000 members (a few minutes on 2 cores). ``--full`` measures the whole EU
population, 1,046 clusters × 115 members (ingestion alone takes some ten minutes: run it with
``nohup`` and a log). Each size's figures replace that size's column in benchmarks/RESULTS.md,
so the default run and a ``--full`` run together give the linearity table 1k / 10k / 120k.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import _machine, _results
from benchmarks._pipeline import measure

DEFAULT_SIZES = ("10x100", "87x115")
FULL = "1046x115"


def _size(text: str) -> tuple[int, int]:
    try:
        clusters, per_cluster = (int(n) for n in text.lower().split("x"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: expected CLUSTERSxMEMBERS, e.g. 87x115") from e
    return clusters, per_cluster


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size",
        type=_size,
        action="append",
        help=f"CLUSTERSxMEMBERS per cluster, repeatable (default {' and '.join(DEFAULT_SIZES)})",
    )
    parser.add_argument("--members", type=int, help="one size of about N members, in clusters of 115")
    parser.add_argument("--full", action="store_true", help=f"the full population, {FULL}")
    parser.add_argument(
        "--sample-clusters",
        type=int,
        default=2,
        help="clusters whose statements are drafted with PDFs (default 2, ~230 documents)",
    )
    parser.add_argument("--verify", type=int, default=2000, help="approvals to verify (default 2000)")
    parser.add_argument("--workers", type=int, default=None, help="drafting processes (default: every core)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep populations and warehouses here")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    sizes = list(args.size or [])
    if args.members:
        sizes.append((max(1, round(args.members / 115)), min(args.members, 115)))
    if args.full:
        sizes.append(_size(FULL))
    sizes = sizes or [_size(s) for s in DEFAULT_SIZES]
    machine = _machine.describe()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()), flush=True)
    for clusters, per_cluster in sizes:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="ecocluster-bench-", dir=args.workdir) as tmp:
            figures = measure(
                clusters,
                per_cluster,
                Path(tmp),
                sample_clusters=args.sample_clusters,
                verify_n=args.verify,
                workers=args.workers,
                log=lambda m: print(m, file=sys.stderr, flush=True),
            )
        _results.show(figures)
        print(f"  (size measured in {time.perf_counter() - started:,.0f} s)", flush=True)
        if not args.no_write:
            _results.write(_results.record(machine, figures))
    if not args.no_write:
        print(f"wrote {_results.RESULTS}")


if __name__ == "__main__":
    main()
