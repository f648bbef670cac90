"""Answering findings from the portal: the member answers its own, the coordinator its cluster's,
through ``signing.answer_finding`` (the CLI's `finding answer`); evidence is bounded, judged by its
content and named safely; refusals come in the user's language; answer text is rendered escaped."""

from __future__ import annotations

import io
import zipfile

import pytest
from starlette.testclient import TestClient

from ecocluster import signing
from ecocluster.portal import open_portal_db
from ecocluster.portal._answers import safe_evidence_name
from ecocluster.portal._audit import entries
from ecocluster.warehouse import connect
from tests.portal.conftest import ANSWER_TEXT, CLUSTER, FOREIGN_MEMBER, MEMBER, PortalHome, raise_findings

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _answer(
    client: TestClient, csrf: str, finding_id: str, text: str, file: tuple[str, bytes] | None = None
) -> tuple[int, str]:
    response = client.post(
        f"/finding/{finding_id}/answer",
        data={"csrf": csrf, "text": text},
        files={"file": (file[0], io.BytesIO(file[1]), "application/octet-stream")} if file else None,
    )
    return response.status_code, response.text


def _finding(portal_home: PortalHome, finding_id: str) -> signing.Finding:
    con = connect(portal_home.home.warehouse_path, read_only=True)
    try:
        return signing.finding(con, finding_id)
    finally:
        con.close()


def test_member_sees_its_open_finding_and_answers_it_with_evidence(portal_home: PortalHome) -> None:
    found = raise_findings(portal_home)
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")  # Italian
        page = client.get(f"/member/{MEMBER}/answers").text
        assert found[MEMBER] in page and found[FOREIGN_MEMBER] not in page
        assert "Rilievi a cui rispondere" in page
        assert "Scadenza" in page  # the deadline, in the member's language
        status, html = _answer(client, csrf, found[MEMBER], ANSWER_TEXT, ("../../letture contatori.pdf", PDF))
        assert status == 200 and "è registrata" in html, html
        assert f'action="/finding/{found[MEMBER]}/answer"' not in html  # no longer open: no form
    answered = _finding(portal_home, found[MEMBER])
    assert answered.state is signing.FindingState.ANSWERED
    [answer] = answered.answers
    assert answer.text == ANSWER_TEXT.strip() and answer.answered_by.startswith("member@h01.example")
    [evidence] = answer.evidence
    assert evidence.filename == "letture_contatori.pdf" and evidence.media_type == "application/pdf"
    db = open_portal_db(portal_home.home)
    try:
        [entry] = [e for e in entries(db) if e.action == "finding.answer"]
    finally:
        db.close()
    assert (entry.object, entry.outcome, entry.cluster_id) == (found[MEMBER], "answered", CLUSTER)


def test_answer_text_is_rendered_escaped(portal_home: PortalHome) -> None:
    found = raise_findings(portal_home)
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        assert _answer(client, csrf, found[MEMBER], ANSWER_TEXT)[0] == 200
        portal_home.sign_in(client, "coordinator")
        review = client.get(f"/review/{portal_home.statements[MEMBER]}").text
    assert "<script>alert('answer')" not in review
    assert "&lt;script&gt;alert(&#39;answer&#39;)&lt;/script&gt;" in review


def test_member_cannot_answer_another_members_finding_by_id(portal_home: PortalHome) -> None:
    found = raise_findings(portal_home)
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        assert _answer(client, csrf, found[FOREIGN_MEMBER], "mine now")[0] == 403
        assert _answer(client, csrf, "F-000000000000", "no such finding")[0] == 403
        assert client.get(f"/member/{FOREIGN_MEMBER}/answers").status_code == 403
        assert client.post(f"/finding/{found[MEMBER]}/answer", data={"text": "no token"}).status_code == 403
    assert _finding(portal_home, found[FOREIGN_MEMBER]).state is signing.FindingState.OPEN
    assert _finding(portal_home, found[MEMBER]).state is signing.FindingState.OPEN


def test_coordinator_answers_a_finding_of_its_cluster_not_of_another(portal_home: PortalHome) -> None:
    found = raise_findings(portal_home)
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "coordinator")
        page = client.get(f"/cluster/{CLUSTER}/answers").text
        assert found[MEMBER] in page and found[FOREIGN_MEMBER] not in page and "Findings to answer" in page
        assert _answer(client, csrf, found[FOREIGN_MEMBER], "not ours")[0] == 403
        status, html = _answer(
            client, csrf, found[MEMBER], "Answered for the member", ("m.csv", b"a;b\n1;2\n")
        )
        assert status == 200 and "is recorded" in html
    answered = _finding(portal_home, found[MEMBER])
    assert answered.answers[0].answered_by.startswith("coord@test.example")
    assert answered.answers[0].evidence[0].media_type == "text/csv"


def _docx_named_xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("language", "file", "expected"),
    [
        ("it", ("fattura.pdf", b"MZ\x90\x00 an executable"), "non è accettato: il contenuto non è"),
        ("en", ("invoice.pdf", b"<html><script>x</script></html>\x00"), "its content is not a PDF"),
        ("lv", ("tabula.xlsx", _docx_named_xlsx()), "saturs nav PDF"),
        ("en", ("run.sh", b"#!/bin/sh\nrm -rf /\n"), "its content is not a PDF"),
        ("it", ("vuoto.txt", b""), "supera 10 MB o è vuoto"),
    ],
)
def test_wrong_type_evidence_is_refused_in_the_users_language(
    portal_home: PortalHome, language: str, file: tuple[str, bytes], expected: str
) -> None:
    found = raise_findings(portal_home)
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        client.get(f"/member/{MEMBER}/answers?lang={language}")
        status, html = _answer(client, csrf, found[MEMBER], "see the file", file)
    assert status == 422 and expected in html, html
    assert _finding(portal_home, found[MEMBER]).state is signing.FindingState.OPEN


def test_oversized_evidence_is_refused_before_it_is_stored(portal_home: PortalHome) -> None:
    found = raise_findings(portal_home)
    just_over = PDF + b"0" * (signing.MAX_EVIDENCE_BYTES - len(PDF) + 1)  # read, one byte too many
    far_over = just_over + b"0" * 1024 * 1024  # refused on the declared length, never read
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        status, html = _answer(client, csrf, found[MEMBER], "all of it", ("tutto.pdf", just_over))
        assert status == 413 and "supera 10 MB" in html and "tutto.pdf" in html
        status, html = _answer(client, csrf, found[MEMBER], "all of it", ("tutto.pdf", far_over))
        assert status == 413 and "supera 10 MB" in html
        assert client.get("/register").status_code == 200  # the portal is still up
    assert _finding(portal_home, found[MEMBER]).state is signing.FindingState.OPEN
    assert not list((portal_home.home.objects_dir / "review").glob("**/*"))


def test_an_answer_to_a_finding_no_longer_open_is_refused(portal_home: PortalHome) -> None:
    found = raise_findings(portal_home)
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        assert _answer(client, csrf, found[MEMBER], "first")[0] == 200
        status, html = _answer(client, csrf, found[MEMBER], "second")
        assert status == 422 and "non è più aperto" in html
        assert _answer(client, csrf, found[MEMBER], "   ")[0] == 422


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\boot.ini.txt", "boot.ini.txt"),
        ("report<script>.pdf", "report_script.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("no-extension", "no-extension"),
        ("a b ç.pdf", "a_b.pdf"),
    ],
)
def test_evidence_names_are_reduced_to_safe_characters(sent: str, kept: str) -> None:
    assert safe_evidence_name(sent) == kept
