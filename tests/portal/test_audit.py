"""The audit log: every state-changing request leaves an entry, and any edit breaks the chain."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from ecocluster.core.home import Home
from ecocluster.flows.cli import app
from ecocluster.portal import AuditBroken, open_portal_db, record, verify_audit
from tests.portal.conftest import ACCOUNTS, CLUSTER, PortalHome


def _actions(home: Home) -> list[tuple[str, str, str, str]]:
    db = open_portal_db(home)
    return db.execute("SELECT who, role, action, outcome FROM audit ORDER BY seq").fetchall()


def test_sign_in_failure_upload_and_sign_out_are_recorded(portal_home: PortalHome) -> None:
    email = ACCOUNTS["member"][0]
    with portal_home.client() as client:
        page = client.get("/login")
        from tests.portal.conftest import csrf_of

        client.post(
            "/login", data={"csrf": csrf_of(page.text), "email": email, "password": "wrong password!!"}
        )
        csrf = portal_home.sign_in(client, "member")
        client.post(
            "/member/IT-H02/upload",
            data={"csrf": csrf},
            files={"file": ("a.json", b"{}", "application/json")},
        )
        client.post("/logout", data={"csrf": csrf})
    actions = _actions(portal_home.home)
    assert (f"claimed:{email}", "-", "session.sign_in", "refused") in actions
    assert (email, "member", "session.sign_in", "signed in") in actions
    assert any(
        a[2] == "member.upload" and a[3].startswith("refused") for a in actions
    )  # the denied attempt too
    assert (email, "member", "session.sign_out", "signed out") in actions
    assert verify_audit(open_portal_db(portal_home.home)) == len(actions)


def test_sqlite_refuses_update_and_delete(home: Home) -> None:
    db = open_portal_db(home)
    record(db, who="a", role="admin", action="x", obj="o", outcome="ok")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET outcome = 'changed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")


def _tamper(home: Home, sql: str) -> None:
    """What someone with the file can do: drop the guard, edit, put the guard back unchanged."""
    db = open_portal_db(home)
    db.executescript("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;" + sql)
    db.close()
    open_portal_db(home).close()  # recreates the triggers


@pytest.mark.usefixtures("con")  # the CLI refuses a home without a warehouse (a mistyped --home)
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE audit SET outcome = 'accepted' WHERE seq = 2;", "entry 2 .* does not match its hash"),
        ("DELETE FROM audit WHERE seq = 2;", "entry 2 is missing"),
        ("DELETE FROM audit WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4;", "entry 3 points to"),
    ],
)
def test_audit_verify_exits_non_zero_at_the_first_broken_link(home: Home, sql: str, message: str) -> None:
    db = open_portal_db(home)
    for i in range(4):
        record(
            db,
            who=f"user{i}",
            role="member",
            action="member.upload",
            obj=f"IT-H01/f{i}.json",
            outcome="rejected",
        )
    db.close()
    runner = CliRunner()
    ok = runner.invoke(app, ["--home", str(home.root), "audit", "verify"])
    assert ok.exit_code == 0 and "4 entries" in ok.output
    _tamper(home, sql)
    with pytest.raises(AuditBroken, match=message):
        verify_audit(open_portal_db(home))
    broken = runner.invoke(app, ["--home", str(home.root), "audit", "verify"])
    assert broken.exit_code != 0


@pytest.mark.usefixtures("con")
def test_user_commands_are_audited_and_set_a_working_password(home: Home) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "--home",
            str(home.root),
            "user",
            "add",
            "V@Acc.example",
            "--role",
            "verifier",
            "--scope",
            "IT-V-1",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert added.exit_code == 0, added.output
    assert "second factor" in added.output
    disabled = runner.invoke(app, ["--home", str(home.root), "user", "disable", "v@acc.example"])
    assert disabled.exit_code == 0
    assert [a[2] for a in _actions(home)] == ["user.add", "user.disable"]
    refused = runner.invoke(
        app, ["--home", str(home.root), "user", "add", "x@y.example", "--role", "root", "--scope", "IT"]
    )
    assert refused.exit_code != 0


def _seed_scoped(home: Home) -> None:
    """Entries about the builders' cluster, the other (Italian) cluster and a Latvian object."""
    db = open_portal_db(home)
    try:
        for i in range(3):
            record(
                db,
                who="coord",
                role="coordinator",
                action="stage.rerun",
                obj=f"IT-H0{i}/x",
                outcome="done",
                cluster_id=CLUSTER,
            )
        record(
            db,
            who="other",
            role="coordinator",
            action="stage.rerun",
            obj="IT-Z01/x",
            outcome="done",
            cluster_id="IT-OTHER",
        )
        record(
            db,
            who="lv",
            role="competent-body",
            action="body.refuse",
            obj="LV-1",
            outcome="done",
            country="LV",
        )
    finally:
        db.close()


def _objects(html: str) -> set[str]:
    return {o for o in ("IT-H00/x", "IT-H01/x", "IT-H02/x", "IT-Z01/x", "LV-1") if f">{o}<" in html}


def test_coordinators_and_competent_bodies_see_their_scope_admins_all(portal_home: PortalHome) -> None:
    _seed_scoped(portal_home.home)
    with portal_home.client() as client:
        portal_home.sign_in(client, "coordinator")
        assert _objects(client.get(f"/cluster/{CLUSTER}/audit").text) == {"IT-H00/x", "IT-H01/x", "IT-H02/x"}
        assert client.get("/cluster/IT-OTHER/audit").status_code == 403
        assert client.get("/audit").status_code == 403
        assert f'href="/cluster/{CLUSTER}/audit"' in client.get(f"/cluster/{CLUSTER}").text
        portal_home.sign_in(client, "competent-body")  # IT: both Italian clusters, not Latvia
        body = client.get("/body/IT/audit").text
        assert _objects(body) == {"IT-H00/x", "IT-H01/x", "IT-H02/x", "IT-Z01/x"}
        assert client.get("/body/LV/audit").status_code == 403
        portal_home.sign_in(client, "admin")
        assert len(_objects(client.get("/audit").text)) == 5
        assert _objects(client.get("/body/LV/audit").text) == {"LV-1"}
        portal_home.sign_in(client, "member")
        assert client.get(f"/cluster/{CLUSTER}/audit").status_code == 403


def test_a_scoped_audit_view_is_paginated_in_the_database(portal_home: PortalHome) -> None:
    db = open_portal_db(portal_home.home)
    for i in range(120):
        record(
            db,
            who="c",
            role="coordinator",
            action="stage.rerun",
            obj=f"n{i:03d}",
            outcome="done",
            cluster_id=CLUSTER,
        )
    record(
        db,
        who="c",
        role="coordinator",
        action="stage.rerun",
        obj="n-other",
        outcome="done",
        cluster_id="IT-OTHER",
    )
    db.close()
    with portal_home.client() as client:
        portal_home.sign_in(client, "coordinator")
        first, last = (
            client.get(f"/cluster/{CLUSTER}/audit").text,
            client.get(f"/cluster/{CLUSTER}/audit?page=2").text,
        )
    assert first.count(">n1") + first.count(">n0") == 50 and ">n119<" in first and "?page=1" in first
    assert last.count(">n0") == 20 and ">n000<" in last and "?page=3" not in last and "n-other" not in last


def test_the_scope_is_chained_and_an_old_portal_file_gains_it(home: Home) -> None:
    db = sqlite3.connect(home.root / "portal.sqlite3")  # the audit table as an earlier portal made it
    db.execute(
        "CREATE TABLE audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL,"
        " role TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, outcome TEXT NOT NULL,"
        " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
    )
    db.close()
    db = open_portal_db(home)
    record(db, who="a", role="admin", action="x", obj="unscoped", outcome="ok")
    record(db, who="c", role="coordinator", action="x", obj="scoped", outcome="ok", cluster_id=CLUSTER)
    assert verify_audit(db) == 2
    db.close()
    _tamper(home, f"UPDATE audit SET cluster_id = 'IT-OTHER' WHERE cluster_id = '{CLUSTER}';")
    with pytest.raises(AuditBroken, match=r"entry 2 .* does not match its hash"):
        verify_audit(open_portal_db(home))
