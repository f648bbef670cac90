"""The annual cycle end to end on the bundled sample clusters, with the DEMO verifier's keys.

One test walks the whole story because each step needs the state the previous one left (a
cycle over the bundled sample costs ~30 s): the cycle stops every faulty member before
verification with its reasons; the clean ones wait for their verifier; approvals signed in the
pipeline (``ecocluster approve``) and dropped from outside into ``inbox/approvals/`` are picked up
by the approvals-inbox flow, which also refuses an envelope that breaks a rule; then one fault is
fixed by sending a corrected file, and a rerun of that member completes it without redoing the
others.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ecocluster import signing
from ecocluster.core.home import Home
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse.db import connect
from ecocluster.warehouse.sample import write_bundled

FIXED = "IT-CL-CERRETO-H03"  # missing core indicator waste.hazardous
FROM_INBOX = "LV-KUR-01"  # its verifier drops the approval into the inbox instead
NOT_DUE = {"IT-CL-CERRETO-H01", "IT-CL-CERRETO-H04", "IT-CL-CERRETO-R01"}  # derogation: no validation in 2025
OUT_OF_SCOPE = "IT-CL-CERRETO-P01"  # park authority, NACE 91.04: signed by a hotels-only verifier
BLOCKING_FAULTS = {  # member -> a word its reasons must contain (the sample's faults.json)
    "IT-CL-CERRETO-H02": "permit",
    FIXED: "waste.hazardous",
    "IT-CL-CERRETO-M01": "limit",
    "IT-CL-CERRETO-S01": "derogation",
    "LV-DGV-03": "nonconformity",
    "LV-VID-01": "step_5",
    "IT-CL-CERRETO-R02": "unit_slip",  # kWh declared as MWh: a thousandfold jump blocks
}


def _others_rows(home: Home, member: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row later stages wrote for the other members: must not move when one member reruns."""
    queries = {
        "statement": (
            "SELECT * FROM statement WHERE subject = 'member' AND "
            "member_id <> $m ORDER BY statement_id, version"
        ),
        "check_member": "SELECT * FROM check_member WHERE member_id <> $m ORDER BY ALL",
        "approval": (
            "SELECT approval_id, member_id, decision FROM approval WHERE member_id <> $m ORDER BY ALL"
        ),
        "registration_package": "SELECT * FROM registration_package WHERE member_id <> $m ORDER BY ALL",
    }
    with connect(home.warehouse_path, read_only=True) as con:
        return {name: con.execute(sql, {"m": member}).fetchall() for name, sql in queries.items()}


def _corrected_submission(sample: Path, out: Path) -> Path:
    """The member's JSON submission again, now reporting hazardous waste (a new file supersedes it)."""
    submission = json.loads((sample / "IT-CERRETO" / "2025" / f"{FIXED}.json").read_text(encoding="utf-8"))
    submission["indicators"].append(
        {
            "site_id": None,
            "indicator": "waste.hazardous",
            "value": 0.18,
            "unit": "t",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "justification": None,
        }
    )
    out.write_text(json.dumps(submission, ensure_ascii=False), encoding="utf-8")
    return out


def _hotels_only_verifier(home: Home) -> signing.KeyFiles:
    """A second DEMO verifier accredited for hotels (NACE 55) only."""
    signing.demo_verifier(home)  # the DEMO accreditation body
    return signing.issue_verifier(
        home,
        name="DEMO Hotel Verifier",
        accreditation_no="DEMO-V-0055",
        nace=("55",),
        ca_password=signing.DEMO_PASSWORD,
        key_password=signing.DEMO_PASSWORD,
    )


def _drop_in_inbox(
    ws: Workspace, statement_id: str, name: str, verifier: signing.KeyFiles, hold_back: tuple[str, ...] = ()
) -> dict[str, bytes]:
    """What a verifier does from outside: sign on their side, drop the files into the inbox
    (but ``hold_back``, returned: files still on their way)."""
    with ws.warehouse() as con:
        signed = signing.sign_decision(
            con,
            ws.store,
            statement_id,
            verifier,
            signing.DEMO_PASSWORD,
            place="DEMO",
            trust=signing.trust_anchors(ws.home),
        )
    for suffix, data in signed.files().items():
        if suffix not in hold_back:
            ws.store.put(f"inbox/approvals/{name}.{suffix}", data)
    return {suffix: data for suffix, data in signed.files().items() if suffix in hold_back}


def _drop_poison(ws: Workspace, member: str) -> None:
    """The adversarial review's finding 1: an unsigned envelope whose ``predicate.member`` is a
    string, beside any cert.pem; no key needed. It once failed the approvals flow on every run."""
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [],
        "predicateType": "https://ecocluster.eu/emas/approval/v1",
        "predicate": {"decision": "approved", "member": member},
    }
    envelope = {
        "payload": base64.b64encode(json.dumps(statement).encode()).decode(),
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [],
    }
    ws.store.put("inbox/approvals/poison.dsse.json", json.dumps(envelope).encode())
    ws.store.put("inbox/approvals/poison.cert.pem", b"-----BEGIN CERTIFICATE-----\n")


@pytest.mark.prefect_server
def test_bundled_sample_cycle_inbox_and_rerun_of_a_fixed_member(
    prefect_api: str, home: Home, tmp_path: Path
) -> None:
    from ecocluster.flows import _demo
    from ecocluster.flows._stages import SubmissionsRefused
    from ecocluster.flows.cycles import annual_cycle, approvals_inbox, rerun
    from ecocluster.statements import current_drafts

    sample = tmp_path / "sample"
    write_bundled(sample)
    ws = Workspace.of(home)

    # 1. The cycle stops the faulty members before verification, each with its reasons.
    first = annual_cycle(None, str(home.root), [str(sample)])
    blocked = {m.member_id: m for m in first.in_state("blocked")}
    assert set(blocked) == set(BLOCKING_FAULTS)
    for member, word in BLOCKING_FAULTS.items():
        assert blocked[member].stage == "check" and word in " ".join(blocked[member].reasons)
        assert not any(a.kind == "verification request" for a in blocked[member].artefacts)
    waiting = {m.member_id for m in first.in_state("waiting")}
    assert waiting == {m.member_id for m in first.members if m.due != "not due"} - set(BLOCKING_FAULTS)
    assert {m.member_id for m in first.in_state("not due")} == NOT_DUE  # checked, not drafted or sent
    assert any(n.member_id == OUT_OF_SCOPE and "must sign statement" in n.text for n in first.member_notes)

    # 2. The verifier signs: most in the pipeline, one from outside through the inbox, and one
    # envelope signed by a verifier with no right to sign it (NACE scope) is refused with the rule.
    with ws.warehouse(read_only=True) as con:
        drafts = {
            d.member_id: d.statement_id for d in current_drafts(con, first.year, [FROM_INBOX, OUT_OF_SCOPE])
        }
    late = _drop_in_inbox(
        ws, drafts[FROM_INBOX], "kur-01", signing.demo_verifier(home), hold_back=("validated.pdf",)
    )
    _drop_in_inbox(ws, drafts[OUT_OF_SCOPE], "p01", _hotels_only_verifier(home))
    _drop_poison(ws, FROM_INBOX)  # a poisoned inbox stops nobody else
    signed = _demo.sign_waiting(ws, first.year, sorted(waiting - {FROM_INBOX, OUT_OF_SCOPE}))
    early = approvals_inbox(
        first.year, str(home.root)
    )  # the envelope came before its signed PDF: not refused
    assert early.status(FROM_INBOX).state == "waiting"
    assert any("kur-01.dsse.json waits for" in n and "kur-01.validated.pdf" in n for n in early.notes)
    ws.store.put("inbox/approvals/kur-01.validated.pdf", late["validated.pdf"])
    inbox = approvals_inbox(first.year, str(home.root))
    registered = {m.member_id: m for m in inbox.in_state("registered")}
    assert FROM_INBOX in registered and len(registered) == len(signed) + 1
    assert inbox.status(OUT_OF_SCOPE).state == "waiting"
    assert any("p01.dsse.json refused" in n and "rule nace-scope" in n for n in early.notes)
    assert any("poison.dsse.json refused" in n and "rule envelope-malformed" in n for n in early.notes)
    assert not any("poison" in n for n in inbox.notes)  # refused once, recorded, not a failure on every run
    for m in registered.values():
        kinds = {a.kind: Path(a.location) for a in m.artefacts}
        assert kinds["validated statement (PAdES-signed)"].is_file()
        assert kinds["registration package"].is_file()
        assert signing.verify_archive(
            kinds["registration package"].read_bytes(), signing.trust_anchors(home)
        ).ok

    # 3. Fix one fault with a corrected file; rerun only that member from collect.
    before = _others_rows(home, FIXED)
    corrected = _corrected_submission(sample, tmp_path / f"{FIXED}-corrected.json")
    again = rerun(FIXED, "collect", first.year, str(home.root), [str(corrected)])
    assert [(m.member_id, m.state) for m in again.members] == [(FIXED, "waiting")]
    assert [
        len({*s.passed, *s.waiting, *(b.member_id for b in s.blocked)})
        for s in again.stages
        if s.stage != "collect"
    ] == [1, 1, 1, 1]  # check, draft, verify, approvals: one member each
    assert _others_rows(home, FIXED) == before  # nobody else re-checked, redrafted, re-signed or repackaged
    [joint] = (
        again.joint
    )  # drafted again with the member and reported; hazardous waste is in none of its figures
    assert joint.cluster_id == "IT-CERRETO" and joint.previous == joint.statement_id and not joint.changed

    _demo.sign_waiting(ws, first.year, [FIXED])
    done = rerun(FIXED, "register", first.year, str(home.root))
    assert done.status(FIXED).state == "registered"
    assert _others_rows(home, FIXED) == before

    # 4. A refused correction fails the rerun with the ingest report (the CLI prints it, exit 65).
    broken = json.loads(corrected.read_text(encoding="utf-8"))
    broken["indicators"][-1]["unit"] = "kWh"  # hazardous waste in kWh: refused
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(SubmissionsRefused, match=r"broken\.json"):
        rerun(FIXED, "collect", first.year, str(home.root), [str(tmp_path / "broken.json")])
