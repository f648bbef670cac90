"""What the verifier signs from on their own machine: a review export or a hand-off request.

``ecocluster sign`` runs where only ecocluster and the verifier's signer are, with no warehouse.
The draft it signs for is read from the bytes the verifier has: ``<statement_id>.json`` (the
canonical statement: its SHA-256 must be its name, so a changed file is refused, not signed) and
``<statement_id>.pdf`` beside it (the draft PDF the verifier reviewed; its digest is signed).
A hand-off request (``handoff/<year>/requests/<member>/<statement>.json``) may be given instead;
it names the statement, whose two files must then lie beside it. ``ca.pem`` and ``crl.pem`` beside
them (the accreditation CAs and their current CRLs, as ``review export`` writes them) go into the
validated PDF's DSS. Everything is parsed here once into a :class:`Review`; anything malformed is
refused with rule ``review-bundle``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from ecocluster.core.errors import ApprovalRefused
from ecocluster.signing import _pki
from ecocluster.signing._approval import Draft

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEMBER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Review:
    """The draft to sign for and the canonical statement JSON its validated render is made from."""

    draft: Draft
    statement_json: bytes
    cas: tuple[x509.Certificate, ...] = ()  # ca.pem: the accreditation CAs
    crls: tuple[x509.CertificateRevocationList, ...] = ()  # crl.pem: their current CRLs

    @property
    def name(self) -> str:
        """File name of the decision files: member and statement, nothing the verifier could not check."""
        return f"{self.draft.member_id}-{self.draft.statement_id[:16]}"


def _refuse(path: Path, why: str) -> ApprovalRefused:
    return ApprovalRefused(
        f"rule review-bundle: {path}: {why}; sign from the folder `ecocluster review export` "
        "wrote (or the hand-off request beside its files)"
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise _refuse(path, f"cannot read it ({e.strerror})") from e


def _statement_file(request: Path) -> tuple[Path, str | None]:
    """The statement JSON to read and, for a hand-off request, the member it names."""
    if request.is_dir():
        found = sorted(p for p in request.glob("*.json") if _SHA256.fullmatch(p.stem))
        if len(found) != 1:
            raise _refuse(request, f"expected one statement <sha256>.json, found {len(found)}")
        return found[0], None
    if _SHA256.fullmatch(request.stem):
        return request, None
    try:
        raw = json.loads(_read(request))
        sid, member = raw["statement_id"], raw["member_id"]
    except (ValueError, TypeError, KeyError) as e:
        raise _refuse(
            request,
            "neither a statement <sha256>.json nor a hand-off request with statement_id and member_id",
        ) from e
    if not isinstance(sid, str) or not _SHA256.fullmatch(sid):
        raise _refuse(request, f"statement_id {str(sid)[:80]!r} is not a SHA-256")
    return request.with_name(f"{sid}.json"), str(member)


def _field(doc: dict[str, Any], path: Path, *keys: str) -> Any:
    value: Any = doc
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise _refuse(path, f"statement has no {'.'.join(keys)}")
        value = value[key]
    return value


_CRL_BEGIN = b"-----BEGIN X509 CRL-----"


def _validation_data(
    folder: Path,
) -> tuple[tuple[x509.Certificate, ...], tuple[x509.CertificateRevocationList, ...]]:
    """``ca.pem`` and ``crl.pem`` in ``folder``, each optional; present, they must parse."""
    cas: tuple[x509.Certificate, ...] = ()
    crls: list[x509.CertificateRevocationList] = []
    if (folder / "ca.pem").is_file():
        try:
            cas = tuple(_pki.read_pem_certificates(_read(folder / "ca.pem")))
        except ValueError as e:
            raise _refuse(folder / "ca.pem", f"not PEM certificates: {e}") from e
    if (folder / "crl.pem").is_file():
        for block in _read(folder / "crl.pem").split(_CRL_BEGIN)[1:]:
            try:
                crls.append(x509.load_pem_x509_crl(_CRL_BEGIN + block))
            except ValueError as e:
                raise _refuse(folder / "crl.pem", f"not a PEM CRL: {e}") from e
    return cas, tuple(crls)


def read_review(request: Path) -> Review:
    """The :class:`Review` in ``request`` (a review export folder, a statement JSON or a hand-off request)."""
    statement, requested_member = _statement_file(request)
    data = _read(statement)
    sid = hashlib.sha256(data).hexdigest()
    if sid != statement.stem:
        raise _refuse(
            statement, f"its SHA-256 is {sid[:16]}…, not its name: the file was changed after export"
        )
    pdf_sha256 = hashlib.sha256(_read(statement.with_suffix(".pdf"))).hexdigest()
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise _refuse(statement, f"not JSON: {e}") from e
    if not isinstance(doc, dict) or doc.get("subject") != "member":
        raise _refuse(statement, "not a member's environmental statement")
    member_id, name, nace = (
        _field(doc, statement, "organisation", k) for k in ("member_id", "legal_name", "nace")
    )
    year, kind, language = (_field(doc, statement, k) for k in ("reporting_year", "kind", "language"))
    cluster_id = _field(doc, statement, "cluster", "cluster_id")
    if not (isinstance(member_id, str) and _MEMBER_ID.fullmatch(member_id)):
        raise _refuse(statement, f"member id {str(member_id)[:80]!r} is not letters, digits and hyphens")
    if requested_member is not None and requested_member != member_id:
        raise _refuse(
            request, f"the request names member {requested_member[:64]!r}, the statement {member_id!r}"
        )
    if (
        not isinstance(year, int)
        or kind not in ("full", "updated")
        or not all(isinstance(v, str) for v in (name, nace, language, cluster_id))
    ):
        raise _refuse(
            statement, "reporting_year, kind, language, legal_name, nace or cluster_id has the wrong type"
        )
    return Review(
        Draft(sid, member_id, name, nace, cluster_id, year, sid, pdf_sha256, language, kind),
        data,
        *_validation_data(statement.parent),
    )
