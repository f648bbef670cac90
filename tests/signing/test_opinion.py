"""The verification opinion in the signed approval (issue 18): satisfactory | with-comments |
not-verified, the site visit and the recommended improvements; "not verified" is a rejection.

Real keys and DSSE signatures; forged blocks are signed with the genuine verifier key (the strongest
forgery: only the rule ``opinion`` can catch them, never the signature).
"""

from __future__ import annotations

import datetime as dt

import pytest

from ecocluster import signing
from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.core.store import LocalStore
from ecocluster.signing import _dsse, _pki
from ecocluster.signing._approval import APPROVED, REJECTED, approval_statement, sign_approval
from ecocluster.signing._opinion import Opinion, OpinionRefused, SiteVisit, Verification
from ecocluster.signing._records import draft_for
from ecocluster.signing._verify import verify_approval
from tests.fixtures_tsa import stamp
from tests.signing.rows import ready_member
from tests.signing.test_approval_rules import CONTEXT, DRAFT

GOOD = Verification(Opinion.WITH_COMMENTS, SiteVisit.IN_PERSON, ("meter the kitchen separately",), "a" * 64)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _forged(pki, decision: str, block: object) -> bytes:
    """An envelope whose verification block is ``block``, genuinely signed (bypassing the sign-side check)."""
    statement = approval_statement(
        DRAFT,
        pki.verifier.cert,
        decision=decision,
        reasons=("r",) if decision == REJECTED else (),
        signed_at=_now(),
    )
    statement["predicate"]["verification"] = block
    return _dsse.sign(statement, pki.verifier.key).to_json()


def test_the_opinion_site_visit_and_improvements_are_signed_and_verified(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, verification=GOOD)
    verified = verify_approval(
        envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope), now=_now()
    )
    assert verified.verification == GOOD
    assert verified.statement["predicate"]["verification"] == {
        "opinion": "with-comments",
        "siteVisit": "in-person",
        "recommendedImprovements": ["meter the kitchen separately"],
        "samplingPlanSha256": "a" * 64,
    }


def test_an_approval_signed_without_an_opinion_stays_readable(pki) -> None:
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    assert (
        verify_approval(
            envelope, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(envelope), now=_now()
        ).verification
        is None
    )


def test_a_not_verified_opinion_cannot_be_signed_as_an_approval(pki) -> None:
    with pytest.raises(OpinionRefused, match="not-verified, which is a rejection"):
        sign_approval(
            DRAFT,
            pki.verifier.key,
            pki.verifier.cert,
            verification=Verification(Opinion.NOT_VERIFIED, SiteVisit.NONE),
        )


FORGED = {
    "approved but not verified": (APPROVED, {"opinion": "not-verified", "siteVisit": "none"}),
    "rejected but satisfactory": (REJECTED, {"opinion": "satisfactory", "siteVisit": "virtual"}),
    "an unknown opinion": (APPROVED, {"opinion": "great", "siteVisit": "none"}),
    "no site visit": (APPROVED, {"opinion": "satisfactory"}),
    "improvements not a list": (
        APPROVED,
        {"opinion": "satisfactory", "siteVisit": "none", "recommendedImprovements": "do better"},
    ),
    "an empty improvement": (
        APPROVED,
        {"opinion": "satisfactory", "siteVisit": "none", "recommendedImprovements": [""]},
    ),
    "a plan digest that is not SHA-256": (
        APPROVED,
        {"opinion": "satisfactory", "siteVisit": "none", "samplingPlanSha256": "../../etc"},
    ),
    "not an object": (APPROVED, ["satisfactory"]),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_a_contradicting_or_malformed_opinion_is_refused_by_rule_opinion(pki, case) -> None:
    decision, block = FORGED[case]
    with pytest.raises(ApprovalRuleFailed) as caught:
        forged = _forged(pki, decision, block)
        verify_approval(forged, pki.verifier.cert, pki.trust(), CONTEXT, timestamp=stamp(forged), now=_now())
    assert caught.value.rule == "opinion", str(caught.value)


def test_a_not_verified_rejection_is_recorded_with_its_opinion(con, home, pki) -> None:
    store = LocalStore(home.objects_dir)
    sid = ready_member(con, store, "IT-CL-001")
    verification = Verification(Opinion.NOT_VERIFIED, SiteVisit.VIRTUAL, ("keep invoices per site",))
    envelope = sign_approval(
        draft_for(con, sid),
        pki.verifier.key,
        pki.verifier.cert,
        decision=REJECTED,
        reasons=("misstatement F-1 not corrected",),
        verification=verification,
    )
    verified = signing.record_approval(
        con, store, envelope, _pki.pem(pki.verifier.cert), pki.trust(), timestamp=stamp(envelope)
    )
    assert verified.decision == REJECTED and verified.verification == verification
    assert con.execute(
        "SELECT opinion, site_visit, recommended_improvements::VARCHAR, sampling_plan_sha256 "
        "FROM approval_verification"
    ).fetchall() == [("not-verified", "virtual", '["keep invoices per site"]', None)]
