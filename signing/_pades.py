"""The verifier's PAdES B-LTA signature on the validated statement PDF (pyhanko).

So that any PDF reader and EU signature validators show who validated the statement and that it is
unchanged, without ecocluster, and still can in ten years: the signature carries an RFC 3161
signature timestamp (when it existed), the document security store (DSS) holds the certificate
chain and the CRL current at signing, and a document timestamp seals it all (PAdES B-LTA, ETSI EN
319 142-1). Validation (:func:`verify_pdf`) is pyHanko's AdES long-term validation at a given time
with fetching off, then the verifying party's own CRL judged at the signature timestamp's time
(:func:`ecocluster.signing._verify.check_certificate`), so a package still verifies after the verifier's
certificate expired or was retired. Trust in the CA is the reader's configuration.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko_certvalidator import ValidationContext

from ecocluster.core.errors import ApprovalRuleFailed, SignerUnavailable
from ecocluster.signing import _tsa
from ecocluster.signing._approval import signer_identity
from ecocluster.signing._verify import TrustAnchors, check_certificate
from ecocluster.signing.signers import Signer, from_key

FIELD_NAME = "EMASVerifier"
_ENDS_A_REVISION = re.compile(rb"startxref\s+\d+\s+%%EOF\s*\Z")  # the file ends where its last revision does


class _Drop(logging.Filter):
    """Drops pyHanko log records that are steps, not verdicts (the verdict is what we return)."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


# Signing offline is deliberate (the CRLs come from the verifying party's configuration), and a
# long-term validation first tries the signer's certificate at the reading time, logging a
# traceback when it has expired, before it validates at the timestamp's time.
logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_Drop("fetching is not allowed"))
logging.getLogger("pyhanko.sign.validation.generic_cms").addFilter(_Drop("Validation error"))


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _crl_der(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.DER)


def sign_pdf(
    pdf: bytes,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    *,
    tsa_url: str,
    roots: tuple[x509.Certificate, ...] = (),
    crls: tuple[x509.CertificateRevocationList, ...] = (),
    location: str = "",
) -> bytes:
    """``pdf`` signed with a bare key in memory (tests, forgeries); the verifier's path is
    :func:`seal_pdf`."""
    return seal_pdf(
        pdf,
        from_key(key, cert, chain, "in-memory key"),
        tsa_url=tsa_url,
        roots=roots,
        crls=crls,
        location=location,
    )


def seal_pdf(
    pdf: bytes,
    signer: Signer,
    *,
    tsa_url: str,
    roots: tuple[x509.Certificate, ...] = (),
    crls: tuple[x509.CertificateRevocationList, ...] = (),
    location: str = "",
    accreditation: bytes | None = None,
) -> bytes:
    """``pdf`` with an incremental PAdES B-LTA signature by ``signer`` (key file, token, remote service).

    The signer's chain and ``roots`` (the CAs of the verifier and of the TSA) and ``crls`` go into
    the DSS; the TSA at ``tsa_url`` stamps the signature and then the whole document. A certificate
    that does not chain to ``roots`` (a token signer without ``chain=``) cannot carry its validation
    data: :class:`SignerUnavailable`, not a half-signed PDF."""
    who = signer_identity(signer.certificate, accreditation)
    context = ValidationContext(
        trust_roots=[_asn1(c) for c in (*signer.chain, *roots)],
        crls=[_crl_der(c) for c in crls],
        allow_fetching=False,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        location=location or None,
        reason=f"EMAS validation by {who.name}, accreditation {who.accreditation_no}",
        embed_validation_info=True,
        use_pades_lta=True,
        validation_context=context,
    )
    try:
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            meta,
            signer=signer.pdf_signer(),
            timestamper=_tsa.timestamper(tsa_url),
        )
    except SigningError as e:
        why = f"{e}: {e.__cause__}" if e.__cause__ else str(e)
        raise SignerUnavailable(
            "cannot PAdES B-LTA-sign the validated PDF as "
            f"{signer.certificate.subject.rfc4514_string()}: {why}; "
            "the signer must bring its chain to the accreditation CA (chain= in the signer URI, or chain.pem "
            "beside the certificate)"
        ) from e
    return out.getvalue()


def _lta_spec(trust: TrustAnchors) -> Any:
    """pyHanko's validation spec: our anchors, nothing fetched, revocation data only where a
    certificate declares a source (ours do not: the verifying party's CRL is applied afterwards)."""
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    declared = RevocationCheckingRule.CHECK_IF_DECLARED
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(
            trust_roots=[_asn1(c) for c in trust.cas + trust.tsa + trust.qtsp]
        ),
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(declared, declared)),
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(RevinfoOnlineFetchingRule.LOCAL_ONLY),
        )
    )


def verify_pdf(
    pdf: bytes,
    cert: x509.Certificate,
    trust: TrustAnchors,
    *,
    now: dt.datetime | None = None,
    accreditation: bytes | None = None,
) -> tuple[bool, str]:
    """(ok, what was found): one verifier signature by ``cert``, intact, B-LTA-valid at ``now``
    (default: the current time) with fetching off, followed only by LTA updates (DSS, document
    timestamps, at least one of those), with nothing after the last revision (bytes appended outside
    any revision are covered by no signature: refused, as under PAdES B-B); and the verifier's certificate
    valid and not revoked (by the verifying party's CRL) at the signature timestamp's time, and
    accredited there (``accreditation``: the body's statement for a trust service provider's certificate)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

    now = now or dt.datetime.now(dt.UTC)
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        ours = [s for s in signatures if s.sig_object_type == "/Sig"]
        if len(ours) != 1:
            return False, f"validated PDF carries {len(ours)} signatures, expected the verifier's one"
        if not _ENDS_A_REVISION.search(pdf[-128:]):
            return False, (
                "validated PDF has bytes after its last revision's %%EOF (something appended): not "
                "the file the verifier signed and the TSA sealed"
            )
        timing = ValidationTimingInfo(
            validation_time=now, best_signature_time=now, point_in_time_validation=True
        )
        result = asyncio.run(ades_lta_validation(ours[0], _lta_spec(trust), timing_info=timing))
    except Exception as e:
        return False, f"validated PDF unreadable or its signatures malformed: {e}"
    status = result.api_status
    if status is None:
        return False, f"PAdES validation gave no result: {result.failure_msg}"
    signer_der = status.signing_cert.dump() if status.signing_cert else b""
    by_verifier = signer_der == cert.public_bytes(serialization.Encoding.DER)
    stamp = status.timestamp_validity
    stamped = stamp is not None and stamp.intact and stamp.valid
    level = status.modification_level
    lta_only = level is not None and level <= ModificationLevel.LTA_UPDATES
    archived = result.oldest_evidence_record_timestamp is not None
    passed = result.ades_subindic == AdESPassed.OK
    detail = (
        f"AdES {result.ades_subindic} at {now.date()} intact={status.intact} valid={status.valid} "
        f"by approving verifier={by_verifier} signature timestamp={stamped} "
        f"later changes={level.name if level else 'unknown'} document timestamp={archived}"
    )
    if not (
        passed
        and status.intact
        and status.valid
        and by_verifier
        and stamped
        and lta_only
        and archived
        and stamp is not None
    ):
        return False, f"not a valid PAdES B-LTA signature by the approving verifier: {detail}"
    try:
        check_certificate(cert, trust, stamp.timestamp, now, accreditation)
    except ApprovalRuleFailed as e:
        return False, f"{detail}; at the signature timestamp {stamp.timestamp.isoformat()}: {e}"
    return True, f"PAdES B-LTA: {detail}, signature timestamp {stamp.timestamp.isoformat()}"
