"""The cycle's stages as plain functions over a batch of members: one call into a package each.

No Prefect here: :mod:`flows._tasks` wraps these functions as tasks, and the orchestration
benchmark calls them directly to measure what Prefect adds. A batch is a group of whole
clusters (never one member), so a cycle over 120,000 members is tens of task runs, not 10⁵.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

import signing
import statements
from checks import run_checks
from flows import _handoff as handoff
from flows._due import DueMember, missing_evidence
from flows._outcome import Artefact, Blocked, JointStatement, StageOutcome
from flows._workspace import Workspace
from warehouse import ingest_paths
from warehouse.errors import ConfigurationError, EcoclusterError

DEFAULT_CHUNK_MEMBERS = 5000


@dataclass(frozen=True)
class Batch:
    year: int
    members: tuple[DueMember, ...]
    whole_clusters: bool = True  # False for a rerun of some members: draft only theirs, not the joint statement

    @property
    def member_ids(self) -> list[str]:
        return [m.member_id for m in self.members]

    @property
    def clusters(self) -> list[str]:
        return sorted({m.cluster_id for m in self.members})

    @property
    def label(self) -> str:
        c = self.clusters
        which = c[0] if len(c) == 1 else f"{c[0]}…{c[-1]} ({len(c)} clusters)"
        return f"{which}, {len(self.members)} members"

    def only(self, member_ids: Iterable[str]) -> Batch:
        keep = set(member_ids)
        return Batch(self.year, tuple(m for m in self.members if m.member_id in keep), self.whole_clusters)

    def due_only(self) -> Batch:
        """The members the cycle takes on past the checks (those not due are only checked)."""
        return self.only(m.member_id for m in self.members if m.is_due)


def batches(year: int, due: Sequence[DueMember], chunk_members: int = DEFAULT_CHUNK_MEMBERS, *,
            whole_clusters: bool = True) -> list[Batch]:
    """Whole clusters packed into batches of about ``chunk_members`` members (``due`` is cluster-sorted)."""
    out: list[list[DueMember]] = []
    for cluster_members in _by_cluster(due):
        if out and len(out[-1]) + len(cluster_members) <= chunk_members:
            out[-1].extend(cluster_members)
        else:
            out.append(list(cluster_members))
    return [Batch(year, tuple(b), whole_clusters) for b in out]


def _by_cluster(due: Sequence[DueMember]) -> list[list[DueMember]]:
    groups: dict[str, list[DueMember]] = {}
    for m in due:
        groups.setdefault(m.cluster_id, []).append(m)
    return list(groups.values())


def state_digest(ws: Workspace, batch: Batch, tables: Sequence[str] = (), *, clusters: bool = False) -> str:
    """A content hash of the warehouse state a stage reads for the batch: the cache key's input.

    The warehouse's identity (when it was created, so a rebuilt warehouse never reuses results
    of the old one), the members' roster rows, their current submissions of the year and, from
    ``tables``, what earlier stages wrote for them (``check_member``, ``current_statement``…).
    With ``clusters``, every member of the batch's clusters counts: the drafting stage writes
    joint statements, which read them all (also those not due, whose corrections are checked).
    A rerun after any relevant change misses the cache; one after none hits it.
    """
    parts = ["SELECT NULL AS member_id, CAST(applied_at AS VARCHAR) AS v FROM schema_migration WHERE version = 1",
             "SELECT member_id, roster_sha256 FROM member",
             "SELECT member_id, submission_id || section FROM current_part WHERE reporting_year = $year"]
    with ws.warehouse(read_only=True) as con:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        parts += [f"SELECT member_id, md5(CAST(t AS VARCHAR)) FROM {name} t WHERE reporting_year = $year"
                  for name in tables if name in present]
        sql = ("SELECT sha256(string_agg(coalesce(member_id, '') || ':' || v, ',' ORDER BY member_id, v)) "
               f"FROM ({' UNION ALL '.join(parts)}) WHERE member_id IS NULL OR list_contains($members, member_id)")
        members = batch.member_ids if not clusters else [r[0] for r in con.execute(
            "SELECT member_id FROM member WHERE list_contains($c, cluster_id)", {"c": batch.clusters}).fetchall()]
        row = con.execute(sql, {"year": batch.year, "members": members}).fetchone()
    return str(row[0]) if row else ""


class SubmissionsRefused(EcoclusterError):
    """A rerun's corrected file was refused: re-checking the old data would tell the coordinator
    the member "did not report" what the refused file adds, so the rerun stops here instead."""

    exit_code = 65  # EX_DATAERR, as ``ecocluster ingest`` for a refused file


def collect(ws: Workspace, paths: Sequence[Path]) -> StageOutcome:
    """Ingest new submission files; files already in the warehouse are no-ops (content hash)."""
    with ws.warehouse() as con:
        report = ingest_paths(con, ws.store, paths)
    rejected = tuple(Blocked(o.path, "collect", tuple(str(e) for e in o.errors)) for o in report.rejected)
    notes = ((f"{report.count('ingested')} file(s) ingested, {report.count('unchanged')} unchanged, "
             f"{len(rejected)} rejected"),)
    return StageOutcome("collect", ", ".join(str(p) for p in paths), blocked=rejected, notes=notes)


def refusals(collected: StageOutcome) -> list[str]:
    """The ingest report of the refused files: each file with every error, and what to do."""
    return [f"{b.member_id} was refused with {len(b.reasons)} error(s):\n" + "\n".join(f"  - {r}" for r in b.reasons)
            + "\n  fix the file and send it again" for b in collected.blocked]


def stop_on_refusal(collected: StageOutcome) -> None:
    """Raise :class:`SubmissionsRefused` with the ingest report when any file was refused."""
    if collected.blocked:
        raise SubmissionsRefused("\n".join([collected.notes[0] if collected.notes else "", *refusals(collected),
                                            "nothing was re-checked: the member's data are as before this rerun"]))


_BLOCKING_REASONS = """
SELECT r.member_id,
       list(DISTINCT r.expectation || ': ' || r.explanation ORDER BY r.expectation || ': ' || r.explanation)
FROM check_result r JOIN check_member m USING (reporting_year, member_id, run_id)
WHERE r.reporting_year = $year AND r.severity = 'blocking' AND list_contains($members, r.member_id)
GROUP BY r.member_id
"""


def check(ws: Workspace, batch: Batch) -> StageOutcome:
    """Run the GX suites over the batch (one validation per suite), then the evidence gate.

    A member's reasons are its blocking check results plus the EMS evidence its full
    verification needs that no check rule judges (:func:`flows._due.missing_evidence`), so a
    coordinator sees every fix at once and no rule is judged twice.
    """
    run = run_checks(ws.home, batch.year, members=batch.member_ids)
    params = {"year": batch.year, "members": batch.member_ids}
    with ws.warehouse(read_only=True) as con:
        why = {m: list(r) for m, r in con.execute(_BLOCKING_REASONS, params).fetchall()}
        checked = {r[0] for r in con.execute(
            "SELECT member_id FROM check_verdict WHERE reporting_year = $year"
            " AND list_contains($members, member_id)", params).fetchall()}
        gaps = missing_evidence(con, batch.year, list(batch.members))
    for m in batch.member_ids:
        if m not in checked:
            why.setdefault(m, []).append(f"no submission received for {batch.year}: the member must send its "
                                         "workbook, then run `ecocluster ingest FILE`")
    for m, missing in gaps.items():
        why.setdefault(m, []).append(
            f"evidence: a full verification needs completed EMS milestones; missing: {', '.join(missing)} "
            "— add them to the member's milestones sheet and run `ecocluster ingest` again")
    blocked = tuple(Blocked(m, "check", tuple(r)) for m, r in sorted(why.items()))
    return StageOutcome("check", batch.label, tuple(m for m in batch.member_ids if m not in why), blocked,
                        notes=(f"check run {run.run_id[:12]}: data docs {run.datadocs}",))


_JOINT = """
SELECT cluster_id, language, statement_id FROM current_statement s
WHERE subject = 'cluster' AND reporting_year = $year AND list_contains($clusters, cluster_id)
  AND NOT EXISTS (SELECT 1 FROM statement n WHERE n.supersedes = s.statement_id)
"""


def _joint_ids(con: duckdb.DuckDBPyConnection, year: int, clusters: list[str]) -> dict[tuple[str, str], str]:
    """(cluster, language) -> the id of its current joint statement for the year."""
    return {(c, lang): sid for c, lang, sid in con.execute(_JOINT, {"year": year, "clusters": clusters}).fetchall()}


def draft(ws: Workspace, batch: Batch) -> StageOutcome:
    """Draft the member and joint statements of the batch's clusters (rendered in parallel).

    A rerun of some members drafts theirs and their clusters' joint statements, which sum and
    compare every member's figures (a correction changes them), and no other member's statement.
    """
    with ws.warehouse() as con:
        before = _joint_ids(con, batch.year, batch.clusters)
        runs = [statements.draft(con, ws.home, cluster=c, year=batch.year,
                                 only_members=None if batch.whole_clusters else
                                 [m.member_id for m in batch.members if m.cluster_id == c])
                for c in batch.clusters]
    rendered = [a for run in runs for a in run.statements if a.reporting_year == batch.year]
    wanted = set(batch.member_ids)
    artefacts = tuple(Artefact(a.member_id, f"{a.subject} statement ({a.language}, draft)",
                               ws.store.location(a.pdf_key or a.html_key))
                      for a in rendered if a.member_id in wanted)
    joint = tuple(JointStatement(a.cluster_id, a.statement_id, a.language,
                                 ws.store.location(a.pdf_key or a.html_key),
                                 before.get((a.cluster_id, a.language)))
                  for a in rendered if a.subject == "cluster")
    drafted = {a.member_id for a in rendered}
    blocked = tuple(Blocked(m, "draft", ("no statement was drafted: is the cluster's cycle open?",))
                    for m in batch.member_ids if m not in drafted)
    return StageOutcome("draft", batch.label, tuple(m for m in batch.member_ids if m in drafted), blocked,
                        artefacts, notes=(f"{sum(r.new for r in runs)} new render(s)",), joint=joint)


_CURRENT_DRAFTS = """
SELECT s.member_id, s.cluster_id, s.statement_id, s.status, s.json_key, s.pdf_key, m.nace
FROM current_statement s JOIN member m USING (member_id, cluster_id)
WHERE s.subject = 'member' AND s.reporting_year = $year AND list_contains($members, s.member_id)
  AND NOT EXISTS (SELECT 1 FROM statement n WHERE n.supersedes = s.statement_id)
  AND s.language = m.language
ORDER BY s.member_id
"""


def current_drafts(con: duckdb.DuckDBPyConnection, year: int, members: list[str]) -> list[tuple[Any, ...]]:
    """(member, cluster, statement id, status, json key, pdf key, NACE) of each member's current
    statement in its own language: the one a verifier signs."""
    return con.execute(_CURRENT_DRAFTS, {"year": year, "members": members}).fetchall()


# A member's decision for the year: an approval stands once given (a rejection never undoes a
# validation, and a validated member is not sent again), a rejection only while it concerns the
# member's current draft (a correction makes a new draft, which goes to the verifier afresh).
_DECISIONS = """
SELECT a.member_id, a.decision, a.reasons, a.statement_id
FROM approval a
WHERE a.reporting_year = $year AND list_contains($members, a.member_id)
  AND (a.decision = 'approved' OR list_contains($current, a.statement_id))
QUALIFY row_number() OVER (PARTITION BY a.member_id ORDER BY a.decision = 'approved' DESC, a.signed_at DESC) = 1
"""


def _decisions(con: duckdb.DuckDBPyConnection, year: int, members: list[str],
               drafts: list[tuple[Any, ...]]) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """member -> (approved | rejected, the verifier's reasons, the statement decided on)."""
    rows = con.execute(_DECISIONS, {"year": year, "members": members, "current": [r[2] for r in drafts]}).fetchall()
    return {m: (d, tuple(json.loads(r)), sid) for m, d, r, sid in rows}


def request_verification(ws: Workspace, batch: Batch, today: dt.date, deadline_days: int) -> StageOutcome:
    """Send each member's current draft to verification: ``submitted`` in the warehouse, and a
    durable request in the object store that says who must sign what by when.

    Only a draft is sent (a submitted one is still waiting, and its request is written again if a
    crash lost it). A validated member is never sent again in the same year; a rejected
    statement is not re-sent unchanged: it goes on to the approvals stage, which reports the
    verifier's reasons, until a correction makes a new draft.
    """
    with ws.warehouse() as con:
        rows = current_drafts(con, batch.year, batch.member_ids)
        decided = _decisions(con, batch.year, batch.member_ids, rows)
        approved = {m: sid for m, (d, _why, sid) in decided.items() if d == "approved"}
        send = [r for r in rows if r[3] in ("draft", "submitted") and r[0] not in approved]
        for _member, _cluster, sid, status, *_ in send:
            if status == "draft":
                statements.submit(con, sid)
        verifiers = con.execute("SELECT name, accreditation_no, nace_scope FROM verifier WHERE revoked_on IS NULL"
                                " ORDER BY accreditation_no").fetchall()
    requests = [handoff.VerificationRequest(batch.year, m, c, sid, (ws.store.location(pdf),
                                            ws.store.location(js)), today, today + dt.timedelta(days=deadline_days))
                for m, c, sid, _status, js, pdf, _nace in send]
    handoff.request_verification(ws.store, requests)
    notes = tuple(_who_signs(m, sid, nace, verifiers) for m, _c, sid, _s, _j, _p, nace in send) + tuple(
        f"{m}: validated statement {approved[m][:12]} stands for {batch.year}; the data changed since "
        f"(draft {sid[:12]}), which is not sent: a validated member is not verified again in the same year"
        for m, _c, sid, *_ in rows if approved.get(m, sid) != sid)
    return StageOutcome("verify", batch.label, tuple(r[0] for r in rows),
                        artefacts=tuple(Artefact(r.member_id, "verification request", ws.store.location(r.key))
                                        for r in requests), notes=notes)


def _who_signs(member: str, statement_id: str, nace: str, verifiers: list[tuple[str, str, str]]) -> str:
    able = [f"{name} ({acc})" for name, acc, scope in verifiers
            if any(nace.startswith(code.strip()) for code in scope.split(","))]
    who = " or ".join(able) if able else f"an accredited verifier with NACE {nace} in scope"
    return (f"{member}: {who} must sign statement {statement_id} — "
            f"`ecocluster approve --statement {statement_id} --key KEY --cert CERT`")


def _rejected(member: str, why: tuple[str, ...], statement_id: str) -> Blocked:
    resend = (f"it is not sent again unchanged: correct the data (`ecocluster rerun --member {member} "
              "--stage collect --submissions FILE`), and the new draft goes to the verifier")
    return Blocked(member, "approvals", (f"the verifier rejected statement {statement_id[:12]}: " + "; ".join(why),
                                         resend))


def approvals(ws: Workspace, batch: Batch) -> StageOutcome:
    """Pick up signed decisions from the inbox, then read each member's latest decision.

    Approved members move on to registration; rejected ones go back to the coordinator with the
    verifier's reasons; those whose current draft was sent are still waiting for their verifier.
    """
    try:
        trust = signing.trust_anchors(ws.home)
    except ConfigurationError as e:  # no accreditation body configured yet: nobody can have signed
        return StageOutcome("approvals", batch.label, notes=(f"no approvals can be accepted yet: {e}",))
    limits = signing.InboxLimits.from_config(ws.home.config_section("inbox"))
    with ws.warehouse() as con:
        def accept(arrival: signing.Arrival) -> handoff.Decision:
            verified = signing.receive_decision(con, ws.store, trust, arrival, limits)
            return handoff.Decision(arrival.envelope.key, verified.member_id, verified.statement_id,
                                    verified.decision, verified.reasons)

        arrived = handoff.poll_inbox(ws.store, accept, limits)
        drafts = current_drafts(con, batch.year, batch.member_ids)
        decided = _decisions(con, batch.year, batch.member_ids, drafts)
        sent = [r[0] for r in drafts if r[3] == "submitted"]
    refused = tuple(f"inbox envelope {d.envelope_key} refused: {'; '.join(d.reasons)}"
                    for d in arrived if d.decision == "refused") + tuple(
        f"{d.reasons[0]}; it is read again at the next run" for d in arrived if d.decision == "incomplete") + tuple(
        f"inbox envelope {d.envelope_key} {d.reasons[0]}" for d in arrived if d.decision == "failed")
    rejected = tuple(_rejected(m, why, sid) for m, (d, why, sid) in decided.items() if d == "rejected")
    passed = tuple(m for m in batch.member_ids if m in decided and decided[m][0] == "approved")
    return StageOutcome("approvals", batch.label, passed, rejected, notes=refused,
                        waiting=tuple(m for m in sent if m not in decided))


_PACKAGES = """
SELECT p.member_id, a.signed_pdf_key, p.package_key
FROM registration_package p JOIN approval a USING (approval_id)
WHERE p.reporting_year = $year AND list_contains($members, p.member_id)
ORDER BY p.member_id, p.built_at
"""


def register(ws: Workspace, batch: Batch) -> StageOutcome:
    """Build and deliver a registration package for every approved member (write-once, idempotent)."""
    trust = signing.trust_anchors(ws.home)
    params = {"year": batch.year, "members": batch.member_ids}
    with ws.warehouse() as con:
        signing.build_packages(con, ws.store, trust, members=batch.member_ids, year=batch.year)
        rows = con.execute(_PACKAGES, params).fetchall()
    artefacts = tuple(a for m, pdf, package in rows for a in (
        *((Artefact(m, "validated statement (PAdES-signed)", ws.store.location(pdf)),) if pdf else ()),
        Artefact(m, "registration package", ws.store.location(package))))
    return StageOutcome("register", batch.label, tuple(sorted({m for m, *_ in rows})), artefacts=artefacts)
