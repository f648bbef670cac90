"""The coordinator's, verifier's and competent body's desks over the packages' own functions.

A stand-in home (tests.portal.conftest) for what the desks list and who may open it; a real home
(a typst-drafted statement, the DEMO verifier's key, a competent body's key) for the whole path:
the verifier raises a finding, downloads the signing request, signs it offline as `ecocluster sign`
does, uploads the signed decision (refused while the finding is open, recorded once the verifier's
signed close of the finding is uploaded), the package is taken in, and the body downloads its signed receipt.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyotp
import pytest
from starlette.testclient import TestClient

from ecocluster import signing, statements
from ecocluster.portal import add_user, create_app, open_portal_db
from ecocluster.portal._audit import entries
from ecocluster.signing.signers import file_uri, fixed_secret, open_signer
from ecocluster.warehouse import Home, connect
from tests.portal.conftest import (
    BLOCKING_RULE,
    CLUSTER,
    FOREIGN_MEMBER,
    MEMBER,
    OTHER_MEMBER,
    PASSWORD,
    PortalHome,
    csrf_of,
)
from tests.signing.rows import drafted_member

if TYPE_CHECKING:  # imported by name only: pytest would try to collect a Test* class
    from tests.fixtures_pki import TestPki


def test_coordinator_sees_each_member_the_blocking_results_and_the_clusters_statements(
    portal_home: PortalHome,
) -> None:
    with portal_home.client() as client:
        portal_home.sign_in(client, "coordinator")
        page = client.get("/desk")
        assert page.url.path == f"/cluster/{CLUSTER}" and page.status_code == 200
        html = page.text
        assert MEMBER in html and OTHER_MEMBER in html and FOREIGN_MEMBER not in html
        assert "&lt;script&gt;" in html and "<script>alert" not in html  # member-written name, escaped
        assert "1 × blocking" in html and BLOCKING_RULE in html  # IT-H02's blocking result, listed per member
        assert "sent to verification" in html  # IT-H01's statement status
        own, foreign = portal_home.statements[MEMBER], portal_home.statements[FOREIGN_MEMBER]
        assert f"/statement/{own}/pdf" in html and foreign not in html
        listed = (
            f'<td class="mono">{BLOCKING_RULE}</td>'  # a row of the findings table (not the filter's choice)
        )
        assert listed in html and listed not in client.get(f"/cluster/{CLUSTER}?severity=warning").text
        assert listed in client.get(f"/cluster/{CLUSTER}?rule={BLOCKING_RULE}&severity=all").text
        assert (
            listed in client.get(f"/cluster/{CLUSTER}?rule=not-a-rule").text
        )  # an unknown rule filters nothing
        pdf = client.get(f"/statement/{own}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert "attachment" in pdf.headers["content-disposition"]
        assert client.get(f"/statement/{foreign}/pdf").status_code == 403
        assert client.get("/cluster/IT-OTHER").status_code == 403


def test_verifier_queue_holds_the_statements_of_their_clusters_only(
    portal_home: PortalHome, pki: TestPki
) -> None:
    with portal_home.client() as client:
        portal_home.sign_in(client, "verifier")
        page = client.get("/desk")
        assert page.url.path == "/verifier"
        assert (
            portal_home.statements[MEMBER] in page.text
            and portal_home.statements[FOREIGN_MEMBER] not in page.text
        )
        assert "no certificate of yours is registered" in page.text  # NACE scope unknown is said, not assumed
        assert client.get(f"/review/{portal_home.statements[FOREIGN_MEMBER]}").status_code == 403
        con = connect(portal_home.home.warehouse_path)
        signing.register_verifier(con, pki.issue(accreditation_no="IT-V-0001", nace=("84.11",)).cert)
        con.close()
        assert "outside your NACE scope" in client.get("/verifier").text  # IT-H01 is a hotel, 55.10


def test_raising_a_finding_needs_the_csrf_token_and_a_refusal_names_its_rule(portal_home: PortalHome) -> None:
    sid = portal_home.statements[MEMBER]
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "verifier")
        form = {"kind": "request-for-information", "text": "Send the water meter readings", "owner": "member"}
        assert (
            client.post(f"/review/{sid}/findings", data=form).status_code == 403
        )  # no token: nothing raised
        refused = client.post(f"/review/{sid}/findings", data={**form, "csrf": csrf, "kind": "gossip"})
        assert refused.status_code == 422 and "is not one of" in refused.text
        raised = client.post(f"/review/{sid}/findings", data={**form, "csrf": csrf}, follow_redirects=False)
        assert raised.status_code == 303
        con = connect(portal_home.home.warehouse_path, read_only=True)
        [found] = signing.findings(con, member_id=MEMBER)
        con.close()
        assert found.state is signing.FindingState.OPEN and found.raised_by.startswith("verifier@acc.example")
        assert found.finding_id in client.get(f"/review/{sid}").text
        accepted = client.post(f"/review/{sid}/findings/{found.finding_id}/accept", data={"csrf": csrf})
        assert (
            accepted.status_code == 422
            and "finding-transition" in accepted.text
            and "is open" in accepted.text
        )
        closed = client.post(
            f"/review/{sid}/findings/{found.finding_id}/close",
            data={"csrf": csrf, "note": "seen"},
            follow_redirects=False,
        )
        assert closed.status_code == 404  # a close is only the verifier's signed upload (test_signed_close)
    db = open_portal_db(portal_home.home)
    assert [e.outcome for e in entries(db) if e.action.startswith("finding.")] == [
        "refused: finding-transition",
        "raised",
        "refused: finding-kind",
    ]
    db.close()


@dataclass
class ReviewedHome:
    home: Home
    statement_id: str
    secrets: dict[str, str | None]
    signer_uri: str

    def signed_in(self, client: TestClient, email: str) -> str:
        secret = self.secrets[email]
        client.post(
            "/login",
            data={
                "csrf": csrf_of(client.get("/login").text),
                "email": email,
                "password": PASSWORD,
                "code": pyotp.TOTP(secret).now() if secret else "",
            },
        )
        return csrf_of(client.get("/register").text)


VERIFIER, BODY, COORDINATOR = "v@demo.example", "cb@it.example", "c@cl-it.example"
BODY_PASSWORD = b"competent body key password"


def reviewed_home(root: Path) -> ReviewedHome:
    """A statement of IT-HOT-1 sent to verification, the DEMO verifier assigned to its cluster, a
    competent body and the cluster's coordinator (their portal accounts)."""
    home = Home.resolve(root / "home")
    con = connect(home.warehouse_path)
    sid = drafted_member(con, home, "IT-HOT-1")  # a real typst draft of cluster CL-IT, checked clean
    statements.submit(con, sid)
    con.close()
    files = signing.demo_verifier(home)  # DEMO CA in the home (the trust anchor) and DEMO-V-0001's key
    con = connect(home.warehouse_path)
    signing.register_verifier(con, files.load_cert())  # as `ecocluster pki issue-verifier` does
    con.close()
    db = open_portal_db(home)
    secrets = {
        VERIFIER: add_user(db, VERIFIER, "verifier", "DEMO-V-0001", password=PASSWORD, clusters=["CL-IT"]),
        BODY: add_user(db, BODY, "competent-body", "IT", password=PASSWORD),
        COORDINATOR: add_user(db, COORDINATOR, "coordinator", "CL-IT", password=PASSWORD),
    }
    db.close()
    return ReviewedHome(home, sid, secrets, file_uri(files.key, files.cert))


@pytest.fixture
def reviewed(tmp_path: Path, cheap_argon2: None) -> ReviewedHome:
    return reviewed_home(tmp_path)


def declared_huge(client: TestClient, path: str, csrf: str) -> int:
    """The status of a POST that declares a 300 MB body (and sends one byte): refused unread."""
    headers = {
        "content-length": str(300 * 1024 * 1024),
        "x-csrf-token": csrf,
        "content-type": "multipart/form-data; boundary=b",
    }
    return int(client.post(path, content=b"x", headers=headers).status_code)


def test_a_decision_upload_without_envelope_or_too_large_is_refused_unread(portal_home: PortalHome) -> None:
    sid = portal_home.statements[MEMBER]
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "verifier")
        missing = client.post(
            f"/review/{sid}/decision",
            data={"csrf": csrf},
            files={"certificate": ("c.pem", b"-----BEGIN", "application/x-pem-file")},
        )
        assert missing.status_code == 400
        no_ca = client.post(
            f"/review/{sid}/decision",
            data={"csrf": csrf},
            files={"envelope": ("d.dsse.json", b"{}", "application/json")},
        )
        assert no_ca.status_code == 422 and "no trust anchors" in no_ca.text  # this home has no PKI yet
        signing.demo_verifier(portal_home.home)
        huge = client.post(
            f"/review/{sid}/decision",
            data={"csrf": csrf},
            files={
                "envelope": (
                    "d.dsse.json",
                    b" " * (signing.DEFAULT_LIMITS.envelope_bytes + 1),
                    "application/json",
                )
            },
        )
        assert huge.status_code == 422 and "envelope-too-large" in huge.text
        assert declared_huge(client, f"/review/{sid}/decision", csrf) == 413
    store = signing.open_store(portal_home.home)
    assert list(store.list("inbox/approvals/")) == []  # nothing refused unread reached the inbox


def test_nace_scope_nests_as_the_approval_rule_judges_it() -> None:
    assert signing.in_nace_scope("55.10", ("55",)) and signing.in_nace_scope("55.10", ("55.1",))
    assert signing.in_nace_scope("84.11", ("O",))  # a section covers its divisions
    assert not signing.in_nace_scope("56.10", ("55",)) and not signing.in_nace_scope("55.20", ("55.1",))
    assert not signing.in_nace_scope("55.10", ())


def decide_close(
    reviewed: ReviewedHome, review: Path, finding_id: str, decided_at: dt.datetime | None = None
) -> bytes:
    """The answers file `ecocluster finding decide REVIEW --close F=NOTE --signer URI` writes on the
    verifier's machine from the signing request (the portal never holds the key)."""
    with open_signer(reviewed.signer_uri, fixed_secret(signing.DEMO_PASSWORD)) as signer:
        return signing.decide_offline(
            review,
            [(finding_id, "closed", "invoices seen")],
            signer,
            tsa_url=signing.tsa_url(reviewed.home),
            decided_at=decided_at,
        )


def upload_close(client: TestClient, csrf: str, sid: str, finding_id: str, answers: bytes) -> int:
    files = {"decision": ("decision.json", io.BytesIO(answers), "application/json")}
    path = f"/review/{sid}/findings/{finding_id}/decision"
    return int(client.post(path, data={"csrf": csrf}, files=files).status_code)


def _upload(client: TestClient, csrf: str, sid: str, decision: dict[str, bytes]) -> tuple[int, str]:
    names = {
        signing.ENVELOPE: "envelope",
        signing.CERTIFICATE: "certificate",
        signing.TIMESTAMP: "timestamp",
        signing.SIGNED_PDF: "pdf",
    }
    files = {
        names[suffix]: (f"d.{suffix}", io.BytesIO(data), "application/octet-stream")
        for suffix, data in decision.items()
    }
    response = client.post(f"/review/{sid}/decision", data={"csrf": csrf}, files=files)
    return response.status_code, response.text


def _tampered(envelope: bytes) -> bytes:
    """The same envelope with another signature value: it no longer holds."""
    doc = json.loads(envelope)
    doc["signatures"][0]["sig"] = base64.b64encode(b"\x30" + bytes(70)).decode()
    return json.dumps(doc).encode()


def test_verifier_signs_offline_and_uploads_the_decision_then_the_body_registers_and_hands_out_the_receipt(
    reviewed: ReviewedHome, tmp_path: Path
) -> None:
    sid, home = reviewed.statement_id, reviewed.home
    with TestClient(create_app(home)) as client:
        csrf = reviewed.signed_in(client, VERIFIER)
        queue = client.get("/verifier").text
        assert sid in queue and "49, 55, 56, 84, 91, 93" in queue and "outside your NACE scope" not in queue
        client.post(
            f"/review/{sid}/findings",
            data={
                "csrf": csrf,
                "kind": "non-conformity",
                "owner": "coordinator",
                "text": "The energy figures lack their invoices",
            },
        )
        request = client.get(f"/review/{sid}/request.zip")
        assert request.status_code == 200 and request.headers["content-type"] == "application/zip"
        zipfile.ZipFile(io.BytesIO(request.content)).extractall(tmp_path / "request")
        review = signing.read_review(tmp_path / "request" / "review-IT-HOT-1")  # what `ecocluster sign` reads
        with open_signer(reviewed.signer_uri, fixed_secret(signing.DEMO_PASSWORD)) as signer:
            decision = signing.sign_draft(
                review.draft,
                review.statement_json,
                signer,
                tsa_url=signing.tsa_url(home),
                roots=review.cas,
                crls=review.crls,
            ).files()

        code, html = _upload(client, csrf, sid, decision)
        assert code == 422 and "open-findings" in html  # the inbox's rule, shown at once
        assert html.count(">PASS<") >= 4  # and every offline check of the signature, each with its outcome
        con = connect(home.warehouse_path, read_only=True)
        [finding] = signing.findings(con, member_id="IT-HOT-1")
        con.close()
        answers = decide_close(reviewed, tmp_path / "request" / "review-IT-HOT-1", finding.finding_id)
        assert upload_close(client, csrf, sid, finding.finding_id, answers) == 200  # signed, timestamped

        code, html = _upload(
            client, csrf, sid, {**decision, signing.ENVELOPE: _tampered(decision[signing.ENVELOPE])}
        )
        assert code == 422 and ">FAIL<" in html

        code, html = _upload(client, csrf, sid, decision)
        assert code == 200 and "Approval verified and recorded" in html, html
    con = connect(home.warehouse_path)
    try:
        assert statements.show(con, sid).status == "validated"
        store = signing.open_store(home)
        assert any(k.startswith("inbox/approvals/portal-") for k in store.list("inbox/approvals/"))
        trust = signing.trust_anchors(home)
        signing.build_packages(con, store, trust)
        cert = signing.init_body_key(home.root / "competent-body" / "IT", "IT", BODY_PASSWORD)
        [received] = signing.intake(home, con, store, trust, "IT", BODY_PASSWORD)
        later = received.waiting_until  # the IT profile: registered after the regional agency's 90 days
        [receipt] = signing.intake(home, con, store, trust, "IT", BODY_PASSWORD, today=later)
    finally:
        con.close()
    assert receipt.outcome == "registered"
    package = receipt.package_key
    with TestClient(create_app(home)) as client:
        reviewed.signed_in(client, BODY)
        page = client.get("/desk")
        assert (
            page.url.path == "/body/IT"
            and receipt.registration_no in page.text
            and "every check passed" in page.text
        )
        link = (
            next(line for line in page.text.splitlines() if "/receipt/" in line)
            .split('href="')[1]
            .split('"')[0]
        )
        download = client.get(link)
        assert download.status_code == 200 and package.split("/")[-1] not in link
        report = signing.verify_receipt(download.content, (signing._pki.load_certs(cert.read_bytes())[0],))
        assert report.ok, report.checks
        assert client.get(link.replace("/IT/", "/LV/")).status_code == 403
        reviewed.signed_in(client, COORDINATOR)
        dashboard = client.get("/cluster/CL-IT").text
        assert receipt.registration_no in dashboard and "approved" in dashboard and "validated" in dashboard
    db = open_portal_db(home)
    assert [e.outcome for e in entries(db) if e.action == "decision.upload"] == [
        "approved",
        "refused (signature)",
        "refused (open-findings)",
    ]
    db.close()
