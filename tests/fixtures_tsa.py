"""A real RFC 3161 timestamp authority on 127.0.0.1 for the whole test session.

It is ecocluster's own TSA (:mod:`ecocluster.signing._tsa`: pyHanko's TSA behind an HTTP server), certified
by a test TSA CA of its own, served from a thread of the test process over loopback HTTP.
``ECOCLUSTER_TSA_URL`` and ``ECOCLUSTER_TSA_TRUST`` (the TSA CA and its CRL) point every home's
``approve``/``trust_anchors`` at it, as an operator would with ``[signing] tsa_url`` and
``tsa_trust_anchors``; ``pki.trust()`` trusts it too. :func:`running_tsa` starts another one
under any CA (the demo's setup: a TSA certified by the accreditation-body CA itself).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ecocluster.signing import _dsse, _pades, _pki, _tsa


@dataclass(frozen=True)
class TestTsa:
    url: str
    cert: x509.Certificate
    ca: x509.Certificate
    crl: x509.CertificateRevocationList  # the TSA CA's current CRL: empty
    ca_key: _pki.PrivateKey

    def sign_pdf(
        self,
        pdf: bytes,
        key: _pki.PrivateKey,
        cert: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
        crls: tuple[x509.CertificateRevocationList, ...],
    ) -> bytes:
        """PAdES B-LTA-sign ``pdf`` with this TSA, as sign_decision does."""
        return _pades.sign_pdf(pdf, key, cert, chain, tsa_url=self.url, roots=(self.ca,), crls=crls)

    def stamp(self, envelope: bytes) -> bytes:
        """The TimeStampResp over the envelope's (first) signature, as sign_decision asks for it."""
        return _tsa.request(self.url, _dsse.Envelope.from_json(envelope).signatures[0][1])


@contextmanager
def serving(authority: _tsa.Authority) -> Iterator[str]:
    """``authority`` over HTTP on a free loopback port (a thread of this process); yields the URL."""
    server = _tsa.serve(authority)
    thread = threading.Thread(target=server.serve_forever, name="test-tsa", daemon=True)
    thread.start()
    try:
        yield _tsa.url_of(server)
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running_tsa(
    ca_key: _pki.PrivateKey, ca_cert: x509.Certificate, *, days: int = 10 * 365
) -> Iterator[TestTsa]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # test-only size: fast to make
    cert = _tsa.issue_tsa_certificate(
        ca_key, ca_cert, key.public_key(), name="TEST Timestamp Authority", days=days
    )
    with serving(_tsa.Authority(key, cert, (ca_cert,))) as url:
        yield TestTsa(url, cert, ca_cert, _pki.build_crl(ca_key, ca_cert, []), ca_key)


def stamp(envelope: bytes) -> bytes:
    """The session TSA's TimeStampResp over the envelope's first signature; b"" for an envelope
    without one (it is refused by an earlier rule)."""
    try:
        signature = _dsse.Envelope.from_json(envelope).signatures[0][1]
    except (ValueError, TypeError, KeyError, IndexError):
        return b""
    return _tsa.request(os.environ["ECOCLUSTER_TSA_URL"], signature)


@pytest.fixture(scope="session", autouse=True)
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestTsa]:
    ca_key, ca_cert = _pki.create_ca("TEST Timestamp CA", years=30)
    saved = {k: os.environ.get(k) for k in ("ECOCLUSTER_TSA_URL", "ECOCLUSTER_TSA_TRUST")}
    with running_tsa(ca_key, ca_cert) as authority:
        trust = Path(tmp_path_factory.mktemp("tsa-trust")) / "tsa-ca.pem"
        trust.write_bytes(_pki.pem(ca_cert) + _pki.crl_pem(authority.crl))
        os.environ["ECOCLUSTER_TSA_URL"] = authority.url
        os.environ["ECOCLUSTER_TSA_TRUST"] = str(trust)
        try:
            yield authority
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
