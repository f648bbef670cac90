"""EU trusted lists (ETSI TS 119 612): a small list the tests build and XAdES-sign, read by
ecocluster.signing._trusted_list through pyHanko, and the QES / qualified-seal verdicts it gives."""

from __future__ import annotations

import datetime as dt

import pytest

from ecocluster.core.config import IntakeConfig, SigningConfig
from ecocluster.core.errors import ConfigurationError
from ecocluster.signing import _keys, _pki, _trusted_list
from tests.signing.trusted_lists import GRANTED, WITHDRAWN, scheme_operator, signed, trusted_list

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def demo(home):
    """The home's DEMO accreditation CA and verifier certificate (nonRepudiation, as issued)."""
    files = _keys.demo_verifier(home)
    return _pki.load_certs((_keys.ca_dir(home) / "ca.pem").read_bytes())[0], files.load_cert()


def test_a_verifier_certificate_from_a_listed_qualified_ca_is_a_qes(demo) -> None:
    ca, verifier = demo
    key, operator = scheme_operator()
    tl = _trusted_list.load(signed(trusted_list(ca), key, operator), [operator], "tl.xml")
    q = tl.assess(verifier, (ca,), NOW)
    assert (q.qualified, q.qes, q.qualified_seal, q.service) == (True, True, False, "DEMO QTSP qualified CA")
    assert str(q).startswith("QES: qualified certificate for electronic signatures, key in a QSCD")
    assert q.unmet(_trusted_list.QES) is None and q.unmet(_trusted_list.NONE) is None
    assert "a qualified electronic seal is required" in (q.unmet(_trusted_list.QUALIFIED_SEAL) or "")


def test_a_seal_service_gives_a_qualified_seal_and_a_personal_certificate_is_refused_where_a_seal_is_required(
    demo,
) -> None:
    ca, verifier = demo
    key, operator = scheme_operator()
    seal = _trusted_list.load(signed(trusted_list(ca, seals=True), key, operator), [operator], "tl.xml")
    q = seal.assess(verifier, (ca,), NOW)
    assert (q.qualified_seal, q.qes) == (True, False)
    assert "a qualified electronic signature (QES) is required" in (q.unmet(_trusted_list.QES) or "")
    personal = _trusted_list.load(signed(trusted_list(ca), key, operator), [operator], "tl.xml").assess(
        verifier, (ca,), NOW
    )
    assert "a qualified electronic seal is required; the certificate is QES" in (
        personal.unmet(_trusted_list.QUALIFIED_SEAL) or ""
    )


@pytest.mark.parametrize("case", ["withdrawn", "other-ca", "no-chain"])
def test_withdrawn_unlisted_or_chainless_is_not_qualified(demo, case) -> None:
    ca, verifier = demo
    key, operator = scheme_operator()
    listed = operator if case == "other-ca" else ca
    status = WITHDRAWN if case == "withdrawn" else GRANTED
    tl = _trusted_list.load(signed(trusted_list(listed, status=status), key, operator), [operator], "tl.xml")
    q = tl.assess(verifier, () if case == "no-chain" else (ca,), NOW)
    assert (q.qualified, q.qes) == (False, False)
    assert "not a qualified certificate" in (q.unmet(_trusted_list.QES) or "")


def test_a_list_not_signed_by_the_scheme_operator_or_changed_after_signing_is_refused(demo) -> None:
    ca, _verifier = demo
    key, operator = scheme_operator()
    _other_key, impostor = scheme_operator("impostor")
    xml = signed(trusted_list(ca), key, operator)
    with pytest.raises(ConfigurationError, match=r"tl.xml: its signature does not verify"):
        _trusted_list.load(xml, [impostor], "tl.xml")
    withdrawn_late = xml.replace(b"Svcstatus/granted", b"Svcstatus/withdrawn")
    assert withdrawn_late != xml
    with pytest.raises(ConfigurationError, match="its signature does not verify"):
        _trusted_list.load(withdrawn_late, [operator], "tl.xml")
    with pytest.raises(ConfigurationError, match="no scheme operator certificate"):
        _trusted_list.load(xml, [], "tl.xml")


def test_a_list_with_a_dtd_or_not_xml_is_refused_unread(demo) -> None:
    ca, _verifier = demo
    key, operator = scheme_operator()
    xml = signed(trusted_list(ca), key, operator)
    bomb = b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>' + xml
    for bad in (bomb, b"\xff\xfe not xml", b"<TrustServiceStatusList"):
        with pytest.raises(ConfigurationError, match=r"tl.xml"):
            _trusted_list.load(bad, [operator], "tl.xml")


def test_the_list_and_the_requirement_come_from_the_configuration(demo, tmp_path) -> None:
    ca, verifier = demo
    key, operator = scheme_operator()
    (tmp_path / "tl.xml").write_bytes(signed(trusted_list(ca), key, operator))
    (tmp_path / "operator.pem").write_bytes(_pki.pem(operator))
    config = {
        "trusted_list": str(tmp_path / "tl.xml"),
        "trusted_list_signers": [str(tmp_path / "operator.pem")],
    }
    tl = _trusted_list.from_config(SigningConfig.parse(config))
    assert tl is not None and tl.assess(verifier, (ca,), NOW).qes
    assert _trusted_list.from_config(SigningConfig()) is None
    missing = SigningConfig.parse(config | {"trusted_list_signers": [str(tmp_path / "missing.pem")]})
    with pytest.raises(ConfigurationError, match=r"trusted_list_signers .*missing.pem"):
        _trusted_list.from_config(missing)
    with pytest.raises(ConfigurationError, match=r"\[signing\] trusted_list must be a string, got 3"):
        SigningConfig.parse({"trusted_list": 3})
    assert IntakeConfig.parse({}).require == "none"
    assert IntakeConfig.parse({"require": "qes"}).require == "qes"
    with pytest.raises(
        ConfigurationError,
        match="require must be one of 'none', 'qes', 'qualified-seal', got 'qualified'",
    ):
        IntakeConfig.parse({"require": "qualified"})
