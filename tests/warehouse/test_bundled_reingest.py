"""The foundation's promise on the bundled sample: `sample` then `ingest` loads both clusters, and a
second `ingest` of the same folder leaves every table exactly as it was."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, connect, ingest_paths
from ecocluster.warehouse.sample import write_bundled

_VOLATILE = {"received_at", "rejected_at", "applied_at"}  # when, not what


def table_contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
    ]
    contents = {}
    for table in tables:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [table],
            ).fetchall()
            if r[0] not in _VOLATILE
        ]
        contents[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
    return contents


def test_bundled_sample_ingests_and_a_second_ingest_changes_nothing(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path / "home")
    sample = tmp_path / "sample"
    write_bundled(sample)
    con = connect(home.warehouse_path)
    store = LocalStore(home.objects_dir)
    first = ingest_paths(con, store, [sample])
    assert (
        first.count("rejected") == 1 and first.count("skipped") == 1
    )  # the deliberate bad file; the manifest
    assert con.execute("SELECT count(DISTINCT cluster_id) FROM member").fetchone()[0] == 6  # type: ignore[index]
    before = table_contents(con)
    objects_before = sorted(store.list(""))
    second = ingest_paths(con, store, [sample])
    assert second.count("ingested") == 0 and second.count("unchanged") == first.count("ingested")
    assert table_contents(con) == before
    assert sorted(store.list("")) == objects_before
    con.close()
