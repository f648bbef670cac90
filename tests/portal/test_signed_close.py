"""A finding is closed in the portal only by the verifier's signed, timestamped decision, uploaded.

Real home (a typst draft, the DEMO CA and verifier, the session's TSA): the verifier downloads the
signing request, signs a close on their own machine as `ecocluster finding decide` does, and uploads
the answers file; the portal verifies it with `signing.import_answers` (what `ecocluster finding
import` runs) and records it. Hostile files are refused by a named rule, in the verifier's language,
and audited; none of them moves the finding. There is no unsigned close left.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecocluster import signing
from ecocluster.portal import add_user, create_app, open_portal_db
from ecocluster.portal._audit import entries
from ecocluster.warehouse import connect
from tests.portal.conftest import PASSWORD
from tests.portal.test_desks import VERIFIER, ReviewedHome, decide_close, declared_huge, reviewed_home

OTHER_VERIFIER = "v2@demo.example"  # another accredited verifier's account, assigned to the same cluster


@pytest.fixture
def reviewed(tmp_path: Path, cheap_argon2: None) -> ReviewedHome:
    reviewed = reviewed_home(tmp_path)
    db = open_portal_db(reviewed.home)
    reviewed.secrets[OTHER_VERIFIER] = add_user(
        db, OTHER_VERIFIER, "verifier", "DEMO-V-0002", password=PASSWORD, clusters=["CL-IT"]
    )
    db.close()
    return reviewed


def _raise(reviewed: ReviewedHome, text: str) -> str:
    con = connect(reviewed.home.warehouse_path)
    try:
        return signing.raise_finding(
            con, reviewed.statement_id, "non-conformity", text, by="v@demo.example (DEMO-V-0001)"
        ).finding_id
    finally:
        con.close()


def _export(client: TestClient, reviewed: ReviewedHome, folder: Path) -> Path:
    """The signing request the desk hands out, unpacked on the verifier's machine."""
    request = client.get(f"/review/{reviewed.statement_id}/request.zip")
    assert request.status_code == 200
    zipfile.ZipFile(io.BytesIO(request.content)).extractall(folder)
    [review] = folder.iterdir()
    return review


def _upload(client: TestClient, csrf: str, sid: str, finding_id: str, data: bytes, lang: str = "en"):
    return client.post(
        f"/review/{sid}/findings/{finding_id}/decision?lang={lang}",
        data={"csrf": csrf},
        files={"decision": ("decision.json", io.BytesIO(data), "application/json")},
    )


def _state(reviewed: ReviewedHome, finding_id: str) -> signing.FindingState:
    con = connect(reviewed.home.warehouse_path, read_only=True)
    try:
        return signing.finding(con, finding_id).state
    finally:
        con.close()


def _audited(reviewed: ReviewedHome) -> list[tuple[str, str, str]]:
    db = open_portal_db(reviewed.home)
    try:
        return [(e.who, e.object, e.outcome) for e in entries(db) if e.action == "finding.decide"]
    finally:
        db.close()


def test_the_verifier_closes_a_finding_by_uploading_the_decision_signed_on_their_machine(
    reviewed: ReviewedHome, tmp_path: Path
) -> None:
    sid = reviewed.statement_id
    finding_id = _raise(reviewed, "The energy figures lack their invoices")
    with TestClient(create_app(reviewed.home)) as client:
        csrf = reviewed.signed_in(client, VERIFIER)
        page = client.get(f"/review/{sid}").text
        assert f"/findings/{finding_id}/decision" in page and f"/findings/{finding_id}/close" not in page
        unsigned = client.post(f"/review/{sid}/findings/{finding_id}/close", data={"csrf": csrf, "note": "x"})
        assert unsigned.status_code == 404  # no path records a close without a signature
        answers = decide_close(reviewed, _export(client, reviewed, tmp_path / "request"), finding_id)
        done = _upload(client, csrf, sid, finding_id, answers)
        assert done.status_code == 200 and "Signed decision verified and recorded" in done.text, done.text
        assert "closed by DEMO" in done.text
        again = _upload(client, csrf, sid, finding_id, answers)  # the same file twice changes nothing
        assert again.status_code == 200 and "imported before" in again.text
    assert _state(reviewed, finding_id) is signing.FindingState.CLOSED
    con = connect(reviewed.home.warehouse_path, read_only=True)
    try:
        assert _resolutions(con) == [finding_id]
    finally:
        con.close()
    outcomes = [outcome.split(":")[0] for _, _, outcome in _audited(reviewed)]
    assert outcomes == ["already", "applied"]  # newest first


def _resolutions(con) -> list[str]:
    """Findings with a signed, timestamped decision recorded (the close the approval rule checks)."""
    rows = con.execute("SELECT finding_id FROM review_decision WHERE event = 'closed' AND tsr IS NOT NULL")
    return [str(r[0]) for r in rows.fetchall()]


def _unsigned(answers: bytes) -> bytes:
    """The same answers file with the decision's signatures taken off."""
    doc = json.loads(answers)
    envelope = json.loads(doc["decisions"][0])
    envelope["signatures"] = []
    doc["decisions"][0] = json.dumps(envelope)
    return json.dumps(doc).encode()


def _forged(answers: bytes) -> bytes:
    """The same answers file with another signature value (what a changed decision carries)."""
    doc = json.loads(answers)
    envelope = json.loads(doc["decisions"][0])
    envelope["signatures"][0]["sig"] = base64.b64encode(b"\x30" + bytes(70)).decode()
    doc["decisions"][0] = json.dumps(envelope)
    return json.dumps(doc).encode()


def test_hostile_decision_files_are_refused_by_rule_in_the_verifiers_language_and_audited(
    reviewed: ReviewedHome, tmp_path: Path
) -> None:
    sid = reviewed.statement_id
    target = _raise(reviewed, "The energy figures lack their invoices")
    other = _raise(reviewed, "The waste register is missing")
    with TestClient(create_app(reviewed.home)) as client:
        csrf = reviewed.signed_in(client, VERIFIER)
        review = _export(client, reviewed, tmp_path / "request")
        good = decide_close(reviewed, review, target)
        cases = {
            "not JSON": (b"<html>not a decision</html>", "review-answers", "en", "Not accepted: this is"),
            "oversized": (b" " * (signing.MAX_ANSWERS_BYTES + 1), "review-answers", "it", "supera 4 MB"),
            "unsigned": (_unsigned(good), "finding-decision", "lv", "nav parakstīts"),
            "forged": (_forged(good), "finding-decision", "en", "changed after signing"),
            "another finding's decision": (
                decide_close(reviewed, review, other),
                "finding-other",
                "it",
                "altro rilievo",
            ),
            "backdated": (
                decide_close(reviewed, review, target, dt.datetime.now(dt.UTC) - dt.timedelta(days=2)),
                "timestamp",
                "lv",
                "laika zīmogs",
            ),
        }
        for name, (data, rule, lang, said) in cases.items():
            response = _upload(client, csrf, sid, target, data, lang)
            assert response.status_code == 422, name
            assert f"({rule}:" in response.text and said in response.text, (name, response.text[-3000:])
        assert declared_huge(client, f"/review/{sid}/findings/{target}/decision", csrf) == 413  # unread
        assert _upload(client, "forged", sid, target, good).status_code == 403  # no CSRF token, nothing read
        csrf = reviewed.signed_in(client, OTHER_VERIFIER)  # another accredited verifier of the cluster
        wrong = _upload(client, csrf, sid, target, good)
        assert (
            wrong.status_code == 422 and "(finding-signer:" in wrong.text and "another verifier" in wrong.text
        )
    assert _state(reviewed, target) is signing.FindingState.OPEN  # nothing hostile moved it
    assert _state(reviewed, other) is signing.FindingState.OPEN
    refused = [(who, outcome) for who, _, outcome in reversed(_audited(reviewed))]
    assert refused == [
        *((VERIFIER, f"refused: {rule}") for _, rule, _, _ in cases.values()),
        (VERIFIER, "refused: review-answers"),
        (OTHER_VERIFIER, "refused: finding-signer"),
    ]
    con = connect(reviewed.home.warehouse_path, read_only=True)
    try:
        recorded = con.execute("SELECT count(*) FROM review_import WHERE outcome = 'refused'").fetchone()
    finally:
        con.close()
    assert recorded is not None and recorded[0] == len(cases) + 1  # import_answers' own record of each
