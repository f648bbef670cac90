"""Integration on the bundled sample clusters (real files, real ingestion, real GX run): every
deliberate fault is reported by the right rule, severity and member, and clean members pass."""

from __future__ import annotations

from tests.checks.seeded_faults import CAUGHT_BY, REFUSED_BY_INGESTION
from warehouse import connect


def _results(sample) -> set[tuple[str, str, str]]:
    con = connect(sample.home.warehouse_path, read_only=True)
    try:
        return set(con.execute("SELECT member_id, expectation, severity FROM check_result").fetchall())
    finally:
        con.close()


def test_every_bundled_fault_is_caught_with_its_severity_and_member(bundled_sample) -> None:
    found = _results(bundled_sample)
    faults = bundled_sample.faults
    assert {f["kind"] for f in faults} == {*CAUGHT_BY, *REFUSED_BY_INGESTION}  # the sample seeds every kind
    missed = [f for f in faults if f["kind"] in CAUGHT_BY and (f["member_id"], *CAUGHT_BY[f["kind"]]) not in found]
    assert missed == []


def test_no_clean_bundled_member_is_flagged_at_all(bundled_sample) -> None:
    """Not even a warning: every finding on the sample belongs to a member with a seeded fault."""
    faulty = {f["member_id"] for f in bundled_sample.faults}
    flagged = {(member, rule) for member, rule, _severity in _results(bundled_sample) if member not in faulty}
    assert flagged == set()
