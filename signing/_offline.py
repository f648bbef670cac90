"""Offline verification of a registration package or a bare approval: what a competent body runs.

Trust comes from the reader only: the accreditation body's CA and its current CRL, and the CAs
trusted for timestamp authorities, are the reader's configuration (``--trust``/``--crl``/
``--tsa-trust``, or the home's ``[signing]`` settings), never the package's. Certificates are
judged at attested times (the approval's ``approval.tsr``, the PDF's signature timestamp), the
whole at ``now`` (default: the current time; a later one shows what a reader will see then). A package is read
once into a bounded :class:`~ecocluster.signing._package.PackageFiles`, the facts that decide anything
(member, NACE code, cluster, year, country, blocking checks) are read from the statement whose digest the
verifier signed, and every other file must be exactly what those signed inputs give
(:func:`ecocluster.signing._package.bag_files`), so an edit of any file, with the bag's manifests re-saved, is
refused naming the file. Each check ends PASS, FAIL or NOT CHECKED; only a report whose checks all PASS
verifies, and every check is reported, so a refusal lists all its reasons at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bagit
import pypdf
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster import statements
from ecocluster.core.errors import ApprovalRuleFailed, ConfigurationError
from ecocluster.signing import _pki
from ecocluster.signing._annex import AnnexInvalid
from ecocluster.signing._annex import validate as validate_annex
from ecocluster.signing._approval import APPROVED
from ecocluster.signing._dsse import Envelope, signed_by, strict_json
from ecocluster.signing._inbox import DEFAULT_LIMITS, InboxFile, InboxLimits, approved_block
from ecocluster.signing._package import (
    PackageFiles,
    PackageRefused,
    SignedInputs,
    bag_files,
    read_folder,
    read_tar,
    write_folder,
)
from ecocluster.signing._pades import verify_pdf
from ecocluster.signing._verify import (
    ApprovalContext,
    TrustAnchors,
    VerifiedApproval,
    load_certificate,
    parse_approval,
    verify_approval,
    verify_signer,
)

if TYPE_CHECKING:  # signxml and xsdata load only when a trusted list is configured
    from ecocluster.signing._trusted_list import QualificationPolicy


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_CHECKED = "NOT CHECKED"  # could not be decided here: never a pass


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    detail: str
    file: str = ""  # the bag member the check is about ("" for the package as a whole)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.PASS


_ID = re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # safe as one path part
_COUNTRY = re.compile(r"[A-Z]{2}")
_NACE = re.compile(r"[0-9]{2}(\.[0-9]{1,2})?")
_LANGUAGE = re.compile(r"[a-z]{2}")
_KIND = re.compile(r"full|updated")
_SIZE = re.compile(r"micro|small|medium|large")


@dataclass(frozen=True)
class SignedFacts:
    """What the competent body acts on, each from the statement whose digest the verifier signed."""

    member_id: str
    legal_name: str
    country: str
    nace: str
    cluster_id: str
    reporting_year: int
    blocking: int
    # What the competent body's request types and profile checks read (issue 18):
    language: str = "en"  # of the statement
    kind: str = "full"  # full | updated statement
    size_class: str = "small"  # micro | small | medium | large (fee rule)
    public_body: bool = False  # fee exemption
    derogation: bool = False  # Art. 7: the updated statement is due every two years
    site_ids: tuple[str, ...] = ()  # sorted; a new one makes an extension


@dataclass(frozen=True)
class PackageReport:
    checks: tuple[Check, ...]
    approval: VerifiedApproval | None
    facts: SignedFacts | None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def reasons(self) -> list[str]:
        return [f"{c.name} ({c.file or 'package'}): {c.outcome.value}: {c.detail}" for c in self.failed()]


_STATEMENT = "data/statement.json"
_ENVELOPE = "data/approval.dsse.json"
_CERT = "data/verifier-cert.pem"
_PDF = "data/statement-validated.pdf"
_TSR = "data/approval.tsr"
# Which file an approval rule is about, so a refusal names it.
_RULE_FILE = {
    "signature": f"{_ENVELOPE}, {_CERT}",
    "chain": _CERT,
    "accreditation": _ENVELOPE,  # the body's statement travels inside the envelope
    "validity": _CERT,
    "revocation": _CERT,
    "timestamp": _TSR,
    "nace-scope": _STATEMENT,
    "current-draft": _STATEMENT,
    "blocking-checks": _STATEMENT,
}


def _field(doc: Any, path: str, kind: type, pattern: re.Pattern[str] | None = None) -> Any:
    value = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if (
        not isinstance(value, kind)
        or isinstance(value, bool)
        or (pattern is not None and not (isinstance(value, str) and pattern.fullmatch(value)))
    ):
        raise PackageRefused(
            "statement",
            _STATEMENT,
            f"{path} is {value!r}, expected a {kind.__name__}"
            + (f" matching {pattern.pattern}" if pattern else ""),
        )
    return value


def _flag(doc: Any, path: str) -> bool:
    value = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, bool):
        raise PackageRefused("statement", _STATEMENT, f"{path} is {value!r}, expected true or false")
    return value


def _site_ids(doc: Any) -> tuple[str, ...]:
    sites = doc.get("sites") if isinstance(doc, dict) else None
    if not isinstance(sites, list) or len(sites) > 10_000:
        raise PackageRefused("statement", _STATEMENT, "sites is not a list of at most 10,000 sites")
    return tuple(sorted({_field(s, "site_id", str, _ID) for s in sites}))


def signed_facts(statement_json: bytes) -> SignedFacts:
    """The deciding facts of a statement, typed and checked (ids safe as path parts)."""
    try:
        doc = json.loads(statement_json)
    except (ValueError, UnicodeDecodeError) as e:
        raise PackageRefused("statement", _STATEMENT, f"not JSON: {e}") from e
    year = _field(doc, "reporting_year", int)
    blocking = _field(doc, "compliance.checks.blocking", int)
    if not 1990 <= year <= 2200 or blocking < 0:
        raise PackageRefused(
            "statement", _STATEMENT, f"reporting_year {year} or blocking {blocking} out of range"
        )
    return SignedFacts(
        member_id=_field(doc, "organisation.member_id", str, _ID),
        legal_name=_field(doc, "organisation.legal_name", str),
        country=_field(doc, "organisation.country", str, _COUNTRY),
        nace=_field(doc, "organisation.nace", str, _NACE),
        cluster_id=_field(doc, "cluster.cluster_id", str, _ID),
        reporting_year=year,
        blocking=blocking,
        language=_field(doc, "language", str, _LANGUAGE),
        kind=_field(doc, "kind", str, _KIND),
        size_class=_field(doc, "organisation.size_class", str, _SIZE),
        public_body=_flag(doc, "organisation.public_body"),
        derogation=_flag(doc, "organisation.derogation"),
        site_ids=_site_ids(doc),
    )


def _one_cert(pem: bytes) -> x509.Certificate:
    try:
        certs = _pki.load_certs(pem)
    except ConfigurationError as e:
        raise PackageRefused("certificate", _CERT, str(e)) from e
    if len(certs) != 1:
        raise PackageRefused("certificate", _CERT, f"{len(certs)} certificates, expected exactly one")
    return certs[0]


def _subject_pdf_digest(envelope: bytes) -> str:
    """The draft PDF digest the approval names (its JSON digest is checked against statement.json)."""
    try:
        subjects = Envelope.from_json(envelope).statement().get("subject")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
        raise ApprovalRuleFailed("envelope", f"not a readable DSSE approval envelope ({e})") from e
    for subject in subjects if isinstance(subjects, list) else ():
        name = subject.get("name") if isinstance(subject, dict) else None
        digest = subject.get("digest") if isinstance(subject, dict) else None
        if isinstance(name, str) and name.endswith(".pdf") and isinstance(digest, dict):
            return str(digest.get("sha256"))
    raise ApprovalRuleFailed("envelope", "the envelope's subject names no PDF digest")


def _approval(
    files: PackageFiles, trust: TrustAnchors, now: dt.datetime | None
) -> tuple[VerifiedApproval, SignedFacts, x509.Certificate]:
    facts = signed_facts(files[_STATEMENT])
    envelope, cert = files[_ENVELOPE], _one_cert(files[_CERT])
    digest = hashlib.sha256(files[_STATEMENT]).hexdigest()
    context = ApprovalContext(
        member_id=facts.member_id,
        nace=facts.nace,
        cluster_id=facts.cluster_id,
        reporting_year=facts.reporting_year,
        statement_id=digest,
        json_sha256=digest,
        pdf_sha256=_subject_pdf_digest(envelope),
        blocking_failures=() if facts.blocking == 0 else (f"{facts.blocking} blocking check failure(s)",),
    )
    approval = verify_approval(envelope, cert, trust, context, timestamp=files[_TSR], now=now)
    return approval, facts, cert


def verify_files(
    files: PackageFiles,
    trust: TrustAnchors,
    *,
    now: dt.datetime | None = None,
    qualification: QualificationPolicy | None = None,
) -> PackageReport:
    """Every check on a package read at the boundary; never raises for a bad package, reports it.
    With ``qualification`` the verifier's certificate is also assessed against an EU trusted list."""
    checks = [_bag(files)]
    try:
        approval, facts, cert = _approval(files, trust, now)
    except PackageRefused as e:
        return PackageReport((*checks, Check(e.rule, Outcome.FAIL, str(e), e.file)), None, None)
    except ApprovalRuleFailed as e:
        return PackageReport(
            (*checks, Check(f"approval/{e.rule}", Outcome.FAIL, str(e), _RULE_FILE.get(e.rule, _ENVELOPE))),
            None,
            None,
        )
    checks.append(
        Check(
            "approval",
            Outcome.PASS,
            f"{approval.decision} by {approval.verifier.name} "
            f"({approval.verifier.accreditation_no}), signature "
            f"attested at {approval.attested_at.isoformat()}",
            _ENVELOPE,
        )
    )
    if qualification is not None:
        checks.append(_qualification(cert, trust, approval.attested_at, qualification, _CERT))
    checks.append(
        Check(
            "decision",
            Outcome.PASS if approval.decision == "approved" else Outcome.FAIL,
            f"decision is {approval.decision}",
            _ENVELOPE,
        )
    )
    claimed = approval.statement["predicate"].get("member")
    nace = claimed.get("nace") if isinstance(claimed, dict) else None
    checks.append(
        Check(
            "member-nace",
            Outcome.PASS if nace == facts.nace else Outcome.FAIL,
            f"the approval names NACE {nace!r}, the signed statement {facts.nace!r}",
            _ENVELOPE,
        )
    )
    checks.append(_pdf_signature(files[_PDF], cert, trust, now, approval.accreditation))
    checks.append(_pdf_content(files[_STATEMENT], files[_PDF], approval))
    checks.extend(_bound_files(files, trust, cert))
    return PackageReport(tuple(checks), approval, facts)


def _qualification(
    cert: x509.Certificate,
    trust: TrustAnchors,
    attested_at: dt.datetime,
    policy: QualificationPolicy,
    where: str,
) -> Check:
    """Whether the verifier signed with a QES (or a qualified seal), at the attested signing time, under
    the trusted list; a FAIL only when ``[intake] require`` asks for what the certificate is not."""
    issuers = tuple(c for c in trust.cas + trust.qtsp if c.subject == cert.issuer)
    found = policy.trusted_list.assess(cert, issuers, attested_at)
    unmet = found.unmet(policy.require)
    return Check("qualification", Outcome.FAIL if unmet else Outcome.PASS, unmet or str(found), where)


def _pdf_signature(
    pdf: bytes,
    cert: x509.Certificate,
    trust: TrustAnchors,
    now: dt.datetime | None,
    accreditation: bytes | None,
) -> Check:
    """The PAdES B-LTA signature is intact, trusted, by the approving verifier and covers the whole
    file; the certificate is judged at its signature timestamp's time, the whole at ``now``."""
    try:
        ok, found = verify_pdf(pdf, cert, trust, now=now, accreditation=accreditation)
    except Exception as e:
        return Check(
            "pdf-signature",
            Outcome.FAIL,
            f"the PDF signature cannot be validated: {type(e).__name__}: {e}",
            _PDF,
        )
    return Check("pdf-signature", Outcome.PASS if ok else Outcome.FAIL, found, _PDF)


def _bag(files: PackageFiles) -> Check:
    """BagIt's own validation (bagit.py), the independent tool: manifests complete, digests match."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            bagit.Bag(str(write_folder(files, Path(tmp)))).validate()
        except bagit.BagError as e:
            details = getattr(e, "details", None) or []
            where = next((str(getattr(d, "path", "")) for d in details if getattr(d, "path", "")), "")
            return Check("bag", Outcome.FAIL, f"BagIt validation failed: {e}", where)
    return Check("bag", Outcome.PASS, "BagIt manifest complete, every SHA-256 matches")


def _application_schema(files: PackageFiles) -> list[Check]:
    """The delivered Annex VI application as it is, against its schema (rule ``annex-vi-schema``):
    a FAIL naming the first bad field, or nothing (the byte comparison that follows says the rest)."""
    name = "data/annex-vi-application.json"
    try:
        validate_annex("VI", strict_json(files[name], "the Annex VI application"), name)
    except AnnexInvalid as e:
        return [Check(e.rule, Outcome.FAIL, e.message, name)]
    except ValueError as e:
        return [Check("annex-vi-schema", Outcome.FAIL, f"not strict JSON: {e}", name)]
    return []


def _bound_files(files: PackageFiles, trust: TrustAnchors, cert: x509.Certificate) -> list[Check]:
    """Every file must be what the signed inputs and the reader's own CAs give, byte for byte."""
    envelope = Envelope.from_json(files[_ENVELOPE])
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)  # verify_approval checked the signature with it
    own = tuple(
        (_pki.key_id(public_key), sig)
        for _, sig in envelope.signatures
        if signed_by(Envelope(envelope.payload_type, envelope.payload, ((_, sig),)), public_key)
    )
    # approval.tsr is taken as given: verify_approval checked its TSA signature and that its message
    # imprint is the envelope's signature, so it is bound to the signed envelope.
    inputs = SignedInputs(
        files[_STATEMENT],
        Envelope(envelope.payload_type, envelope.payload, own),
        cert,
        tuple(ca for ca in trust.cas + trust.qtsp if _pki.issued_by(cert, ca)),
        files[_PDF],
        files[_TSR],
    )
    theirs = files["data/annex-vi-application.pdf"]
    schema = _application_schema(files)
    try:
        expected = bag_files(inputs)
        reproduced = expected["data/annex-vi-application.pdf"] == theirs
        if not reproduced and _creator(theirs) != _creator(expected["data/annex-vi-application.pdf"]):
            expected = bag_files(
                inputs, application_pdf_bytes=theirs
            )  # judge the rest; the PDF stays unchecked
    except AnnexInvalid as e:  # what the verifier signed does not make a valid Annex VI or VII
        return [*schema, Check(e.rule, Outcome.FAIL, e.message, e.file)]
    except (KeyError, TypeError, ValueError, AttributeError, statements.RenderFailed) as e:
        return [
            *schema,
            Check(
                "statement",
                Outcome.FAIL,
                f"the signed statement lacks what the application needs: {e!r}",
                _STATEMENT,
            ),
        ]
    checks = [
        *schema,
        *(
            Check("bound-file", Outcome.FAIL, f"differs from what the signed data give ({_what(name)})", name)
            for name, data in files.files
            if _comparable(name, expected[name]) != _comparable(name, data)
        ),
    ]
    if not reproduced and expected["data/annex-vi-application.pdf"] == theirs:
        checks.append(
            Check(
                "bound-file",
                Outcome.NOT_CHECKED,
                f"not compared: the application PDF was made by "
                f"{_creator(theirs)}; verify with the ecocluster release that built the package",
                "data/annex-vi-application.pdf",
            )
        )
    return checks or [
        Check(
            "bound-files",
            Outcome.PASS,
            "every file is what the verifier-signed statement and "
            "approval, the certificate and your trusted CA give",
        )
    ]


def _comparable(name: str, data: bytes) -> bytes | list[bytes]:
    """A manifest is a set of lines (BagIt tools write them in any order); other files are bytes."""
    return sorted(data.splitlines()) if name.endswith("manifest-sha256.txt") else data


def _what(name: str) -> str:
    if name == _ENVELOPE:
        return (
            "the envelope must be canonical JSON with only the verifier's signature, keyid of its certificate"
        )
    if name == "data/chain.pem":
        return "must be your trusted CA that issued the verifier certificate"
    if name.startswith("data/"):
        return "derived from statement.json and the approval"
    return "bag tag file or manifest"


def _pdf_content(statement: bytes, signed_pdf: bytes, approval: VerifiedApproval) -> Check:
    """Whether the signed PDF shows the signed statement: the render of statement.json with the
    verifier's block, byte for byte under the signature (the render is deterministic). A PDF made
    by another typst release cannot be compared byte for byte: the check is then NOT CHECKED,
    which never counts as a pass (verify with the release that drafted it)."""
    block = approved_block(approval)
    try:
        expected = statements.validated_pdf(statement, block)
    except (statements.StatementInvalid, statements.RenderFailed, ValueError, KeyError, TypeError) as e:
        return Check("pdf-content", Outcome.FAIL, f"statement.json cannot be rendered: {e}", _PDF)
    if signed_pdf.startswith(expected):
        return Check(
            "pdf-content",
            Outcome.PASS,
            "the signed PDF is the render of statement.json with the verifier's block",
            _PDF,
        )
    theirs, ours = _creator(signed_pdf), _creator(expected)
    if theirs != ours:
        return Check(
            "pdf-content",
            Outcome.NOT_CHECKED,
            f"not compared: the PDF was made by {theirs}, this "
            f"ecocluster renders with {ours}; verify with the ecocluster release that drafted it",
            _PDF,
        )
    return Check(
        "pdf-content",
        Outcome.FAIL,
        "the signed PDF is not the render of statement.json with the verifier's "
        f"block ({block.name}, {block.accreditation_no}, {block.validated_on}): what the verifier signed "
        "as a document differs from the statement data",
        _PDF,
    )


def _creator(pdf: bytes) -> str:
    try:
        info = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    except (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError):
        return "an unreadable PDF"
    return str(info.creator) if info and info.creator else "an unknown program"


def _refused(e: PackageRefused) -> PackageReport:
    return PackageReport((Check(e.rule, Outcome.FAIL, str(e), e.file),), None, None)


def verify_package(
    folder: Path,
    trust: TrustAnchors,
    *,
    now: dt.datetime | None = None,
    qualification: QualificationPolicy | None = None,
) -> PackageReport:
    """:func:`verify_files` on an unpacked bag folder."""
    try:
        files = read_folder(folder)
    except PackageRefused as e:
        return _refused(e)
    return verify_files(files, trust, now=now, qualification=qualification)


def verify_archive(
    data: bytes,
    trust: TrustAnchors,
    *,
    now: dt.datetime | None = None,
    qualification: QualificationPolicy | None = None,
) -> PackageReport:
    """:func:`verify_files` on a delivered tar; an unreadable or unbounded archive is a refusal."""
    try:
        files = read_tar(data)
    except PackageRefused as e:
        return _refused(e)
    return verify_files(files, trust, now=now, qualification=qualification)


def verify_envelope(
    envelope: bytes | InboxFile,
    cert_pem: bytes | InboxFile,
    trust: TrustAnchors,
    *,
    limits: InboxLimits = DEFAULT_LIMITS,
    timestamp: bytes | None = None,
    now: dt.datetime | None = None,
    qualification: QualificationPolicy | None = None,
) -> PackageReport:
    """A bare approval offline: rules envelope to identity (no warehouse rules), with validity and
    revocation judged at the attested time of ``timestamp`` (its ``.tsr``), then the decision.
    With ``qualification`` the certificate is assessed against the EU trusted list at that time, as
    in a package (a QES, or a FAIL when ``[intake] require`` asks for what it is not).

    ``ok`` only for a verified APPROVAL whose predicate names the verifier who signed it; a genuine
    rejection is reported as such and is not ok (it approves nothing). Files too large for
    ``limits`` are refused unread; nothing malformed raises, each is a FAIL naming its rule.
    """
    try:
        if isinstance(envelope, InboxFile):
            if envelope.data is None:
                raise ApprovalRuleFailed(
                    "envelope-too-large",
                    f"{envelope.key} has {envelope.size:,} bytes, the "
                    f"limit is {limits.envelope_bytes:,}; a genuine envelope is a few KB",
                )
            envelope = envelope.data
        if isinstance(cert_pem, InboxFile):
            if cert_pem.data is None:
                raise ApprovalRuleFailed(
                    "companion-too-large",
                    f"{cert_pem.key} has {cert_pem.size:,} bytes, the limit is {limits.certificate_bytes:,}",
                )
            cert_pem = cert_pem.data
        cert = load_certificate(cert_pem)
        signed = verify_signer(
            parse_approval(envelope, max_bytes=limits.envelope_bytes),
            cert,
            trust,
            timestamp=timestamp,
            now=now,
        )
    except ApprovalRuleFailed as e:
        hint = "; pass the verifier's certificate with --cert" if e.rule == "certificate-malformed" else ""
        return PackageReport((Check(f"approval/{e.rule}", Outcome.FAIL, f"{e}{hint}"),), None, None)
    who, predicate = signed.verifier, signed.approval.predicate
    reasons = f": {'; '.join(predicate.reasons)}" if predicate.reasons else ""
    return PackageReport(
        (
            Check("envelope", Outcome.PASS, f"in-toto Statement v1, decision {predicate.decision}"),
            Check("signature", Outcome.PASS, f"signed by {who.name} ({who.accreditation_no})"),
            Check(
                "timestamp",
                Outcome.PASS,
                f"signature attested at {signed.attested_at.isoformat()} by a trusted TSA",
            ),
            Check(
                "certificate",
                Outcome.PASS,
                "chains to the trust anchor, valid and not revoked at the attested time",
            ),
            Check(
                "identity",
                Outcome.PASS,
                f"the predicate names the signer, {who.name} ({who.accreditation_no})",
            ),
            Check(
                "decision",
                Outcome.PASS if predicate.decision == APPROVED else Outcome.FAIL,
                f"the verifier {'approved' if predicate.decision == APPROVED else 'REJECTED'} statement "
                f"{predicate.statement_id} of member {predicate.member.id}{reasons}",
            ),
            *(
                ()
                if qualification is None
                else (_qualification(cert, trust, signed.attested_at, qualification, "--cert"),)
            ),
        ),
        None,
        None,
    )
