"""The one place signing tests build warehouse rows: a member with a checked, drafted statement.

:func:`ready_member` writes a stand-in draft (a blank PDF, a tiny JSON) for the refusal rules,
which never look inside the statement; :func:`drafted_member` drafts a real statement with the
statements stage, for everything that validates it (approvals, packages).
"""

from __future__ import annotations

import hashlib
import io
import json

import duckdb
from pypdf import PdfWriter

from ecocluster import statements
from ecocluster.core.home import Home
from ecocluster.core.store.interface import ObjectStore
from tests.statements import warehouse_rows


def blank_pdf(text: str = "") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": text or "statement"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_member(
    con: duckdb.DuckDBPyConnection,
    member_id: str = "IT-CL-001",
    *,
    nace: str = "55.10",
    country: str = "IT",
    cluster: str = "cerreto",
    years: tuple[int, ...] = (2024, 2025),
) -> None:
    con.execute(
        "INSERT INTO cluster VALUES (?, 'Cerreto Laghi', ?, 'it', NULL, 'tourist district', NULL, NULL, 'r') "
        "ON CONFLICT DO NOTHING",
        [cluster, country],
    )
    con.execute(
        "INSERT INTO member VALUES (?, ?, ?, ?, ?, 'hotel', 12, 'small', false, 'it', NULL, NULL, "
        "false, false, 'overnight_stays', 'Via del Lago 1', 'r')",
        [member_id, cluster, f"Hotel {member_id}", country, nace],
    )
    for year in years:
        con.execute(
            "INSERT INTO cycle VALUES (?, ?, 'annual', DATE '2026-01-15') ON CONFLICT DO NOTHING",
            [cluster, year],
        )


def add_draft(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    member_id: str = "IT-CL-001",
    *,
    year: int = 2025,
    cluster: str = "cerreto",
    content: str = "v1",
    supersedes: str | None = None,
) -> str:
    """A draft statement (version 1) with its JSON and PDF in the store; returns its id."""
    data = json.dumps({"member": member_id, "year": year, "content": content}, sort_keys=True).encode()
    sid = hashlib.sha256(data).hexdigest()
    pdf = blank_pdf(f"{member_id} {year} {content}")
    json_key = store.put(f"statements/{sid}.json", data).key
    pdf_key = store.put(f"statements/{sid}.pdf", pdf).key
    con.execute(
        "INSERT INTO statement VALUES (?, 1, 'member', ?, ?, ?, 'updated', 'it', 'draft', ?, ?, ?, ?, "
        "NULL, NULL, NULL, current_timestamp, ?)",
        [
            sid,
            member_id,
            cluster,
            year,
            json_key,
            f"statements/{sid}.html",
            pdf_key,
            hashlib.sha256(pdf).hexdigest(),
            supersedes,
        ],
    )
    return sid


def add_check(
    con: duckdb.DuckDBPyConnection,
    member_id: str = "IT-CL-001",
    *,
    year: int = 2025,
    blocking: tuple[str, ...] = (),
) -> None:
    run = f"run-{member_id}-{year}"
    con.execute(
        "INSERT INTO check_run VALUES (?, ?, 'all', 1, ?, 0, true, NULL, current_timestamp) "
        "ON CONFLICT DO NOTHING",
        [run, year, len(blocking)],
    )
    con.execute("INSERT OR REPLACE INTO check_member VALUES (?, ?, ?)", [year, member_id, run])
    for rule in blocking:
        con.execute(
            "INSERT INTO check_result VALUES (?, ?, ?, 'compliance', ?, 'blocking', NULL, NULL, NULL, "
            "NULL, NULL, 'fix it')",
            [run, year, member_id, rule],
        )


def ready_member(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, member_id: str = "IT-CL-001", **kwargs: object
) -> str:
    """A member with a clean check and a current draft for 2025; returns the statement id."""
    add_member(con, member_id, **kwargs)  # type: ignore[arg-type]
    add_check(con, member_id)
    return add_draft(con, store, member_id, cluster=str(kwargs.get("cluster", "cerreto")))


def drafted_member(con: duckdb.DuckDBPyConnection, home: Home, member_id: str = "IT-HOT-1") -> str:
    """A member of the statements' small cluster with a clean check and a real 2025 draft in its
    own language (typst PDF in the home's store); returns the statement id."""
    warehouse_rows.build(con)
    add_check(con, member_id)
    run = statements.draft(con, home, member=member_id, year=warehouse_rows.YEAR, workers=1)
    return next(a.statement_id for a in run.statements if a.member_id == member_id)
