"""Cycles that keep their meaning across reruns, corrections and decisions (issue 14, "Wrong
results" 1, 2, 7, 10), on a copy of the bundled sample's home, with the stage functions called
directly (``run_cycle(direct=True)``: no Prefect server, the same code the tasks wrap)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ecocluster import signing
from ecocluster.checks import run_checks
from ecocluster.core.home import Home
from ecocluster.flows import _demo
from ecocluster.flows._stages import SubmissionsRefused, batches, state_digest
from ecocluster.flows._summary import CycleSummary
from ecocluster.flows._workspace import Workspace
from ecocluster.flows.cycles import run_cycle
from ecocluster.statements import current_drafts
from ecocluster.warehouse import ingest_paths
from ecocluster.warehouse.db import connect
from ecocluster.warehouse.due import CycleKind, members_due
from tests.fixtures_sample import YEAR, BundledSample

KUR = ["LV-KUR-01", "LV-KUR-02"]  # a clean two-council cluster, both due an update
NOT_DUE = "IT-CL-CERRETO-H04"  # derogation: nothing validated in 2025 (JSON submissions)
OTHER = "IT-CL-CERRETO-H03"  # another cluster's member, whose correction must not move LV-KUR's statements


@pytest.fixture
def ws(bundled_sample: BundledSample, tmp_path: Path) -> Workspace:
    """A private copy of the ingested and checked bundled sample."""
    shutil.copytree(bundled_sample.home.root, tmp_path / "home")
    return Workspace.of(Home.resolve(tmp_path / "home"))


def _cycle(
    ws: Workspace, members: list[str], start: str = "check", submissions: tuple[Path, ...] = ()
) -> CycleSummary:
    return run_cycle(
        CycleKind.ANNUAL,
        YEAR,
        str(ws.home.root),
        submissions=[str(p) for p in submissions],
        members=members,
        start=start,
        direct=True,
    )


def _drafts(ws: Workspace, members: list[str]) -> dict[str, tuple[str, str]]:
    """member -> (current statement id, status)."""
    with ws.warehouse(read_only=True) as con:
        return {d.member_id: (d.statement_id, d.status) for d in current_drafts(con, YEAR, members)}


def _requests(ws: Workspace) -> set[str]:
    return set(ws.store.list(f"handoff/{YEAR}/requests/"))


def _json_submission(sample: Path, member: str, out: Path, change: dict[str, float]) -> Path:
    """The member's JSON submission again, with some indicator values changed: a corrected file."""
    cluster = "IT-CERRETO"
    submission = json.loads((sample / cluster / str(YEAR) / f"{member}.json").read_text(encoding="utf-8"))
    for row in submission["indicators"]:
        if row["indicator"] in change:
            row["value"] = change[row["indicator"]]
    out.write_text(json.dumps(submission, ensure_ascii=False), encoding="utf-8")
    return out


def _kur_indicators(sample: Path, out: Path, factor: float) -> Path:
    """LV-KUR's indicators CSV again with LV-KUR-02's energy use scaled: a correction that also
    re-sends LV-KUR-01's unchanged rows (a new file, the same content for it)."""
    text = (sample / "LV-KUR" / str(YEAR) / f"indicators_{YEAR}.csv").read_text(encoding="utf-8")

    def scale(m: re.Match[str]) -> str:
        return f"{m.group(1)}{round(float(m.group(2)) * factor)}"

    text = re.sub(r'^("LV-KUR-02",\d+,[^,]*,"energy.total_direct",)([\d.]+)', scale, text, flags=re.MULTILINE)
    out.write_text(text, encoding="utf-8")
    return out


def test_ids_follow_content_decided_members_are_not_resent_and_joint_statements_follow(
    ws: Workspace, bundled_sample: BundledSample, tmp_path: Path
) -> None:
    # 1. Both councils go to their verifier; the cluster's joint statement is drafted and reported.
    first = _cycle(ws, KUR)
    assert {m.member_id: m.state for m in first.members} == dict.fromkeys(KUR, "waiting")
    [joint] = first.joint
    assert joint.cluster_id == "LV-KUR" and joint.previous is None
    ids = {m: sid for m, (sid, _status) in _drafts(ws, KUR).items()}
    sent = _requests(ws)
    assert {k.split("/")[3] for k in sent} == set(KUR)

    # 2. The verifier approves one and rejects the other.
    assert len(_demo.sign_waiting(ws, YEAR, ["LV-KUR-01"])) == 1
    with ws.warehouse() as con:
        signing.approve(
            con,
            ws.store,
            signing.trust_anchors(ws.home),
            ids["LV-KUR-02"],
            signing.demo_verifier(ws.home),
            signing.DEMO_PASSWORD,
            decision=signing.REJECTED,
            reasons=("the energy figure is not supported by the meter readings",),
            place="DEMO",
        )

    # 3. Another cluster's member sends a correction and the whole year is checked again: the
    # councils' content did not change, so neither do their ids, and nobody is sent anything.
    with ws.warehouse() as con:
        ingest_paths(
            con,
            ws.store,
            [_json_submission(bundled_sample.files, OTHER, tmp_path / "h03.json", {"water.total": 2345.0})],
        )
    run_checks(ws.home, YEAR)
    again = _cycle(ws, KUR)
    assert {m: sid for m, (sid, _status) in _drafts(ws, KUR).items()} == ids
    assert _requests(ws) == sent  # no request for the validated member, none for the unchanged rejected one
    assert again.status("LV-KUR-01").state == "registered"
    rejected = again.status("LV-KUR-02")
    assert rejected.state == "rejected" and "meter readings" in rejected.reasons[0]
    assert "not sent again unchanged" in rejected.reasons[1]
    assert _drafts(ws, ["LV-KUR-02"])["LV-KUR-02"][1] == "rejected"
    assert [(j.statement_id, j.changed) for j in again.joint] == [(joint.statement_id, False)]

    # 4. A correction of the rejected council makes a new draft, which is sent; the validated
    # council (whose rows the same file re-sent unchanged) keeps its statement and is not re-sent;
    # the joint statement, which sums both, is drafted again and says so.
    fixed = _cycle(
        ws, ["LV-KUR-02"], "collect", (_kur_indicators(bundled_sample.files, tmp_path / "kur.csv", 1.05),)
    )
    now = _drafts(ws, KUR)
    assert now["LV-KUR-01"] == (ids["LV-KUR-01"], "validated")
    assert now["LV-KUR-02"][0] != ids["LV-KUR-02"] and now["LV-KUR-02"][1] == "submitted"
    assert fixed.status("LV-KUR-02").state == "waiting"
    assert _requests(ws) - sent == {f"handoff/{YEAR}/requests/LV-KUR-02/{now['LV-KUR-02'][0]}.json"}
    [redrafted] = fixed.joint
    assert redrafted.changed and redrafted.previous == joint.statement_id
    assert "Joint statements" in fixed.markdown() and "not sent to a verifier" in fixed.markdown()


def test_a_refused_correction_stops_the_rerun_with_the_ingest_report(
    ws: Workspace, bundled_sample: BundledSample, tmp_path: Path
) -> None:
    bad = _json_submission(bundled_sample.files, OTHER, tmp_path / "h03-bad.json", {})
    broken = json.loads(bad.read_text(encoding="utf-8"))
    for row in broken["indicators"]:
        if row["indicator"] == "water.total":
            row["unit"] = "kWh"  # not a volume: ingestion refuses the whole file
    bad.write_text(json.dumps(broken), encoding="utf-8")
    with connect(ws.home.warehouse_path, read_only=True) as con:
        checked = con.execute(
            "SELECT * FROM check_result WHERE member_id = ? ORDER BY ALL", [OTHER]
        ).fetchall()
    with pytest.raises(SubmissionsRefused) as refused:
        _cycle(ws, [OTHER], "collect", (bad,))
    assert refused.value.exit_code == 65
    message = str(refused.value)
    assert "h03-bad.json" in message and "water.total" in message and "kWh" in message
    assert "nothing was re-checked" in message
    with connect(ws.home.warehouse_path, read_only=True) as con:
        assert (
            con.execute("SELECT * FROM check_result WHERE member_id = ? ORDER BY ALL", [OTHER]).fetchall()
            == checked
        )


def test_a_member_not_due_is_told_why_and_its_correction_is_checked(
    ws: Workspace, bundled_sample: BundledSample, tmp_path: Path
) -> None:
    corrected = _json_submission(
        bundled_sample.files, NOT_DUE, tmp_path / "h04.json", {"energy.renewable_share": 140.0}
    )  # more than 100 %: a blocking finding
    summary = _cycle(ws, [NOT_DUE], "collect", (corrected,))
    status = summary.status(NOT_DUE)
    assert status.state == "not due" and status.due == "not due"
    assert "derogation" in status.reasons[0] and "not due in 2025" in status.reasons[0]
    assert any("its data were checked" in r and "energy.renewable_share" in r for r in status.reasons[1:])
    with connect(ws.home.warehouse_path, read_only=True) as con:
        found = con.execute(
            "SELECT r.expectation FROM check_result r JOIN check_member USING "
            "(reporting_year, member_id, run_id) WHERE member_id = ?",
            [NOT_DUE],
        ).fetchall()
    assert ("plausibility.impossible_value",) in found
    assert [s.stage for s in summary.stages] == ["collect", "check"]  # checked, not drafted or sent


def test_the_drafting_cache_key_covers_members_not_due(
    ws: Workspace, bundled_sample: BundledSample, tmp_path: Path
) -> None:
    """A joint statement reads every member of its cluster: a correction by one that is not due
    must make the (Prefect-cached) drafting stage run again, while the other stages' keys stay."""

    def keys() -> tuple[str, str]:
        with ws.warehouse(read_only=True) as con:
            due = members_due(con, YEAR, CycleKind.ANNUAL, clusters=["IT-CERRETO"], everyone=True)
        batch = batches(YEAR, due)[0].due_only()
        assert NOT_DUE not in batch.member_ids
        return (
            state_digest(ws, batch, ("check_member",), clusters=True),
            state_digest(ws, batch, ("check_member",)),
        )

    drafting, others = keys()
    with ws.warehouse() as con:
        ingest_paths(
            con,
            ws.store,
            [_json_submission(bundled_sample.files, NOT_DUE, tmp_path / "h04.json", {"water.total": 1234.0})],
        )
    assert keys()[0] != drafting and keys()[1] == others
