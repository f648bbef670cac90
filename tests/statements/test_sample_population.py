"""Statements over data that went through the real ingestion path (synthetic sample population)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ecocluster import statements
from ecocluster.core.home import Home
from ecocluster.core.store import open_store
from ecocluster.statements._i18n import Formatter
from ecocluster.warehouse import ingest_paths
from ecocluster.warehouse.sample import write_synthetic
from tests.statements.conftest import pdf_key, pdf_text


def test_ingested_population_drafts_with_the_warehouse_numbers(
    con: duckdb.DuckDBPyConnection, home: Home, tmp_path: Path
) -> None:
    write_synthetic(tmp_path / "pop", 2, 4)
    ingest_paths(con, open_store(home), [tmp_path / "pop"])
    run = statements.draft(con, home, workers=1)
    assert {a.subject for a in run.statements} == {"member", "cluster"}
    member = next(a for a in run.statements if a.subject == "member")
    row = con.execute(
        """SELECT sum(value) FROM current_indicator_value WHERE member_id = ? AND reporting_year = ?
                         AND indicator = 'water.total'""",
        [member.member_id, member.reporting_year],
    ).fetchone()
    assert row is not None and row[0] is not None
    text = pdf_text(open_store(home).get(pdf_key(member)))
    assert Formatter(member.language).exact(row[0]) in text
    assert statements.draft(con, home, workers=1).new == 0
