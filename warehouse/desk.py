"""What the portal's desks read from the warehouse: one member's card and sections, and the register.

Typed functions over the warehouse's own tables so that no portal page writes SQL (style rule 10).
Every list is limited and offset in the database, never paginated in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import duckdb

from ecocluster.warehouse.sections import SECTIONS

PAGE_SIZE = 50


@dataclass(frozen=True)
class MemberCard:
    member_id: str
    cluster_id: str
    legal_name: str
    country: str
    language: str
    nace: str


@dataclass(frozen=True)
class SectionState:
    section: str
    reporting_year: int | None  # None: nothing current for this section
    filename: str | None
    received_at: dt.datetime | None


@dataclass(frozen=True)
class RegisteredOrganisation:
    registration_no: str
    legal_name: str
    country: str
    cluster_name: str
    first_registered: dt.date
    last_renewed: dt.date


def member_card(con: duckdb.DuckDBPyConnection, member_id: str) -> MemberCard | None:
    """The roster's entry for ``member_id``; None for a member the roster does not name."""
    row = con.execute(
        "SELECT member_id, cluster_id, legal_name, country, language, nace FROM member WHERE member_id = ?",
        [member_id],
    ).fetchone()
    return MemberCard(*row) if row else None


def member_cards(con: duckdb.DuckDBPyConnection, member_ids: Sequence[str]) -> dict[str, MemberCard]:
    """The roster's entries for ``member_ids`` in one query (a page's rows, not one query per row);
    ids the roster does not name are absent."""
    rows = con.execute(
        "SELECT member_id, cluster_id, legal_name, country, language, nace FROM member "
        "WHERE list_contains($ids, member_id)",
        {"ids": list(member_ids)},
    ).fetchall()
    return {r[0]: MemberCard(*r) for r in rows}


def member_sections(con: duckdb.DuckDBPyConnection, member_id: str) -> list[SectionState]:
    """Each section's newest current file for the member's latest reporting year, in section order."""
    rows = con.execute(
        "SELECT p.section, p.reporting_year, s.filename, s.received_at FROM current_part p "
        "JOIN submission s USING (submission_id) WHERE p.member_id = ? "
        "AND p.reporting_year = (SELECT max(reporting_year) FROM current_part WHERE member_id = ?)",
        [member_id, member_id],
    ).fetchall()
    # Only the file's own name: the stored name may be a path on the coordinator's or the portal's disk.
    found = {r[0]: SectionState(r[0], r[1], PurePath(r[2]).name, r[3]) for r in rows}
    return [found.get(s.name, SectionState(s.name, None, None, None)) for s in SECTIONS]


def registered_organisations(
    con: duckdb.DuckDBPyConnection, page: int = 0, page_size: int = PAGE_SIZE
) -> list[RegisteredOrganisation]:
    """One page of the public EMAS register (every competent body's ``body_register``), ordered by number;
    an entry the body deleted (its updated statement overdue) is no longer in it."""
    # The page is cut from the register first, then named from the roster: a join before the limit
    # would build the whole roster (every member of every cluster) into a hash table per page.
    rows = con.execute(
        "SELECT r.registration_no, m.legal_name, r.country, c.name, r.first_registered, r.last_renewed "
        "FROM (SELECT * FROM body_register WHERE status <> 'deleted' ORDER BY registration_no "
        "LIMIT ? OFFSET ?) r JOIN member m USING (member_id) JOIN cluster c USING (cluster_id) "
        "ORDER BY r.registration_no",
        [page_size, max(page, 0) * page_size],
    ).fetchall()
    return [RegisteredOrganisation(*r) for r in rows]


@dataclass(frozen=True)
class ClusterCard:
    cluster_id: str
    name: str
    country: str
    language: str


def cluster_card(con: duckdb.DuckDBPyConnection, cluster_id: str) -> ClusterCard | None:
    """The roster's entry for ``cluster_id``; None for a cluster the roster does not name."""
    row = con.execute(
        "SELECT cluster_id, name, country, language FROM cluster WHERE cluster_id = ?", [cluster_id]
    ).fetchone()
    return ClusterCard(*row) if row else None


def country_clusters(con: duckdb.DuckDBPyConnection, country: str) -> list[str]:
    """The ids of the clusters the roster places in ``country`` (a competent body's scope)."""
    rows = con.execute(
        "SELECT cluster_id FROM cluster WHERE country = ? ORDER BY cluster_id", [country]
    ).fetchall()
    return [r[0] for r in rows]
