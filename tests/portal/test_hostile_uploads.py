"""The ingestion's hostile corpus, uploaded one file at a time through the member's upload route:
each refused with the ingestion rule's own message in the member's language, nothing stored, the
portal still answering afterwards."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ecocluster.portal._i18n import words
from ecocluster.warehouse import connect
from tests.portal.conftest import MEMBER, PortalHome, build_home, cheap_hasher
from tests.reliability.corpus import Case, all_cases

CASES = all_cases()
# Every tenth case in the default suite, all of them in `make test-slow`: the whole corpus through
# the portal takes minutes, and each case is also ingested directly in tests/reliability.
PARAMS = [
    pytest.param(case, id=case.name, marks=() if n % 10 == 0 else (pytest.mark.slow,))
    for n, case in enumerate(CASES)
]
_ROW = re.compile(
    r"<tr><td>[^<]*</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td>\s*<td[^>]*>[^<]*</td><td>([^<]*)</td></tr>"
)


@pytest.fixture(scope="module")
def corpus_portal(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PortalHome, TestClient, str, tuple[int, int]]]:
    """One home and one signed-in member for the whole corpus (a home per case would cost minutes),
    with what the warehouse holds before the first hostile file."""
    with pytest.MonkeyPatch.context() as patch:
        cheap_hasher(patch)
        portal_home = build_home(tmp_path_factory.mktemp("corpus"))
        with portal_home.client() as client:
            yield portal_home, client, portal_home.sign_in(client, "member"), _stored(portal_home)


def _stored(portal_home: PortalHome) -> tuple[int, int]:
    con = connect(portal_home.home.warehouse_path, read_only=True)
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM submission), (SELECT count(*) FROM submission_part)"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return row[0], row[1]


def _reasons(client: TestClient, csrf: str, path: Path, language: str) -> tuple[int, str, list[str]]:
    response = client.post(
        f"/member/{MEMBER}/upload?lang={language}",
        headers={"hx-request": "true", "x-csrf-token": csrf},
        files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
    )
    rows = [  # each error as the ingestion words it for the coordinator: "column NAME: reason"
        html.unescape(f"column {column}: {reason}" if column else reason)
        for column, reason in _ROW.findall(response.text)
    ]
    return response.status_code, response.text, rows


@pytest.mark.parametrize("case", PARAMS)
def test_every_hostile_file_is_refused_in_the_members_language_and_nothing_is_stored(
    corpus_portal: tuple[PortalHome, TestClient, str, tuple[int, int]], tmp_path: Path, case: Case
) -> None:
    portal_home, client, csrf, before = corpus_portal
    path = case.write(tmp_path)
    if path.suffix.lower() not in (".xlsx", ".csv", ".json"):  # refused by the portal before ingestion
        _, page, _ = _reasons(client, csrf, path, "it")
        assert words("it")["upload_help"] in html.unescape(page), page
    else:
        status, page, english = _reasons(client, csrf, path, "en")
        assert status == 200 and "Refused" in page, page
        assert any(case.expected in r for r in english), (case.expected, english)
        status, page, italian = _reasons(client, csrf, path, "it")  # the member's own language
        assert "Rifiutato" in page and len(italian) == len(english)
        assert italian != english, "the refusal was not worded in Italian"
    assert _stored(portal_home) == before
    assert str(tmp_path) not in page  # no server path shown back
    assert client.get("/login").status_code == 200  # the portal is still up
