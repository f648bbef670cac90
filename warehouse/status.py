"""What the coordinator asks first: who has submitted what, and which files were refused."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import duckdb

from ecocluster.core.errors import RowError, UnknownId
from ecocluster.warehouse.sections import SECTIONS

ALL_SECTIONS = len(SECTIONS)
# Without these a statement cannot be drafted; the other sections may be legitimately empty
# (no permits, no nonconformities) and are not required.
REQUIRED_SECTIONS = ("profile", "indicators")


class SubmissionState(StrEnum):
    """How far a member's submissions for a year are (its :attr:`MemberStatus.state`)."""

    SUBMITTED = "submitted"  # every required section current
    PARTIAL = "partial"  # some sections, not every required one
    REJECTED = "rejected"  # nothing current, and a refused file not since resolved
    MISSING = "missing"  # nothing at all


@dataclass(frozen=True)
class ClusterStatus:
    cluster_id: str
    name: str
    members: int
    submitted: int  # members with every section current for the year
    partial: int
    missing: int
    rejected_files: int


@dataclass(frozen=True)
class MemberStatus:
    """What one member has submitted for a year (the coordinator's `status --cluster`)."""

    member_id: str
    legal_name: str
    sections: int
    required: int  # how many of REQUIRED_SECTIONS are current
    last_received: str | None  # with its time zone
    rejected_files: (
        int  # refused files of the year (or of unknown year) not since resolved by an accepted one
    )
    present: tuple[str, ...] = ()  # the sections current for the year

    @property
    def missing(self) -> tuple[str, ...]:
        """The sections not received for the year, required ones first."""
        absent = [s.name for s in SECTIONS if s.name not in self.present]
        return tuple(sorted(absent, key=lambda name: name not in REQUIRED_SECTIONS))

    @property
    def state(self) -> SubmissionState:
        if self.required == len(REQUIRED_SECTIONS):
            return SubmissionState.SUBMITTED
        if self.sections:
            return SubmissionState.PARTIAL
        return SubmissionState.REJECTED if self.rejected_files else SubmissionState.MISSING


def require_known(
    con: duckdb.DuckDBPyConnection, *, members: Sequence[str] = (), clusters: Sequence[str] = ()
) -> None:
    """Refuse ids the roster does not hold, before a command starts work (or Prefect) on them.

    A mistyped ``--member`` would otherwise select nobody and report success, or surface later
    as an unrelated failure (an "approval refused" for a member that does not exist).
    """
    for kind, table, wanted, hint in (
        ("member", "member", members, "`ecocluster status --cluster ID` lists a cluster's members"),
        ("cluster", "cluster", clusters, "`ecocluster status` lists the clusters"),
    ):
        if not wanted:
            continue
        # no query parameters: any makes DuckDB import pandas, seconds of a command meant to be light;
        # every id of a 120,000-member roster is a 0.1 s read
        known = {r[0] for r in con.execute(f"SELECT {kind}_id FROM {table}").fetchall()}
        missing = [w for w in wanted if w not in known]
        if missing:
            raise UnknownId(
                f"no {kind} {', '.join(repr(m) for m in missing)} in the warehouse's roster: {hint}"
            )


def latest_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest year anything was submitted for or, before any submission, the latest open cycle."""
    row = con.execute(
        "SELECT coalesce((SELECT max(reporting_year) FROM current_part),"
        " (SELECT max(reporting_year) FROM cycle))"
    ).fetchone()
    return row[0] if row else None


# A refused file is resolved once an accepted file arrives after it, for its member (and its year,
# when known: a file for another year does not replace it) or under its name.
# Two NOT EXISTS, not one with an OR: each is an equality join DuckDB can hash (on the file name, on
# the member), where the OR made it join every submission with every part of the population.
_UNRESOLVED = """(NOT EXISTS (SELECT 1 FROM submission s
         WHERE s.received_at >= r.rejected_at AND s.filename = r.filename)
    AND NOT EXISTS (SELECT 1 FROM submission s JOIN submission_part sp USING (submission_id)
         WHERE s.received_at >= r.rejected_at AND sp.member_id = r.member_id
           AND (r.reporting_year IS NULL OR sp.reporting_year = r.reporting_year)))"""
# A refused file counts in the year it is about; one whose year is unknown (refused before the year
# was recorded, or too broken to say) may be about any year, so it counts in each.
_OF_YEAR = "(r.reporting_year IS NULL OR r.reporting_year = $year)"


_REQUIRED_SQL = ", ".join(f"'{name}'" for name in REQUIRED_SECTIONS)
_PER_MEMBER_OF = f"""
    SELECT m.cluster_id, m.member_id, m.legal_name,
           count(DISTINCT p.section) AS sections,
           count(DISTINCT p.section) FILTER (p.section IN ({_REQUIRED_SQL})) AS required,
           strftime(max(s.received_at), '%Y-%m-%d %H:%M ') || current_setting('TimeZone') AS last_received,
           (SELECT count(*) FROM rejected_file r WHERE r.member_id = m.member_id AND {_OF_YEAR} AND {_UNRESOLVED})
           AS rejected,
           list(DISTINCT p.section) FILTER (p.section IS NOT NULL) AS present
    FROM member m
    LEFT JOIN current_part p ON p.member_id = m.member_id AND p.reporting_year = $year
    LEFT JOIN submission s ON s.submission_id = p.submission_id
    WHERE {{members}}
    GROUP BY ALL
"""  # noqa: E501  # SQL: wrapping a line would change the query text
# Every member, or one cluster's: a plain equality (not "$cluster IS NULL OR ...") so DuckDB filters
# the roster before joining the year's parts, and a cluster's page costs its 115 members, not the
# population's.
_PER_MEMBER = _PER_MEMBER_OF.format(members="TRUE")
_PER_CLUSTER_MEMBER = _PER_MEMBER_OF.format(members="m.cluster_id = $cluster")


def cluster_status(con: duckdb.DuckDBPyConnection, year: int) -> list[ClusterStatus]:
    rows = con.execute(
        "SELECT c.cluster_id, c.name, count(x.member_id), count(*) "
        f"FILTER (x.required = {len(REQUIRED_SECTIONS)}),"
        " count(*) FILTER (x.sections > 0 AND x.required < "
        f"{len(REQUIRED_SECTIONS)}), count(*) FILTER (x.sections = 0),"
        f" sum(x.rejected) FROM cluster c JOIN ({_PER_MEMBER}) x USING (cluster_id) GROUP BY ALL ORDER BY 1",
        {"year": year},
    ).fetchall()
    return [ClusterStatus(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6] or 0)) for r in rows]


def member_status(con: duckdb.DuckDBPyConnection, year: int, cluster_id: str) -> list[MemberStatus]:
    rows = con.execute(
        f"SELECT member_id, legal_name, sections, required, last_received, rejected, present "
        f"FROM ({_PER_CLUSTER_MEMBER}) ORDER BY member_id",
        {"year": year, "cluster": cluster_id},
    ).fetchall()
    return [MemberStatus(r[0], r[1], r[2], r[3], r[4], r[5], tuple(sorted(r[6] or ()))) for r in rows]


class RejectedFile(NamedTuple):
    """A refused file not since resolved, as `status --rejected` lists it."""

    file: str
    rejected_at: str  # with its time zone
    errors: list[RowError]
    reporting_year: int | None  # None: year unknown
    language: str = "en"  # what the errors are worded in (``ecocluster.warehouse.messages.describe``)

    @property
    def year(self) -> str:
        return "year unknown" if self.reporting_year is None else str(self.reporting_year)


def rejected_files(
    con: duckdb.DuckDBPyConnection, cluster_id: str | None = None, limit: int = 50, *, year: int | None = None
) -> list[RejectedFile]:
    """Refused files not since resolved by an accepted one (a later file of the same member and
    year, or the same file name accepted), newest first; optionally of one cluster, and of one
    reporting year (with those whose year is unknown, which may be that year's)."""
    out = []
    for name, at, errors, reporting_year in con.execute(
        "SELECT filename, strftime(rejected_at, '%Y-%m-%d %H:%M ') || current_setting('TimeZone'), errors,"
        f" reporting_year FROM rejected_file r WHERE {_UNRESOLVED} AND ($cluster IS NULL OR r.member_id IN"
        " (SELECT member_id FROM member WHERE cluster_id = $cluster))"
        f" AND ($year IS NULL OR {_OF_YEAR})"
        " ORDER BY rejected_at DESC, filename LIMIT $limit",
        {"cluster": cluster_id, "year": year, "limit": limit},
    ).fetchall():
        listed = json.loads(errors)
        out.append(
            RejectedFile(
                name,
                at,
                [RowError(name, e["reason"], e["part"], e["row"], e["column"], e["value"]) for e in listed],
                reporting_year,
                next((str(e["language"]) for e in listed if e.get("language")), "en"),
            )
        )
    return out
