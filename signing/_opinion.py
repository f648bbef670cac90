"""The verification opinion a verifier signs with their decision (issue 18).

As verification schemes state it (the UK's METS: "satisfactory", "with comments", "not verified"),
with how the site was seen (in person, virtually, not at all) and the recommended improvements the
verifier raised in the review. It is a block ``verification`` of the signed predicate, so it travels
in the DSSE envelope into the approval record and the registration package unchanged.

The block is optional in the envelope (approvals signed before it existed stay readable), but when
present it must be whole and agree with the decision: an approval's opinion is satisfactory or with
comments; "not verified" is a rejection (rule ``opinion``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from ecocluster.signing._approval import APPROVED, REJECTED

MAX_IMPROVEMENTS = 100
MAX_TEXT = 4000
SAMPLING_PLAN_KEY = "samplingPlanSha256"


class Opinion(str, Enum):
    SATISFACTORY = "satisfactory"
    WITH_COMMENTS = "with-comments"
    NOT_VERIFIED = "not-verified"


class SiteVisit(str, Enum):
    IN_PERSON = "in-person"
    VIRTUAL = "virtual"
    NONE = "none"


class OpinionRefused(ValueError):
    """The verification block is malformed or contradicts the decision; ``rule`` is ``opinion``."""

    rule = "opinion"


@dataclass(frozen=True)
class Verification:
    """What the verifier concluded and how: signed inside the approval predicate."""

    opinion: Opinion
    site_visit: SiteVisit
    recommended_improvements: tuple[str, ...] = ()
    sampling_plan_sha256: str | None = (
        None  # the cluster's signed sampling plan this member was verified under
    )

    def claim(self) -> dict[str, Any]:
        """The predicate's ``verification`` block."""
        block: dict[str, Any] = {
            "opinion": self.opinion.value,
            "siteVisit": self.site_visit.value,
            "recommendedImprovements": list(self.recommended_improvements),
        }
        if self.sampling_plan_sha256 is not None:
            block[SAMPLING_PLAN_KEY] = self.sampling_plan_sha256
        return block

    def agrees_with(self, decision: str) -> None:
        """Raises :class:`OpinionRefused` unless the opinion fits ``decision``."""
        if decision == APPROVED and self.opinion is Opinion.NOT_VERIFIED:
            raise OpinionRefused(
                "the opinion is not-verified, which is a rejection, but the decision is approved; "
                "sign a rejection with the findings as reasons"
            )
        if decision == REJECTED and self.opinion is not Opinion.NOT_VERIFIED:
            raise OpinionRefused(
                f"the decision is rejected but the opinion is {self.opinion.value}; "
                "a rejection's opinion is not-verified"
            )


def from_claim(value: Any, decision: str) -> Verification | None:
    """The ``verification`` block of a predicate, parsed strictly (None when absent), or
    :class:`OpinionRefused` naming the field that is wrong."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise OpinionRefused(f"predicate.verification is {type(value).__name__}, expected an object")
    try:
        opinion = Opinion(value.get("opinion"))
        site_visit = SiteVisit(value.get("siteVisit"))
    except ValueError as e:
        raise OpinionRefused(
            f"predicate.verification: {e}; expected opinion one of "
            f"{[o.value for o in Opinion]} and siteVisit one of {[s.value for s in SiteVisit]}"
        ) from e
    improvements = value.get("recommendedImprovements", [])
    if (
        not isinstance(improvements, list)
        or len(improvements) > MAX_IMPROVEMENTS
        or not all(isinstance(t, str) and 0 < len(t) <= MAX_TEXT for t in improvements)
    ):
        raise OpinionRefused(
            f"predicate.verification.recommendedImprovements must be a list of at most "
            f"{MAX_IMPROVEMENTS} texts of 1 to {MAX_TEXT} characters"
        )
    plan = value.get(SAMPLING_PLAN_KEY)
    if plan is not None and not (
        isinstance(plan, str) and len(plan) == 64 and all(c in "0123456789abcdef" for c in plan)
    ):
        raise OpinionRefused(
            f"predicate.verification.{SAMPLING_PLAN_KEY} is not a SHA-256 (64 lowercase hex)"
        )
    verification = Verification(opinion, site_visit, tuple(improvements), plan)
    verification.agrees_with(decision)
    return verification
