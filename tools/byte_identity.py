"""Byte-identity check: does a change (the ``ecocluster.*`` namespace, a reformatting) change any output?

``python tools/byte_identity.py BEFORE AFTER`` runs ``ecocluster demo`` (sample clusters, ingest, the full
annual cycle, DEMO approvals, registration packages) from two checkouts, each with its own ``.venv`` (run
``make setup`` in both first), in fresh home folders, and compares byte for byte:

* every file the cycle leaves in the home (the object store: raw files, statements JSON/HTML/PDF,
  registration packages, receipts, check reports and Data Docs; configuration, keys, certificates); files
  named by their own digest are compared as a family (all files of that name pattern, by their digests);
* every warehouse table, row by row (a digest of its sorted rows; the DuckDB file itself is never
  byte-stable), and again without its TIMESTAMP columns (when a row was written differs from run to run);
* the demo's printed output, with the home path replaced by ``<HOME>``.

Some outputs differ between two runs of the SAME code: fresh keys and certificates, signatures over them,
times. So BEFORE runs twice: whatever differs between those two control runs is reported as "not
reproducible by the same code" and left out; whatever is identical in both control runs must be identical
in AFTER's run, or the script names it and exits 1. Exit 0 means: every reproducible output is
byte-identical. ``make identity BEFORE=... AFTER=...`` runs it; ~3 demo runs, 5-15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

Snapshot = dict[str, str]  # what -> sha256 of its bytes ("file:objects/...", "table:statement", "stdout")

# Files that are state of the tools rather than output of the cycle (Prefect's database and logs, the
# portal's session store, caches); the warehouse is compared table by table instead of as a file.
SKIPPED_PARTS = {"prefect", ".prefect", "__pycache__", "tmp", "logs"}
SKIPPED_SUFFIXES = {
    ".duckdb",
    ".wal",
    ".db",
    ".db-journal",
    ".db-wal",
    ".db-shm",
    ".log",
    ".sock",
    ".pid",
    ".lock",
}
DEMO_TIMEOUT_S = 1800
DIGEST_RUN = re.compile(r"[0-9a-f]{12,}|\d{8}T\d{6}(?:\.\d+)?Z")  # digests, and GX's run-time folder names


@dataclass(frozen=True)
class Verdict:
    regressions: list[str]  # reproducible by the same code, different after the change
    unstable: list[str]  # differ between two runs of the same code
    identical: int


def compare(control: Snapshot, control_again: Snapshot, after: Snapshot) -> Verdict:
    """What differs after the change among the outputs that the same code reproduces exactly."""
    keys = set(control) | set(control_again) | set(after)
    unstable = sorted(k for k in keys if control.get(k) != control_again.get(k))
    regressions = sorted(
        k for k in keys if control.get(k) == control_again.get(k) and control.get(k) != after.get(k)
    )
    identical = sum(1 for k in keys if control.get(k) == control_again.get(k) == after.get(k))
    return Verdict(regressions, unstable, identical)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _home_files(home: Path) -> Iterable[Path]:
    for path in sorted(home.rglob("*")):
        rel = path.relative_to(home)
        if path.is_file() and not SKIPPED_PARTS & set(rel.parts) and path.suffix not in SKIPPED_SUFFIXES:
            yield path


def _tables(python: Path, warehouse: Path) -> Mapping[str, str]:
    """sha256 of each table's rows in a stable order, computed by the checkout's own Python (DuckDB)."""
    script = (
        "import duckdb, hashlib, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "out = {}\n"
        'for (name,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = '
        "'BASE TABLE' ORDER BY 1\").fetchall():\n"
        "    rows = con.execute(f'SELECT * FROM \"{name}\" ORDER BY ALL').fetchall()\n"
        "    out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()\n"
        "    cols = [c for c, t in con.execute(\n"
        "        'SELECT column_name, data_type FROM information_schema.columns '\n"
        "        'WHERE table_name = ? ORDER BY ordinal_position', [name]).fetchall() if 'TIME' not in t]\n"
        "    if cols:\n"
        "        listed = ', '.join(f'\"{c}\"' for c in cols)\n"
        "        rows = con.execute(f'SELECT {listed} FROM \"{name}\" ORDER BY ALL').fetchall()\n"
        "        out[f'{name} (without time columns)'] = hashlib.sha256(repr(rows).encode()).hexdigest()\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [str(python), "-c", script, str(warehouse)], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def _family(rel: Path) -> str:
    """The path with every digest-like run of hex digits (and run time) as ``#``: content-addressed files
    (a PDF named by its SHA-256, a package by a digest prefix) of two runs are compared as a family."""
    return "file:" + DIGEST_RUN.sub("#", rel.as_posix())


def snapshot(home: Path, stdout: str, python: Path) -> Snapshot:
    """Digests of everything the demo left in `home` (by family), its tables, and its output."""
    families: dict[str, list[str]] = {}
    for path in _home_files(home):
        families.setdefault(_family(path.relative_to(home)), []).append(_sha256(path.read_bytes()))
    snap: Snapshot = {key: ",".join(sorted(digests)) for key, digests in families.items()}
    warehouse = home / "warehouse.duckdb"
    if warehouse.is_file():
        snap.update({f"table:{name}": digest for name, digest in _tables(python, warehouse).items()})
    snap["stdout"] = _sha256(stdout.replace(str(home), "<HOME>").encode())
    return snap


def run_demo(checkout: Path, work: Path) -> Snapshot:
    """`ecocluster demo` from `checkout`'s .venv in a fresh home under `work` (cwd outside the checkout)."""
    ecocluster = checkout / ".venv" / "bin" / "ecocluster"
    if not ecocluster.exists():
        raise SystemExit(f"{ecocluster} is missing: run `make setup` in {checkout} first")
    work.mkdir(parents=True)
    home = work / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run(
        [str(ecocluster), "--home", str(home), "demo"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"demo from {checkout} failed with exit {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return snapshot(home, done.stdout, checkout / ".venv" / "bin" / "python")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="checkout of the reference (with .venv)")
    parser.add_argument("after", type=Path, help="checkout of the change (with .venv)")
    parser.add_argument("--work", type=Path, help="where the homes go (kept); default: a temporary folder")
    parser.add_argument("--json", type=Path, help="also write the three snapshots and the verdict here")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="byte-identity-"))
    before, after = args.before.resolve(), args.after.resolve()
    runs = [("before-1", before), ("before-2", before), ("after", after)]
    snaps = []
    for name, checkout in runs:
        print(f"byte_identity: ecocluster demo from {checkout} in {work / name}", flush=True)
        snaps.append(run_demo(checkout, work / name))
    verdict = compare(*snaps)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "snapshots": dict(zip([n for n, _ in runs], snaps, strict=True)),
                    "verdict": verdict.__dict__,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
    print(
        f"byte_identity: {verdict.identical} outputs byte-identical; "
        f"{len(verdict.unstable)} not reproducible by the same code (left out):"
    )
    for key in verdict.unstable:
        print(f"  unstable  {key}")
    for key in verdict.regressions:
        print(f"  CHANGED   {key}")
    if verdict.regressions:
        print(f"byte_identity: {len(verdict.regressions)} outputs changed; compare the homes under {work}")
        return 1
    print("byte_identity: no reproducible output changed")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
