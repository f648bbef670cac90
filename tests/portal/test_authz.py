"""The matrix is the only authority: every route × every role is checked against it, and the
classic holes (another member's data by id, path traversal, XSS of member text) stay shut."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from starlette.testclient import TestClient

from ecocluster.portal import MATRIX, ROUTES, Action, Principal, Role, ScopeRule, Target, allowed
from tests.portal.conftest import (
    ACCOUNTS,
    CLUSTER,
    FOREIGN_MEMBER,
    MEMBER,
    OTHER_MEMBER,
    PortalHome,
    raise_findings,
)


# Each path parameter's values a route is tried with, and the target each value names (the object
# parameters: member, cluster, statement, country); the others only complete the path.
def _samples(portal_home: PortalHome, findings: dict[str, str]) -> dict[str, dict[str, Target]]:
    own, foreign = portal_home.statements[MEMBER], portal_home.statements[FOREIGN_MEMBER]
    return {
        "member_id": {
            MEMBER: Target(MEMBER, CLUSTER),
            OTHER_MEMBER: Target(OTHER_MEMBER, CLUSTER),
            FOREIGN_MEMBER: Target(FOREIGN_MEMBER, "IT-OTHER"),
            "IT-NOPE": Target("IT-NOPE"),
        },
        "cluster_id": {
            CLUSTER: Target(cluster_id=CLUSTER),
            "IT-OTHER": Target(cluster_id="IT-OTHER"),
            "IT-NOPE": Target(cluster_id="IT-NOPE"),
        },
        "statement_id": {
            own: Target(MEMBER, CLUSTER),
            foreign: Target(FOREIGN_MEMBER, "IT-OTHER"),
            "0" * 64: Target("?"),
            "not-an-id": Target("?"),
        },
        "country": {"IT": Target(country="IT"), "LV": Target(country="LV")},
        "kind": {"pdf": Target()},
        "finding_id": {  # the object of an answer; a review route's statement comes first and decides
            findings[MEMBER]: Target(MEMBER, CLUSTER),
            findings[FOREIGN_MEMBER]: Target(FOREIGN_MEMBER, "IT-OTHER"),
            "F-000000000000": Target("?"),
        },
        "stage": {"nope": Target()},  # a real stage runs GX or typst: test_actions does, the walk need not
        "move": {"accept": Target()},
        "package_sha256": {"0" * 64: Target()},
        "token": {"not-a-token": Target()},
    }


def _paths(route_path: str, samples: dict[str, dict[str, Target]]) -> list[tuple[str, Target]]:
    """Every combination of the route's parameters, with the target its object parameter names."""
    names = re.findall(r"{(\w+)}", route_path)
    out = []
    for values in itertools.product(*(samples[n].items() for n in names)):
        path, target = route_path, Target()
        for name, (value, named) in zip(names, values, strict=True):
            path = path.replace(f"{{{name}}}", value)
            target = target if target != Target() else named  # the first object parameter decides
        out.append((path, target))
    return out


def _request(client: TestClient, method: str, path: str, csrf: str) -> int:
    if method == "GET":
        return int(client.get(path, follow_redirects=False).status_code)
    files = {"file": ("x.json", io.BytesIO(b'{"format": "ecocluster-submission/1"}'), "application/json")}
    return int(
        client.post(
            path,
            data={"csrf": csrf},
            files=files if path.endswith("/upload") else None,
            follow_redirects=False,
        ).status_code
    )


def test_every_action_has_a_row_and_every_route_an_action() -> None:
    assert set(MATRIX) == set(Action)
    assert {r.action for r in ROUTES} <= set(Action)


@pytest.mark.parametrize("role", [None, *ACCOUNTS])
def test_every_route_for_every_role_follows_the_matrix(portal_home: PortalHome, role: str | None) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, role) if role else ""
        principal = (
            Principal(
                ACCOUNTS[role][0],
                Role(role),
                ACCOUNTS[role][1],
                frozenset({CLUSTER}) if role == "verifier" else frozenset(),
            )
            if role
            else None
        )
        samples = _samples(portal_home, raise_findings(portal_home))
        for route in ROUTES:
            if route.path == "/login":
                continue  # the sign-in itself is exercised by every signed-in case
            for path, target in _paths(route.path, samples):
                expected = allowed(principal, route.action, target)
                for method in route.methods:
                    status = _request(client, method, path, csrf)
                    where = f"{role or 'anonymous'} {method} {path}"
                    if not expected:
                        assert status in (403, 303) if principal else status == 303, where
                        if principal is None:
                            continue
                        assert status == 403, where
                    else:
                        assert status not in (403, 401), where
                if route.path == "/logout" and expected:
                    csrf = portal_home.sign_in(client, role or "")


def test_scope_rules_decide_on_the_target_not_the_role_alone() -> None:
    member = Principal("m@x", Role.MEMBER, MEMBER)
    coordinator = Principal("c@x", Role.COORDINATOR, CLUSTER)
    assert allowed(member, Action.MEMBER_UPLOAD, Target(MEMBER, CLUSTER))
    assert not allowed(member, Action.MEMBER_UPLOAD, Target(OTHER_MEMBER, CLUSTER))
    assert allowed(coordinator, Action.MEMBER_VIEW, Target(OTHER_MEMBER, CLUSTER))
    assert not allowed(coordinator, Action.MEMBER_VIEW, Target(FOREIGN_MEMBER, "IT-OTHER"))
    assert not allowed(coordinator, Action.MEMBER_UPLOAD, Target(MEMBER, CLUSTER))  # members submit their own
    assert MATRIX[Action.MEMBER_VIEW][Role.ADMIN] is ScopeRule.ANY
    assert not allowed(None, Action.DESK)


def test_member_cannot_read_or_write_another_member_by_id(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        csrf = portal_home.sign_in(client, "member")
        assert client.get(f"/member/{OTHER_MEMBER}").status_code == 403
        assert client.get(f"/member/{OTHER_MEMBER}/template.xlsx").status_code == 403
        response = client.post(
            f"/member/{OTHER_MEMBER}/upload",
            data={"csrf": csrf},
            files={"file": ("a.json", io.BytesIO(b"{}"), "application/json")},
        )
        assert response.status_code == 403
        assert "Albergo" not in client.get(f"/member/{OTHER_MEMBER}").text


@pytest.mark.parametrize(
    "path",
    [
        "/static/../portal.sqlite3",
        "/static/%2e%2e/portal.sqlite3",
        "/static/..%2f..%2fportal.sqlite3",
        "/member/..%2f..%2fportal.sqlite3",
        f"/member/{MEMBER}/..%2f..%2fportal.sqlite3",
        "/static/%2e%2e/_app.py",
        "/statement/..%2f..%2fportal.sqlite3/pdf",
        "/body/IT/receipt/..%2f..%2fportal.sqlite3",
        "/review/..%2fportal.sqlite3/request.zip",
    ],
)
def test_path_traversal_reaches_no_file_outside_static(portal_home: PortalHome, path: str) -> None:
    with portal_home.client() as client:
        portal_home.sign_in(client, "member")
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (303, 403, 404), path
        assert b"SQLite format" not in response.content and b"def create_app" not in response.content


def test_member_written_text_is_escaped(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        portal_home.sign_in(client, "coordinator")
        page = client.get(f"/member/{OTHER_MEMBER}").text
        assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
