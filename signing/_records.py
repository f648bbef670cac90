"""The warehouse side of approvals: what the rules need to know, and what an accepted approval leaves.

Reads only the roster, the cycle, the ``statement`` table (statements stage) and this stage's own
tables; what the checks found comes from ``ecocluster.checks`` (typed); one query per question.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
from cryptography import x509

from ecocluster import checks, statements
from ecocluster.core.errors import ApprovalRefused, ConfigurationError
from ecocluster.signing import _review, _review_log
from ecocluster.signing._approval import ApprovalDecision, Draft
from ecocluster.signing._pki import identity, normalise_accreditation_no, pem, valid_accreditation_no
from ecocluster.signing._verify import ApprovalContext, VerifiedApproval
from ecocluster.warehouse import nace

_DRAFT_SQL = """
WITH open_cycle AS (
    SELECT m.member_id, m.legal_name, m.nace, m.cluster_id, max(c.reporting_year) AS year
    FROM member m JOIN cycle c USING (cluster_id) WHERE m.member_id = ? GROUP BY ALL
), drafts AS (
    SELECT s.statement_id, s.pdf_sha256, s.reporting_year,
           EXISTS (SELECT 1 FROM statement n WHERE n.supersedes = s.statement_id) AS superseded
    FROM statement s JOIN open_cycle o USING (member_id)
    WHERE s.version = 1 AND s.subject = 'member'
)
SELECT o.member_id, o.legal_name, o.nace, o.cluster_id, o.year,
       (SELECT list(d.statement_id ORDER BY d.statement_id = ? DESC) FROM drafts d
        WHERE NOT d.superseded AND d.reporting_year = o.year) AS current_ids,
       (SELECT list(d.pdf_sha256 ORDER BY d.statement_id = ? DESC) FROM drafts d
        WHERE NOT d.superseded AND d.reporting_year = o.year) AS current_pdfs,
       (SELECT list(d.statement_id) || list(d.pdf_sha256) FROM drafts d WHERE d.superseded) AS superseded
FROM open_cycle o
"""


def approval_context(
    con: duckdb.DuckDBPyConnection, member_id: str, statement_id: str = ""
) -> ApprovalContext:
    """Facts about ``member_id`` in its cluster's open cycle; ``statement_id`` picks among languages."""
    row = con.execute(_DRAFT_SQL, [member_id, statement_id, statement_id]).fetchone()
    if row is None:
        raise ApprovalRefused(
            f"member {member_id!r} is not in the roster or its cluster has no open cycle; "
            "ingest the roster and open the cycle first"
        )
    member, _name, nace, cluster, year, current_ids, current_pdfs, superseded = row
    if not current_ids:
        raise ApprovalRefused(
            f"member {member_id} has no current draft statement for {year}; "
            f"run `ecocluster draft` for cluster {cluster} first"
        )
    consulted = con.execute(
        "SELECT accreditation_no FROM verifier_consulted WHERE member_id = ?", [member_id]
    ).fetchall()
    return ApprovalContext(
        member_id=member,
        nace=nace,
        cluster_id=cluster,
        reporting_year=year,
        statement_id=current_ids[0],
        json_sha256=current_ids[0],
        pdf_sha256=current_pdfs[0],
        superseded=frozenset(superseded or ()),
        consulted_by=frozenset(normalise_accreditation_no(r[0]) for r in consulted),
        blocking_failures=blocking_failures(con, member_id, year),
        newer_inputs=statements.newer_inputs(con, current_ids[0], member, year),
        open_findings=_review.unresolved(con, member, year),
        review_log=_review_log.broken_link(con, member, year),
        resolutions=_review.resolutions(con, member, year),
    )


def blocking_failures(con: duckdb.DuckDBPyConnection, member_id: str, year: int) -> tuple[str, ...]:
    """Names of the member's blocking check failures; a member never checked is blocked too."""
    rules = checks.blocking_rules(con, member_id, year)
    return (f"not checked for {year}: run `ecocluster check`",) if rules is None else rules


def draft_for(con: duckdb.DuckDBPyConnection, statement_id: str) -> Draft:
    """What the verifier signs for ``statement_id`` (its draft render's digests)."""
    row = con.execute(
        "SELECT s.statement_id, s.member_id, m.legal_name, m.nace, "
        "s.cluster_id, s.reporting_year, s.pdf_sha256, "
        "s.language, s.kind "
        "FROM statement s JOIN member m USING (member_id) WHERE s.statement_id = ? AND s.version = 1",
        [statement_id],
    ).fetchone()
    if row is None:
        raise ApprovalRefused(
            f"no member draft statement {statement_id!r}; list drafts with `ecocluster status`"
        )
    sid, member, name, nace, cluster, year, pdf_sha, language, kind = row
    if pdf_sha is None:
        refuse_without_pdf(con, sid)
    return Draft(sid, member, name, nace, cluster, year, sid, pdf_sha, language, kind)


def refuse_without_pdf(con: duckdb.DuckDBPyConnection, statement_id: str) -> None:
    """A review draft rendered without PDF (``ecocluster draft --no-pdf``) is not for the verifier:
    what a verifier reviews and signs includes the PDF."""
    version = statements.show(con, statement_id)
    raise ApprovalRefused(
        f"statement {statement_id[:16]} ({version.member_id}) is a review draft without PDF; "
        f"compile it with `{statements.pdf_command(version)}` and submit it first"
    )


def register_verifier(con: duckdb.DuckDBPyConnection, cert: x509.Certificate) -> None:
    """Record a verifier certificate (public) so approvals and conflicts can name it."""
    who = identity(cert)
    con.execute(
        "INSERT INTO verifier VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "NULL, current_timestamp) ON CONFLICT DO NOTHING",
        [
            who.fingerprint,
            who.accreditation_no,
            who.name,
            ",".join(who.nace_scope),
            f"{cert.serial_number:x}",
            who.not_before,
            who.not_after,
            pem(cert).decode(),
        ],
    )


def mark_consulted(
    con: duckdb.DuckDBPyConnection, accreditation_no: str, member_id: str, note: str = ""
) -> str:
    """Record that the verifier with ``accreditation_no`` consulted for ``member_id`` (rule conflict);
    returns the number as recorded (normalised, so ``it-v-0001 `` and ``IT-V-0001`` are one verifier).

    Refuses an invalid number and a member the roster does not know: a typo must not record a
    conflict for nobody while the real one stays unrecorded."""
    try:
        number = valid_accreditation_no(accreditation_no)
    except ConfigurationError as e:
        raise ApprovalRefused(f"consultancy not recorded: {e}") from e
    if con.execute("SELECT 1 FROM member WHERE member_id = ?", [member_id]).fetchone() is None:
        raise ApprovalRefused(
            f"consultancy not recorded: member {member_id!r} is not in any roster; "
            "check the id with `ecocluster status`"
        )
    con.execute(
        "INSERT INTO verifier_consulted VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [number, member_id, note]
    )
    return number


def record_refusal(
    con: duckdb.DuckDBPyConnection, envelope_sha256: str, member_id: str | None, rule: str, message: str
) -> None:
    """The latest refusal of an envelope (by the SHA-256 of its bytes; for an envelope too large to
    be read, of its inbox key and size) with the rule it broke."""
    con.execute(
        "INSERT OR REPLACE INTO approval_refusal VALUES (?, ?, ?, ?, current_timestamp)",
        [envelope_sha256, member_id, rule, message],
    )


def forget_refusal(con: duckdb.DuckDBPyConnection, envelope_sha256: str) -> None:
    """An envelope refused while a file beside it was incomplete, accepted since: no refusal stands."""
    con.execute("DELETE FROM approval_refusal WHERE envelope_sha256 = ?", [envelope_sha256])


def insert_approval(
    con: duckdb.DuckDBPyConnection,
    approval_id: str,
    verified: VerifiedApproval,
    *,
    envelope_key: str,
    cert_key: str,
    signed_pdf_key: str | None,
) -> None:
    con.execute(
        "INSERT INTO approval VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp) "
        "ON CONFLICT DO NOTHING",
        [
            approval_id,
            verified.statement_id,
            verified.member_id,
            verified.cluster_id,
            verified.reporting_year,
            verified.decision,
            json.dumps(list(verified.reasons)),
            verified.verifier.accreditation_no,
            verified.verifier.fingerprint,
            verified.signed_at,
            verified.json_sha256,
            verified.pdf_sha256,
            envelope_key,
            cert_key,
            signed_pdf_key,
        ],
    )
    if verified.verification is not None:
        v = verified.verification
        con.execute(
            "INSERT INTO approval_verification VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                approval_id,
                v.opinion.value,
                v.site_visit.value,
                json.dumps(list(v.recommended_improvements)),
                v.sampling_plan_sha256,
            ],
        )


def insert_timestamp(
    con: duckdb.DuckDBPyConnection, approval_id: str, verified: VerifiedApproval, timestamp_key: str
) -> None:
    """The attested time of an accepted approval and where its RFC 3161 token is stored."""
    con.execute(
        "INSERT INTO approval_timestamp VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [approval_id, verified.attested_at, timestamp_key],
    )


@dataclass(frozen=True)
class Decision:
    """A recorded approval or rejection of one statement: what ``statement show`` tells the coordinator."""

    decision: ApprovalDecision
    reasons: tuple[str, ...]
    verifier: str  # "name (accreditation no.)"
    signed_at: dt.datetime  # aware, UTC


def decisions_on(con: duckdb.DuckDBPyConnection, statement_id: str) -> list[Decision]:
    """Every accepted decision on the statement, oldest first (a rejection may be followed by an approval)."""
    rows = con.execute(
        "SELECT a.decision, a.reasons, coalesce(v.name || ' (' || "
        "a.accreditation_no || ')', a.accreditation_no),"
        " a.signed_at AT TIME ZONE 'UTC' FROM approval a LEFT JOIN verifier v USING (cert_sha256)"
        " WHERE a.statement_id = ? ORDER BY a.signed_at",
        [statement_id],
    ).fetchall()
    return [
        Decision(
            ApprovalDecision(d), tuple(str(r) for r in json.loads(reasons)), who, at.replace(tzinfo=dt.UTC)
        )
        for d, reasons, who, at in rows
    ]


@dataclass(frozen=True)
class MemberDecision:
    """A member's standing decision for a year: what the cycle does next with the member."""

    decision: ApprovalDecision
    reasons: tuple[str, ...]
    statement_id: str


# An approval stands once given (a rejection never undoes a validation, and a validated member is
# not sent again), a rejection only while it concerns the member's current draft (a correction
# makes a new draft, which goes to the verifier afresh).
_STANDING = """
SELECT a.member_id, a.decision, a.reasons, a.statement_id
FROM approval a
WHERE a.reporting_year = $year AND list_contains($members, a.member_id)
  AND (a.decision = 'approved' OR list_contains($current, a.statement_id))
QUALIFY row_number() OVER (PARTITION BY a.member_id ORDER BY a.decision = 'approved' DESC, a.signed_at DESC) = 1
"""  # noqa: E501  # SQL: wrapping a line would change the query text


def standing_decisions(
    con: duckdb.DuckDBPyConnection, year: int, members: Sequence[str], current: Sequence[str]
) -> dict[str, MemberDecision]:
    """member -> its standing decision for ``year``, given the ids of the members' ``current`` drafts."""
    rows = con.execute(
        _STANDING, {"year": year, "members": list(members), "current": list(current)}
    ).fetchall()
    return {
        m: MemberDecision(ApprovalDecision(d), tuple(str(r) for r in json.loads(reasons)), sid)
        for m, d, reasons, sid in rows
    }


@dataclass(frozen=True)
class VerifierScope:
    """A registered, unrevoked verifier and the NACE codes its accreditation covers."""

    name: str
    accreditation_no: str
    nace_scope: tuple[str, ...]

    def covers(self, nace_code: str) -> bool:
        """Judged as the approval rule judges scope: a section covers its divisions, codes nest by digits."""
        return any(nace.covers(code, nace_code) for code in self.nace_scope)


def active_verifiers(con: duckdb.DuckDBPyConnection) -> list[VerifierScope]:
    """The verifiers who may sign now, by accreditation number."""
    rows = con.execute(
        "SELECT name, accreditation_no, nace_scope FROM verifier WHERE revoked_on IS NULL"
        " ORDER BY accreditation_no"
    ).fetchall()
    return [
        VerifierScope(n, a, tuple(c.strip() for c in scope.split(",") if c.strip())) for n, a, scope in rows
    ]


@dataclass(frozen=True)
class BuiltPackage:
    """A registration package delivered for a member, with the PAdES-signed statement it carries."""

    member_id: str
    signed_pdf_key: str | None
    package_key: str


def built_packages(con: duckdb.DuckDBPyConnection, year: int, members: Sequence[str]) -> list[BuiltPackage]:
    """The packages built for ``members`` in ``year``, by member and build time."""
    rows = con.execute(
        """
        SELECT p.member_id, a.signed_pdf_key, p.package_key
        FROM registration_package p JOIN approval a USING (approval_id)
        WHERE p.reporting_year = $year AND list_contains($members, p.member_id)
        ORDER BY p.member_id, p.built_at""",
        {"year": year, "members": list(members)},
    ).fetchall()
    return [BuiltPackage(*r) for r in rows]
