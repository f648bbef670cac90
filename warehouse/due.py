"""Which members a cycle must take through validation this year, and what evidence it needs.

EMAS (Art. 4, 6, 7) puts every registered member on its own calendar, counted from its
registration date: a full verification every three years and a validated updated statement in
the years between; small organisations (Art. 2(28): micro, small and medium-sized enterprises,
small public authorities) without significant environmental risks may use the derogation (full
every four years, update every two; :mod:`ecocluster.warehouse.emas_calendar` holds the rule and its source).
A member not yet registered needs the full verification of a first registration, which requires the initial
environmental review, the EMS (all steps and intermediate audits of the step-by-step approach), an internal
audit and a management review. This module is plain SQL over the warehouse so it is tested without Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import duckdb

from ecocluster.warehouse.emas_calendar import derogation_applies, due, years_registered


class CycleKind(str, Enum):
    ANNUAL = "annual"
    THREE_YEAR = "three-year"


class Due(str, Enum):
    INITIAL = "initial"  # first registration: full verification, Art. 4 prerequisites
    FULL = "full"  # full EMS verification and full statement
    UPDATE = "update"  # validated updated statement
    NONE = "not due"  # nothing to validate this year (calendar or derogation); its data are still checked


@dataclass(frozen=True)
class DueMember:
    member_id: str
    cluster_id: str
    due: Due
    reason: str  # why this member is (or is not) due, in the coordinator's words

    @property
    def statement_kind(self) -> str:
        """The statement the member needs: ``full`` or ``updated`` (the statements' vocabulary)."""
        return "full" if self.due in (Due.INITIAL, Due.FULL) else "updated"

    @property
    def is_due(self) -> bool:
        """Whether the cycle takes the member on to drafting and verification."""
        return self.due is not Due.NONE


# Which kinds of due each cycle takes: the annual cycle is the cluster's yearly run and takes
# every member with a validation due; the three-year cycle takes only the full verifications.
_TAKES = {
    CycleKind.ANNUAL: (Due.INITIAL, Due.FULL, Due.UPDATE),
    CycleKind.THREE_YEAR: (Due.INITIAL, Due.FULL),
}

# The calendar itself is ecocluster.warehouse.emas_calendar (shared with the statements and the checks); a
# derogation claimed without eligibility keeps the standard calendar (and the checks block it).
_DUE_SQL = f"""
WITH scope AS (
    SELECT m.*, {derogation_applies("m")} AS derogation_ok, {years_registered("m", "$year")} AS n,
           {due("m", "$year")} AS due
    FROM member m
    WHERE (NOT EXISTS (SELECT 1 FROM cycle WHERE reporting_year = $year)
           OR m.cluster_id IN (SELECT cluster_id FROM cycle WHERE reporting_year = $year))
      AND ($clusters IS NULL OR list_contains($clusters, m.cluster_id))
      AND ($members IS NULL OR list_contains($members, m.member_id))
), classified AS (
    SELECT member_id, cluster_id,
        CASE WHEN list_contains($takes, due) THEN due ELSE 'not due' END AS due,
        CASE
            WHEN registered_on IS NULL THEN 'not yet registered: first registration'
            WHEN n <= 0 THEN format('registered {{}}: validated at registration, the first updated statement '
                                    'is due in {{}}', registered_on, year(registered_on) + 1)
            WHEN due IS NULL THEN format('registered {{}} ({{}} years): small-organisation derogation (Art. 7), '
                                         'full every 4 years, update every 2; not due in {{}} (send the '
                                         'non-validated updated statement to the competent body, Art. 7(3))',
                                         registered_on, n, $year)
            WHEN NOT list_contains($takes, due) THEN format('registered {{}} ({{}} years): an updated statement is '
                                                            'due in {{}}, which the annual cycle validates',
                                                            registered_on, n, $year)
            WHEN derogation_ok THEN format('registered {{}} ({{}} years): small-organisation derogation, '
                                           'full every 4 years, update every 2', registered_on, n)
            ELSE format('registered {{}} ({{}} years): full every 3 years, update in between',
                        registered_on, n)
        END AS reason
    FROM scope
)
SELECT member_id, cluster_id, due, reason FROM classified
WHERE $everyone OR due <> 'not due'
ORDER BY cluster_id, member_id
"""  # noqa: E501  # SQL: wrapping a line would change the query text


def members_due(
    con: duckdb.DuckDBPyConnection,
    year: int,
    kind: CycleKind,
    *,
    clusters: list[str] | None = None,
    members: list[str] | None = None,
    everyone: bool = False,
) -> list[DueMember]:
    """The members the cycle takes in ``year``; with ``everyone``, also those it does not
    (``Due.NONE``, with the calendar's reason), whose data the cycle still checks.

    Scope: the clusters with a cycle opened for ``year`` (all clusters when none was opened yet,
    so a fresh warehouse still runs), optionally narrowed to some clusters or members.
    """
    rows = con.execute(
        _DUE_SQL,
        {
            "year": year,
            "takes": [d.value for d in _TAKES[kind]],
            "clusters": clusters,
            "members": members,
            "everyone": everyone,
        },
    ).fetchall()
    return [DueMember(m, c, Due(d), r) for m, c, d, r in rows]


# Evidence a full verification needs beyond what the checks judge. The checks package owns the
# rest: the internal audit and management review of the reporting year for every member
# (``compliance.internal_audit_missing``, ``compliance.management_review_missing``) and the six
# steps and three intermediate audits of the step-by-step route to a first registration
# (``compliance.step_gate``; registered members who came by another route, like the sample's
# Italian cluster, never report steps). What is left is the cycle's own knowledge: a full
# verification, first or three-yearly, reviews the EMS against its initial environmental review.
_EVIDENCE = {
    Due.INITIAL: ("initial_review",),
    Due.FULL: ("initial_review",),
}

_MISSING_SQL = """
WITH needed AS (
    SELECT d.member_id, unnest(d.needs) AS milestone
    FROM (SELECT unnest($member_ids) AS member_id, unnest($needs) AS needs) d
), done AS (
    SELECT member_id, milestone FROM current_ems_milestone
    WHERE reporting_year = $year AND completed_on IS NOT NULL
      AND completed_on <= make_date($year, 12, 31)
)
SELECT n.member_id, list(n.milestone ORDER BY n.milestone) AS missing
FROM needed n ANTI JOIN done d USING (member_id, milestone)
GROUP BY n.member_id ORDER BY n.member_id
"""


def missing_evidence(
    con: duckdb.DuckDBPyConnection, year: int, due: list[DueMember]
) -> dict[str, tuple[str, ...]]:
    """Members due a full verification whose EMS evidence is incomplete, with what is missing.

    A member listed here cannot be sent to the verifier; the check stage adds these gaps to the
    member's blocking check results.
    """
    full = [d for d in due if d.due in _EVIDENCE]
    if not full:
        return {}
    rows = con.execute(
        _MISSING_SQL,
        {
            "year": year,
            "member_ids": [d.member_id for d in full],
            "needs": [list(_EVIDENCE[d.due]) for d in full],
        },
    ).fetchall()
    return {member: tuple(missing) for member, missing in rows}


def latest_reporting_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest year any member has submitted for: the default year of a cycle."""
    row = con.execute("SELECT max(reporting_year) FROM current_part").fetchone()
    return row[0] if row else None


def latest_cycle_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest reporting year a coordinator opened a cycle for (``None``: none is open)."""
    row = con.execute("SELECT max(reporting_year) FROM cycle").fetchone()
    return row[0] if row else None
