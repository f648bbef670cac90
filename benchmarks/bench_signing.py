"""Approval verification throughput and what attested time costs when signing (issues 13 and 16).

Verification: ``verify_approval`` (every rule) against a bare ``cryptography`` ECDSA verify of the
same N DSSE envelopes signed by one verifier (P-256), interleaved in rounds of ``ROUND`` so both see
the same load on a shared machine. The full run parses each envelope, checks the signature, its
RFC 3161 timestamp (stamped beforehand, untimed, by ecocluster's TSA on loopback), the certificate
chain, validity at the attested time, the CRL, identity, NACE scope, cycle, current-draft
digests, conflicts and blocking checks; the bare run only calls ``public_key.verify`` on the PAE
bytes. The ratio is what the rules cost (issue 13 asks for >= 0.5).

Signing (``--sign``, default 20): per decision, interleaved, (a) what a verifier's signer does now:
the DSSE envelope, the TSA's token over its signature and the PAdES B-LTA signature (signature
timestamp, DSS, document timestamp) of a one-page PDF, and (b) the floor, the same envelope and a
PAdES B-B signature; then the long-term validation of each B-LTA PDF (``verify_pdf``: pyHanko's
AdES LTA validation plus the CRL at the signature time). Bytes added: the B-LTA PDF minus the B-B
PDF, and the ``.tsr``. Usage: ``python -m benchmarks.bench_signing [--n 2000] [--sign 20]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import io
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ecocluster.signing import _pades, _pki, _time, _tsa
from ecocluster.signing._approval import Draft, seal_approval, sign_approval
from ecocluster.signing._dsse import Envelope, pae
from ecocluster.signing._verify import ApprovalContext, TrustAnchors, attested_time, verify_approval
from ecocluster.signing.signers import Signer, from_key

ROUND = 50  # approvals per interleaved round


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _b_b(pdf: bytes, signer: Signer) -> bytes:
    """The floor: a PAdES B-B signature by the same signer, no timestamp, no DSS."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(field_name=_pades.FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES)
    out: io.BytesIO = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer.pdf_signer()
    )
    return out.getvalue()


def _verification(
    n: int, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, trust: TrustAnchors, url: str
) -> dict[str, float]:
    cases = []
    for i in range(n):
        j, p = hashlib.sha256(b"j%d" % i).hexdigest(), hashlib.sha256(b"p%d" % i).hexdigest()
        draft = Draft(j, f"M{i}", f"Member {i}", "55.10", "c", 2025, j, p)
        context = ApprovalContext(f"M{i}", "55.10", "c", 2025, j, j, p)
        envelope = sign_approval(draft, key, cert)
        parsed = Envelope.from_json(envelope)
        token = _tsa.request(url, parsed.signatures[0][1])
        cases.append(
            (envelope, token, context, parsed.signatures[0][1], pae(parsed.payload_type, parsed.payload))
        )
    now = dt.datetime.now(dt.UTC)
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    full = bare = tokens = 0.0
    for at in range(0, n, ROUND):
        chunk = cases[at : at + ROUND]
        start = time.perf_counter()
        for envelope, stamp, context, _, _ in chunk:
            verify_approval(envelope, cert, trust, context, timestamp=stamp, now=now)
        full += time.perf_counter() - start
        start = time.perf_counter()
        for *_, signature, message in chunk:
            public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        bare += time.perf_counter() - start
        start = time.perf_counter()
        for _, stamp, _, signature, _ in chunk:
            attested_time((signature,), stamp, trust, now)
        tokens += time.perf_counter() - start
    return {
        "n": n,
        "approvals_per_s": n / full,
        "bare_verify_per_s": n / bare,
        "ratio": bare / full,
        "token_per_s": n / tokens,
        "rules_ratio": bare / (full - tokens),
    }


def _signing(
    m: int,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    ca_cert: x509.Certificate,
    trust: TrustAnchors,
    url: str,
) -> dict[str, float]:
    signer = from_key(key, cert, (ca_cert,), "bench key")
    pdf = _blank_pdf()
    full = bare = ltv = 0.0
    added, tsr = [], []
    for i in range(m):
        j = hashlib.sha256(b"s%d" % i).hexdigest()
        draft = Draft(j, f"S{i}", f"Member {i}", "55.10", "c", 2025, j, j)
        start = time.perf_counter()
        envelope = seal_approval(draft, signer)
        token = _tsa.request(url, Envelope.from_json(envelope).signatures[0][1])
        lta = _pades.seal_pdf(
            pdf, signer, tsa_url=url, roots=_time.token_certificates(token), crls=trust.crls
        )
        full += time.perf_counter() - start
        start = time.perf_counter()
        seal_approval(draft, signer)
        bb = _b_b(pdf, signer)
        bare += time.perf_counter() - start
        start = time.perf_counter()
        ok, detail = _pades.verify_pdf(lta, cert, trust)
        ltv += time.perf_counter() - start
        assert ok, detail
        added.append(len(lta) - len(bb))
        tsr.append(len(token))
    return {
        "sign_n": m,
        "sign_per_s": m / full,
        "bare_sign_per_s": m / bare,
        "ltv_per_s": m / ltv,
        "lta_bytes_added": statistics.mean(added),
        "tsr_bytes": statistics.mean(tsr),
        "pdf_bytes": len(pdf),
    }


@dataclass(frozen=True)
class BenchPki:
    """An accreditation-body CA, one verifier (P-256) and a TSA it certified, serving on loopback."""

    ca_cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    trust: TrustAnchors
    url: str


@contextlib.contextmanager
def bench_pki() -> Iterator[BenchPki]:
    """The benchmarks' PKI, made fresh each run; the TSA stops when the block ends."""
    ca_key, ca_cert = _pki.create_ca("BENCH Accreditation Body")
    key = _pki.new_key()
    cert = _pki.issue_verifier(
        ca_key,
        ca_cert,
        key.public_key(),
        name="Bench Verifier",
        accreditation_no="B-1",
        nace_scope=("55.10",),
    )
    trust = TrustAnchors((ca_cert,), (_pki.build_crl(ca_key, ca_cert, []),))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = _tsa.issue_tsa_certificate(ca_key, ca_cert, tsa_key.public_key(), name="BENCH TSA")
    server = _tsa.serve(_tsa.Authority(tsa_key, tsa_cert, (ca_cert,)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield BenchPki(ca_cert, key, cert, trust, _tsa.url_of(server))
    finally:
        server.shutdown()
        server.server_close()


def run(n: int = 2000, sign: int = 0) -> dict[str, float]:
    with bench_pki() as pki:
        result = _verification(n, pki.key, pki.cert, pki.trust, pki.url)
        print(
            f"signing: {n} approvals verified with every rule: {result['approvals_per_s']:.0f}/s; "
            f"bare cryptography ECDSA verify of the same signatures: {result['bare_verify_per_s']:.0f}/s; "
            f"full/bare throughput = {result['ratio']:.3f} (interleaved, rounds of {ROUND}); "
            f"the RFC 3161 token's check alone: {result['token_per_s']:.0f}/s; the approval rules "
            f"themselves (every rule less the token's check, timed alone in the same rounds)/bare = "
            f"{result['rules_ratio']:.3f}"
        )
        if sign:
            signed = _signing(sign, pki.key, pki.cert, pki.ca_cert, pki.trust, pki.url)
            result |= signed
            print(
                f"signing: {sign} decisions signed with TSA token + "
                f"PAdES B-LTA: {signed['sign_per_s']:.2f}/s "
                f"(envelope + PAdES B-B floor: {signed['bare_sign_per_s']:.2f}/s); long-term validation "
                f"{signed['ltv_per_s']:.2f}/s; bytes added: B-LTA - B-B {signed['lta_bytes_added']:,.0f} "
                f"on a {signed['pdf_bytes']:,}-byte PDF, .tsr {signed['tsr_bytes']:,.0f}"
            )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--sign", type=int, default=20, help="decisions to sign and validate long-term")
    args = parser.parse_args()
    run(args.n, args.sign)
