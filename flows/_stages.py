"""The cycle's stages as plain functions over a batch of members: one call into a package each.

No Prefect here: :mod:`ecocluster.flows._tasks` wraps these functions as tasks, and the orchestration
benchmark calls them directly to measure what Prefect adds. A batch is a group of whole
clusters (never one member), so a cycle over 120,000 members is tens of task runs, not 10⁵.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ecocluster import checks, signing, statements
from ecocluster.core.errors import ConfigurationError, EcoclusterError
from ecocluster.flows import _handoff as handoff
from ecocluster.flows._outcome import Artefact, Blocked, JointStatement, MemberNote, StageOutcome
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse import digest, ingest_paths
from ecocluster.warehouse.due import DueMember, missing_evidence
from ecocluster.warehouse.messages import describe

DEFAULT_CHUNK_MEMBERS = 5000


@dataclass(frozen=True)
class Batch:
    year: int
    members: tuple[DueMember, ...]
    whole_clusters: bool = (
        True  # False for a rerun of some members: draft only theirs, not the joint statement
    )

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


def batches(
    year: int,
    due: Sequence[DueMember],
    chunk_members: int = DEFAULT_CHUNK_MEMBERS,
    *,
    whole_clusters: bool = True,
) -> list[Batch]:
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

    See :func:`ecocluster.warehouse.digest.state_digest` for what it covers. With ``clusters``, every member
    of the batch's clusters counts: the drafting stage writes joint statements, which read them all (also
    those not due, whose corrections are checked). A rerun after any relevant change misses the cache; one
    after none hits it.
    """
    with ws.warehouse(read_only=True) as con:
        members = digest.cluster_members(con, batch.clusters) if clusters else batch.member_ids
        return digest.state_digest(con, batch.year, members, tables)


class SubmissionsRefused(EcoclusterError):
    """A rerun's corrected file was refused: re-checking the old data would tell the coordinator
    the member "did not report" what the refused file adds, so the rerun stops here instead."""

    exit_code = 65  # EX_DATAERR, as ``ecocluster ingest`` for a refused file


def collect(ws: Workspace, paths: Sequence[Path]) -> StageOutcome:
    """Ingest new submission files; files already in the warehouse are no-ops (content hash)."""
    with ws.warehouse() as con:
        report = ingest_paths(con, ws.store, paths)
    rejected = tuple(
        Blocked(o.path, "collect", tuple(describe(e, o.language) for e in o.errors)) for o in report.rejected
    )
    notes = (
        (
            f"{report.count('ingested')} file(s) ingested, {report.count('unchanged')} unchanged, "
            f"{len(rejected)} rejected"
        ),
    )
    return StageOutcome("collect", ", ".join(str(p) for p in paths), blocked=rejected, notes=notes)


def refusals(collected: StageOutcome) -> list[str]:
    """The ingest report of the refused files: each file with every error, and what to do."""
    return [
        f"{b.member_id} was refused with {len(b.reasons)} error(s):\n"
        + "\n".join(f"  - {r}" for r in b.reasons)
        + "\n  fix the file and send it again"
        for b in collected.blocked
    ]


def stop_on_refusal(collected: StageOutcome) -> None:
    """Raise :class:`SubmissionsRefused` with the ingest report when any file was refused."""
    if collected.blocked:
        raise SubmissionsRefused(
            "\n".join(
                [
                    collected.notes[0] if collected.notes else "",
                    *refusals(collected),
                    "nothing was re-checked: the member's data are as before this rerun",
                ]
            )
        )


def check(ws: Workspace, batch: Batch) -> StageOutcome:
    """Run the GX suites over the batch (one validation per suite), then the evidence gate.

    A member's reasons are its blocking check results plus the EMS evidence its full
    verification needs that no check rule judges (:func:`ecocluster.warehouse.due.missing_evidence`), so a
    coordinator sees every fix at once and no rule is judged twice.
    """
    run = checks.run_checks(ws.home, batch.year, members=batch.member_ids)
    with ws.warehouse(read_only=True) as con:
        why = checks.blocking_reasons(con, batch.year, batch.member_ids)
        checked = checks.checked_members(con, batch.year, batch.member_ids)
        gaps = missing_evidence(con, batch.year, list(batch.members))
    for m in batch.member_ids:
        if m not in checked:
            why.setdefault(m, []).append(
                f"no submission received for {batch.year}: the member must send its "
                "workbook, then run `ecocluster ingest FILE`"
            )
    for m, missing in gaps.items():
        why.setdefault(m, []).append(
            f"evidence: a full verification needs completed EMS milestones; missing: {', '.join(missing)} "
            "— add them to the member's milestones sheet and run `ecocluster ingest` again"
        )
    blocked = tuple(Blocked(m, "check", tuple(r)) for m, r in sorted(why.items()))
    return StageOutcome(
        "check",
        batch.label,
        tuple(m for m in batch.member_ids if m not in why),
        blocked,
        notes=(f"check run {run.run_id[:12]}: data docs {run.datadocs}",),
    )


def draft(ws: Workspace, batch: Batch) -> StageOutcome:
    """Draft the member and joint statements of the batch's clusters (rendered in parallel).

    A rerun of some members drafts theirs and their clusters' joint statements, which sum and
    compare every member's figures (a correction changes them), and no other member's statement.
    """
    with ws.warehouse() as con:
        before = statements.current_joint(con, batch.year, batch.clusters)
        runs = [
            statements.draft(
                con,
                ws.home,
                cluster=c,
                year=batch.year,
                only_members=None
                if batch.whole_clusters
                else [m.member_id for m in batch.members if m.cluster_id == c],
            )
            for c in batch.clusters
        ]
    rendered = [a for run in runs for a in run.statements if a.reporting_year == batch.year]
    wanted = set(batch.member_ids)
    artefacts = tuple(
        Artefact(
            a.member_id,
            f"{a.subject} statement ({a.language}, draft)",
            ws.store.location(a.pdf_key or a.html_key),
        )
        for a in rendered
        if a.member_id in wanted
    )
    joint = tuple(
        JointStatement(
            a.cluster_id,
            a.statement_id,
            a.language,
            ws.store.location(a.pdf_key or a.html_key),
            before.get((a.cluster_id, a.language)),
        )
        for a in rendered
        if a.subject == "cluster"
    )
    drafted = {a.member_id for a in rendered}
    blocked = tuple(
        Blocked(m, "draft", ("no statement was drafted: is the cluster's cycle open?",))
        for m in batch.member_ids
        if m not in drafted
    )
    return StageOutcome(
        "draft",
        batch.label,
        tuple(m for m in batch.member_ids if m in drafted),
        blocked,
        artefacts,
        notes=(f"{sum(r.new for r in runs)} new render(s)",),
        joint=joint,
    )


def request_verification(ws: Workspace, batch: Batch, today: dt.date, deadline_days: int) -> StageOutcome:
    """Send each member's current draft to verification through ``signing.send_to_verification``
    (``submitted`` in the warehouse and a durable hand-off request in the object store; the portal's
    button calls the same function). A rejected statement is not re-sent unchanged: it goes on to
    the approvals stage, which reports the verifier's reasons, until a correction makes a new draft.
    """
    with ws.warehouse() as con:
        sending = signing.send_to_verification(
            con, ws.store, batch.year, batch.member_ids, today=today, deadline_days=deadline_days
        )
        verifiers = signing.active_verifiers(con)
    rows, approved, send, requests = sending.drafts, sending.approved, sending.sent, sending.requests
    notes = tuple(_who_signs(r, verifiers) for r in send) + tuple(
        MemberNote(
            r.member_id,
            f"validated statement {approved[r.member_id][:12]} stands for {batch.year}; the data changed "
            f"since (draft {r.statement_id[:12]}), which is not sent: a "
            "validated member is not verified again in the "
            "same year",
        )
        for r in rows
        if approved.get(r.member_id, r.statement_id) != r.statement_id
    )
    return StageOutcome(
        "verify",
        batch.label,
        tuple(r.member_id for r in rows),
        artefacts=tuple(
            Artefact(r.member_id, "verification request", ws.store.location(r.key)) for r in requests
        ),
        member_notes=notes,
    )


def _who_signs(draft: statements.CurrentDraft, verifiers: list[signing.VerifierScope]) -> MemberNote:
    able = [f"{v.name} ({v.accreditation_no})" for v in verifiers if v.covers(draft.nace)]
    who = " or ".join(able) if able else f"an accredited verifier with NACE {draft.nace} in scope"
    return MemberNote(
        draft.member_id,
        f"{who} must sign statement {draft.statement_id} — "
        f"`ecocluster approve --statement {draft.statement_id} --key KEY --cert CERT`",
    )


def _rejected(member: str, why: tuple[str, ...], statement_id: str) -> Blocked:
    resend = (
        f"it is not sent again unchanged: correct the data (`ecocluster rerun --member {member} "
        "--stage collect --submissions FILE`), and the new draft goes to the verifier"
    )
    return Blocked(
        member,
        "approvals",
        (f"the verifier rejected statement {statement_id[:12]}: " + "; ".join(why), resend),
    )


def approvals(ws: Workspace, batch: Batch) -> StageOutcome:
    """Pick up signed decisions from the inbox, then read each member's latest decision.

    Approved members move on to registration; rejected ones go back to the coordinator with the
    verifier's reasons; those whose current draft was sent are still waiting for their verifier.
    """
    try:
        trust = signing.trust_anchors(ws.home)
    except ConfigurationError as e:  # no accreditation body configured yet: nobody can have signed
        return StageOutcome("approvals", batch.label, notes=(f"no approvals can be accepted yet: {e}",))
    limits = signing.InboxLimits.from_config(ws.home.config().inbox)
    with ws.warehouse() as con:
        arrived = handoff.pick_up(con, ws.store, trust, limits)
        drafts = statements.current_drafts(con, batch.year, batch.member_ids)
        decided = signing.standing_decisions(
            con, batch.year, batch.member_ids, [r.statement_id for r in drafts]
        )
        sent = [r.member_id for r in drafts if r.status is statements.StatementStatus.SUBMITTED]
    refused = (
        tuple(
            f"inbox envelope {d.envelope_key} refused: {'; '.join(d.reasons)}"
            for d in arrived
            if d.decision == "refused"
        )
        + tuple(
            f"{d.reasons[0]}; it is read again at the next run" for d in arrived if d.decision == "incomplete"
        )
        + tuple(f"inbox envelope {d.envelope_key} {d.reasons[0]}" for d in arrived if d.decision == "failed")
    )
    rejected = tuple(
        _rejected(m, d.reasons, d.statement_id) for m, d in decided.items() if d.decision == "rejected"
    )
    passed = tuple(m for m in batch.member_ids if m in decided and decided[m].decision == "approved")
    return StageOutcome(
        "approvals",
        batch.label,
        passed,
        rejected,
        notes=refused,
        waiting=tuple(m for m in sent if m not in decided),
    )


def register(ws: Workspace, batch: Batch) -> StageOutcome:
    """Build and deliver a registration package for every approved member (write-once, idempotent)."""
    trust = signing.trust_anchors(ws.home)
    with ws.warehouse() as con:
        signing.build_packages(con, ws.store, trust, members=batch.member_ids, year=batch.year)
        built = signing.built_packages(con, batch.year, batch.member_ids)
    artefacts = tuple(
        a
        for p in built
        for a in (
            *(
                (
                    Artefact(
                        p.member_id, "validated statement (PAdES-signed)", ws.store.location(p.signed_pdf_key)
                    ),
                )
                if p.signed_pdf_key
                else ()
            ),
            Artefact(p.member_id, "registration package", ws.store.location(p.package_key)),
        )
    )
    return StageOutcome(
        "register", batch.label, tuple(sorted({p.member_id for p in built})), artefacts=artefacts
    )
