"""What each draft was made from, so an approval of a draft the member's data has outgrown is refused.

Drafting records, for every statement it (re)makes, the newest ``submission_part.seq`` present
when it started reading the warehouse (``statement_inputs``, migration 008). A member file that
arrived later has a higher seq: the draft does not show it. Redrafting unchanged data keeps the
statement id and moves the mark forward, so the same draft becomes approvable again.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb


def inputs_mark(con: duckdb.DuckDBPyConnection) -> int:
    """The newest submission part now; take it *before* reading the data a draft is made from."""
    row = con.execute("SELECT coalesce(max(seq), 0) FROM submission_part").fetchone()
    return int(row[0]) if row else 0


def record_inputs(con: duckdb.DuckDBPyConnection, statement_ids: Iterable[str], mark: int) -> None:
    """Record that these drafts show every submission part up to ``mark`` (a mark never moves back)."""
    ids = sorted(set(statement_ids))
    if ids:
        con.execute(
            """
            INSERT INTO statement_inputs SELECT unnest($ids), $mark, current_timestamp
            ON CONFLICT (statement_id) DO UPDATE SET inputs_seq = greatest(inputs_seq, excluded.inputs_seq),
                                                     drafted_at = excluded.drafted_at
        """,
            {"ids": ids, "mark": mark},
        )


def newer_inputs(
    con: duckdb.DuckDBPyConnection, statement_id: str, member_id: str, year: int
) -> tuple[str, ...]:
    """The member's files for ``year`` or earlier received after draft ``statement_id`` was made,
    as ``filename (received …)``; empty when the draft shows all the member's data. A draft with
    no record (not made by :func:`ecocluster.statements.draft`) counts as made before every file."""
    rows = con.execute(
        """
        SELECT s.filename, strftime(any_value(s.received_at), '%Y-%m-%d %H:%M') FROM submission_part p
        JOIN submission s USING (submission_id)
        WHERE p.member_id = ? AND p.reporting_year <= ?
          AND p.seq > coalesce((SELECT inputs_seq FROM statement_inputs WHERE statement_id = ?), 0)
        GROUP BY s.submission_id, s.filename ORDER BY min(p.seq)
    """,
        [member_id, year, statement_id],
    ).fetchall()
    return tuple(f"{name} (received {when})" for name, when in rows)
