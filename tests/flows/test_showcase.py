"""The demo's showcase (issue 19): one member's CO₂e and VSME report, written from its statement
into the home, byte-identical when the demo runs again; a member without a statement is passed over."""

from __future__ import annotations

import hashlib

from ecocluster.flows._summary import CycleSummary, MemberOutcome, MemberState
from ecocluster.flows._tour import showcase
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse.db import connect
from tests.fixtures_sample import YEAR, BundledSample

MEMBER = "LV-JEL-01"


def _summary(*members: str) -> CycleSummary:
    return CycleSummary(
        "annual",
        YEAR,
        tuple(MemberOutcome(m, "LV-JEL", "annual", "register", MemberState.REGISTERED) for m in members),
        (),
    )


def test_the_first_registered_member_with_a_statement_is_shown(bundled_sample: BundledSample) -> None:
    from ecocluster import statements

    con = connect(bundled_sample.home.warehouse_path)
    try:
        statements.draft(con, bundled_sample.home, member=MEMBER, year=YEAR, workers=1, pdf=False)
    finally:
        con.close()
    ws = Workspace.of(bundled_sample.home)
    shown = showcase(ws, _summary("LV-NO-SUCH-MEMBER", MEMBER))
    assert shown is not None and shown.member_id == MEMBER
    assert shown.co2e is not None and shown.co2e["totals"]["scope1"] > 0
    assert shown.vsme.workbook == bundled_sample.home.root / "exports" / "vsme" / f"{MEMBER}-{YEAR}-vsme.xlsx"
    first = {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (shown.vsme.workbook, shown.vsme.xbrl_json)
    }
    again = showcase(ws, _summary(MEMBER))
    assert again is not None
    assert {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (again.vsme.workbook, again.vsme.xbrl_json)
    } == first
    assert showcase(ws, _summary("LV-NO-SUCH-MEMBER")) is None
