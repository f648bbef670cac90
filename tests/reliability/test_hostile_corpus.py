"""Hundreds of bad submissions in one batch: each refused with its own clear error, nothing stored,
memory and time bounded."""

from __future__ import annotations

import resource
import time

import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import ingest_paths
from ecocluster.warehouse.sections import SECTIONS
from tests.reliability.corpus import all_cases
from tests.warehouse.builders import roster, write_json


def test_corpus_is_large_enough():
    assert len(all_cases()) >= 200


def test_every_bad_submission_is_refused_with_its_reason(con, home, tmp_path):
    store = LocalStore(home.objects_dir)
    assert ingest_paths(con, store, [write_json(tmp_path / "roster" / "cluster.json", roster())]).ok
    folder = tmp_path / "corpus"
    folder.mkdir()
    cases = {case.write(folder): case for case in all_cases()}
    assert len(cases) == len(all_cases()), "two cases wrote the same file name"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = ingest_paths(con, store, list(cases))
    elapsed = time.perf_counter() - started
    by_path = {o.path: o for o in report.outcomes}
    wrong = []
    for path, case in cases.items():
        outcome = by_path[str(path)]
        text = " | ".join(str(e) for e in outcome.errors)
        if outcome.status != "rejected" or case.expected not in text or str(path) not in text:
            wrong.append(f"{case.name}: {outcome.status}: {text[:300]}")
    assert not wrong, "\n".join(wrong)
    # nothing of any of them was stored
    assert con.execute("SELECT count(*) FROM submission WHERE kind = 'member'").fetchone()[0] == 0
    for section in SECTIONS:
        assert con.execute(f"SELECT count(*) FROM {section.table}").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM rejected_file").fetchone()[0] == len(cases) - 2  # 2 never hashed
    # bounded: the whole corpus in well under a minute and a few hundred MiB
    assert elapsed < 60
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024 < 800


@pytest.mark.parametrize("repeat", [1])
def test_rejections_are_recorded_once_per_file(con, home, tmp_path, repeat):
    store = LocalStore(home.objects_dir)
    ingest_paths(con, store, [write_json(tmp_path / "roster" / "cluster.json", roster())])
    bad = tmp_path / "bad.json"
    bad.write_text('{"member_id": "IT-H01", "reporting_year": 2025, "indicators": [{"indicator": "x"}]}')
    for _ in range(3):
        ingest_paths(con, store, [bad])
    assert con.execute("SELECT count(*) FROM rejected_file").fetchone()[0] == 1
