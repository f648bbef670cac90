"""Offline verification of a registration package or a bare approval: what a competent body runs.

Needs nothing but the package and the trust anchor (the accreditation body's CA, given by the
reader, never taken from the package itself). Every check is reported, passed or not, so a refusal
lists all its reasons at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
import pypdf
from cryptography.hazmat.primitives.asymmetric import ec

import statements
from signing import _pki
from signing._dsse import signed_by
from signing._inbox import approved_block
from signing._package import unpack
from signing._pades import verify_pdf
from signing._verify import (
    ApprovalContext,
    ApprovalRuleFailed,
    TrustAnchors,
    VerifiedApproval,
    attested_time,
    check_certificate,
    check_signed_at,
    parse,
    signed_at,
    verify_approval,
)
from warehouse.errors import ConfigurationError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class PackageReport:
    checks: tuple[Check, ...]
    approval: VerifiedApproval | None
    application: dict[str, Any]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def reasons(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if not c.ok]


def _read(folder: Path, name: str) -> bytes:
    path = folder / "data" / name
    return path.read_bytes() if path.is_file() else b""


def _read_json(folder: Path, name: str) -> dict[str, Any]:
    """The object in a package JSON file; a broken or missing one reads as empty (the checks then fail)."""
    try:
        value = json.loads(_read(folder, name) or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def verify_package(folder: Path, trust: TrustAnchors, *, now: dt.datetime | None = None) -> PackageReport:
    """Every check on an unpacked bag; never raises for a bad package, reports it.

    ``now`` is when the check runs (default: the current time; a later one shows what a reader
    will see then): certificates are judged at the attested times of the approval's timestamp and
    of the PDF's signature timestamp, so a genuine package still verifies after they expired."""
    checks: list[Check] = []
    try:
        bagit.Bag(str(folder)).validate()
        checks.append(Check("bag", True, "BagIt manifest complete, every SHA-256 matches"))
    except bagit.BagError as e:
        checks.append(Check("bag", False, f"BagIt validation failed: {e}"))
    application = _read_json(folder, "annex-vi-application.json")
    org = application.get("organisation", {})
    envelope = _read(folder, "approval.dsse.json")
    crls = tuple(_pki.load_crl(p) for p in _split_pem(_read(folder, "crl.pem"), b"X509 CRL"))
    anchors = dataclasses.replace(trust, crls=trust.crls + crls)  # CAs only from the reader; CRLs may travel
    approval = None
    try:
        cert = _pki.load_certs(_read(folder, "verifier-cert.pem"))[0]
        statement = _read(folder, "statement.json")
        summary = _read_json(folder, "check-summary.json")
        context = ApprovalContext(
            member_id=str(org.get("id")), nace=str(org.get("nace")), cluster_id=str(application.get("cluster")),
            reporting_year=int(application.get("reportingYear", 0)),
            statement_id=hashlib.sha256(statement).hexdigest(), json_sha256=hashlib.sha256(statement).hexdigest(),
            pdf_sha256=parse(envelope)[1]["subject"][1]["digest"]["sha256"],
            blocking_failures=() if summary.get("blocking") == 0 else ("check summary shows blocking failures",))
        approval = verify_approval(envelope, cert, anchors, context, timestamp=_read(folder, "approval.tsr"),
                                   now=now)
        checks.append(Check("approval", True, f"{approval.decision} by {approval.verifier.name} "
                            f"({approval.verifier.accreditation_no}), signature attested at "
                            f"{approval.attested_at.isoformat()}"))
        signed_pdf = _read(folder, "statement-validated.pdf")
        checks.append(Check("pdf-signature", *verify_pdf(signed_pdf, cert, anchors, now=now)))
        checks.append(_pdf_content(statement, signed_pdf, approval))
    except ApprovalRuleFailed as e:
        checks.append(Check(f"approval/{e.rule}", False, str(e)))
    except (ConfigurationError, ValueError, KeyError, IndexError) as e:
        checks.append(Check("approval", False, f"package incomplete or malformed: {e}"))
    if approval is not None:
        checks.append(Check("decision", approval.decision == "approved", f"decision is {approval.decision}"))
        declared = _read(folder, "annex-vii-declaration.txt").decode("utf-8", "replace")
        checks.append(Check("declaration", bool(declared) and declared == approval.declaration,
                            "Annex VII text equals the signed declaration" if declared == approval.declaration
                            else "Annex VII text differs from the declaration the verifier signed"))
        named = application.get("verifier", {}).get("accreditationNo")
        checks.append(Check("application", named == approval.verifier.accreditation_no,
                            f"application names accreditation {named}, approval {approval.verifier.accreditation_no}"))
    return PackageReport(tuple(checks), approval, application)


def _pdf_content(statement: bytes, signed_pdf: bytes, approval: VerifiedApproval) -> Check:
    """Whether the signed PDF shows the signed statement: the render of statement.json with the
    verifier's block, byte for byte under the signature (the render is deterministic), as intake
    checked it. A PDF made by another typst release cannot be compared byte for byte: the check
    then says so, rather than refusing a genuine package made with an older ecocluster."""
    block = approved_block(approval)
    try:
        expected = statements.validated_pdf(statement, block)
    except (statements.StatementInvalid, statements.RenderFailed, ValueError) as e:
        return Check("pdf-content", False, f"statement.json cannot be rendered: {e}")
    if signed_pdf.startswith(expected):
        return Check("pdf-content", True, "the signed PDF is the render of statement.json with the verifier's block")
    theirs, ours = _creator(signed_pdf), _creator(expected)
    if theirs != ours:
        return Check("pdf-content", True, f"not compared: the PDF was made by {theirs}, this ecocluster renders "
                     f"with {ours}; verify with the ecocluster release that drafted it for a byte comparison")
    return Check("pdf-content", False, "the signed PDF is not the render of statement.json with the verifier's "
                 f"block ({block.name}, {block.accreditation_no}, {block.validated_on}): what the verifier signed "
                 "as a document differs from the statement data")


def _creator(pdf: bytes) -> str:
    try:
        info = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    except pypdf.errors.PyPdfError:
        return "an unreadable PDF"
    return str(info.creator) if info and info.creator else "an unknown program"


def _split_pem(data: bytes, label: bytes) -> list[bytes]:
    end = b"-----END " + label + b"-----"
    return [part + end + b"\n" for part in data.split(end) if part.strip()]


def verify_archive(data: bytes, trust: TrustAnchors, *, now: dt.datetime | None = None) -> PackageReport:
    """:func:`verify_package` on a delivered tar; an unreadable archive is a refusal, not a crash."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            folder = unpack(data, Path(tmp))
        except (tarfile.TarError, OSError) as e:
            return PackageReport((Check("archive", False, f"not a readable package tar: {e}"),), None, {})
        return verify_package(folder, trust, now=now)


def verify_envelope(envelope: bytes, cert_pem: bytes, trust: TrustAnchors, *, timestamp: bytes | None = None,
                    now: dt.datetime | None = None) -> PackageReport:
    """A bare approval offline: envelope, signature, timestamp, chain, validity and revocation at the
    attested time (no warehouse rules); ``timestamp`` is its ``.tsr``."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        parsed, statement = parse(envelope)
        cert = _pki.load_certs(cert_pem)[0]
        public_key = cert.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or not signed_by(parsed, public_key):
            raise ApprovalRuleFailed("signature", "the DSSE signature does not verify with the given certificate")
        attested = attested_time(parsed, public_key, timestamp, trust, now)
        who = check_certificate(cert, trust, attested, now)
        check_signed_at(signed_at(statement["predicate"]), attested)
    except ApprovalRuleFailed as e:
        return PackageReport((Check(f"approval/{e.rule}", False, str(e)),), None, {})
    except ConfigurationError as e:
        return PackageReport((Check("approval/certificate", False, f"{e}; pass the verifier cert with --cert"),),
                             None, {})
    predicate = statement["predicate"]
    return PackageReport((
        Check("envelope", True, f"in-toto Statement v1, decision {predicate['decision']}"),
        Check("signature", True, f"signed by {who.name} ({who.accreditation_no})"),
        Check("timestamp", True, f"signature attested at {attested.isoformat()} by a trusted TSA"),
        Check("certificate", True, "chains to the trust anchor, valid and not revoked at the attested time"),
    ), None, {})
