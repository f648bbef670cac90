"""What a stage did to a batch of members: who moved on, who stopped and why, what was written.

Frozen values so a Prefect task can return them (and cache them) and the cycle summary, the run
artifacts and the CLI can all read the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a manual rerun may start; each runs that stage and everything downstream of it.
RERUN_STAGES = ("collect", "check", "draft", "register")


@dataclass(frozen=True)
class Blocked:
    """A member that stopped at a stage, with reasons the coordinator can act on."""

    member_id: str
    stage: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Artefact:
    """Something a stage wrote for a member (or a cluster), and where a person finds it."""

    member_id: str  # or the cluster id for joint statements
    kind: str  # statement | package | request | ...
    location: str


@dataclass(frozen=True)
class JointStatement:
    """A cluster's joint statement as a draft stage left it: it sums and compares every member's
    figures, so it is drafted again whenever a member of the cluster is."""

    cluster_id: str
    statement_id: str
    language: str
    location: str
    previous: str | None  # the current joint statement before this draft (None: the first draft)

    @property
    def changed(self) -> bool:
        """Whether the figures changed: a new statement superseded the previous one."""
        return self.previous is not None and self.previous != self.statement_id

    def __str__(self) -> str:
        if self.previous is None:
            what = f"drafted as statement {self.statement_id[:12]}"
        elif self.changed:
            what = (
                f"re-drafted with the members' current figures as statement {self.statement_id[:12]} "
                f"(replaces {self.previous[:12]}, now out of date)"
            )
        else:
            what = f"statement {self.statement_id[:12]} is up to date"
        return f"{self.cluster_id} ({self.language}): {what}"


@dataclass(frozen=True)
class MemberNote:
    """A next step that concerns one member (who must sign its statement…): kept apart from the
    stage's own notes so nobody has to recover the member from the text."""

    member_id: str
    text: str

    def __str__(self) -> str:
        return f"{self.member_id}: {self.text}"


@dataclass(frozen=True)
class StageOutcome:
    stage: str
    batch: str  # the batch's label, as shown in the Prefect UI
    passed: tuple[str, ...] = ()  # members that may go on to the next stage
    blocked: tuple[Blocked, ...] = ()
    artefacts: tuple[Artefact, ...] = ()
    notes: tuple[str, ...] = field(default=())  # stage-level facts (files ingested, stage not built...)
    waiting: tuple[str, ...] = ()  # members held at this stage by someone outside (their verifier)
    joint: tuple[JointStatement, ...] = ()  # the clusters' joint statements a draft stage wrote
    member_notes: tuple[MemberNote, ...] = ()  # next steps for single members (who must sign)

    def merged(self, other: StageOutcome) -> StageOutcome:
        """Two batches of the same stage as one (the summary reports per stage)."""
        return StageOutcome(
            self.stage,
            "all",
            self.passed + other.passed,
            self.blocked + other.blocked,
            self.artefacts + other.artefacts,
            self.notes + other.notes,
            self.waiting + other.waiting,
            self.joint + other.joint,
            self.member_notes + other.member_notes,
        )
