"""What a stage did to a batch of members: who moved on, who stopped and why, what was written.

Frozen values so a Prefect task can return them (and cache them) and the cycle summary, the run
artifacts and the CLI can all read the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
class StageOutcome:
    stage: str
    batch: str  # the batch's label, as shown in the Prefect UI
    passed: tuple[str, ...] = ()  # members that may go on to the next stage
    blocked: tuple[Blocked, ...] = ()
    artefacts: tuple[Artefact, ...] = ()
    notes: tuple[str, ...] = field(default=())  # stage-level facts (files ingested, stage not built...)
    waiting: tuple[str, ...] = ()  # members held at this stage by someone outside (their verifier)

    def merged(self, other: StageOutcome) -> StageOutcome:
        """Two batches of the same stage as one (the summary reports per stage)."""
        return StageOutcome(self.stage, "all", self.passed + other.passed, self.blocked + other.blocked,
                            self.artefacts + other.artefacts, self.notes + other.notes, self.waiting + other.waiting)
