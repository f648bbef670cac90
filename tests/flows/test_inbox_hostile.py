"""A hostile approvals inbox through the real approvals stage, warehouse and local store.

Every hostile envelope (tests/signing/hostile.py) lies in the inbox beside a genuine rejection
for another member: the stage completes, refuses the hostile one with its named rule (recorded in
``approval_refusal`` and in the processed markers), records the genuine one, and changes nothing
else. Then the inbox's own rules: size limits checked before reading, retries only when a file
beside the envelope changes, and a hypothesis property over arbitrary envelopes.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecocluster import signing
from ecocluster.core.config import InboxConfig
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.flows import _handoff as handoff
from ecocluster.flows._outcome import StageOutcome
from ecocluster.flows._stages import Batch, approvals
from ecocluster.flows._workspace import Workspace
from ecocluster.warehouse.db import connect
from ecocluster.warehouse.due import Due, DueMember
from tests.fixtures_tsa import stamp
from tests.signing import hostile
from tests.signing.rows import ready_member

TARGET, OTHER = "IT-CL-001", "IT-CL-002"  # the hostile envelopes name TARGET; OTHER's rejection is genuine
BATCH = Batch(2025, tuple(DueMember(m, "cerreto", Due.UPDATE, "due") for m in (TARGET, OTHER)))


@dataclass(frozen=True)
class Inbox:
    ws: Workspace
    target: signing.Draft
    other: signing.Draft
    verifier: signing.KeyFiles

    @property
    def key(self) -> ec.EllipticCurvePrivateKey:
        return hostile.load_key(self.verifier.key, signing.DEMO_PASSWORD)

    @property
    def cert_pem(self) -> bytes:
        return self.verifier.cert.read_bytes()

    def drop(self, name: str, **files: bytes) -> None:
        """Files arriving from outside, ``suffix=bytes`` (``dsse_json``, ``cert_pem``, ``validated_pdf``,
        ``tsr``); an envelope comes with the session TSA's token over its signature unless ``tsr`` is given,
        as a verifier's upload does, so each case is judged by the rule it is about."""
        if "dsse_json" in files and "tsr" not in files:
            files["tsr"] = stamp(files["dsse_json"])
        for suffix, data in files.items():
            path = Path(self.ws.store.location(f"{handoff.INBOX}{name}.{suffix.replace('_', '.')}"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)  # an upload may replace an earlier file of the same name

    def rejection(self, reason: str = "open major nonconformity NC-3") -> bytes:
        statement = hostile.genuine(self.other, self.verifier.load_cert(), "rejected", (reason,))
        return hostile.signed(statement, self.key)

    def run(self) -> StageOutcome:
        return approvals(self.ws, BATCH)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with self.ws.warehouse(read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture
def inbox(home: Home) -> Inbox:
    ws = Workspace.of(home)
    verifier = signing.demo_verifier(home)
    with connect(home.warehouse_path) as con:
        drafts = [signing.draft_for(con, ready_member(con, ws.store, m)) for m in (TARGET, OTHER)]
    return Inbox(ws, drafts[0], drafts[1], verifier)


def _genuine_rejection_went_through(inbox: Inbox, outcome: StageOutcome) -> None:
    assert [b.member_id for b in outcome.blocked] == [
        OTHER
    ]  # the verifier's rejection reached the coordinator
    assert inbox.rows("SELECT member_id, decision FROM approval") == [(OTHER, "rejected")]
    assert inbox.rows(f"SELECT status FROM statement WHERE member_id = '{OTHER}'") == [("rejected",)]


@pytest.mark.parametrize("case", hostile.CASES, ids=lambda c: c.name)
def test_a_hostile_envelope_is_refused_by_its_rule_and_the_others_go_on(
    inbox: Inbox, case: hostile.Case
) -> None:
    inbox.drop(
        "bad",
        dsse_json=case.build(hostile.genuine(inbox.target, inbox.verifier.load_cert()), inbox.key),
        cert_pem=inbox.cert_pem,
    )
    inbox.drop("good", dsse_json=inbox.rejection(), cert_pem=inbox.cert_pem)
    outcome = inbox.run()
    refused = [n for n in outcome.notes if "bad.dsse.json refused" in n]
    assert len(refused) == 1 and f"rule {case.rule}:" in refused[0], outcome.notes
    assert [r[0] for r in inbox.rows("SELECT rule FROM approval_refusal")] == [case.rule]
    _genuine_rejection_went_through(inbox, outcome)
    assert inbox.rows(f"SELECT status FROM statement WHERE member_id = '{TARGET}'") == [("draft",)]
    assert not inbox.run().notes  # handled once: the next run neither fails nor repeats it
    assert sorted(d.decision for d in handoff.decisions(inbox.ws.store)) == ["refused", "rejected"]


def test_finding_1_an_unsigned_envelope_with_a_string_member_does_not_stop_the_stage(inbox: Inbox) -> None:
    """The review's exact reproduction: no key needed, a string ``predicate.member`` and any cert.pem."""
    statement = hostile.genuine(inbox.target, inbox.verifier.load_cert())
    statement["predicate"]["member"] = "IT-CL-001"
    poison = {
        "payload": hostile.b64(json.dumps(statement).encode()),
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [],
    }
    inbox.drop("x", dsse_json=json.dumps(poison).encode(), cert_pem=b"-----BEGIN CERTIFICATE-----\nAAAA\n")
    inbox.drop("good", dsse_json=inbox.rejection(), cert_pem=inbox.cert_pem)
    for _ in range(2):  # and on every later run
        outcome = inbox.run()
    _genuine_rejection_went_through(inbox, outcome)
    assert inbox.rows("SELECT member_id, rule FROM approval_refusal") == [(None, "envelope-malformed")]
    assert [d.rule for d in handoff.decisions(inbox.ws.store) if d.decision == "refused"] == [
        "envelope-malformed"
    ]


def test_a_malformed_certificate_is_refused_and_retried_when_it_is_replaced(inbox: Inbox) -> None:
    inbox.drop("good", dsse_json=inbox.rejection(), cert_pem=inbox.cert_pem[: len(inbox.cert_pem) // 2])
    first = inbox.run()
    assert any("rule certificate-malformed" in n for n in first.notes)
    assert inbox.rows("SELECT count(*) FROM approval") == [(0,)]
    assert not inbox.run().notes  # the same half-written file: not looked at again
    inbox.drop("good", cert_pem=inbox.cert_pem)  # the upload completes
    _genuine_rejection_went_through(inbox, inbox.run())
    assert inbox.rows("SELECT count(*) FROM approval_refusal") == [(0,)]  # no refusal stands for it


def test_a_wrong_certificate_planted_first_does_not_refuse_the_decision_for_good(
    inbox: Inbox, home: Home
) -> None:
    other = signing.issue_verifier(
        home,
        name="DEMO Hotel Verifier",
        accreditation_no="DEMO-V-0055",
        nace=("55",),
        ca_password=signing.DEMO_PASSWORD,
        key_password=signing.DEMO_PASSWORD,
    )
    inbox.drop("good", dsse_json=inbox.rejection(), cert_pem=other.cert.read_bytes())
    assert any("rule signature" in n for n in inbox.run().notes)
    inbox.drop("good", cert_pem=inbox.cert_pem)
    _genuine_rejection_went_through(inbox, inbox.run())


def test_a_deliberate_refusal_stays_when_the_files_beside_it_change(inbox: Inbox, home: Home) -> None:
    """Refused for what it says (another cycle): replacing its certificate does not reopen it."""
    last_year = signing.Draft(**{**inbox.other.__dict__, "reporting_year": 2024})
    envelope = hostile.signed(
        hostile.genuine(last_year, inbox.verifier.load_cert(), "rejected", ("late",)), inbox.key
    )
    inbox.drop("old", dsse_json=envelope, cert_pem=inbox.cert_pem)
    assert any("rule cycle" in n for n in inbox.run().notes)
    before = inbox.rows("SELECT * FROM approval_refusal")
    inbox.drop("old", cert_pem=inbox.cert_pem + b"\n")  # a changed file beside it
    assert not inbox.run().notes
    assert inbox.rows("SELECT * FROM approval_refusal") == before
    assert [d.rule for d in handoff.decisions(inbox.ws.store)] == ["cycle"]


def test_an_envelope_over_the_limit_is_refused_without_being_read(inbox: Inbox) -> None:
    (inbox.ws.home.config_path).write_text("[inbox]\nmax_envelope_kb = 8\nmax_certificate_kb = 4\n")
    huge = inbox.rejection()[:-1] + b" " * (9 * 1024) + b"}"  # valid JSON, over the limit
    inbox.drop("huge", dsse_json=huge, cert_pem=inbox.cert_pem)
    inbox.drop("good", dsse_json=inbox.rejection("another reason"), cert_pem=inbox.cert_pem)
    read: list[str] = []
    store = inbox.ws.store

    class Reads(LocalStore):  # the real local store, recording which keys were read whole
        def get(self, key: str, **pin: str | None) -> bytes:
            read.append(key)
            return store.get(key, **pin)

    outcome = approvals(Workspace(inbox.ws.home, Reads(inbox.ws.home.objects_dir)), BATCH)
    assert any("huge.dsse.json refused" in n and "rule envelope-too-large" in n for n in outcome.notes)
    assert f"{handoff.INBOX}huge.dsse.json" not in read
    assert read.count(f"{handoff.INBOX}good.dsse.json") == 1  # and the others are read once
    _genuine_rejection_went_through(inbox, outcome)
    assert [r[0] for r in inbox.rows("SELECT rule FROM approval_refusal")] == ["envelope-too-large"]


def test_a_companion_over_the_limit_is_refused_then_retried_once_replaced(inbox: Inbox) -> None:
    (inbox.ws.home.config_path).write_text("[inbox]\nmax_certificate_kb = 4\n")
    inbox.drop("good", dsse_json=inbox.rejection(), cert_pem=inbox.cert_pem + b"#" * 5000)
    assert any("rule companion-too-large" in n for n in inbox.run().notes)
    inbox.drop("good", cert_pem=inbox.cert_pem)
    _genuine_rejection_went_through(inbox, inbox.run())


def test_the_inbox_limits_are_validated() -> None:
    assert signing.InboxLimits.from_config(InboxConfig(max_pdf_mb=2)).pdf_bytes == 2 * 1024 * 1024
    for bad in ({"max_envelope_kb": 0}, {"max_pdf_mb": "10"}, {"max_certificate_kb": 1.5}):
        with pytest.raises(ConfigurationError, match=r"\[inbox\]"):
            InboxConfig.parse(bad)


def _poll(ws: Workspace) -> list[handoff.Decision]:
    """The approvals inbox as the stage polls it, for a member outside the stage's batch fixture."""
    trust = signing.trust_anchors(ws.home)
    with ws.warehouse() as con:

        def accept(arrival: signing.Arrival) -> handoff.Decision:
            verified = signing.receive_decision(con, ws.store, trust, arrival)
            return handoff.Decision(
                arrival.envelope.key,
                verified.member_id,
                verified.statement_id,
                verified.decision,
                verified.reasons,
            )

        return handoff.poll_inbox(ws.store, accept)


# -- property: arbitrary envelopes beside a genuine one, through the inbox --------------------------

_names = itertools.count()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_property_the_inbox_accepts_or_refuses_by_name_and_the_genuine_one_goes_through(
    inbox: Inbox, data
) -> None:
    n = next(_names)
    statement = hostile.genuine(inbox.target, inbox.verifier.load_cert())
    envelopes = data.draw(st.lists(hostile.envelopes(statement, inbox.key), min_size=1, max_size=3))
    for i, envelope in enumerate(envelopes):
        inbox.drop(f"x{n}-{i}", dsse_json=envelope, cert_pem=inbox.cert_pem)
    inbox.drop(f"good{n}", dsse_json=inbox.rejection(f"reason {n}"), cert_pem=inbox.cert_pem)
    outcomes = {d.envelope_key.rsplit("/", 1)[-1]: d for d in _poll(inbox.ws)}
    assert outcomes.pop(f"good{n}.dsse.json").decision == "rejected"
    for d in outcomes.values():
        assert d.decision in ("approved", "rejected", "refused", "incomplete"), d
        assert d.decision != "refused" or d.rule in signing.RULES, d


# -- finding 14: a half-uploaded or planted PDF does not refuse an approval for good -----------------


def test_finding_14_an_approval_refused_for_a_half_uploaded_pdf_is_accepted_once_the_pdf_is_whole(
    home: Home,
) -> None:
    from tests.signing.rows import drafted_member

    ws = Workspace.of(home)
    verifier = signing.demo_verifier(home)
    with connect(home.warehouse_path) as con:
        sid = drafted_member(con, home)
        signed = signing.sign_decision(
            con, ws.store, sid, verifier, signing.DEMO_PASSWORD, trust=signing.trust_anchors(home)
        )
    assert signed.signed_pdf is not None
    files = Inbox(
        ws,
        signing.Draft("", "", "", "", "", 0, "", ""),
        signing.Draft("", "", "", "", "", 0, "", ""),
        verifier,
    )
    files.drop(
        "hot",
        dsse_json=signed.envelope,
        cert_pem=signed.cert_pem,
        tsr=signed.timestamp,
        validated_pdf=signed.signed_pdf[: len(signed.signed_pdf) // 2],
    )  # the upload broke off
    assert [(d.decision, d.rule) for d in _poll(ws)] == [("refused", "validated-pdf")]
    assert _poll(ws) == []  # the same half file is not looked at again
    files.drop("hot", validated_pdf=signed.signed_pdf + b"\n% planted\n")  # a wrong PDF planted instead
    assert [(d.decision, d.rule) for d in _poll(ws)] == [("refused", "validated-pdf")]
    files.drop("hot", validated_pdf=signed.signed_pdf)  # the verifier's upload completes
    assert [d.decision for d in _poll(ws)] == ["approved"]
    assert files.rows("SELECT decision FROM approval") == [("approved",)]
    assert files.rows("SELECT count(*) FROM approval_refusal") == [(0,)]
    assert files.rows(f"SELECT max(status) FROM statement WHERE statement_id = '{sid}'") == [("validated",)]
    assert _poll(ws) == []


def test_a_storage_outage_while_validating_is_retried_not_refused(inbox: Inbox) -> None:
    """Failure injection (a real store cannot fail on demand): the draft cannot be read back."""
    from ecocluster.core.errors import StorageUnavailable

    store = inbox.ws.store

    class Down(LocalStore):
        def get(self, key: str, **pin: str | None) -> bytes:
            if key.startswith("statements/"):
                raise StorageUnavailable("cannot reach the S3 server")
            return store.get(key, **pin)

    approval = hostile.signed(hostile.genuine(inbox.target, inbox.verifier.load_cert()), inbox.key)
    inbox.drop("t", dsse_json=approval, cert_pem=inbox.cert_pem, validated_pdf=b"%PDF-1.7 signed render")
    with pytest.raises(StorageUnavailable):
        approvals(Workspace(inbox.ws.home, Down(inbox.ws.home.objects_dir)), BATCH)
    assert inbox.rows("SELECT count(*) FROM approval_refusal") == [(0,)]
    assert handoff.decisions(store) == []
    outcome = inbox.run()  # storage is back: now judged on its merits (this PDF is not the render)
    assert any("t.dsse.json refused" in n and "rule validated-pdf" in n for n in outcome.notes)
