"""The verifier's PAdES signature on the validated statement PDF (pyhanko).

So that any PDF reader and EU signature validators show who validated the statement and that it is
unchanged, without ecocluster. The signature embeds the verifier certificate and the
accreditation-body CA; trust in that CA (or a qualified trust service) is the reader's configuration.
"""

from __future__ import annotations

import io

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from signing._pki import identity
from signing._verify import TrustAnchors
from signing.signers import Signer, from_key

FIELD_NAME = "EMASVerifier"


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
             chain: tuple[x509.Certificate, ...], *, location: str = "") -> bytes:
    """``pdf`` signed with a bare key in memory (tests); the verifier's path is :func:`seal_pdf`."""
    return seal_pdf(pdf, from_key(key, cert, chain, "in-memory key"), location=location)


def seal_pdf(pdf: bytes, signer: Signer, *, location: str = "") -> bytes:
    """``pdf`` with an incremental PAdES B-B signature by ``signer`` (key file, token, remote service)."""
    who = identity(signer.certificate)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, location=location or None,
        reason=f"EMAS validation by {who.name}, accreditation {who.accreditation_no}")
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer.pdf_signer())
    return out.getvalue()


def verify_pdf(pdf: bytes, cert: x509.Certificate, trust: TrustAnchors) -> tuple[bool, str]:
    """(ok, what was found): the last signature is intact, trusted, covers the whole file and is by ``cert``."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import ValidationContext, validate_pdf_signature

    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except Exception as e:  # noqa: BLE001 -- pyhanko raises many unrelated types for a broken PDF
        return False, f"validated PDF unreadable: {e}"
    if not signatures:
        return False, "validated PDF carries no signature"
    roots = [_asn1(c) for c in trust.cas]
    status = validate_pdf_signature(signatures[-1], ValidationContext(trust_roots=roots, allow_fetching=False,
                                                                      revocation_mode="soft-fail"))
    signer_der = status.signing_cert.dump() if status.signing_cert else b""
    by_verifier = signer_der == cert.public_bytes(serialization.Encoding.DER)
    coverage = status.coverage.name if status.coverage else "NONE"
    ok = status.intact and status.valid and status.trusted and by_verifier and coverage == "ENTIRE_FILE"
    return ok, (f"intact={status.intact} valid={status.valid} trusted={status.trusted} "
                f"by approving verifier={by_verifier} coverage={coverage}")
