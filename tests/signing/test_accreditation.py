"""Accreditation statements (issue 16): a verifier whose certificate a qualified trust service
provider (QTSP) issued is accepted only with the accreditation body's signed statement for that
very certificate, valid at the attested time, whose NACE scope covers the member.

The QTSP is a small CA the test makes (with its CRL, as ``[signing] qtsp_trust_anchors`` gives it)
and lists in a trusted list it signs, as tests/signing/test_trusted_list.py does.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ecocluster.core.errors import ApprovalRuleFailed
from ecocluster.signing import _accreditation, _dsse, _offline, _pki, _trusted_list
from ecocluster.signing._approval import sign_approval
from ecocluster.signing._verify import TrustAnchors, verify_approval, verify_signer
from tests.fixtures_tsa import stamp
from tests.signing.test_approval_rules import CONTEXT, DRAFT
from tests.signing.trusted_lists import scheme_operator, signed, trusted_list


@dataclass(frozen=True)
class Qtsp:
    key: _pki.PrivateKey
    ca: x509.Certificate
    crl: x509.CertificateRevocationList


def qtsp_ca(name: str = "TEST QTSP qualified CA") -> Qtsp:
    key, ca = _pki.create_ca(name)
    return Qtsp(key, ca, _pki.build_crl(key, ca, []))


def qtsp_verifier(qtsp: Qtsp, name: str = "Anna Schmidt") -> tuple[_pki.PrivateKey, x509.Certificate]:
    """A personal signing certificate of the QTSP: a name, nonRepudiation, no accreditation facts."""
    key = _pki.new_key()
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = _pki.signing_leaf(
        qtsp.key,
        qtsp.ca,
        subject,
        key.public_key(),
        start=now - dt.timedelta(minutes=5),
        not_after=now + dt.timedelta(days=365),
    ).sign(qtsp.key, hashes.SHA256())
    return key, cert


@pytest.fixture(scope="module")
def qtsp() -> Qtsp:
    return qtsp_ca()


@pytest.fixture(scope="module")
def verifier(qtsp) -> tuple[_pki.PrivateKey, x509.Certificate]:
    return qtsp_verifier(qtsp)


def with_qtsp(trust: TrustAnchors, qtsp: Qtsp) -> TrustAnchors:
    """What ``[signing] qtsp_trust_anchors`` adds: the QTSP's CA and its CRL."""
    return dataclasses.replace(trust, qtsp=(qtsp.ca,), crls=(*trust.crls, qtsp.crl))


def accredit(pki, cert: x509.Certificate, **changes) -> bytes:
    now = dt.datetime.now(dt.UTC)
    args = {
        "accreditation_no": "DE-V-0042",
        "nace_scope": ("55.10", "84.11"),
        "valid_from": now - dt.timedelta(days=1),
        "valid_until": now + dt.timedelta(days=365),
        "ca_key": pki.ca_key,
        "ca_cert": pki.ca_cert,
    } | changes
    return _accreditation.issue(args.pop("ca_key"), args.pop("ca_cert"), cert, **args)


def embedded(envelope: bytes, statement: bytes | None, key: _pki.PrivateKey) -> bytes:
    """The approval with ``statement`` (None: none) in place of its embedded one, genuinely re-signed by
    the verifier: what a verifier who holds no valid statement could send."""
    doc = _dsse.Envelope.from_json(envelope).statement()
    verifier = doc["predicate"]["verifier"]
    verifier.pop("accreditation", None)
    if statement is not None:
        verifier["accreditation"] = json.loads(statement)
    return _dsse.sign(doc, key).to_json()


def refused(rule: str, envelope: bytes, cert, trust, context=CONTEXT) -> str:
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify_approval(envelope, cert, trust, context, timestamp=stamp(envelope))
    assert caught.value.rule == rule, str(caught.value)
    return caught.value.detail


def test_a_qtsp_verifier_with_the_bodys_statement_signs_an_accepted_approval(pki, qtsp, verifier) -> None:
    key, cert = verifier
    envelope = sign_approval(DRAFT, key, cert, place="Berlin", accreditation=accredit(pki, cert))
    verified = verify_approval(
        envelope, cert, with_qtsp(pki.trust(), qtsp), CONTEXT, timestamp=stamp(envelope)
    )
    assert verified.decision == "approved"
    who = verified.verifier
    assert (who.name, who.accreditation_no, who.nace_scope) == (
        "Anna Schmidt",
        "DE-V-0042",
        ("55.10", "84.11"),
    )
    assert who.fingerprint == _pki.fingerprint(cert)
    assert "DE-V-0042" in verified.declaration and verified.accreditation is not None


def test_without_a_statement_the_qtsp_certificate_is_refused(pki, qtsp, verifier) -> None:
    key, cert = verifier
    genuine = sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert))
    detail = refused("accreditation", embedded(genuine, None, key), cert, with_qtsp(pki.trust(), qtsp))
    assert "no accreditation statement" in detail and "pki accredit" in detail


def test_a_qtsp_the_reader_did_not_configure_is_refused_as_chain(pki, verifier) -> None:
    key, cert = verifier
    envelope = sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert))
    refused("chain", envelope, cert, pki.trust())


def test_an_expired_or_not_yet_valid_statement_is_refused(pki, qtsp, verifier) -> None:
    key, cert = verifier
    now = dt.datetime.now(dt.UTC)
    trust = with_qtsp(pki.trust(), qtsp)
    expired = accredit(
        pki, cert, valid_from=now - dt.timedelta(days=400), valid_until=now - dt.timedelta(days=1)
    )
    assert "not at the attested time" in refused(
        "accreditation", sign_approval(DRAFT, key, cert, accreditation=expired), cert, trust
    )
    future = accredit(
        pki, cert, valid_from=now + dt.timedelta(days=1), valid_until=now + dt.timedelta(days=9)
    )
    refused("accreditation", sign_approval(DRAFT, key, cert, accreditation=future), cert, trust)


def test_a_statement_for_another_certificate_is_refused(pki, qtsp, verifier) -> None:
    key, cert = verifier
    _, colleague = qtsp_verifier(qtsp, "Anna Schmidt")  # same name, another certificate
    theirs = accredit(pki, colleague)
    with pytest.raises(ApprovalRuleFailed, match="rule accreditation"):  # the signer's side refuses it too
        sign_approval(DRAFT, key, cert, accreditation=theirs)
    genuine = sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert))
    detail = refused("accreditation", embedded(genuine, theirs, key), cert, with_qtsp(pki.trust(), qtsp))
    assert "for certificate" in detail


def test_a_statement_signed_by_another_body_is_refused(pki, qtsp, verifier) -> None:
    key, cert = verifier
    other_key, other_ca = _pki.create_ca("Self-appointed Accreditation Body")
    forged = accredit(pki, cert, ca_key=other_key, ca_cert=other_ca)
    detail = refused(
        "accreditation",
        sign_approval(DRAFT, key, cert, accreditation=forged),
        cert,
        with_qtsp(pki.trust(), qtsp),
    )
    assert "not signed by an accreditation body this reader trusts" in detail


def test_a_scope_that_does_not_cover_the_member_is_refused(pki, qtsp, verifier) -> None:
    key, cert = verifier
    narrow = accredit(pki, cert, nace_scope=("84.11",))  # the member is a hotel, 55.10
    envelope = sign_approval(DRAFT, key, cert, accreditation=narrow)
    assert "outside the scope 84.11 of accreditation DE-V-0042" in refused(
        "nace-scope", envelope, cert, with_qtsp(pki.trust(), qtsp)
    )


def _tampered(statement: bytes, change) -> bytes:
    envelope = json.loads(statement)
    doc = json.loads(base64.b64decode(envelope["payload"]))
    change(doc["predicate"])
    envelope["payload"] = base64.b64encode(_dsse.canonical_json(doc)).decode()
    return json.dumps(envelope).encode()


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.__setitem__("naceScope", ["I", "O"]),
        lambda p: p.__setitem__("validUntil", "2099-12-31T00:00:00+00:00"),
        lambda p: p.__setitem__("accreditationNo", "DE-V-0043"),
        lambda p: p.__setitem__("name", "Someone Else"),
    ],
    ids=["wider-scope", "longer-validity", "other-number", "other-name"],
)
def test_a_tampered_statement_is_refused(pki, qtsp, verifier, change) -> None:
    key, cert = verifier
    genuine = accredit(pki, cert)
    envelope = sign_approval(DRAFT, key, cert, place="Berlin", accreditation=genuine)
    forged = embedded(envelope, _tampered(genuine, change), key)
    assert "or was changed after signing" in refused(
        "accreditation", forged, cert, with_qtsp(pki.trust(), qtsp)
    )


@pytest.mark.parametrize(
    "statement",
    [
        b'{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": []}',
        b'{"payload": 1}',
    ],
    ids=["empty-statement", "not-a-dsse-envelope"],
)
def test_a_malformed_statement_is_refused_by_rule(pki, qtsp, verifier, statement) -> None:
    key, cert = verifier
    envelope = embedded(sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert)), statement, key)
    refused("accreditation", envelope, cert, with_qtsp(pki.trust(), qtsp))


def test_a_qtsp_certificate_revoked_by_its_provider_is_refused(pki, qtsp, verifier) -> None:
    key, cert = verifier
    envelope = sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert))
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    crl = _pki.build_crl(
        qtsp.key, qtsp.ca, [_pki.Revocation(cert.serial_number, since, "key-compromise", since)]
    )
    trust = dataclasses.replace(pki.trust(), qtsp=(qtsp.ca,), crls=(*pki.trust().crls, crl))
    refused("revocation", envelope, cert, trust)


def test_the_accreditation_cas_own_verifiers_need_no_statement(pki, qtsp) -> None:
    """The demo's all-in-one CA: the accreditation facts are in the certificate, as before."""
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    verified = verify_approval(
        envelope, pki.verifier.cert, with_qtsp(pki.trust(), qtsp), CONTEXT, timestamp=stamp(envelope)
    )
    assert verified.verifier.accreditation_no == "IT-V-0001" and verified.accreditation is None


def test_the_qes_is_judged_by_the_trusted_list_through_the_qtsp_chain(pki, qtsp, verifier) -> None:
    key, cert = verifier
    envelope = sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert))
    trust = with_qtsp(pki.trust(), qtsp)
    verified = verify_approval(envelope, cert, trust, CONTEXT, timestamp=stamp(envelope))
    operator_key, operator = scheme_operator()
    listed = _trusted_list.load(signed(trusted_list(qtsp.ca), operator_key, operator), [operator], "tl.xml")
    check = _offline._qualification(
        cert, trust, verified.attested_at, _trusted_list.QualificationPolicy(listed, "qes"), "cert"
    )
    assert check.ok and check.detail.startswith("QES: qualified certificate for electronic signatures")
    unlisted = _trusted_list.load(
        signed(trusted_list(pki.ca_cert), operator_key, operator), [operator], "tl.xml"
    )
    check = _offline._qualification(
        cert, trust, verified.attested_at, _trusted_list.QualificationPolicy(unlisted, "qes"), "cert"
    )
    assert not check.ok and "not a qualified certificate" in check.detail


def test_a_bare_envelope_names_the_accredited_verifier(pki, qtsp, verifier) -> None:
    key, cert = verifier
    envelope = sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert))
    signed_by = verify_signer(envelope, cert, with_qtsp(pki.trust(), qtsp), timestamp=stamp(envelope))
    assert signed_by.verifier.accreditation_no == "DE-V-0042"


def test_the_body_issues_only_what_it_could_issue_as_a_certificate(pki, verifier) -> None:
    _, cert = verifier
    from ecocluster.core.errors import ConfigurationError

    for bad in ({"nace_scope": ("8",)}, {"accreditation_no": "../x"}):
        with pytest.raises(ConfigurationError):
            accredit(pki, cert, **bad)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(ConfigurationError, match="before it starts"):
        accredit(pki, cert, valid_from=now, valid_until=now - dt.timedelta(days=1))


@pytest.mark.slow  # a typst draft, PAdES B-LTA signing and validation, package and intake: ~40 s
@pytest.mark.parametrize("qtsp_ca_from", ["configured", "trusted-list"])
def test_through_the_cli_the_body_accredits_the_qtsp_verifier_who_approves_and_the_package_verifies(
    con, home, tmp_path, qtsp_ca_from
) -> None:
    """`pki accredit`, `approve --accreditation`, `register`, `verify` (the QES reported under the
    trusted list) and `intake`; refused without the statement. The QTSP's CA is configured by hand
    (``qtsp_trust_anchors``) or taken from the trusted list (``qtsp_from_trusted_list``)."""
    from typer.testing import CliRunner

    from ecocluster.flows.cli import app
    from tests.signing.rows import drafted_member
    from tests.signing.test_cli_signing import ENV

    def run(*args: str):
        return CliRunner().invoke(app, ["--home", str(home.root), *args], env=ENV)

    sid = drafted_member(con, home)
    con.close()  # the CLI opens the warehouse itself
    qtsp = qtsp_ca()
    key, cert = qtsp_verifier(qtsp)
    folder = tmp_path / "verifier"
    folder.mkdir()
    _pki.save_key(key, folder / "key.pem", ENV["ECOCLUSTER_KEY_PASSWORD"].encode())
    (folder / "cert.pem").write_bytes(_pki.pem(cert))
    (folder / "chain.pem").write_bytes(_pki.pem(qtsp.ca))
    (tmp_path / "qtsp.pem").write_bytes(_pki.pem(qtsp.ca) + _pki.crl_pem(qtsp.crl))
    operator_key, operator = scheme_operator()
    (tmp_path / "tl.xml").write_bytes(signed(trusted_list(qtsp.ca), operator_key, operator))
    (tmp_path / "operator.pem").write_bytes(_pki.pem(operator))
    (tmp_path / "qtsp-crl.pem").write_bytes(_pki.crl_pem(qtsp.crl))
    qtsp_lines = (
        f'qtsp_trust_anchors = ["{tmp_path / "qtsp.pem"}"]\n'
        if qtsp_ca_from == "configured"
        else f'qtsp_from_trusted_list = true\nqtsp_crls = ["{tmp_path / "qtsp-crl.pem"}"]\n'
    )
    home.config_path.write_text(
        f"[signing]\n{qtsp_lines}"
        f'trusted_list = "{tmp_path / "tl.xml"}"\ntrusted_list_signers = ["{tmp_path / "operator.pem"}"]\n',
        encoding="utf-8",
    )
    assert run("pki", "init", "--name", "TEST Accreditation Body").exit_code == 0
    approve = (
        "approve",
        "--statement",
        sid,
        "--key",
        str(folder / "key.pem"),
        "--cert",
        str(folder / "cert.pem"),
    )
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()

    def accredit_cli(number: str, scope: str):
        cert_pem = str(folder / "cert.pem")
        return run(
            "pki", "accredit", cert_pem, "--accreditation-no", number, "--scope", scope, "--until", until
        )

    bad = accredit_cli("DE-V-0042", "8")
    assert bad.exit_code != 0 and not (folder / "cert.accreditation.json").exists()
    issued = accredit_cli("de-v-0042", "55.10")
    assert issued.exit_code == 0, issued.output
    statement = folder / "cert.accreditation.json"
    assert _accreditation.parse(statement.read_bytes()).accreditation_no == "DE-V-0042"
    again = accredit_cli("DE-V-0042", "I")
    assert again.exit_code != 0 and "never overwritten" in str(again.exception or again.output)

    without = run(*approve)
    assert without.exit_code != 0
    assert "accreditation" in str(without.exception or without.output)
    approved = run(*approve, "--accreditation", str(statement))
    assert approved.exit_code == 0 and "verifier DE-V-0042" in approved.output, approved.output
    assert "1 package(s) delivered" in run("register").output
    package = next((home.objects_dir / "competent-body" / "IT").rglob("*.tar"))
    shown = run("verify", str(package))
    assert shown.exit_code == 0, shown.output
    flat = shown.output.replace("\n", " ")
    assert "FAIL" not in flat and "PASS pdf-signature" in flat
    assert (
        "PASS qualification [data/verifier-cert.pem]: QES: qualified certificate for electronic signatures"
        in flat
    )
    envelope = next((home.objects_dir / "approvals").rglob("*.dsse.json"))
    bare = run("verify", str(envelope), "--cert", str(folder / "cert.pem"))
    assert bare.exit_code == 0, bare.output
    assert "PASS qualification [--cert]: QES" in bare.output.replace("\n", " ")
    assert run("intake-key", "--country", "IT").exit_code == 0
    taken = run("intake", "--country", "IT")
    assert taken.exit_code == 0 and "registered" in taken.output, taken.output


def test_a_qtsp_verifier_signs_finding_decisions_with_the_statement_and_then_approves(
    con, home, pki, qtsp, verifier
) -> None:
    """The finding decisions embed the statement too (rule finding-decision judges them with it);
    one embedding an expired statement resolves nothing."""
    from ecocluster import signing
    from ecocluster.core.store import LocalStore
    from ecocluster.signing import signers
    from ecocluster.signing._records import approval_context, draft_for
    from tests.signing.rows import ready_member

    store = LocalStore(home.objects_dir)
    sid = ready_member(con, store, "IT-CL-001")
    key, cert = verifier
    statement = accredit(pki, cert)
    signer = signers.from_key(key, cert, (qtsp.ca,), "test")
    trust = with_qtsp(pki.trust(), qtsp)

    def approve():
        envelope = sign_approval(draft_for(con, sid), key, cert, accreditation=statement)
        return verify_approval(
            envelope, cert, trust, approval_context(con, "IT-CL-001"), timestamp=stamp(envelope)
        )

    rfi = signing.raise_finding(con, sid, "request-for-information", "Show the invoices", by="verifier")
    signing.answer_finding(con, store, rfi.finding_id, "Invoices attached", by="member")
    signing.accept_finding(con, rfi.finding_id, by="verifier", signer=signer, accreditation=statement)
    assert approve().verifier.accreditation_no == "DE-V-0042"

    now = dt.datetime.now(dt.UTC)
    expired = accredit(
        pki, cert, valid_from=now - dt.timedelta(days=9), valid_until=now - dt.timedelta(days=1)
    )
    wrong = signing.raise_finding(con, sid, "misstatement", "Figure 3 is wrong", by="verifier")
    signing.close_finding(
        con, wrong.finding_id, by="verifier", note="withdrawn", signer=signer, accreditation=expired
    )
    with pytest.raises(ApprovalRuleFailed) as caught:
        approve()
    assert caught.value.rule == "finding-decision" and "rule accreditation" in caught.value.detail


@pytest.mark.parametrize(
    "value", ['"a string"', "[1]", '{"payload": "\\ud800"}'], ids=["string", "list", "lone-surrogate"]
)
def test_an_accreditation_that_is_not_an_object_of_text_is_envelope_malformed(pki, value) -> None:
    """Not even read as a statement: the approval's own parser refuses it by name, never a traceback."""
    doc = _dsse.Envelope.from_json(sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)).statement()
    payload = _dsse.canonical_json(doc).replace(
        b'"verifier":{', b'"verifier":{"accreditation":' + value.encode() + b","
    )
    envelope = _dsse.Envelope(
        _dsse.IN_TOTO_PAYLOAD_TYPE,
        payload,
        ((_pki.key_id(pki.verifier.key.public_key()), b""),),
    )
    refused("envelope-malformed", envelope.to_json(), pki.verifier.cert, pki.trust())


@pytest.mark.slow  # a typst draft, then PAdES B-LTA signing and validation: ~30 s
def test_the_qtsp_verifier_signs_from_a_review_export_on_their_machine_and_the_inbox_records_it(
    con, home, tmp_path, capsys, monkeypatch
) -> None:
    """`ecocluster sign --accreditation` with a key file whose certificate a QTSP issued: the export
    carries the QTSP's CA and CRL for the DSS; the coordinator's rules record the approval; without
    the statement nothing is signed and the message says what is missing."""
    from ecocluster import statements
    from ecocluster.core.store import LocalStore
    from ecocluster.signing import _keys
    from ecocluster.signing._inbox import export_review, record_approval
    from tests.cli import run_cli
    from tests.signing.rows import drafted_member

    qtsp = qtsp_ca()
    key, cert = qtsp_verifier(qtsp)
    (tmp_path / "qtsp.pem").write_bytes(_pki.pem(qtsp.ca) + _pki.crl_pem(qtsp.crl))
    home.config_path.write_text(
        f'[signing]\nqtsp_trust_anchors = ["{tmp_path / "qtsp.pem"}"]\n', encoding="utf-8"
    )
    sid = drafted_member(con, home)
    _keys.demo_verifier(home)  # the home's accreditation CA
    trust = _keys.trust_anchors(home)
    assert trust.qtsp == (qtsp.ca,)
    review = tmp_path / "review"
    export_review(con, LocalStore(home.objects_dir), "IT-HOT-1", review, trust=trust)
    assert _pki.load_certs((review / "ca.pem").read_bytes())[-1] == qtsp.ca
    ca_key, ca_cert = _keys._load_ca(home, _keys.DEMO_PASSWORD)
    statement = tmp_path / "accreditation.json"
    statement.write_bytes(
        _accreditation.issue(
            ca_key,
            ca_cert,
            cert,
            accreditation_no="DE-V-0042",
            nace_scope=("I",),  # section I covers the hotel's 55.10
            valid_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        )
    )
    folder = tmp_path / "verifier"
    folder.mkdir()
    _pki.save_key(key, folder / "key.pem", b"key-passphrase-1")
    (folder / "cert.pem").write_bytes(_pki.pem(cert))
    (folder / "chain.pem").write_bytes(_pki.pem(qtsp.ca))
    monkeypatch.setenv("ECOCLUSTER_KEY_PASSWORD", "key-passphrase-1")
    uri = f"file:{folder / 'key.pem'}"
    machine = tmp_path / "verifier-machine"
    out = tmp_path / "decisions"
    without = run_cli(capsys, monkeypatch, machine, "sign", str(review), "--signer", uri, "--out", str(out))
    assert without.returncode == 78 and "--accreditation FILE" in " ".join(without.stderr.split()), without
    assert not out.exists() or not any(out.iterdir())
    signed = run_cli(
        capsys, monkeypatch, machine, "sign", str(review), "--signer", uri, "--out", str(out),
        "--accreditation", str(statement),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    name = f"IT-HOT-1-{sid[:16]}"
    verified = record_approval(
        con,
        LocalStore(home.objects_dir),
        (out / f"{name}.dsse.json").read_bytes(),
        (out / f"{name}.cert.pem").read_bytes(),
        trust,
        signed_pdf=(out / f"{name}.validated.pdf").read_bytes(),
        timestamp=(out / f"{name}.tsr").read_bytes(),
    )
    assert (verified.decision, verified.verifier.accreditation_no) == ("approved", "DE-V-0042")
    assert statements.show(con, sid).status == "validated"


def test_an_offline_finding_decision_carries_its_own_statement(pki, qtsp, verifier) -> None:
    """What `finding import` judges (no approval yet to lend its statement): the decision's own."""
    from ecocluster.signing import _decisions, signers
    from ecocluster.signing._verify import verify_decision_signer

    key, cert = verifier
    facts = _decisions.FindingFacts("F-1", "a" * 64, "IT-CL-001", 2025, 1, "b" * 64)
    signer = signers.from_key(key, cert, (qtsp.ca,), "test")
    trust = with_qtsp(pki.trust(), qtsp)
    envelope = _decisions.seal(facts, "accepted", signer, accreditation=accredit(pki, cert))
    who = verify_decision_signer(_decisions.parse(envelope), _pki.pem(cert), stamp(envelope), trust)
    assert who.accreditation_no == "DE-V-0042"
    doc = _dsse.Envelope.from_json(envelope).statement()
    del doc["predicate"]["verifier"]["accreditation"]
    bare = _dsse.sign(doc, key).to_json()
    with pytest.raises(ApprovalRuleFailed) as caught:
        verify_decision_signer(_decisions.parse(bare), _pki.pem(cert), stamp(bare), trust)
    assert caught.value.rule == "finding-decision" and "rule accreditation" in caught.value.detail
