"""A certificate from another party is read alike whatever the process's warning filters say: what
RFC 5280 forbids and cryptography only warns about for now (a serial number that is not positive)
is refused by name, in a test run (warnings are errors) as in production (they are not)."""

from __future__ import annotations

import warnings

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from ecocluster.core.errors import ApprovalRuleFailed, ConfigurationError
from ecocluster.signing import _pki
from ecocluster.signing._verify import load_certificate


@pytest.fixture(scope="module", params=[0, -5])
def forbidden_serial(request) -> bytes:
    """A verifier-like certificate whose serial number RFC 5280 forbids, as PEM."""
    _, ca = _pki.create_ca("TEST Serial CA")
    cert = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    cert["tbs_certificate"]["serial_number"] = request.param
    return bytes(pem.armor("CERTIFICATE", cert.dump(force=True)))


@pytest.fixture(params=["ignored", "errors"])
def warning_filter(request):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if request.param == "ignored" else "error")
        yield


def test_a_certificate_file_with_a_forbidden_serial_is_refused(forbidden_serial, warning_filter) -> None:
    with pytest.raises(ConfigurationError, match="RFC 5280"):
        _pki.load_certs(forbidden_serial)


def test_a_signer_certificate_with_a_forbidden_serial_is_certificate_malformed(
    forbidden_serial, warning_filter
) -> None:
    with pytest.raises(ApprovalRuleFailed) as refused:
        load_certificate(forbidden_serial)
    assert refused.value.rule == "certificate-malformed" and "RFC 5280" in refused.value.detail
