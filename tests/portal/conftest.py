"""A small real home for the portal: the builders' roster and one accepted submission, plus accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyotp
import pytest
from starlette.testclient import TestClient

from ecocluster import signing, statements
from ecocluster.core.store import LocalStore
from ecocluster.portal import add_user, create_app, open_portal_db
from ecocluster.warehouse import Home, connect, ingest_paths
from tests.signing.rows import add_check, add_draft
from tests.warehouse.builders import ROSTER, roster, submission, write_json

PASSWORD = "correct horse battery staple"
MEMBER, OTHER_MEMBER, CLUSTER = "IT-H01", "IT-H02", "IT-TEST"
FOREIGN_MEMBER = "IT-Z01"  # in another cluster (IT-OTHER): no account here may touch it but the admin
# One account per role, scoped to the builders' cluster; the admin has a TOTP secret.
ACCOUNTS = {
    "member": ("member@h01.example", MEMBER),
    "coordinator": ("coord@test.example", CLUSTER),
    "verifier": ("verifier@acc.example", "IT-V-0001"),
    "competent-body": ("cb@ispra.example", "IT"),
    "admin": ("admin@ecocluster.example", "*"),
}


@dataclass
class PortalHome:
    home: Home
    secrets: dict[str, str | None]
    statements: dict[
        str, str
    ]  # member id -> its submitted stand-in draft (IT-H01 in the cluster, IT-Z01 outside)

    def client(self, *, secure: bool = False) -> TestClient:
        """A browser-like client; ``secure`` is the deployment behind a TLS reverse proxy (https)."""
        return TestClient(
            create_app(self.home, secure_cookies=secure),
            base_url="https://testserver" if secure else "http://testserver",
        )

    def sign_in(self, client: TestClient, role: str) -> str:
        """Sign in as the role's account; returns the session's CSRF token."""
        email, _ = ACCOUNTS[role]
        page = client.get("/login")
        secret = self.secrets[role]
        response = client.post(
            "/login",
            data={
                "csrf": csrf_of(page.text),
                "email": email,
                "password": PASSWORD,
                "code": pyotp.TOTP(secret).now() if secret else "",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return csrf_of(client.get("/register").text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def build_home(root: Path) -> PortalHome:
    home = Home.resolve(root / "home")
    files = root / "files"
    files.mkdir()
    doc = roster()
    doc["members"][1]["legal_name"] = (
        "<script>alert('x')</script> Albergo"  # member-written text, rendered back
    )
    other = roster()
    other["cluster"]["cluster_id"], other["cluster"]["name"] = "IT-OTHER", "Other cluster"
    other["members"] = other["members"][:1]
    other["members"][0].update(member_id=FOREIGN_MEMBER, legal_name="Foreign Srl", sites=[])
    con = connect(home.warehouse_path)
    try:
        report = ingest_paths(
            con,
            LocalStore(home.objects_dir),
            [
                write_json(files / "cluster.json", doc),
                write_json(files / "other.json", other),
                write_json(files / "h01.json", submission()),
            ],
        )
        assert report.ok, report.rejected
    finally:
        con.close()
    con = connect(home.warehouse_path)
    try:
        sent = _sent_to_verification(con, LocalStore(home.objects_dir))
    finally:
        con.close()
    db = open_portal_db(home)
    secrets = {
        role: add_user(
            db,
            email,
            role,
            scope,
            password=PASSWORD,
            language="it" if role == "member" else "en",
            clusters=[CLUSTER] if role == "verifier" else [],
        )
        for role, (email, scope) in ACCOUNTS.items()
    }
    db.close()
    assert ROSTER["cluster"]["cluster_id"] == CLUSTER
    return PortalHome(home, secrets, sent)


BLOCKING_RULE = "compliance.permit_valid"


def _sent_to_verification(con: duckdb.DuckDBPyConnection, store: LocalStore) -> dict[str, str]:
    """Check results (IT-H02 blocked) and a submitted stand-in draft of IT-H01 and of the foreign IT-Z01.

    Stand-ins (signing tests' rows): the desks list, link and hand them out, and never look inside."""
    add_check(con, MEMBER)
    add_check(con, OTHER_MEMBER, blocking=(BLOCKING_RULE,))
    sent = {}
    for member, cluster in ((MEMBER, CLUSTER), (FOREIGN_MEMBER, "IT-OTHER")):
        sid = add_draft(con, store, member, cluster=cluster)
        store.put(f"statements/{sid}.html", f"<h1>{member}</h1>".encode())
        statements.submit(con, sid)
        sent[member] = sid
    return sent


ANSWER_TEXT = "<script>alert('answer')</script> the meter readings are attached"


def raise_findings(portal_home: PortalHome) -> dict[str, str]:
    """A request for information on IT-H01's and on the foreign IT-Z01's statement (owner: the
    member), as the verifier raises them; member id -> finding id."""
    con = connect(portal_home.home.warehouse_path)
    try:
        return {
            member: signing.raise_finding(
                con,
                sid,
                "request-for-information",
                f"Send the water meter readings of {member}",
                by="verifier@acc.example (IT-V-0001)",
            ).finding_id
            for member, sid in portal_home.statements.items()
        }
    finally:
        con.close()


def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, at the lowest cost: the production cost (~1 s a hash on this shared
    machine) would make the throttling tests take minutes. Parameters only, same code path."""
    from argon2 import PasswordHasher

    from ecocluster.portal import _accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(_accounts, "_HASHER", cheap)
    monkeypatch.setattr(_accounts, "_DUMMY_HASH", cheap.hash("not a password anyone has"))


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hasher(monkeypatch)


@pytest.fixture
def portal_home(cheap_argon2: None, tmp_path: Path) -> PortalHome:
    return build_home(tmp_path)


@pytest.fixture
def client(portal_home: PortalHome) -> Iterator[TestClient]:
    with portal_home.client() as c:
        yield c
