"""Approval rules that read the warehouse (issue 13, findings 8 and 16): a draft the member's data has
outgrown (rule inputs-superseded) and consultancies recorded under any spelling (rule conflict).

Real warehouse, real ingest of the member's corrected file, real drafts and signatures; each refusal
asserts the rule and that nothing else changed (no approval, no stored evidence, the draft as it was).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ecocluster import statements
from ecocluster.core.errors import ApprovalRefused, ApprovalRuleFailed
from ecocluster.core.store import LocalStore
from ecocluster.signing import _keys
from ecocluster.signing._approval import REJECTED, sign_approval
from ecocluster.signing._inbox import approve
from ecocluster.signing._records import approval_context, mark_consulted
from ecocluster.signing._verify import ApprovalContext, verify_approval
from ecocluster.warehouse import ingest_paths
from tests.fixtures_tsa import stamp
from tests.signing.rows import add_check, drafted_member
from tests.signing.test_approval_rules import CONTEXT, DRAFT
from tests.warehouse.builders import submission, write_json

MEMBER = "IT-HOT-1"


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def verifier(home) -> _keys.KeyFiles:
    return _keys.demo_verifier(home)


def _ingest(con, store, path: Path, doc: dict[str, Any]) -> None:
    report = ingest_paths(con, store, [write_json(path, doc)])
    assert [o.status for o in report.outcomes] == ["ingested"], [
        str(e) for o in report.outcomes for e in o.errors
    ]


def _state(con, store) -> tuple[object, ...]:
    """What a refused approval must leave untouched."""
    return (
        con.execute("SELECT count(*) FROM approval").fetchone(),
        con.execute("SELECT statement_id, version, status FROM statement ORDER BY ALL").fetchall(),
        sorted(store.list("approvals/")),
    )


def _refused(rule: str, con, store, home, verifier, sid: str) -> ApprovalRuleFailed:
    before = _state(con, store)
    with pytest.raises(ApprovalRuleFailed) as caught:
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD)
    assert caught.value.rule == rule, str(caught.value)
    assert _state(con, store) == before
    assert con.execute("SELECT member_id, rule FROM approval_refusal").fetchall() == [(MEMBER, rule)]
    return caught.value


# --- finding 8: inputs-superseded ---------------------------------------------------------------

CORRECTIONS = {
    "the whole year again": submission(member_id=MEMBER, reporting_year=2025),
    "one section of the year": {
        "format": "ecocluster-submission/1",
        "member_id": MEMBER,
        "reporting_year": 2025,
        "indicators": submission()["indicators"],
    },
    "an earlier year the trends show": submission(member_id=MEMBER, reporting_year=2024),
}


@pytest.mark.parametrize("correction", sorted(CORRECTIONS))
def test_an_approval_of_a_draft_made_before_a_correction_is_refused(
    con, store, home, verifier, tmp_path, correction
) -> None:
    sid = drafted_member(con, home)
    con.execute(
        "INSERT INTO cycle VALUES ('CL-IT', 2024, 'annual', DATE '2025-01-15') ON CONFLICT DO NOTHING"
    )
    _ingest(con, store, tmp_path / "in" / "correction.json", CORRECTIONS[correction])
    assert (
        statements.show(con, sid).status == "draft"
    )  # nothing redrafted yet: the old draft is still current
    refusal = _refused("inputs-superseded", con, store, home, verifier, sid)
    message = str(refusal)
    assert "correction.json" in message and f"ecocluster draft --member {MEMBER} --year 2025" in message
    # The coordinator does what the message says; the new draft is approvable.
    run = statements.draft(con, home, member=MEMBER, year=2025, workers=1)
    new = next(a.statement_id for a in run.statements if a.member_id == MEMBER)
    add_check(con, MEMBER)
    assert (
        approve(con, store, _keys.trust_anchors(home), new, verifier, _keys.DEMO_PASSWORD).decision
        == "approved"
    )


def test_a_redraft_of_unchanged_data_makes_the_same_draft_approvable(
    con, store, home, verifier, tmp_path
) -> None:
    """A file re-sent with the same figures (other bytes) changes no statement: the redraft keeps
    the id, and must still lift the refusal (else the coordinator would be stuck)."""
    doc = {
        "format": "ecocluster-submission/1",
        "member_id": MEMBER,
        "reporting_year": 2025,
        "profile": submission()["profile"],
    }
    drafted_member(con, home)
    _ingest(con, store, tmp_path / "a" / "profile.json", doc)
    first = statements.draft(con, home, member=MEMBER, year=2025, workers=1)
    sid = next(a.statement_id for a in first.statements if a.member_id == MEMBER)
    again = tmp_path / "b" / "profile.json"
    again.parent.mkdir()
    again.write_text(json.dumps(doc, indent=4), encoding="utf-8")  # other bytes, the same figures
    assert [o.status for o in ingest_paths(con, store, [again]).outcomes] == ["ingested"]
    _refused("inputs-superseded", con, store, home, verifier, sid)
    con.execute("DELETE FROM approval_refusal")
    redraft = statements.draft(con, home, member=MEMBER, year=2025, workers=1)
    assert next(a.statement_id for a in redraft.statements if a.member_id == MEMBER) == sid  # same content
    assert (
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD).decision
        == "approved"
    )


@pytest.mark.parametrize("who", ["another member", "a later year"])
def test_files_that_the_draft_does_not_show_do_not_supersede_it(
    con, store, home, verifier, tmp_path, who
) -> None:
    sid = drafted_member(con, home)
    if who == "another member":
        _ingest(
            con, store, tmp_path / "in" / "other.json", submission(member_id="IT-HOT-2", reporting_year=2025)
        )
    else:
        con.execute(
            "INSERT INTO submission VALUES ('later', 'member', 'next.json', 'json', 'utf-8', 1, "
            "current_timestamp, 'raw/later', 'CL-IT')"
        )
        con.execute(
            "INSERT INTO submission_part VALUES ('later', ?, 2026, 'indicators', nextval('submission_seq'), "
            "NULL)",
            [MEMBER],
        )
    assert approval_context(con, MEMBER).newer_inputs == ()
    assert (
        approve(con, store, _keys.trust_anchors(home), sid, verifier, _keys.DEMO_PASSWORD).decision
        == "approved"
    )


def test_a_rejection_of_an_outgrown_draft_is_still_recorded(con, store, home, verifier, tmp_path) -> None:
    sid = drafted_member(con, home)
    _ingest(con, store, tmp_path / "in" / "fix.json", submission(member_id=MEMBER, reporting_year=2025))
    verified = approve(
        con,
        store,
        _keys.trust_anchors(home),
        sid,
        verifier,
        _keys.DEMO_PASSWORD,
        decision="rejected",
        reasons=("figures changed",),
    )
    assert verified.decision == "rejected"


def test_the_pure_rule_refuses_an_approval_and_names_the_redraft_command(pki) -> None:
    now = dt.datetime.now(dt.UTC)
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert, signed_at=now)
    context = ApprovalContext(
        **{**CONTEXT.__dict__, "newer_inputs": ("hotel-2025.xlsx (received 2026-02-01 10:00)",)}
    )
    with pytest.raises(ApprovalRuleFailed, match="ecocluster draft --member IT-CL-001 --year 2025") as caught:
        verify_approval(envelope, pki.verifier.cert, pki.trust(), context, timestamp=stamp(envelope))
    assert caught.value.rule == "inputs-superseded" and "hotel-2025.xlsx" in str(caught.value)
    rejection = sign_approval(
        DRAFT, pki.verifier.key, pki.verifier.cert, decision=REJECTED, reasons=("old",), signed_at=now
    )
    assert (
        verify_approval(
            rejection, pki.verifier.cert, pki.trust(), context, timestamp=stamp(rejection)
        ).decision
        == "rejected"
    )


def test_a_draft_without_an_inputs_record_counts_as_made_before_every_file(
    con, store, home, verifier
) -> None:
    """Drafts recorded by other means (no statement_inputs row) fail closed once the member has files."""
    sid = drafted_member(con, home)
    con.execute("DELETE FROM statement_inputs")
    assert approval_context(con, MEMBER).newer_inputs  # warehouse_rows gave the member files
    _refused("inputs-superseded", con, store, home, verifier, sid)


# --- finding 16: consultancies, whatever the spelling ---------------------------------------------


@pytest.mark.parametrize("spelling", ["DEMO-V-0001", " demo-v-0001", "Demo-V-0001\t", "ＤＥＭＯ-V-0001"])
def test_a_recorded_consultancy_refuses_the_approval_whatever_the_spelling(
    con, store, home, verifier, spelling
) -> None:
    sid = drafted_member(con, home)
    assert mark_consulted(con, spelling, MEMBER, "energy audit 2024") == "DEMO-V-0001"
    _refused("conflict", con, store, home, verifier, sid)


@pytest.mark.parametrize("stored", ["demo-v-0001", "DEMO-V-0001  ", " Demo-v-0001"])
def test_consultancies_stored_by_earlier_releases_still_count(con, store, home, verifier, stored) -> None:
    sid = drafted_member(con, home)
    con.execute("INSERT INTO verifier_consulted VALUES (?, ?, 'legacy row')", [stored, MEMBER])
    _refused("conflict", con, store, home, verifier, sid)


@pytest.mark.parametrize(
    ("number", "member"),
    [
        ("../x", MEMBER),
        ("DEMO V 0001", MEMBER),
        ("", MEMBER),
        ("DEMO-V-0001", "IT-NOBODY"),
        ("DEMO-V-0001", "it-hot-1"),
    ],
)
def test_a_consultancy_that_names_nobody_is_refused_and_not_recorded(con, home, number, member) -> None:
    drafted_member(con, home)
    with pytest.raises(ApprovalRefused, match="consultancy not recorded"):
        mark_consulted(con, number, member)
    assert con.execute("SELECT count(*) FROM verifier_consulted").fetchone() == (0,)


def test_migration_008_dates_earlier_drafts_by_their_creation(con, store, home, verifier, tmp_path) -> None:
    """A warehouse upgraded with drafts in it: they count as made from the files received before them."""
    from ecocluster.warehouse.db import migrate

    sid = drafted_member(con, home)
    mark = con.execute("SELECT inputs_seq FROM statement_inputs WHERE statement_id = ?", [sid]).fetchone()
    con.execute("DROP TABLE statement_inputs")
    con.execute("DELETE FROM schema_migration WHERE version = 8")
    assert "008_statement_inputs.sql" in migrate(con)
    assert (
        con.execute("SELECT inputs_seq FROM statement_inputs WHERE statement_id = ?", [sid]).fetchone()
        == mark
    )
    _ingest(con, store, tmp_path / "in" / "fix.json", submission(member_id=MEMBER, reporting_year=2025))
    _refused("inputs-superseded", con, store, home, verifier, sid)
