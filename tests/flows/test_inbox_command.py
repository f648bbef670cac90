"""`ecocluster inbox`: pick the verifiers' decisions up now and list the approvals inbox, through
the real CLI, warehouse and local store, with genuine, forged, early and hostile envelopes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster import signing
from ecocluster.core.home import Home
from ecocluster.flows import _handoff as handoff
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse.db import connect
from tests.cli import Run, run_cli
from tests.fixtures_tsa import stamp
from tests.signing import hostile
from tests.signing.rows import ready_member

TARGET, OTHER = "IT-CL-001", "IT-CL-002"
HOSTILE_REASON = "[bold]NC-3[/] open\x1b[2J\u202eevil"  # rich markup, a terminal escape, a bidi override


@dataclass(frozen=True)
class Inbox:
    home: Home
    ws: Workspace
    target: signing.Draft
    other: signing.Draft
    verifier: signing.KeyFiles

    def drop(self, name: str, **files: bytes) -> None:
        """Files arriving from outside, ``suffix=bytes`` (``dsse_json``, ``cert_pem``, ``validated_pdf``,
        ``tsr``); an envelope comes with the session TSA's token over its signature unless ``tsr`` is
        given."""
        if "dsse_json" in files and "tsr" not in files:
            files["tsr"] = stamp(files["dsse_json"])
        for suffix, data in files.items():
            path = Path(self.ws.store.location(f"{handoff.INBOX}{name}.{suffix.replace('_', '.')}"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def envelope(
        self,
        draft: signing.Draft,
        decision: str = "approved",
        reasons: tuple[str, ...] = (),
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> bytes:
        statement = hostile.genuine(draft, self.verifier.load_cert(), decision, reasons)
        return hostile.signed(statement, key or hostile.load_key(self.verifier.key, signing.DEMO_PASSWORD))

    @property
    def cert(self) -> bytes:
        return self.verifier.cert.read_bytes()

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with connect(self.home.warehouse_path, read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture
def inbox(home: Home) -> Inbox:
    ws = Workspace.of(home)
    verifier = signing.demo_verifier(home)
    with connect(home.warehouse_path) as con:
        drafts = [signing.draft_for(con, ready_member(con, ws.store, m)) for m in (TARGET, OTHER)]
    return Inbox(home, ws, drafts[0], drafts[1], verifier)


@pytest.fixture
def run(capsys, monkeypatch, inbox):
    def invoke(*args: str) -> Run:
        return run_cli(capsys, monkeypatch, inbox.home.root, "inbox", *args)

    return invoke


def _three_kinds(inbox: Inbox) -> None:
    """A genuine rejection with a hostile reason, a forgery, and an approval whose PDF is not there yet."""
    inbox.drop(
        "genuine", dsse_json=inbox.envelope(inbox.other, "rejected", (HOSTILE_REASON,)), cert_pem=inbox.cert
    )
    inbox.drop(
        "forged",
        dsse_json=inbox.envelope(inbox.target, key=ec.generate_private_key(ec.SECP256R1())),
        cert_pem=inbox.cert,
    )
    inbox.drop("early", dsse_json=inbox.envelope(inbox.target), cert_pem=inbox.cert)


def test_the_inbox_is_picked_up_now_and_listed_pending_accepted_and_refused(inbox: Inbox, run) -> None:
    _three_kinds(inbox)
    listed = run()
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "picked up 2 new decision(s): 1 accepted, 1 refused" in out
    assert f"ACCEPTED inbox/approvals/genuine.dsse.json: rejected by the verifier: member {OTHER}" in out
    assert "REFUSED  inbox/approvals/forged.dsse.json: rule signature" in out
    assert "approval refused, rule signature:" in out  # the reason under it
    assert "PENDING  inbox/approvals/early.dsse.json: not decided yet" in out
    assert "waits for inbox/approvals/early.validated.pdf" in out
    assert "3 envelope(s) in" in out and "1 pending, 1 accepted, 1 refused" in out
    # the verifier's words, escaped: markup shown as text, the escape and the override made visible
    assert "[bold]NC-3[/] open\\x1b[2J\\u202eevil" in out and "\x1b" not in out and "\u202e" not in out
    assert inbox.rows("SELECT member_id, decision FROM approval") == [(OTHER, "rejected")]  # recorded now
    assert [r[0] for r in inbox.rows("SELECT rule FROM approval_refusal")] == ["signature"]


def test_scripts_get_json_a_state_filter_and_exit_codes_when_they_ask(inbox: Inbox, run) -> None:
    _three_kinds(inbox)
    first = json.loads(run("--json").stdout)
    assert first["picked_up"] == {"accepted": 1, "refused": 1}
    assert first["counts"] == {"pending": 1, "accepted": 1, "refused": 1}
    by_key = {e["envelope_key"]: e for e in first["entries"]}
    assert by_key["inbox/approvals/forged.dsse.json"]["rule"] == "signature"
    assert by_key["inbox/approvals/genuine.dsse.json"]["reasons"] == [HOSTILE_REASON]
    assert by_key["inbox/approvals/genuine.dsse.json"]["decision"] == "rejected"
    again = run("--json")
    assert json.loads(again.stdout)["picked_up"] == {"accepted": 0, "refused": 0}  # handled once
    assert "\x1b" not in again.stdout and "\u202e" not in again.stdout  # ASCII JSON
    refused = run("--state", "refused")
    assert (
        "forged.dsse.json" in refused.stdout and "genuine" not in refused.stdout and refused.returncode == 0
    )
    assert run("--fail-on", "refused").returncode == 3
    assert run("--fail-on", "pending").returncode == 75
    assert run("--state", "accepted", "--fail-on", "pending").returncode == 0  # only what is listed counts
    assert run("--state", "everything").returncode == 2  # click's usage error


def test_list_only_picks_nothing_up(inbox: Inbox, run) -> None:
    inbox.drop("genuine", dsse_json=inbox.envelope(inbox.other, "rejected", ("NC-3",)), cert_pem=inbox.cert)
    listed = run("--list-only")
    assert listed.returncode == 0, listed.stderr
    assert "PENDING  inbox/approvals/genuine.dsse.json" in listed.stdout
    assert "not picked up yet" in listed.stdout and "picked up 0" not in listed.stdout
    assert inbox.rows("SELECT count(*) FROM approval") == [(0,)]
    assert "ACCEPTED inbox/approvals/genuine.dsse.json" in run().stdout


def test_a_refusal_for_a_half_uploaded_certificate_says_it_is_looked_at_again(inbox: Inbox, run) -> None:
    inbox.drop(
        "genuine",
        dsse_json=inbox.envelope(inbox.other, "rejected", ("NC-3",)),
        cert_pem=inbox.cert[: len(inbox.cert) // 2],
    )
    first = run()
    assert "rule certificate-malformed (looked at again when a file beside it changes)" in first.stdout
    inbox.drop("genuine", cert_pem=inbox.cert)  # the upload completes
    assert "ACCEPTED inbox/approvals/genuine.dsse.json" in run().stdout


def test_a_planted_processed_marker_is_shown_not_trusted(inbox: Inbox, run) -> None:
    """Markers are unsigned (docs/security.md): one that is not a decision record makes the inbox
    skip the envelope, and the listing says so instead of reporting a decision."""
    envelope = inbox.envelope(inbox.other, "rejected", ("NC-3",))
    inbox.drop("genuine", dsse_json=envelope, cert_pem=inbox.cert)
    sha = hashlib.sha256(envelope).hexdigest()
    marker = Path(inbox.ws.store.location(f"{handoff.PROCESSED}{sha}.json"))
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text('{"decision": "approved"}')
    listed = run()
    assert "PENDING  inbox/approvals/genuine.dsse.json" in listed.stdout
    assert "is not a decision record" in listed.stdout and "delete that marker" in listed.stdout


def test_without_a_home_or_a_ca_the_exit_is_78_and_help_is_there(tmp_path, capsys, monkeypatch) -> None:
    assert run_cli(capsys, monkeypatch, tmp_path / "nowhere", "inbox").returncode == 78
    helped = run_cli(capsys, monkeypatch, tmp_path / "nowhere", "inbox", "--help")
    assert helped.returncode == 0 and "pending" in helped.stdout and "--fail-on" in helped.stdout
    bare = Home.resolve(tmp_path / "bare")
    connect(bare.warehouse_path).close()
    no_ca = run_cli(capsys, monkeypatch, bare.root, "inbox")
    assert no_ca.returncode == 78 and "pki init" in no_ca.stderr, no_ca.stderr
    assert run_cli(capsys, monkeypatch, bare.root, "inbox", "--list-only").returncode == 0
