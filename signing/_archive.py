"""Archive timestamps: a validated PDF (or a package carrying one) extended with a new document
timestamp before the last one's TSA certificate expires (PAdES B-LTA renewal, ETSI EN 319 142-1).

A B-LTA signature verifies for as long as its newest document timestamp does: once that TSA
certificate expires, nothing vouches for the validation data any more. Renewing adds, as one
incremental update, the validation data of the last timestamp (DSS) and a new document timestamp
over the whole file. The bytes here are pure functions of their input and a TSA's answer; where
they are stored (never over the locked original) is :mod:`ecocluster.signing._renewals`.

A renewal is accepted only as an extension of exactly the bytes it renews (:func:`check_extension`):
the old file is a prefix of the new one, the signatures are the old ones plus document timestamps,
and pyHanko's difference analysis finds nothing after the verifier's signature but LTA updates.
A package renewal changes the PDF and what BagIt derives from it, nothing else.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from ecocluster.core.errors import ApprovalRefused
from ecocluster.signing import _pki, _tsa
from ecocluster.signing._dsse import Envelope
from ecocluster.signing._package import (
    PackageFiles,
    PackageRefused,
    SignedInputs,
    bag_files,
    read_tar,
    tar_bytes,
)
from ecocluster.signing._pades import _asn1, _crl_der
from ecocluster.signing._verify import TrustAnchors

PDF_MEMBER = "data/statement-validated.pdf"
# What a package renewal may change: the PDF and what BagIt computes from the payload.
DERIVED = frozenset({PDF_MEMBER, "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"})


class RenewalRefused(ApprovalRefused):
    """A renewal that is not an LTA extension of the bytes it renews; ``rule`` names why."""

    def __init__(self, rule: str, what: str, message: str) -> None:
        self.rule, self.what, self.message = rule, what, message
        super().__init__(f"archive renewal refused, rule {rule} ({what}): {message}")

    def __reduce__(self) -> tuple[type[RenewalRefused], tuple[str, str, str]]:
        return type(self), (self.rule, self.what, self.message)


def _signatures(pdf: bytes) -> list[tuple[str, bytes]]:
    """(type, CMS bytes) of every signature in ``pdf``, in file order."""
    found = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    return [(s.sig_object_type, bytes(s.pkcs7_content)) for s in found]


def newest_timestamp_expiry(pdf: bytes) -> dt.datetime:
    """When the TSA certificate of the newest document timestamp expires (of the signature
    timestamp when there is no document timestamp): until then the file verifies as it is."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamps = reader.embedded_timestamp_signatures
    if stamps:
        cert = stamps[-1].signer_cert
    else:
        signed = reader.embedded_regular_signatures
        token = signed[-1].attached_timestamp_data if signed else None
        if token is None:
            raise RenewalRefused("no-timestamp", "(pdf)", "the PDF carries no timestamp to renew")
        cert = token.signer_cert
    return x509.load_der_x509_certificate(cert.dump()).not_valid_after_utc


def extend_pdf(pdf: bytes, tsa_url: str, trust: TrustAnchors) -> bytes:
    """``pdf`` with the validation data of its last document timestamp (chain and CRLs of the
    reader's trust, nothing fetched) and a new document timestamp from ``tsa_url``, appended."""
    roots = [_asn1(c) for c in (*trust.cas, *trust.tsa)]
    context = ValidationContext(
        trust_roots=roots,
        crls=[_crl_der(c) for c in trust.crls],
        allow_fetching=False,
    )
    stamper = signers.PdfTimeStamper(_tsa.timestamper(tsa_url))
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out = io.BytesIO()
    try:
        asyncio.run(
            stamper.async_update_archival_timestamp_chain(reader, context, in_place=False, output=out)
        )
    except TimestampRequestError as e:
        raise _tsa.TimestampUnavailable(
            f"timestamp authority {tsa_url} did not answer the archive timestamp request ({e}); "
            "check [signing] tsa_url or --tsa, then rerun: what was renewed is kept"
        ) from e
    renewed = out.getvalue()
    check_extension(pdf, renewed)
    return renewed


def check_extension(before: bytes, after: bytes) -> None:
    """Refuses ``after`` unless it is ``before`` with LTA updates appended: rule ``prefix`` (the
    renewed bytes rewrite the old ones), ``signatures`` (a signature other than a document timestamp
    added, or none), ``lta-only`` (pyHanko finds other changes after the verifier's signature)."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel

    if len(after) <= len(before) or not after.startswith(before):
        raise RenewalRefused("prefix", "(pdf)", "the renewal does not begin with exactly the bytes it renews")
    try:
        old, new = _signatures(before), _signatures(after)
        reader = PdfFileReader(io.BytesIO(after), strict=False)
        ours = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
        for signature in ours:
            signature.compute_integrity_info(DEFAULT_DIFF_POLICY)
        levels = [signature.diff_result for signature in ours]
    except Exception as e:
        raise RenewalRefused("signatures", "(pdf)", f"the renewal cannot be read: {e}") from e
    added = new[len(old) :]
    if new[: len(old)] != old or not added or any(kind != "/DocTimeStamp" for kind, _ in added):
        raise RenewalRefused(
            "signatures",
            "(pdf)",
            f"the renewal must keep the {len(old)} signature(s) and add only document timestamps; "
            f"it adds {[kind for kind, _ in added] or 'none'}",
        )
    worst = [getattr(level, "modification_level", None) for level in levels]
    if len(ours) != 1 or any(w is None or w > ModificationLevel.LTA_UPDATES for w in worst):
        raise RenewalRefused(
            "lta-only",
            "(pdf)",
            "after the verifier's signature only DSS updates and document timestamps may follow; "
            f"found {[w.name if w else 'not allowed' for w in worst]}",
        )


def _inputs(files: PackageFiles, pdf: bytes) -> SignedInputs:
    """The signed inputs a package was built from, with ``pdf`` for its validated PDF."""
    cert_pem = files.data("verifier-cert.pem")
    return SignedInputs(
        statement_json=files.data("statement.json"),
        envelope=Envelope.from_json(files.data("approval.dsse.json")),
        cert=_pki.load_certs(cert_pem)[0],
        chain=tuple(_pki.load_certs(files.data("chain.pem"))),
        signed_pdf=pdf,
        timestamp=files.data("approval.tsr"),
    )


def renewed_package(package: bytes, pdf: bytes) -> bytes:
    """``package`` (a delivered tar) with ``pdf``, an extension of its validated PDF, in its place
    and the bag's manifests made anew; every other member is kept byte for byte."""
    files = read_tar(package)
    check_extension(files[PDF_MEMBER], pdf)
    try:
        rebuilt = bag_files(_inputs(files, pdf), application_pdf_bytes=files.data("annex-vi-application.pdf"))
    except (KeyError, TypeError, ValueError) as e:
        raise RenewalRefused("package", "(archive)", f"the package cannot be rebuilt: {e}") from e
    renewed = tar_bytes(rebuilt)
    check_package_extension(package, renewed)
    return renewed


def check_package_extension(before: bytes, after: bytes) -> None:
    """Refuses a renewed package unless its PDF extends the original's (:func:`check_extension`)
    and every member but the PDF and BagIt's manifests is the original's, byte for byte
    (rule ``package``, naming the member)."""
    try:
        old, new = read_tar(before), read_tar(after)
    except PackageRefused as e:
        raise RenewalRefused("package", e.file, e.message) from e
    check_extension(old[PDF_MEMBER], new[PDF_MEMBER])
    for name, data in old.files:
        if name not in DERIVED and new[name] != data:
            raise RenewalRefused("package", name, "a renewal changes only the validated PDF")


def extend_package(package: bytes, tsa_url: str, trust: TrustAnchors) -> bytes:
    """A delivered package renewed on its own (a competent body's copy): its PDF extended by
    :func:`extend_pdf` and the bag rebuilt around it."""
    pdf = read_tar(package)[PDF_MEMBER]
    return renewed_package(package, extend_pdf(pdf, tsa_url, trust))


__all__ = [
    "RenewalRefused",
    "check_extension",
    "check_package_extension",
    "extend_package",
    "extend_pdf",
    "newest_timestamp_expiry",
    "renewed_package",
]
