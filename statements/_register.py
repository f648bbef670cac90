"""The ``statement`` table: one row per render, and the draft → submitted → validated | rejected life.

Rows are written set-wise from the renders of a whole run; a rerun on unchanged data renders the
same statement ids and adds nothing. A new draft for the same member, year and language
records the id it supersedes, and a superseded draft can no longer be submitted or validated.
A review draft rendered without PDF gets its PDF on the same row when a full draft of the same
data runs later; until then it cannot be submitted (the verifier signs the PDF's digest too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import duckdb

from ecocluster.core.errors import EcoclusterError, UnknownId
from ecocluster.statements._publish import Artefacts, StatementKind


class StatementNotFound(UnknownId):
    """No statement with that id in the warehouse."""


class TransitionRefused(EcoclusterError):
    """The statement is not in a state that allows what was asked."""


class StatementStatus(StrEnum):
    """Where a statement is in its life (the ``statement.status`` column holds the value)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # sent to the verifier
    VALIDATED = "validated"  # the verifier approved it: a new version carries the verifier block
    REJECTED = "rejected"  # the verifier rejected it; it may be sent again


@dataclass(frozen=True)
class StatementVersion(Artefacts):
    """One row of ``statement``: a render of a statement, where its files are, and its state."""

    version: int
    status: StatementStatus
    verifier_name: str | None
    accreditation_no: str | None
    validated_on: date | None
    created_at: datetime
    supersedes: str | None

    @classmethod
    def of_row(cls, row: Sequence[Any]) -> StatementVersion:
        """The version from a row of ``_COLUMNS``, its kind and status read into their enums."""
        values = dict(zip(_FIELDS, row, strict=True))
        return cls(
            **{**values, "kind": StatementKind(values["kind"]), "status": StatementStatus(values["status"])}
        )


_FIELDS = tuple(f.name for f in fields(StatementVersion))
_COLUMNS = ", ".join(_FIELDS)
_NEW = tuple(f.name for f in fields(Artefacts))
_SAME_SUBJECT = """s.subject = n.subject AND s.member_id IS NOT DISTINCT FROM n.member_id
    AND s.cluster_id = n.cluster_id AND s.reporting_year = n.reporting_year AND s.language = n.language"""


def record_drafts(con: duckdb.DuckDBPyConnection, renders: Sequence[Artefacts]) -> int:
    """Insert version 1 of every statement not yet known, and fill in the PDF of known drafts that
    were rendered without one; returns how many rows were added or filled."""
    if not renders:
        return 0
    columns = {name: [getattr(r, name) for r in renders] for name in _NEW}
    selection = ", ".join(f"unnest(${name}) AS {name}" for name in _NEW)
    renders_sql = f"SELECT DISTINCT {', '.join(_NEW)} FROM (SELECT {selection})"
    before = _count(con, "true")
    con.execute(
        f"""
        INSERT INTO statement ({_COLUMNS})
        WITH n AS ({renders_sql})
        SELECT n.*, 1, 'draft', NULL, NULL, NULL, current_timestamp,
               (SELECT s.statement_id FROM current_statement s WHERE {_SAME_SUBJECT}
                AND s.statement_id <> n.statement_id ORDER BY s.created_at DESC, s.statement_id LIMIT 1)
        FROM n WHERE NOT EXISTS (SELECT 1 FROM statement s WHERE s.statement_id = n.statement_id)
    """,
        columns,
    )
    added = _count(con, "true") - before
    if all(r.pdf_key is None for r in renders):
        return added
    missing = _count(con, "pdf_key IS NULL")
    con.execute(
        f"""
        UPDATE statement SET pdf_key = n.pdf_key, pdf_sha256 = n.pdf_sha256
        FROM ({renders_sql}) n
        WHERE statement.statement_id = n.statement_id AND statement.version = 1
          AND statement.pdf_key IS NULL AND n.pdf_key IS NOT NULL
    """,
        columns,
    )
    return added + missing - _count(con, "pdf_key IS NULL")


def with_stored_pdfs(con: duckdb.DuckDBPyConnection, renders: Sequence[Artefacts]) -> list[Artefacts]:
    """Review renders (no PDF) of statements whose row already has its PDF, as the row has them: a
    review draft over a full one keeps the PDF, so the coordinator must not be told it has none."""
    ids = [r.statement_id for r in renders if r.pdf_key is None]
    stored = (
        {
            sid: (key, sha)
            for sid, key, sha in con.execute(
                "SELECT statement_id, pdf_key, pdf_sha256 FROM statement "
                "WHERE version = 1 AND pdf_key IS NOT NULL"
                " AND statement_id IN (SELECT unnest(?))",
                [ids],
            ).fetchall()
        }
        if ids
        else {}
    )
    return [
        replace(r, pdf_key=stored[r.statement_id][0], pdf_sha256=stored[r.statement_id][1])
        if r.statement_id in stored
        else r
        for r in renders
    ]


def _count(con: duckdb.DuckDBPyConnection, where: str) -> int:
    row = con.execute(f"SELECT count(*) FROM statement WHERE {where}").fetchone()
    return int(row[0]) if row else 0


def current(con: duckdb.DuckDBPyConnection, statement_id: str) -> StatementVersion:
    """The newest render of a statement; a unique prefix of the id is enough."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM current_statement WHERE statement_id LIKE ? || '%' ORDER BY statement_id",
        [statement_id],
    ).fetchall()
    if len(rows) != 1:
        what = "no statement" if not rows else f"{len(rows)} statements"
        raise StatementNotFound(
            f"{what} with id {statement_id!r}; list them with `ecocluster statement list` or give the full id"
        )
    return StatementVersion.of_row(rows[0])


def superseded_by(con: duckdb.DuckDBPyConnection, statement_id: str) -> str | None:
    row = con.execute(
        "SELECT statement_id FROM current_statement WHERE supersedes = ? ORDER BY created_at DESC LIMIT 1",
        [statement_id],
    ).fetchone()
    return None if row is None else str(row[0])


def pdf_command(render: Artefacts) -> str:
    """The command that adds the PDF to a review draft: the same data drafted again in full."""
    scope = f"--member {render.member_id}" if render.member_id else f"--cluster {render.cluster_id}"
    return f"ecocluster draft {scope} --year {render.reporting_year} --lang {render.language}"


# A rejected statement may be sent again as it is (the verifier agreed to look again); a changed
# one is a new draft anyway, since the id is the digest of the content.
_ALLOWED = {
    (StatementStatus.DRAFT, StatementStatus.SUBMITTED),
    (StatementStatus.SUBMITTED, StatementStatus.REJECTED),
    (StatementStatus.SUBMITTED, StatementStatus.VALIDATED),
    (StatementStatus.REJECTED, StatementStatus.SUBMITTED),
}


def check_transition(con: duckdb.DuckDBPyConnection, version: StatementVersion, to: StatementStatus) -> None:
    who = version.member_id or version.cluster_id
    if (version.status, to) not in _ALLOWED:
        raise TransitionRefused(
            f"statement {version.statement_id[:16]} ({who}, {version.reporting_year}) is {version.status}; "
            f"it cannot become {to} (allowed: draft → submitted → validated | rejected, rejected → submitted)"
        )
    if to is StatementStatus.SUBMITTED and version.pdf_key is None:
        raise TransitionRefused(
            f"statement {version.statement_id[:16]} ({who}, {version.reporting_year}) is a review draft "
            f"without PDF and cannot go to the verifier; compile its PDF with `{pdf_command(version)}`, "
            "then submit it"
        )
    newer = superseded_by(con, version.statement_id)
    if newer is not None:
        raise TransitionRefused(
            f"statement {version.statement_id[:16]} was superseded by {newer[:16]} after the data changed; "
            f"use the newer statement"
        )


def set_status(con: duckdb.DuckDBPyConnection, statement_id: str, to: StatementStatus) -> StatementVersion:
    version = current(con, statement_id)
    check_transition(con, version, to)
    con.execute(
        "UPDATE statement SET status = ? WHERE statement_id = ? AND version = ?",
        [to, version.statement_id, version.version],
    )
    return current(con, version.statement_id)


def record_validated(
    con: duckdb.DuckDBPyConnection,
    base: StatementVersion,
    render: Artefacts,
    name: str,
    accreditation_no: str,
    validated_on: date,
) -> StatementVersion:
    """Add the validated render as the next version; the draft row stays as history."""
    con.execute(
        f"""
        INSERT INTO statement ({_COLUMNS}) VALUES
        (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, ?)
    """,
        [
            *(getattr(render, f.name) for f in fields(Artefacts)),
            base.version + 1,
            StatementStatus.VALIDATED,
            name,
            accreditation_no,
            validated_on,
            base.supersedes,
        ],
    )
    return current(con, base.statement_id)


def listing(
    con: duckdb.DuckDBPyConnection, member: str | None = None, year: int | None = None, limit: int = 500
) -> list[StatementVersion]:
    """The newest render of each statement, newest first: what `statement show` takes an id from."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM current_statement WHERE (? IS NULL OR member_id = ?)"
        " AND (? IS NULL OR reporting_year = ?) ORDER BY created_at DESC, statement_id LIMIT ?",
        [member, member, year, year, limit],
    ).fetchall()
    return [StatementVersion.of_row(row) for row in rows]


@dataclass(frozen=True)
class CurrentDraft:
    """A member's current statement for a year in its own language: the one a verifier signs."""

    member_id: str
    cluster_id: str
    statement_id: str
    status: StatementStatus
    json_key: str
    pdf_key: str | None
    nace: str  # the member's activity, which decides the verifiers able to sign


def current_drafts(con: duckdb.DuckDBPyConnection, year: int, members: Sequence[str]) -> list[CurrentDraft]:
    """Each of ``members``' current, not superseded member statement of ``year``, by member id."""
    rows = con.execute(
        """
        SELECT s.member_id, s.cluster_id, s.statement_id, s.status, s.json_key, s.pdf_key, m.nace
        FROM current_statement s JOIN member m USING (member_id, cluster_id)
        WHERE s.subject = 'member' AND s.reporting_year = $year AND list_contains($members, s.member_id)
          AND NOT EXISTS (SELECT 1 FROM statement n WHERE n.supersedes = s.statement_id)
          AND s.language = m.language
        ORDER BY s.member_id""",
        {"year": year, "members": list(members)},
    ).fetchall()
    return [CurrentDraft(m, c, s, StatementStatus(status), *rest) for m, c, s, status, *rest in rows]


def current_joint(
    con: duckdb.DuckDBPyConnection, year: int, clusters: Sequence[str]
) -> dict[tuple[str, str], str]:
    """(cluster, language) -> the id of its current, not superseded joint statement for ``year``."""
    rows = con.execute(
        """
        SELECT cluster_id, language, statement_id FROM current_statement s
        WHERE subject = 'cluster' AND reporting_year = $year AND list_contains($clusters, cluster_id)
          AND NOT EXISTS (SELECT 1 FROM statement n WHERE n.supersedes = s.statement_id)""",
        {"year": year, "clusters": list(clusters)},
    ).fetchall()
    return {(c, lang): sid for c, lang, sid in rows}
