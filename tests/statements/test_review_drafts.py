"""Review drafts without PDF (``draft(..., pdf=False)``, ``ecocluster draft --no-pdf``): the same JSON
and HTML as a full draft, no PDF on the row until a full draft fills it in, and no submission before."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ecocluster import signing, statements
from ecocluster.core.errors import ApprovalRefused
from ecocluster.core.home import Home
from ecocluster.core.store import open_store
from ecocluster.flows.cli import app

ROWS = (
    "SELECT statement_id, version, status, json_key, html_key, "
    "pdf_key, pdf_sha256 FROM statement ORDER BY 1, 2"
)


def _keyed(run: statements.DraftRun) -> dict[str, statements.Artefacts]:
    return {a.statement_id: a for a in run.statements}


def test_review_draft_stores_the_full_drafts_json_and_html_and_no_pdf(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    store = open_store(home)
    review = _keyed(statements.draft(cluster_con, home, cluster="CL-IT", workers=1, pdf=False))
    assert review and all(a.pdf_key is None and a.pdf_sha256 is None for a in review.values())
    assert not [key for key in store.list("statements/") if key.endswith(".pdf")]
    review_bytes = {sid: (store.get(a.json_key), store.get(a.html_key)) for sid, a in review.items()}
    rows = cluster_con.execute(ROWS).fetchall()
    assert {r[0] for r in rows} == set(review) and all(r[5] is None and r[6] is None for r in rows)

    full = _keyed(statements.draft(cluster_con, home, cluster="CL-IT", workers=1))
    assert full.keys() == review.keys()
    for sid, a in full.items():  # same keys are content addresses: same bytes, checked on the bytes anyway
        assert (a.json_key, a.html_key) == (review[sid].json_key, review[sid].html_key)
        assert (store.get(a.json_key), store.get(a.html_key)) == review_bytes[sid]
        assert a.pdf_key is not None and store.get(a.pdf_key).startswith(b"%PDF")


def test_full_draft_fills_the_pdf_in_on_the_same_row_and_a_rerun_changes_nothing(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    review = statements.draft(cluster_con, home, cluster="CL-IT", workers=1, pdf=False)
    assert review.new == len(review.statements)
    before = cluster_con.execute(ROWS).fetchall()
    full = statements.draft(cluster_con, home, cluster="CL-IT", workers=1)
    assert full.new == len(full.statements)  # every row got its PDF
    after = cluster_con.execute(ROWS).fetchall()
    assert [r[:5] for r in after] == [r[:5] for r in before]  # no new row, nothing else changed
    assert {(r[0], r[5], r[6]) for r in after} == {
        (a.statement_id, a.pdf_key, a.pdf_sha256) for a in full.statements
    }
    again = statements.draft(cluster_con, home, cluster="CL-IT", workers=1)
    assert again.new == 0 and cluster_con.execute(ROWS).fetchall() == after
    no_pdf_again = statements.draft(cluster_con, home, cluster="CL-IT", workers=1, pdf=False)
    assert no_pdf_again.new == 0 and cluster_con.execute(ROWS).fetchall() == after  # the PDF stays
    assert {(a.statement_id, a.pdf_key, a.pdf_sha256) for a in no_pdf_again.statements} == {
        (r[0], r[5], r[6]) for r in after
    }  # and the run says so: the coordinator is not told it has none


def test_a_draft_without_pdf_cannot_be_submitted(cluster_con: duckdb.DuckDBPyConnection, home: Home) -> None:
    review = _keyed(statements.draft(cluster_con, home, member="IT-HOT-1", workers=1, pdf=False))
    (sid,) = review
    with pytest.raises(
        statements.TransitionRefused,
        match=r"without PDF.*`ecocluster draft --member IT-HOT-1 --year 2025 --lang it`",
    ):
        statements.submit(cluster_con, sid)
    assert statements.show(cluster_con, sid).status == "draft"
    assert "pdf" not in statements.locations(open_store(home), statements.show(cluster_con, sid))
    statements.draft(cluster_con, home, member="IT-HOT-1", workers=1)
    assert statements.submit(cluster_con, sid).status == "submitted"


def test_the_verifier_side_refuses_a_draft_without_pdf(
    cluster_con: duckdb.DuckDBPyConnection, home: Home, tmp_path: Path
) -> None:
    (sid,) = _keyed(statements.draft(cluster_con, home, member="IT-HOT-1", workers=1, pdf=False))
    command = r"`ecocluster draft --member IT-HOT-1 --year 2025 --lang it`"
    with pytest.raises(ApprovalRefused, match=f"without PDF.*{command}"):
        signing.draft_for(cluster_con, sid)  # what sign_decision signs
    with pytest.raises(ApprovalRefused, match=f"without PDF.*{command}"):
        signing.export_review(cluster_con, open_store(home), "IT-HOT-1", tmp_path / "review")
    statements.draft(cluster_con, home, member="IT-HOT-1", workers=1)
    assert signing.draft_for(cluster_con, sid).pdf_sha256 == statements.show(cluster_con, sid).pdf_sha256


def test_cli_no_pdf_says_which_drafts_lack_a_pdf(cluster_con: duckdb.DuckDBPyConnection, home: Home) -> None:
    cluster_con.close()  # the CLI opens the warehouse itself
    result = CliRunner().invoke(
        app, ["--home", str(home.root), "draft", "--cluster", "CL-IT", "--no-pdf", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "not yet" in result.output and "cannot be submitted" in result.output
    assert "4 statements, 4 new, 4 without PDF yet" in result.output
    sid = next(line.split()[0] for line in result.output.splitlines() if "IT-HOT-1" in line)
    shown = CliRunner().invoke(app, ["--home", str(home.root), "statement", "show", sid])
    assert shown.exit_code == 0, shown.output
    assert "pdf: not compiled yet" in shown.output and "ecocluster draft --member IT-HOT-1" in shown.output
    assert "--no-pdf" in CliRunner().invoke(app, ["draft", "--help"]).output
