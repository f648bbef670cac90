"""A test PKI built fresh per session: accreditation-body CA, verifiers, CRLs (real keys, real signatures)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509

from ecocluster.signing import _pki
from ecocluster.signing._verify import TrustAnchors


@dataclass(frozen=True)
class Verifier:
    key: _pki.PrivateKey
    cert: x509.Certificate


@dataclass(frozen=True)
class TestPki:
    ca_key: _pki.PrivateKey
    ca_cert: x509.Certificate
    verifier: Verifier  # NACE 55.10, 84.11; valid now
    tsa_ca: x509.Certificate | None = None  # the session TSA's CA and its CRL, trusted by trust()
    tsa_crl: x509.CertificateRevocationList | None = None
    tsa_ca_key: _pki.PrivateKey | None = None

    def issue(
        self,
        *,
        accreditation_no: str = "IT-V-0002",
        nace: tuple[str, ...] = ("55.10", "84.11"),
        not_before: dt.datetime | None = None,
        days: int = 365,
    ) -> Verifier:
        key = _pki.new_key()
        cert = _pki.issue_verifier(
            self.ca_key,
            self.ca_cert,
            key.public_key(),
            name=f"Verifier {accreditation_no}",
            accreditation_no=accreditation_no,
            nace_scope=nace,
            not_before=not_before,
            days=days,
        )
        return Verifier(key, cert)

    def trust(self, revoked: tuple[x509.Certificate, ...] = ()) -> TrustAnchors:
        when = dt.datetime.now(dt.UTC)
        crl = _pki.build_crl(self.ca_key, self.ca_cert, [(c.serial_number, when) for c in revoked])
        return self.with_tsa(TrustAnchors((self.ca_cert,), (crl,)))

    def with_tsa(self, trust: TrustAnchors, *, now: dt.datetime | None = None) -> TrustAnchors:
        """``trust`` plus the session TSA's CA and CRL (what [signing] tsa_trust_anchors gives); with
        ``now``, a TSA CRL issued then (a fake clock years on needs a current one)."""
        if self.tsa_ca is None or self.tsa_crl is None:
            return trust
        crl = self.tsa_crl
        if now is not None and self.tsa_ca_key is not None:
            crl = _pki.build_crl(self.tsa_ca_key, self.tsa_ca, [], now=now)
        return dataclasses.replace(trust, crls=(*trust.crls, crl), tsa=(*trust.tsa, self.tsa_ca))


@pytest.fixture(scope="session")
def pki(tsa) -> TestPki:
    ca_key, ca_cert = _pki.create_ca("TEST Accreditation Body")
    key = _pki.new_key()
    cert = _pki.issue_verifier(
        ca_key,
        ca_cert,
        key.public_key(),
        name="Giulia Verdi",
        accreditation_no="IT-V-0001",
        nace_scope=("55.10", "84.11"),
    )
    return TestPki(ca_key, ca_cert, Verifier(key, cert), tsa.ca, tsa.crl, tsa.ca_key)
