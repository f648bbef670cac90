"""QTSP CAs taken from the EU trusted list (``[signing] qtsp_from_trusted_list``): a competent body
that trusts the list need not configure each trust service provider's CA by hand. A listed CA counts
only while the list shows its CA/QC service granted, judged at the attested time; its CRL comes from
``[signing] qtsp_crls`` (none: rule revocation, fail closed); the list counts only once its signature
verifies; the accreditation statement is still required (tests/signing/test_accreditation.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509

from ecocluster.core.config import SigningConfig
from ecocluster.core.errors import ConfigurationError
from ecocluster.signing import _keys, _pki, _trusted_list
from ecocluster.signing._approval import sign_approval
from ecocluster.signing._verify import TrustAnchors, verify_approval
from tests.fixtures_tsa import stamp
from tests.signing.test_accreditation import Qtsp, accredit, qtsp_ca, qtsp_verifier, refused
from tests.signing.test_approval_rules import CONTEXT, DRAFT
from tests.signing.trusted_lists import GRANTED, WITHDRAWN, scheme_operator, signed, trusted_list

DAY = dt.timedelta(days=1)


def _z(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def configured(
    tmp_path: Path, qtsp: Qtsp, *, crl: bool = True, operator=None, **listing: object
) -> SigningConfig:
    """``[signing]`` naming a list (signed by its operator) that lists ``qtsp.ca``, and its CRL."""
    operator_key, operator_cert = scheme_operator()
    (tmp_path / "tl.xml").write_bytes(signed(trusted_list(qtsp.ca, **listing), operator_key, operator_cert))  # type: ignore[arg-type]
    (tmp_path / "operator.pem").write_bytes(_pki.pem(operator or operator_cert))
    (tmp_path / "qtsp-crl.pem").write_bytes(_pki.crl_pem(qtsp.crl))
    return SigningConfig(
        trusted_list=str(tmp_path / "tl.xml"),
        trusted_list_signers=(str(tmp_path / "operator.pem"),),
        qtsp_from_trusted_list=True,
        qtsp_crls=(str(tmp_path / "qtsp-crl.pem"),) if crl else (),
    )


@pytest.fixture
def qtsp() -> Qtsp:
    return qtsp_ca("TEST Listed QTSP CA")


def _approval(pki, qtsp: Qtsp) -> tuple[bytes, x509.Certificate]:
    key, cert = qtsp_verifier(qtsp)
    return sign_approval(DRAFT, key, cert, accreditation=accredit(pki, cert)), cert


def test_a_verifier_of_a_granted_listed_ca_is_accepted_without_configuring_the_ca(
    pki, qtsp, tmp_path
) -> None:
    envelope, cert = _approval(pki, qtsp)
    trust = _keys.with_listed_qtsps(pki.trust(), configured(tmp_path, qtsp))
    assert trust.qtsp == (qtsp.ca,) and [g.service for g in trust.listed] == ["DEMO QTSP qualified CA"]
    verified = verify_approval(envelope, cert, trust, CONTEXT, timestamp=stamp(envelope))
    assert verified.verifier.accreditation_no == "DE-V-0042"


def test_without_the_setting_the_listed_ca_is_not_trusted(pki, qtsp, tmp_path) -> None:
    envelope, cert = _approval(pki, qtsp)
    off = dataclasses.replace(configured(tmp_path, qtsp), qtsp_from_trusted_list=False)
    refused("chain", envelope, cert, _keys.with_listed_qtsps(pki.trust(), off))


def test_a_service_withdrawn_before_the_signature_does_not_vouch_for_it(pki, qtsp, tmp_path) -> None:
    envelope, cert = _approval(pki, qtsp)
    now = dt.datetime.now(dt.UTC)
    withdrawn = configured(
        tmp_path, qtsp, status=WITHDRAWN, since=_z(now - DAY), history=((GRANTED, "2020-01-01T00:00:00Z"),)
    )
    detail = refused("chain", envelope, cert, _keys.with_listed_qtsps(pki.trust(), withdrawn))
    assert "DEMO QTSP qualified CA" in detail and "not show granted at the attested time" in detail


def test_a_signature_made_while_the_service_was_granted_stays_valid_after_its_withdrawal(
    pki, qtsp, tmp_path
) -> None:
    """Withdrawn tomorrow, verified the day after: the signature was attested while granted."""
    envelope, cert = _approval(pki, qtsp)
    now = dt.datetime.now(dt.UTC)
    later = configured(
        tmp_path, qtsp, status=WITHDRAWN, since=_z(now + DAY), history=((GRANTED, "2020-01-01T00:00:00Z"),)
    )
    trust = _keys.with_listed_qtsps(pki.trust(), later)
    verified = verify_approval(envelope, cert, trust, CONTEXT, timestamp=stamp(envelope), now=now + 2 * DAY)
    assert verified.verifier.name == "Anna Schmidt"


def test_a_listed_ca_without_its_crl_fails_closed(pki, qtsp, tmp_path) -> None:
    envelope, cert = _approval(pki, qtsp)
    trust = _keys.with_listed_qtsps(pki.trust(), configured(tmp_path, qtsp, crl=False))
    assert "no valid CRL from" in refused("revocation", envelope, cert, trust)


def test_a_list_whose_signature_does_not_verify_adds_nothing_and_is_an_error(pki, qtsp, tmp_path) -> None:
    _, stranger = scheme_operator("Someone else")
    with pytest.raises(ConfigurationError, match="signature does not verify"):
        _keys.with_listed_qtsps(pki.trust(), configured(tmp_path, qtsp, operator=stranger))


def test_a_ca_configured_by_hand_is_not_bound_to_the_list(pki, qtsp, tmp_path) -> None:
    """``qtsp_trust_anchors`` is the operator's own decision: a withdrawn listing does not undo it."""
    envelope, cert = _approval(pki, qtsp)
    by_hand = dataclasses.replace(pki.trust(), qtsp=(qtsp.ca,), crls=(*pki.trust().crls, qtsp.crl))
    withdrawn = configured(tmp_path, qtsp, status=WITHDRAWN, since="2021-01-01T00:00:00Z")
    trust = _keys.with_listed_qtsps(by_hand, withdrawn)
    assert trust.listed == () and trust.qtsp == (qtsp.ca,)
    verify_approval(envelope, cert, trust, CONTEXT, timestamp=stamp(envelope))


def test_the_granted_periods_are_read_from_status_and_history(qtsp) -> None:
    operator_key, operator = scheme_operator()
    xml = signed(
        trusted_list(
            qtsp.ca,
            status=GRANTED,
            since="2024-06-01T00:00:00Z",
            history=((WITHDRAWN, "2022-01-01T00:00:00Z"), (GRANTED, "2020-01-01T00:00:00Z")),
        ),
        operator_key,
        operator,
    )
    (listed,) = _trusted_list.granted_cas(_trusted_list.load(xml, [operator], "tl.xml"))
    utc = dt.UTC
    assert listed.periods == (
        (dt.datetime(2020, 1, 1, tzinfo=utc), dt.datetime(2022, 1, 1, tzinfo=utc)),
        (dt.datetime(2024, 6, 1, tzinfo=utc), None),
    )
    assert [listed.granted_at(dt.datetime(y, 3, 1, tzinfo=utc)) for y in (2019, 2021, 2023, 2025)] == [
        False,
        True,
        False,
        True,
    ]


def test_a_trust_configuration_through_the_home_takes_the_listed_cas(home, pki, qtsp, tmp_path) -> None:
    """``trust_anchors(home)``, what approve, verify, inbox and intake use, applies the setting."""
    config = configured(tmp_path, qtsp)
    (tmp_path / "ca.pem").write_bytes(_pki.pem(pki.ca_cert))
    (tmp_path / "crl.pem").write_bytes(_pki.crl_pem(pki.trust().crls[0]))
    home.config_path.write_text(
        "[signing]\n"
        f'trust_anchors = ["{tmp_path / "ca.pem"}"]\ncrls = ["{tmp_path / "crl.pem"}"]\n'
        f'trusted_list = "{config.trusted_list}"\n'
        f'trusted_list_signers = ["{config.trusted_list_signers[0]}"]\n'
        f'qtsp_from_trusted_list = true\nqtsp_crls = ["{config.qtsp_crls[0]}"]\n',
        encoding="utf-8",
    )
    trust: TrustAnchors = _keys.trust_anchors(home)
    assert trust.qtsp == (qtsp.ca,) and qtsp.crl in trust.crls
