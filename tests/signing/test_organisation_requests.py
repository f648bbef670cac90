"""Suspension or deletion asked for by the registered organisation itself (issue 18, EMAS Art. 15 as
the issue cites it): the request is signed with a certificate the competent body registered for the
organisation (here the coordinator's seal), delivered into the body's inbox, taken in by intake with
a signed receipt and a register change in the monthly feed, and refused by a named rule otherwise.

Genuine packages (test_package_attacks' world), a real body key, a real file signer over a real key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest

from ecocluster import signing
from ecocluster.signing import _feed, _intake, _org_request, _pki, _profiles
from ecocluster.signing._dsse import Envelope, canonical_json
from ecocluster.signing._offline import Check, Outcome
from ecocluster.signing._profiles import RequestType
from ecocluster.signing.signers._file import from_key
from tests.golden import assert_golden
from tests.signing import test_package_attacks, test_registration_requests
from tests.signing.test_package_attacks import CB

world = test_package_attacks.world
body = test_registration_requests.body
DAY = test_registration_requests.DAY
SUSPEND, DELETE = RequestType.SUSPENSION, RequestType.DELETION


@pytest.fixture(scope="module")
def seal() -> tuple[_pki.PrivateKey, object]:
    """The coordinator's seal: its own key and certificate, nothing to do with the verifier's."""
    valid_from = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # before the body's fake clock (DAY)
    return _pki.create_ca("Consorzio Turistico Appennino (coordinator seal)", now=valid_from)


def _request(kind=SUSPEND, *, member="IT-HOT-2", number="IT-000001", on=DAY, country="IT", reason="x"):
    return signing.OrganisationRequest(kind, country, member, number, "CL", reason or "closing", on)


def _signed(seal, request: signing.OrganisationRequest) -> bytes:
    key, cert = seal
    return signing.sign_organisation_request(request, from_key(key, cert, (), "test seal"))


@pytest.fixture
def registered(world, con, body, home, seal):
    """IT-HOT-2 registered as IT-000001 on DAY; the body registered the coordinator's seal for it."""
    home.config_path.write_text("[register.IT.waiting.first-registration]\ndays = 0\n", encoding="utf-8")
    [first] = body(con, world, {"first": world.packages["IT-HOT-2"]}, DAY)
    assert (first.outcome, first.registration_no) == ("registered", "IT-000001")
    signing.register_requester(con, "IT", "IT-HOT-2", seal[1], DAY)

    def deliver(data: bytes, today: dt.date, name: str = "hot-2") -> list[signing.Receipt]:
        body.store.put(f"competent-body/IT/inbox/CL/{name}{signing.REQUEST_SUFFIX}", data)
        return signing.intake(home, con, body.store, world.trust, "IT", CB, today=today)

    return deliver


def _status(con) -> tuple[str, str]:
    row = con.execute(
        "SELECT registration_no, status FROM body_register WHERE member_id = 'IT-HOT-2'"
    ).fetchone()
    return row[0], row[1]


def test_the_organisation_suspends_then_deletes_its_registration(con, body, registered, seal) -> None:
    day = DAY + dt.timedelta(days=3)
    [suspended] = registered(_signed(seal, _request(on=day, reason="seasonal closure")), day)
    assert (suspended.outcome, suspended.registration_no, suspended.request_type, suspended.rule) == (
        "suspended",
        "IT-000001",
        "suspension",
        None,
    )
    assert suspended.member_id == "IT-HOT-2" and suspended.receipt_key.startswith("clusters/CL/receipts/")
    predicate = Envelope.from_json(body.store.get(suspended.receipt_key)).statement()["predicate"]
    assert (predicate["outcome"], predicate["message"]) == ("suspended", "suspended as IT-000001")
    checks = {c["name"]: c for c in predicate["checks"]}
    assert checks["requester"]["outcome"] == "PASS" and "coordinator seal" in checks["requester"]["detail"]
    assert "seasonal closure" in checks["request-entry"]["detail"]
    assert _status(con) == ("IT-000001", "suspended")

    later = day + dt.timedelta(days=10)
    bye = _signed(seal, _request(DELETE, on=later))
    [deleted] = registered(bye, later, name="hot-2-bye")
    assert (deleted.outcome, deleted.request_type) == ("deleted", "deletion")
    assert _status(con) == ("IT-000001", "deleted")
    feed = json.loads(_feed.month_file(con, "IT", DAY.strftime("%Y-%m")))
    assert [(c["action"], c["status"]) for c in feed["changes"]] == [
        ("registered", "active"),
        ("suspended", "suspended"),
        ("deleted", "deleted"),
    ]
    assert signing.replay_register([_feed.month_file(con, "IT", DAY.strftime("%Y-%m"))]) == _feed.register(
        con, "IT"
    )
    # the same request delivered again is not taken in twice
    assert registered(bye, later, name="hot-2-bye") == []


def _tampered(seal) -> bytes:
    envelope = json.loads(_signed(seal, _request()))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["request"] = "deletion"  # the organisation asked for a suspension
    envelope["payload"] = base64.b64encode(canonical_json(statement)).decode()
    return json.dumps(envelope).encode()


REFUSED = {
    "another key": (lambda seal: _signed(_pki.create_ca("Someone Else"), _request()), "requester"),
    "edited after signing": (_tampered, "requester"),
    "another body's": (lambda seal: _signed(seal, _request(country="LV")), "request-country"),
    "another number": (lambda seal: _signed(seal, _request(number="IT-000002")), "request-entry"),
    "an unknown organisation": (lambda seal: _signed(seal, _request(member="IT-HOT-9")), "request-entry"),
    "dated tomorrow": (lambda seal: _signed(seal, _request(on=DAY + dt.timedelta(days=1))), "request-date"),
    "made before the registration": (
        lambda seal: _signed(seal, _request(on=DAY - dt.timedelta(days=1))),
        "request-date",
    ),
    "not a request": (
        lambda seal: b'{"payloadType": "x", "payload": "", "signatures": []}',
        "request-envelope",
    ),
    "oversized": (lambda seal: b" " * (_org_request.MAX_REQUEST_BYTES + 1), "request-envelope"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_request_not_made_by_the_entitled_party_or_not_for_this_entry_is_refused(
    con, registered, seal, case
) -> None:
    make, rule = REFUSED[case]
    [refused] = registered(make(seal), DAY)
    assert (refused.outcome, refused.rule, refused.member_id, refused.registration_no) == (
        "refused",
        rule,
        None,
        None,
    )
    assert refused.receipt_key.startswith("competent-body/IT/receipts/")
    assert _status(con) == ("IT-000001", "active")


def test_a_suspended_entry_is_not_suspended_twice(con, registered, seal) -> None:
    [first] = registered(_signed(seal, _request()), DAY)
    [again] = registered(_signed(seal, _request(reason="again")), DAY, name="again")
    assert (first.outcome, again.outcome, again.rule) == ("suspended", "refused", "request-state")


def test_the_cli_registers_the_requester_signs_the_request_and_intake_takes_it_in(
    world, con, body, home, seal, tmp_path: Path
) -> None:
    test_package_attacks._body_home(world, home)
    with home.config_path.open("a", encoding="utf-8") as config:
        config.write("[register.IT.waiting.first-registration]\ndays = 0\n")
    today = dt.date.today()
    body(con, world, {"first": world.packages["IT-HOT-2"]}, today)
    con.close()
    key, cert = seal
    (tmp_path / "seal.pem").write_bytes(_pki.pem(cert))
    (tmp_path / "seal.key").write_bytes(_pki.encrypt_key(key, b"seal-password"))
    cli = test_package_attacks.cli
    added = cli(
        home,
        "register",
        "requester",
        "--country",
        "IT",
        "--member",
        "IT-HOT-2",
        "--cert",
        str(tmp_path / "seal.pem"),
    )
    assert added.exit_code == 0 and "may ask for IT-HOT-2's suspension or deletion" in added.output, (
        added.output
    )
    out = tmp_path / "hot-2.request.dsse.json"
    uri = signing.signers.file_uri(tmp_path / "seal.key", tmp_path / "seal.pem")
    from typer.testing import CliRunner

    from ecocluster.flows.cli import app

    signed = CliRunner().invoke(
        app,
        [
            "--home",
            str(home.root),
            "register",
            "request",
            "--country",
            "IT",
            "--member",
            "IT-HOT-2",
            "--registration-no",
            "IT-000001",
            "--type",
            "suspension",
            "--reason",
            "sold",
            "--signer",
            uri,
            "--out",
            str(out),
            "--cluster",
            "CL",
        ],
        env={"ECOCLUSTER_KEY_PASSWORD": "seal-password"},
    )
    assert signed.exit_code == 0 and out.is_file(), signed.output
    body.store.put(f"competent-body/IT/inbox/CL/{out.name}", out.read_bytes())
    taken = cli(home, "intake", "--country", "IT")
    assert taken.exit_code == 0 and "suspended: IT-HOT-2" in taken.output, taken.output
    wrong = cli(
        home,
        "register",
        "request",
        "--country",
        "IT",
        "--member",
        "M",
        "--registration-no",
        "IT-000001",
        "--type",
        "pause",
        "--reason",
        "r",
        "--signer",
        uri,
        "--out",
        str(tmp_path / "x.request.dsse.json"),
    )
    assert wrong.exit_code == 2


def test_the_receipt_of_a_requested_suspension_matches_the_golden_file() -> None:
    rules = _profiles.profile("IT")
    day = dt.date(2026, 3, 2)
    facts = _intake.ReceiptFacts(
        package_key=f"competent-body/IT/inbox/CL-1/M-1{signing.REQUEST_SUFFIX}",
        package_sha256="cd" * 32,
        competent_body="CN=EMAS competent body IT",
        profile=rules,
        member_id="IT-M-1",
        outcome="suspended",
        registration_no="IT-000001",
        rule=None,
        retriable=False,
        date=day,
        attempt=1,
        checks=(
            Check("request-type", Outcome.PASS, "suspension asked by the organisation"),
            Check("requester", Outcome.PASS, "signed by CN=Coordinator seal, registered for IT-M-1"),
            Check("request-entry", Outcome.PASS, "IT-000001 is active; reason: seasonal closure"),
        ),
        request_type=SUSPEND,
        received_on=day,
        waiting_until=None,
    )
    assert_golden("receipts/IT-suspended-on-request.json", canonical_json(_intake.receipt_statement(facts)))
