"""The verifier's PAdES signature on the validated statement PDF (pyhanko).

So that any PDF reader and EU signature validators show who validated the statement and that it is
unchanged, without ecocluster. The signature embeds the verifier certificate and the
accreditation-body CA; trust in that CA (or a qualified trust service) is the reader's configuration.
"""

from __future__ import annotations

import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing._pki import identity

FIELD_NAME = "EMASVerifier"


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
             chain: tuple[x509.Certificate, ...], *, location: str = "") -> bytes:
    """``pdf`` with an incremental PAdES B-B signature by the verifier; the key stays in memory."""
    who = identity(cert)
    pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    signer = signers.SimpleSigner(
        signing_cert=_asn1(cert), signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, location=location or None,
        reason=f"EMAS validation by {who.name}, accreditation {who.accreditation_no}")
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()
