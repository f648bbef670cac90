"""The audit log: every state-changing request leaves an entry, and any edit breaks the chain."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from ecocluster.core.home import Home
from ecocluster.flows.cli import app
from ecocluster.portal import AuditBroken, open_portal_db, record, verify_audit
from tests.portal.conftest import ACCOUNTS, PortalHome


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
