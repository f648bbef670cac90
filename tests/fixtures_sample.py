"""The bundled sample clusters, written, ingested and checked once per test session.

Several packages test on the same real sample (checks: every fault caught; statements: what a
reader sees), and ingesting it costs seconds, so it is built once. Tests may add to its warehouse
(drafts, approvals) but must not change what was ingested or checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, connect, ingest_paths
from ecocluster.warehouse.sample import write_bundled

YEAR = 2025


@dataclass(frozen=True)
class BundledSample:
    files: Path  # what write_bundled wrote (faults.json among them)
    home: Home  # warehouse holding the ingested sample and one checks run for YEAR

    @property
    def faults(self) -> list[dict[str, object]]:
        return list(json.loads((self.files / "faults.json").read_text(encoding="utf-8"))["faults"])


@pytest.fixture(scope="session")
def bundled_sample(tmp_path_factory: pytest.TempPathFactory) -> BundledSample:
    from ecocluster import checks  # GX is heavy: only sessions that use the sample import it

    files = tmp_path_factory.mktemp("bundled-sample")
    write_bundled(files)
    home = Home.resolve(tmp_path_factory.mktemp("bundled-home"))
    con = connect(home.warehouse_path)
    try:
        ingest_paths(con, LocalStore(home.objects_dir), [files])
    finally:
        con.close()
    checks.run_checks(home, YEAR)
    return BundledSample(files, home)
