"""The cycle summary travels as JSON from the runner to the CLI (flows._summary.decode): the
member states come back as the enum, and a state the enum does not know is refused."""

from __future__ import annotations

import pytest

from ecocluster.flows._summary import CycleSummary, MemberOutcome, MemberState, decode


def test_a_summary_round_trips_with_its_member_states() -> None:
    summary = CycleSummary(
        "annual",
        2025,
        (
            MemberOutcome("LV-1", "LV-C", "annual", "verify", MemberState.WAITING),
            MemberOutcome("LV-2", "LV-C", "not due", "check", MemberState.NOT_DUE, ("renewal next year",)),
        ),
        (),
    )
    text = summary.to_json()
    assert '"state": "waiting"' in text and '"state": "not due"' in text  # the values, as before
    again = decode(CycleSummary, text)
    assert again == summary and again.members[1].state is MemberState.NOT_DUE
    assert again.counts() == {"waiting": 1, "not due": 1} and again.in_state("waiting") == [
        summary.members[0]
    ]


def test_an_unknown_state_is_refused() -> None:
    summary = CycleSummary(
        "annual", 2025, (MemberOutcome("LV-1", "LV-C", "annual", "verify", MemberState.DONE),), ()
    )
    with pytest.raises(ValueError, match="'finished' is not a valid MemberState"):
        decode(CycleSummary, summary.to_json().replace('"done"', '"finished"'))
