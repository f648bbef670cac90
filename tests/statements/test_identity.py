"""A statement's id is the digest of what it says: it moves when the member's content does, and
never because the checks ran over another scope or another member's data changed (issue 14,
items 1 and 6)."""

from __future__ import annotations

import json

import duckdb

from ecocluster import statements
from ecocluster.checks import run_checks
from ecocluster.core.home import Home
from ecocluster.core.store import open_store
from ecocluster.warehouse.db import connect
from tests.statements.warehouse_rows import YEAR


def _ids(run: statements.DraftRun) -> dict[str, str]:
    return {a.member_id or f"joint:{a.cluster_id}": a.statement_id for a in run.statements}


def test_a_recheck_over_another_scope_keeps_ids_and_a_review_draft_can_be_completed(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    cluster_con.close()  # the checks write their results in their own short transaction
    run_checks(home, YEAR, members=["IT-HOT-1"])  # a coordinator's one-member rerun
    with connect(home.warehouse_path) as con:
        review = statements.draft(con, home, member="IT-HOT-1", workers=1, pdf=False)
        [draft] = review.statements
        assert draft.pdf_key is None
        checks = json.loads(open_store(home).get(draft.json_key))["compliance"]["checks"]
        assert checks is not None and "run_id" not in checks  # the findings are there, not the run's id
    run_checks(home, YEAR)  # the whole year's check: another run id for every member, the same findings
    with connect(home.warehouse_path) as con:
        full = statements.draft(con, home, member="IT-HOT-1", workers=1)
        assert _ids(full) == _ids(review) and full.new == 1  # the review draft's row got its PDF
        assert full.statements[0].pdf_key is not None
        assert statements.submit(con, draft.statement_id).status == "submitted"  # not superseded


def test_the_statement_kind_is_the_members_calendar_not_the_cycles(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    # CL-IT runs a three-year cycle, CL-LV an annual one; IT-HOT-1 was registered in 2020 (its
    # 2025 validation is an update), IT-HOT-2 and LV-NOV-1 are not registered yet (first
    # registration: a full verification, so a full statement, whatever the cycle).
    run = statements.draft(cluster_con, home, workers=1, pdf=False)
    kinds = {a.member_id or f"joint:{a.cluster_id}": a.kind for a in run.statements}
    assert kinds == {
        "IT-HOT-1": "updated",
        "IT-HOT-2": "full",
        "IT-EVIL": "full",
        "LV-NOV-1": "full",
        "joint:CL-IT": "full",
        "joint:CL-LV": "updated",
    }
    rows = dict(
        cluster_con.execute("SELECT member_id, kind FROM statement WHERE subject = 'member'").fetchall()
    )
    assert rows["IT-HOT-1"] == "updated" and rows["LV-NOV-1"] == "full"
