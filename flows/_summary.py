"""The cycle summary: where every due member ended, and what the coordinator does next.

One value feeds the Prefect artifacts of the run (markdown + table), the CLI's printout and the
tests, so what a coordinator reads in the UI and in the terminal cannot disagree.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, TypeVar

from ecocluster.flows._outcome import Artefact, Blocked, JointStatement, MemberNote, StageOutcome
from ecocluster.warehouse.due import DueMember


class MemberState(StrEnum):
    """Where a due member ended in a run: the state of the last stage it reached."""

    NOT_STARTED = "not started"
    CHECKED = "checked"
    DRAFTED = "drafted"
    WAITING = "waiting"  # sent to its verifier, no decision yet
    APPROVED = "approved"
    REGISTERED = "registered"
    DONE = "done"
    BLOCKED = "blocked"
    REJECTED = "rejected"  # by its verifier
    NOT_DUE = "not due"  # not validated this year; its data were still checked


@dataclass(frozen=True)
class MemberOutcome:
    """Where one due member ended in a cycle run (not what it submitted: that is
    :class:`ecocluster.warehouse.status.MemberStatus`)."""

    member_id: str
    cluster_id: str
    due: str
    stage: str  # the last stage the member reached
    state: MemberState
    reasons: tuple[str, ...] = ()
    artefacts: tuple[Artefact, ...] = ()


@dataclass(frozen=True)
class CycleSummary:
    kind: str
    year: int
    members: tuple[MemberOutcome, ...]
    stages: tuple[StageOutcome, ...]
    notes: tuple[str, ...] = field(default=())  # reminders, refused files and envelopes, stages not built
    member_notes: tuple[MemberNote, ...] = ()  # who must sign whose statement
    joint: tuple[
        JointStatement, ...
    ] = ()  # the joint statements this run drafted, one per cluster and language

    def in_state(self, state: str) -> list[MemberOutcome]:
        return [m for m in self.members if m.state == state]

    def status(self, member_id: str) -> MemberOutcome:
        return next(m for m in self.members if m.member_id == member_id)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.members:
            out[m.state] = out.get(m.state, 0) + 1
        return out

    def markdown(self) -> str:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(self.counts().items())) or "no member due"
        lines = [
            f"# {self.kind} cycle {self.year}",
            "",
            f"{len(self.members)} member(s) in scope: {counts}.",
            "",
        ]
        lines += ["| stage | passed | blocked | artefacts |", "|---|---|---|---|"]
        lines += [
            f"| {s.stage} | {len(s.passed)} | {len(s.blocked)} | {len(s.artefacts)} |" for s in self.stages
        ]
        if self.notes or self.member_notes:
            lines += ["", "## Next steps", ""] + [f"- {n}" for n in (*self.member_notes, *self.notes)]
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

    def artifact_key(self, rerun_of: Sequence[str] | None = None) -> str:
        """The Prefect artifact key: one per cycle and year, and one per rerun member, so that a
        one-member rerun does not replace the whole cycle's summary in the UI."""
        key = f"{self.kind}-cycle-{self.year}" if not rerun_of else f"rerun-{self.year}-{'-'.join(rerun_of)}"
        return re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-")  # what Prefect accepts in a key

    def to_json(self) -> str:
        """The summary as JSON, for a client of the runner (:mod:`ecocluster.flows._runner`) to
        :func:`decode`."""
        return json.dumps(dataclasses.asdict(self))

    def table(self) -> list[dict[str, str]]:
        return [
            {
                "member": m.member_id,
                "cluster": m.cluster_id,
                "due": m.due,
                "stage": m.stage,
                "state": m.state,
                "reasons": "; ".join(m.reasons),
                "artefacts": " ".join(a.location for a in m.artefacts),
            }
            for m in self.members
        ]


# Who validates the joint statements, and where they stand: what the summary says of them.
JOINT_ROLE = (
    "The cycle drafts each cluster's joint statement again with its members, so it always carries the "
    "members' current figures; it is not sent to a verifier or registered (EMAS validates and registers "
    "each member's own statement): the coordinator publishes it for the cluster."
)

# Stages in cycle order, and the state a member has when it passed that stage last.
_PASSED_STATE = {
    "check": MemberState.CHECKED,
    "draft": MemberState.DRAFTED,
    "verify": MemberState.WAITING,
    "approvals": MemberState.APPROVED,
    "register": MemberState.REGISTERED,
}


def summarise(
    kind: str,
    year: int,
    due: list[DueMember],
    stages: list[StageOutcome],
    notes: list[str],
    member_notes: Sequence[MemberNote] = (),
) -> CycleSummary:
    """Fold the stage outcomes into one status per due member (the last stage it reached wins)."""
    reached: dict[str, tuple[str, MemberState, tuple[str, ...]]] = {}
    artefacts: dict[str, list[Artefact]] = {}
    for outcome in stages:
        for member_id in outcome.passed:
            reached[member_id] = (outcome.stage, _PASSED_STATE.get(outcome.stage, MemberState.DONE), ())
        for member_id in outcome.waiting:
            reached[member_id] = (outcome.stage, MemberState.WAITING, ())
        for b in outcome.blocked:
            reached[b.member_id] = (b.stage, _blocked_state(b), b.reasons)
        for a in outcome.artefacts:
            artefacts.setdefault(a.member_id, []).append(a)
    members = tuple(
        MemberOutcome(
            d.member_id,
            d.cluster_id,
            d.due.value,
            *(
                reached.get(d.member_id, ("due", MemberState.NOT_STARTED, ()))
                if d.is_due
                else _not_due(d, reached.get(d.member_id))
            ),
            tuple(artefacts.get(d.member_id, ())),
        )
        for d in due
    )
    joint = tuple(j for s in stages for j in s.joint)
    return CycleSummary(kind, year, members, tuple(stages), tuple(notes), tuple(member_notes), joint)


def _not_due(
    d: DueMember, reached: tuple[str, MemberState, tuple[str, ...]] | None
) -> tuple[str, MemberState, tuple[str, ...]]:
    """A member the cycle does not validate this year: why, and what the check of its data found."""
    if reached is None:
        return "due", MemberState.NOT_DUE, (d.reason,)
    stage, _state, why = reached
    checked = tuple(f"its data were checked: {w}" for w in why) or (
        "its data were checked: no blocking finding",
    )
    return stage, MemberState.NOT_DUE, (d.reason, *checked)


T = TypeVar("T")


def decode(cls: type[T], text: str) -> T:
    """Rebuild a frozen summary value from :meth:`CycleSummary.to_json`, checking every field's type.

    One decoder led by the dataclasses' own type hints, so a field added to a stage outcome needs
    no change here; anything that does not fit raises ``ValueError``.
    """
    return _decode(cls, json.loads(text))


def _decode(kind: Any, value: Any) -> Any:
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ValueError(f"{kind.__name__}: expected an object, got {value!r}")
        hints = typing.get_type_hints(kind)
        return kind(
            **{
                f.name: _decode(hints[f.name], value[f.name])
                for f in dataclasses.fields(kind)
                if f.name in value
            }
        )
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType) and type(None) in args:  # an optional field
        return None if value is None else _decode(next(a for a in args if a is not type(None)), value)
    if origin is tuple and isinstance(value, list):
        return tuple(_decode(args[0], v) for v in value)
    if kind in (str, int) and isinstance(value, kind) and not isinstance(value, bool):
        return value
    if isinstance(kind, type) and issubclass(kind, Enum) and isinstance(value, str):
        return kind(value)  # a value not of the enum is a ValueError too
    raise ValueError(f"expected {kind}, got {value!r}")


def _blocked_state(b: Blocked) -> MemberState:
    return MemberState.REJECTED if b.stage == "approvals" else MemberState.BLOCKED
