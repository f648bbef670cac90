"""The cycle summary: where every due member ended, and what the coordinator does next.

One value feeds the Prefect artifacts of the run (markdown + table), the CLI's printout and the
tests, so what a coordinator reads in the UI and in the terminal cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows._due import DueMember
from flows._outcome import Artefact, Blocked, JointStatement, StageOutcome


@dataclass(frozen=True)
class MemberStatus:
    member_id: str
    cluster_id: str
    due: str
    stage: str  # the last stage the member reached
    state: str  # blocked | waiting | rejected | registered | done
    reasons: tuple[str, ...] = ()
    artefacts: tuple[Artefact, ...] = ()


@dataclass(frozen=True)
class CycleSummary:
    kind: str
    year: int
    members: tuple[MemberStatus, ...]
    stages: tuple[StageOutcome, ...]
    notes: tuple[str, ...] = field(default=())  # who must sign what, reminders, stages not built
    joint: tuple[JointStatement, ...] = ()  # the joint statements this run drafted, one per cluster and language

    def in_state(self, state: str) -> list[MemberStatus]:
        return [m for m in self.members if m.state == state]

    def status(self, member_id: str) -> MemberStatus:
        return next(m for m in self.members if m.member_id == member_id)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.members:
            out[m.state] = out.get(m.state, 0) + 1
        return out

    def markdown(self) -> str:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(self.counts().items())) or "no member due"
        lines = [f"# {self.kind} cycle {self.year}", "", f"{len(self.members)} member(s) in scope: {counts}.", ""]
        lines += ["| stage | passed | blocked | artefacts |", "|---|---|---|---|"]
        lines += [f"| {s.stage} | {len(s.passed)} | {len(s.blocked)} | {len(s.artefacts)} |" for s in self.stages]
        if self.notes:
            lines += ["", "## Next steps", ""] + [f"- {n}" for n in self.notes]
        blocked = [m for m in self.members if m.reasons]
        if blocked:
            lines += ["", "## Members stopped", ""]
            for m in blocked:
                lines.append(f"- **{m.member_id}** ({m.state} at {m.stage}): " + "; ".join(m.reasons))
        if self.joint:
            lines += ["", "## Joint statements", "", f"{JOINT_ROLE}", ""]
            lines += [f"- {j}: `{j.location}`" for j in self.joint]
        done = [m for m in self.members if m.artefacts]
        if done:
            lines += ["", "## Artefacts", ""]
            lines += [f"- {m.member_id} {a.kind}: `{a.location}`" for m in done for a in m.artefacts]
        return "\n".join(lines) + "\n"

    def table(self) -> list[dict[str, str]]:
        return [{"member": m.member_id, "cluster": m.cluster_id, "due": m.due, "stage": m.stage,
                 "state": m.state, "reasons": "; ".join(m.reasons),
                 "artefacts": " ".join(a.location for a in m.artefacts)} for m in self.members]


# Who validates the joint statements, and where they stand: what the summary says of them.
JOINT_ROLE = ("The cycle drafts each cluster's joint statement again with its members, so it always carries the "
              "members' current figures; it is not sent to a verifier or registered (EMAS validates and registers "
              "each member's own statement): the coordinator publishes it for the cluster.")

# Stages in cycle order, and the state a member has when it passed that stage last.
_PASSED_STATE = {"check": "checked", "draft": "drafted", "verify": "waiting",
                 "approvals": "approved", "register": "registered"}


def summarise(kind: str, year: int, due: list[DueMember], stages: list[StageOutcome],
              notes: list[str]) -> CycleSummary:
    """Fold the stage outcomes into one status per due member (the last stage it reached wins)."""
    reached: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    artefacts: dict[str, list[Artefact]] = {}
    for outcome in stages:
        for member_id in outcome.passed:
            reached[member_id] = (outcome.stage, _PASSED_STATE.get(outcome.stage, "done"), ())
        for member_id in outcome.waiting:
            reached[member_id] = (outcome.stage, "waiting", ())
        for b in outcome.blocked:
            reached[b.member_id] = (b.stage, _blocked_state(b), b.reasons)
        for a in outcome.artefacts:
            artefacts.setdefault(a.member_id, []).append(a)
    members = tuple(
        MemberStatus(d.member_id, d.cluster_id, d.due.value,
                     *(reached.get(d.member_id, ("due", "not started", ())) if d.is_due else
                       _not_due(d, reached.get(d.member_id))),
                     tuple(artefacts.get(d.member_id, ())))
        for d in due)
    joint = tuple(j for s in stages for j in s.joint)
    return CycleSummary(kind, year, members, tuple(stages), tuple(notes), joint)


def _not_due(d: DueMember, reached: tuple[str, str, tuple[str, ...]] | None) -> tuple[str, str, tuple[str, ...]]:
    """A member the cycle does not validate this year: why, and what the check of its data found."""
    if reached is None:
        return "due", "not due", (d.reason,)
    stage, _state, why = reached
    checked = tuple(f"its data were checked: {w}" for w in why) or ("its data were checked: no blocking finding",)
    return stage, "not due", (d.reason, *checked)


def _blocked_state(b: Blocked) -> str:
    return "rejected" if b.stage == "approvals" else "blocked"
