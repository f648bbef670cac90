"""The member desk: uploads go through the CLI's ingestion, refusals are shown per row and column
in the member's language, and the public register lists registered organisations."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from ecocluster.warehouse import connect
from tests.portal.conftest import FOREIGN_MEMBER, MEMBER, PortalHome
from tests.warehouse.builders import roster, submission


def _upload(client: TestClient, csrf: str, name: str, doc: object, *, htmx: bool = True) -> tuple[int, str]:
    headers = {"hx-request": "true", "x-csrf-token": csrf} if htmx else {}
    response = client.post(
        f"/member/{MEMBER}/upload",
        data={} if htmx else {"csrf": csrf},
        headers=headers,
        files={"file": (name, json.dumps(doc).encode(), "application/json")},
    )
    return response.status_code, response.text


def _submission_with_water(value: object) -> dict[str, object]:
    doc = submission()
    doc["indicators"][1]["value"] = value  # water.total
    return doc


def _bad_submission() -> dict[str, object]:
    return _submission_with_water("tanta")  # not a number


def test_upload_with_errors_shows_each_row_and_column_in_the_members_language_then_fix_is_accepted(
    portal_home: PortalHome,
) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")  # the member's account language is Italian
        page = client.get(f"/member/{MEMBER}")
        assert "Invii i suoi dati" in page.text and 'lang="it"' in page.text
        status, html = _upload(client, csrf, "dati 2024.json", _bad_submission())
        assert status == 200 and "Rifiutato" in html
        assert "tanta" in html and "non è un numero" in html  # the ingestion's own Italian refusal
        assert '<td class="num">2</td>' in html or ">2<" in html  # located by row
        status, html = _upload(client, csrf, "dati 2024.json", _submission_with_water(5200))
        assert status == 200 and "Accettato" in html
        sections = client.get(f"/member/{MEMBER}").text
        assert (
            "dati_2024.json" in sections and "/tmp" not in sections
        )  # its sanitised name only, no server path


def test_plain_form_post_renders_the_whole_page_with_the_errors(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        status, html = _upload(client, csrf, "x.json", _bad_submission(), htmx=False)
        assert status == 422 and "<h1>" in html and "non è un numero" in html


def test_member_cannot_submit_rows_of_another_member_or_a_roster(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        _, html = _upload(client, csrf, "other.json", submission(member_id=FOREIGN_MEMBER))
        assert "Rifiutato" in html and FOREIGN_MEMBER in html and "può inviare solo i dati di IT-H01" in html
        _, html = _upload(client, csrf, "cluster.json", roster())
        assert "Rifiutato" in html and "non è un invio di un membro" in html
    con = connect(portal_home.home.warehouse_path, read_only=True)
    assert con.execute(
        "SELECT count(*) FROM submission_part WHERE member_id = ?", [FOREIGN_MEMBER]
    ).fetchone() == (0,)


def test_file_types_and_names_are_checked_before_ingestion(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        response = client.post(
            f"/member/{MEMBER}/upload",
            headers={"hx-request": "true", "x-csrf-token": csrf},
            files={"file": ("../../evil.sh", b"#!/bin/sh", "text/plain")},
        )
        assert "XLSX" in response.text and "Rifiutato" not in response.text


def test_template_download_is_the_workbook_in_the_members_language(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        portal_home.sign_in(client, "member")
        response = client.get(f"/member/{MEMBER}/template.xlsx")
        assert response.status_code == 200 and response.content[:2] == b"PK"
        assert f"ecocluster-{MEMBER}-it.xlsx" in response.headers["content-disposition"]


def test_public_register_needs_no_login_and_is_paginated(portal_home: PortalHome, client: TestClient) -> None:
    assert "No organisation is registered yet" in client.get("/register").text
    con = connect(portal_home.home.warehouse_path)
    # Written directly: registering needs a whole signed package; the page only reads the table.
    con.execute(
        "INSERT INTO body_register (country, member_id, registration_no, serial, first_registered, "
        "last_renewed, last_approval_sha256) VALUES ('IT', 'IT-H01', 'IT-000576', 576, DATE '2024-03-01', "
        "DATE '2025-03-01', 'ab')"
    )
    con.close()
    page = client.get("/register?lang=lv")
    assert page.status_code == 200 and "IT-000576" in page.text and "Hotel Lago Srl" in page.text
    assert "EMAS reģistrs" in page.text
    assert "IT-000576" not in client.get("/register?page=1").text


def test_member_sees_and_downloads_their_own_draft_statement_only(portal_home: PortalHome) -> None:
    own, foreign = portal_home.statements[MEMBER], portal_home.statements[FOREIGN_MEMBER]
    with portal_home.client() as client:
        portal_home.sign_in(client, "member")
        page = client.get(f"/member/{MEMBER}").text
        assert "La sua dichiarazione ambientale" in page and f"/statement/{own}/pdf" in page
        assert f"/review/{own}" not in page  # the review is the verifier's and the coordinator's
        pdf = client.get(f"/statement/{own}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert client.get(f"/statement/{foreign}/pdf").status_code == 403
        assert client.get(f"/statement/{own}/html").status_code == 200
