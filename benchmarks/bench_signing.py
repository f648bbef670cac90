"""Approval verification throughput: ``verify_approval`` (every rule) ÷ bare ``cryptography`` ECDSA verify.

Both sides verify the same N DSSE envelopes signed by one verifier (P-256). The full run parses
each envelope, checks the signature, its RFC 3161 timestamp (stamped beforehand, untimed, by
ecocluster's TSA on loopback), the certificate chain, validity at the attested time, the CRL,
identity, NACE scope, cycle, current-draft digests, conflicts and blocking checks; the bare run
only calls ``public_key.verify`` on the PAE bytes. The ratio is what the rules cost.
Usage: ``python -m benchmarks.bench_signing [--n 2000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from signing import _pki, _tsa
from signing._approval import Draft, sign_approval
from signing._dsse import Envelope, pae
from signing._verify import ApprovalContext, TrustAnchors, verify_approval


def run(n: int = 2000) -> dict[str, float]:
    ca_key, ca_cert = _pki.create_ca("BENCH Accreditation Body")
    key = _pki.new_key()
    cert = _pki.issue_verifier(ca_key, ca_cert, key.public_key(), name="Bench Verifier",
                               accreditation_no="B-1", nace_scope=("55.10",))
    trust = TrustAnchors((ca_cert,), (_pki.build_crl(ca_key, ca_cert, []),))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = _tsa.issue_tsa_certificate(ca_key, ca_cert, tsa_key.public_key(), name="BENCH TSA")
    server = _tsa.serve(_tsa.Authority(tsa_key, tsa_cert, (ca_cert,)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cases = []
    for i in range(n):
        j, p = hashlib.sha256(b"j%d" % i).hexdigest(), hashlib.sha256(b"p%d" % i).hexdigest()
        draft = Draft(j, f"M{i}", f"Member {i}", "55.10", "c", 2025, j, p)
        context = ApprovalContext(f"M{i}", "55.10", "c", 2025, j, j, p)
        envelope = sign_approval(draft, key, cert)
        token = _tsa.request(_tsa.url_of(server), Envelope.from_json(envelope).signatures[0][1])
        cases.append((envelope, token, context))
    server.shutdown()
    now = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    for envelope, token, context in cases:
        verify_approval(envelope, cert, trust, context, timestamp=token, now=now)
    full = time.perf_counter() - start
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    bare_inputs = [(Envelope.from_json(e).signatures[0][1], pae(Envelope.from_json(e).payload_type,
                                                                 Envelope.from_json(e).payload)) for e, _, _ in cases]
    start = time.perf_counter()
    for signature, message in bare_inputs:
        public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    bare = time.perf_counter() - start
    result = {"n": n, "approvals_per_s": n / full, "bare_verify_per_s": n / bare, "ratio": bare / full}
    print(f"signing: {n} approvals verified with every rule: {result['approvals_per_s']:.0f}/s; "
          f"bare cryptography ECDSA verify of the same signatures: {result['bare_verify_per_s']:.0f}/s; "
          f"full/bare throughput = {result['ratio']:.2f}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    run(parser.parse_args().n)
