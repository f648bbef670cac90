"""Withdrawing an accreditation statement before its validUntil (issue 16): the accreditation body
lists the statement's serial on its CRL (`ecocluster pki withdraw`), and readers judge it like a
revocation at the attested time: a decision attested before the withdrawal took effect stays valid,
one attested after is refused by rule ``accreditation``. Only the body's own current CRL counts."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from ecocluster.core.errors import ApprovalRuleFailed, ConfigurationError, EcoclusterError
from ecocluster.signing import _accreditation, _dsse, _keys, _pki
from ecocluster.signing._approval import sign_approval
from ecocluster.signing._verify import TrustAnchors, verify_approval
from tests.fixtures_tsa import stamp
from tests.signing.test_accreditation import Qtsp, accredit, qtsp_ca, qtsp_verifier, refused, with_qtsp
from tests.signing.test_approval_rules import CONTEXT, DRAFT

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def qtsp() -> Qtsp:
    return qtsp_ca()


def body_crl(pki, entries: list[_pki.Revocation], *, now: dt.datetime = NOW, key=None, ca=None):
    """The accreditation body's CRL issued at ``now`` with ``entries`` (by another CA when given)."""
    return _pki.build_crl(key or pki.ca_key, ca or pki.ca_cert, entries, now=now)


def trust_with(pki, qtsp: Qtsp, *crls) -> TrustAnchors:
    """The reader's trust: the body's CA with ``crls`` in place of its own CRL, the QTSP, the TSA."""
    base = with_qtsp(pki.trust(), qtsp)
    theirs = tuple(c for c in base.crls if c.issuer != pki.ca_cert.subject)
    return dataclasses.replace(base, crls=(*theirs, *crls))


def approval(pki, qtsp: Qtsp) -> tuple[bytes, object, _accreditation.Accreditation]:
    key, cert = qtsp_verifier(qtsp)
    statement = accredit(pki, cert)
    return sign_approval(DRAFT, key, cert, accreditation=statement), cert, _accreditation.parse(statement)


def verify(envelope: bytes, cert, trust: TrustAnchors, now: dt.datetime = NOW):
    return verify_approval(envelope, cert, trust, CONTEXT, timestamp=stamp(envelope), now=now)


@pytest.mark.parametrize("reason", ["cessation-of-operation", "affiliation-changed", "superseded"])
def test_a_decision_attested_after_the_withdrawal_took_effect_is_refused(pki, qtsp, reason) -> None:
    envelope, cert, statement = approval(pki, qtsp)
    withdrawn = _pki.Revocation(statement.serial, NOW, reason, NOW - dt.timedelta(hours=1))
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify(envelope, cert, trust_with(pki, qtsp, body_crl(pki, [withdrawn])))
    assert caught.value.rule == "accreditation"
    assert "DE-V-0042" in caught.value.detail and "withdrawn" in caught.value.detail
    assert reason in caught.value.detail


def test_a_decision_attested_before_the_withdrawal_stays_valid_years_later(pki, qtsp) -> None:
    envelope, cert, statement = approval(pki, qtsp)
    later = NOW + dt.timedelta(days=40)  # the verifier retired a month after signing
    withdrawn = _pki.Revocation(statement.serial, later, "cessation-of-operation")
    crl = body_crl(pki, [withdrawn], now=later + dt.timedelta(days=1))
    qtsp_now = dataclasses.replace(qtsp, crl=_pki.build_crl(qtsp.key, qtsp.ca, [], now=later))
    trust = pki.with_tsa(trust_with(pki, qtsp_now, crl), now=later)
    verified = verify(envelope, cert, trust, now=later + dt.timedelta(days=2))
    assert verified.decision == "approved" and verified.verifier.accreditation_no == "DE-V-0042"


def test_a_withdrawal_without_a_reason_voids_every_decision(pki, qtsp) -> None:
    """CRL reason unspecified: the body did not say the accreditation held before, so it fails closed."""
    envelope, cert, statement = approval(pki, qtsp)
    withdrawn = _pki.Revocation(statement.serial, NOW + dt.timedelta(minutes=1), "unspecified")
    crl = body_crl(pki, [withdrawn], now=NOW + dt.timedelta(minutes=2))
    assert "without a reason" in refused("accreditation", envelope, cert, trust_with(pki, qtsp, crl))


def test_only_the_bodys_own_crl_can_withdraw(pki, qtsp) -> None:
    """A CRL listing the statement but signed by another CA (an attacker's, or the QTSP's) is not the
    body's word: it neither withdraws the statement nor stands in for the body's CRL."""
    envelope, cert, statement = approval(pki, qtsp)
    withdrawn = _pki.Revocation(statement.serial, NOW, "cessation-of-operation")
    other_key, other_ca = _pki.create_ca(pki.ca_cert.subject.rfc4514_string().split("=", 1)[1])
    forged = body_crl(pki, [withdrawn], key=other_key, ca=other_ca)  # same issuer name, other key
    genuine = body_crl(pki, [])
    assert verify(envelope, cert, trust_with(pki, qtsp, genuine, forged)).decision == "approved"
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify(envelope, cert, trust_with(pki, qtsp, forged))
    assert caught.value.rule == "revocation" and "no valid CRL" in caught.value.detail


def test_an_old_crl_cannot_hide_a_withdrawal(pki, qtsp) -> None:
    """Of two CRLs of the body the newest counts; and a stale one fails closed."""
    envelope, cert, statement = approval(pki, qtsp)
    before = body_crl(pki, [], now=NOW - dt.timedelta(hours=2))
    withdrawn = _pki.Revocation(statement.serial, NOW - dt.timedelta(hours=1), "cessation-of-operation")
    after = body_crl(pki, [withdrawn], now=NOW - dt.timedelta(hours=1))
    refused("accreditation", envelope, cert, trust_with(pki, qtsp, before, after))
    stale = body_crl(pki, [], now=NOW - dt.timedelta(days=31))
    refused("crl-freshness", envelope, cert, trust_with(pki, qtsp, stale))


def test_the_body_withdraws_only_its_own_statements_and_once(pki, qtsp, home) -> None:
    _keys.init_ca(home, "TEST Accreditation Body", b"correct horse battery")
    ca_key, ca_cert = _keys._load_ca(home, b"correct horse battery")
    _, cert = qtsp_verifier(qtsp)
    statement = _accreditation.issue(
        ca_key,
        ca_cert,
        cert,
        accreditation_no="DE-V-7",
        nace_scope=("55",),
        valid_until=NOW + dt.timedelta(days=9),
    )
    crl_path = _keys.withdraw_accreditation(
        home, statement, b"correct horse battery", reason="cessation-of-operation"
    )
    entries = _pki.revocations(_pki.load_crl(crl_path.read_bytes()))
    assert [(e.serial, e.reason) for e in entries] == [
        (_accreditation.parse(statement).serial, "cessation-of-operation")
    ]
    with pytest.raises(ConfigurationError, match="already withdrawn"):
        _keys.withdraw_accreditation(home, statement, b"correct horse battery", reason="superseded")
    foreign = accredit(pki, cert)  # issued by another body (the test PKI's CA)
    with pytest.raises(ConfigurationError, match="only the body that issued it can withdraw it"):
        _keys.withdraw_accreditation(home, foreign, b"correct horse battery", reason="superseded")
    assert _pki.revocations(_pki.load_crl(crl_path.read_bytes())) == entries


@pytest.mark.parametrize("serial", ["", "0", "00", "XYZ", "-1", "f" * 41, " 1a"], ids=lambda s: repr(s)[:12])
def test_a_statement_with_a_bad_serial_is_refused(pki, qtsp, serial) -> None:
    _, cert = qtsp_verifier(qtsp)
    envelope = json.loads(accredit(pki, cert))
    doc = json.loads(base64.b64decode(envelope["payload"]))
    doc["predicate"]["serialNumber"] = serial
    forged = _dsse.sign(doc, pki.ca_key).to_json()  # genuinely signed by the body, but malformed
    with pytest.raises(ApprovalRuleFailed) as caught:
        _accreditation.parse(forged)
    assert caught.value.rule == "accreditation" and "serialNumber" in str(caught.value)


def test_pki_withdraw_on_the_command_line(home, tmp_path, qtsp) -> None:
    from ecocluster.flows.cli import app
    from tests.signing.test_cli_signing import ENV

    def run(*args: str):
        return CliRunner().invoke(app, ["--home", str(home.root), *args], env=ENV)

    assert run("pki", "init", "--name", "TEST Accreditation Body").exit_code == 0
    _, cert = qtsp_verifier(qtsp)
    (tmp_path / "anna.pem").write_bytes(_pki.pem(cert))
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    made = run(
        "pki",
        "accredit",
        str(tmp_path / "anna.pem"),
        "--accreditation-no",
        "DE-V-0042",
        "--scope",
        "55",
        "--until",
        until,
    )
    assert made.exit_code == 0, made.output
    statement = tmp_path / "anna.accreditation.json"
    done = run(
        "pki", "withdraw", str(statement), "--reason", "cessation-of-operation", "--since", "2026-01-01"
    )
    assert done.exit_code == 0, done.output
    assert "withdrawn (cessation-of-operation)" in done.output
    crl = _pki.load_crl((_keys.ca_dir(home) / "crl.pem").read_bytes())
    serial = _accreditation.parse(statement.read_bytes()).serial
    listed = _pki.revocations(crl)
    assert [e.serial for e in listed] == [serial] and listed[0].invalid_since == dt.datetime(
        2026, 1, 1, tzinfo=dt.UTC
    )
    again = run("pki", "withdraw", str(statement), "--reason", "superseded").exception  # main() maps it
    assert (
        isinstance(again, ConfigurationError) and again.exit_code == 78 and "already withdrawn" in str(again)
    )
    missing = run("pki", "withdraw", str(tmp_path / "nope.json"), "--reason", "superseded").exception
    assert isinstance(missing, EcoclusterError) and "does not exist" in str(missing)
    assert "--reason" in run("pki", "withdraw", "--help").output
