"""Registration packages: one BagIt bag per validated member, delivered to its competent body.

A bag (RFC 8493) because a competent body can check completeness and fixity with any BagIt tool.
Nothing in it is taken on the coordinator's word: the verifier's signature covers the statement
(its digest is the envelope's subject), the declaration and every fact of the approval; the PDF
carries the verifier's PAdES B-LTA signature; ``approval.tsr`` is the TSA's RFC 3161 token over
the envelope's signature (checked by its TSA signature and message imprint); and every other
file (the Annex VI application, the check summary, the certificate files, the bag's tag files and manifests)
is a deterministic function of those signed inputs and of the reader's own trust anchors, so
:mod:`ecocluster.signing._offline` rebuilds the whole bag from them and refuses any file that differs, naming
it. The CRL is not packed: the reader checks revocation against its own current CRL.

Delivered as a plain (uncompressed) tar under ``competent-body/<country>/inbox/<cluster>/``.
Rebuilding a package gives the same bytes (and so the same key): the Annex VI PDF is compiled
with typst like the statements, dated the validation day; the bag is dated by the signature;
manifests and tar entries are sorted, with zero mtimes.

Reading a package (:func:`read_tar`, :func:`read_folder`) is the boundary: size, member count,
member types and names are checked before anything is parsed, into a frozen :class:`PackageFiles`.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import bagit
import duckdb
from cryptography import x509

from ecocluster import statements
from ecocluster.core.errors import ApprovalRefused
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _annex, _pki, _stored
from ecocluster.signing._dsse import Envelope, canonical_json
from ecocluster.signing._language import N_, bilingual_label, bilingual_text
from ecocluster.signing._verify import TrustAnchors
from ecocluster.warehouse.db import transaction
from ecocluster.warehouse.messages import language_of

_ANNEX_VI = Path(str(resources.files("ecocluster.signing").joinpath("templates", "annex-vi.typ")))

FILES = {  # name in data/ -> what it is
    "annex-vi-application.json": "Annex VI registration application (derived from the signed statement)",
    "annex-vi-application.pdf": "Annex VI registration application (printable)",
    "statement.json": "validated environmental statement, canonical JSON (its digest is signed)",
    "statement-validated.pdf": "validated environmental statement with the verifier's PAdES signature",
    "annex-vii-declaration.txt": "Annex VII verifier declaration (signed inside the approval envelope)",
    "approval.dsse.json": "verifier approval, DSSE envelope around an in-toto Statement",
    "approval.tsr": (
        "RFC 3161 timestamp (TimeStampResp, DER) over the approval's signature: its attested time"
    ),
    "check-summary.json": "compliance check summary (from the signed statement)",
    "verifier-cert.pem": "verifier certificate",
    "chain.pem": "accreditation-body CA certificate(s) that issued it",
}
TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt")
MEMBERS = frozenset(TAG_FILES) | frozenset(f"data/{name}" for name in FILES)

# Bounds on what a reader takes in before parsing anything: a genuine package is ~150 KB.
MAX_PACKAGE_BYTES = 16 * 1024 * 1024
MAX_MEMBERS = 2 * len(MEMBERS)
_COMPRESSED = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}


class PackageRefused(ApprovalRefused):
    """A package broke ``rule``; ``file`` names the member of the bag (or ``(archive)``) at fault."""

    def __init__(self, rule: str, file: str, message: str) -> None:
        self.rule, self.file, self.message = rule, file, message
        super().__init__(f"package refused, rule {rule} ({file}): {message}")

    def __reduce__(self) -> tuple[type[PackageRefused], tuple[str, str, str]]:
        return type(self), (self.rule, self.file, self.message)


@dataclass(frozen=True)
class PackageFiles:
    """Every member of a package, by bag-relative name, checked for bounds, type and name; each
    expected member is present exactly once and nothing else is."""

    files: tuple[tuple[str, bytes], ...]

    def __getitem__(self, name: str) -> bytes:
        return next(data for member, data in self.files if member == name)

    def data(self, name: str) -> bytes:
        return self[f"data/{name}"]


def _admit(entries: Iterator[tuple[str, bytes]]) -> PackageFiles:
    seen: dict[str, bytes] = {}
    total = 0
    for n, (name, data) in enumerate(entries, 1):
        if n > MAX_MEMBERS:
            raise PackageRefused("members", "(archive)", f"more than {MAX_MEMBERS} members")
        if name not in MEMBERS:
            raise PackageRefused(
                "unexpected-file",
                name,
                f"not a file of a registration package; expected only {', '.join(sorted(MEMBERS))}",
            )
        if name in seen:
            raise PackageRefused("duplicate-file", name, "appears twice in the package")
        total += len(data)
        if total > MAX_PACKAGE_BYTES:
            raise PackageRefused("size", name, f"the package's files exceed {MAX_PACKAGE_BYTES} bytes")
        seen[name] = data
    missing = sorted(MEMBERS - set(seen))
    if missing:
        raise PackageRefused("missing-file", missing[0], f"missing from the package ({len(missing)} missing)")
    return PackageFiles(tuple(sorted(seen.items())))


def read_tar(data: bytes) -> PackageFiles:
    """The members of a delivered package: a plain tar of regular files (and the ``data`` folder),
    bounded in size and count; compressed input is refused before it is decompressed."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageRefused(
            "size", "(archive)", f"{len(data)} bytes, more than the {MAX_PACKAGE_BYTES} allowed"
        )
    kind = next((name for magic, name in _COMPRESSED.items() if data.startswith(magic)), None)
    if kind:
        raise PackageRefused(
            "compressed", "(archive)", f"a {kind}-compressed archive; packages are plain tar"
        )
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            return _admit(_tar_members(tar))
    except (tarfile.TarError, EOFError, ValueError, OSError, UnicodeError) as e:
        raise PackageRefused("archive", "(archive)", f"not a readable plain tar: {e}") from e


def _tar_members(tar: tarfile.TarFile) -> Iterator[tuple[str, bytes]]:
    """Each regular member's bytes; the declared sizes are added up before anything is read, so a
    sparse or lying header cannot make the reader expand more than the limit."""
    declared = 0
    for count, member in enumerate(tar, 1):
        if count > MAX_MEMBERS:
            raise PackageRefused("members", "(archive)", f"more than {MAX_MEMBERS} members")
        if member.isdir() and member.name.rstrip("/") == "data":
            continue
        if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
            raise PackageRefused(
                "member-type",
                member.name,
                "only regular files may be in a package (no links, devices, sparse files or other folders)",
            )
        declared += member.size
        if declared > MAX_PACKAGE_BYTES:
            raise PackageRefused(
                "size", member.name, f"the members declare more than {MAX_PACKAGE_BYTES} bytes"
            )
        handle = tar.extractfile(member)
        if handle is None:
            raise PackageRefused("member-type", member.name, "not readable as a regular file")
        yield member.name, handle.read()


def read_folder(folder: Path) -> PackageFiles:
    """The members of an unpacked bag folder, with the same bounds and rules as :func:`read_tar`."""

    def entries() -> Iterator[tuple[str, bytes]]:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_symlink() or not (path.is_file() or (path.is_dir() and name == "data")):
                raise PackageRefused("member-type", name, "only regular files may be in a package")
            if path.is_file():
                if path.stat().st_size > MAX_PACKAGE_BYTES:
                    raise PackageRefused("size", name, f"more than {MAX_PACKAGE_BYTES} bytes")
                yield name, path.read_bytes()

    try:
        return _admit(entries())
    except OSError as e:
        raise PackageRefused("archive", str(folder), f"cannot read the bag folder: {e}") from e


def write_folder(files: PackageFiles, into: Path) -> Path:
    """The package's files as a bag folder (only names :class:`PackageFiles` admitted)."""
    for name, data in files.files:
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        (into / name).write_bytes(data)
    return into


def unpack(data: bytes, into: Path) -> Path:
    """A delivered package tar, checked by :func:`read_tar`, written out as a bag folder."""
    return write_folder(read_tar(data), into)


@dataclass(frozen=True)
class SignedInputs:
    """What a package is built from: the verifier's signed objects, the TSA's token over the
    envelope's signature, and the CAs that issued the certificate. Every file of the bag is these
    bytes or a function of them."""

    statement_json: bytes
    envelope: Envelope
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    signed_pdf: bytes
    timestamp: bytes  # approval.tsr: RFC 3161 token whose message imprint is the envelope's signature

    def predicate(self) -> dict[str, Any]:
        return dict(self.envelope.statement()["predicate"])


def application(statement: dict[str, Any], predicate: dict[str, Any]) -> dict[str, Any]:
    """The Annex VI application, every field from the statement the verifier signed (its digest is
    the approval's subject) or from the approval itself: the coordinator states nothing here."""
    org, year = statement["organisation"], int(statement["reporting_year"])
    verifier = predicate["verifier"]
    return {
        "annex": "VI",
        "organisation": {
            "id": org["member_id"],
            "name": org["legal_name"],
            "address": org["address"],
            "country": org["country"],
            "nace": org["nace"],
            "employees": org["employees"],
            "publicBody": org["public_body"],
            "emasRegistrationNo": org["emas_reg_no"],
        },
        "sites": [f"{site['site_id']}: {site['name']}" for site in statement["sites"]],
        "cluster": statement["cluster"]["cluster_id"],
        "reportingYear": year,
        "cycle": statement["kind"],
        "verifier": {
            "name": verifier["name"],
            "accreditationNo": verifier["accreditationNo"],
            "scope": verifier["naceScope"],
        },
        "validatedOn": str(predicate["signedAt"])[:10],
        "nextStatementDue": f"{year + 1}-12-31",
        "language": statement["language"],
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def application_pdf(app: dict[str, Any]) -> bytes:
    """The printable application in the member's language and English, compiled like the
    statements (typst, built-in fonts, dated the validation day), so the same application always
    gives the same bytes."""
    org, verifier = app["organisation"], app["verifier"]
    language = str(app.get("language") or "en")

    def label(message: str) -> str:
        return bilingual_label(language, message)

    view = {
        "lang": language_of(language),
        "title": label(N_("EMAS registration application")),
        "regulation": label(N_("Regulation (EC) No 1221/2009, Annex VI")),
        "name": _text(org["name"]),
        "reference": f"{org['id']} · {app['reportingYear']}",
        # validated by the DEMO verifier (ecocluster.signing.demo_verifier): say so on the page, in both
        # languages
        "demo": bilingual_text(
            language, N_("DEMO: validated by a DEMO verifier; not valid for EMAS registration.")
        )
        if str(verifier["accreditationNo"]).upper().startswith("DEMO-")
        else "",
        "sections": [
            {
                "heading": label(N_("Organisation")),
                "rows": [
                    [label(N_("Name")), _text(org["name"])],
                    [label(N_("Identifier")), _text(org["id"])],
                    [label(N_("Address")), _text(org["address"])],
                    [label(N_("Country")), _text(org["country"])],
                    [label(N_("NACE code")), _text(org["nace"])],
                    [label(N_("Employees")), _text(org["employees"])],
                    [label(N_("Public body")), label(N_("yes")) if org["publicBody"] else label(N_("no"))],
                    [
                        label(N_("EMAS registration number")),
                        _text(org["emasRegistrationNo"]) or label(N_("first registration")),
                    ],
                ],
            },
            {
                "heading": label(N_("Sites")),
                "rows": [[str(n), _text(site)] for n, site in enumerate(app["sites"], 1)]
                or [["–", label(N_("none declared"))]],
            },
            {
                "heading": label(N_("Cycle")),
                "rows": [
                    [label(N_("Cluster")), _text(app["cluster"])],
                    [label(N_("Reporting year")), _text(app["reportingYear"])],
                    [label(N_("Cycle")), label(_text(app["cycle"]))],
                    [label(N_("Next environmental statement due")), _text(app["nextStatementDue"])],
                ],
            },
            {
                "heading": label(N_("Environmental verifier")),
                "rows": [
                    [label(N_("Name")), _text(verifier["name"])],
                    [label(N_("Accreditation number")), _text(verifier["accreditationNo"])],
                    [
                        label(N_("Accreditation scope (NACE)")),
                        ", ".join(str(code) for code in verifier["scope"]),
                    ],
                    [label(N_("Date of validation")), _text(app["validatedOn"])],
                ],
            },
        ],
        "note": bilingual_text(
            language,
            N_(
                "The validated environmental statement, the verifier's "
                "signed declaration (Annex VII) and the "
                "approval envelope travel in the same registration package (data/)."
            ),
        ),
    }
    return statements.typst_pdf(_ANNEX_VI, view, str(app["validatedOn"]))


def bag_files(inputs: SignedInputs, *, application_pdf_bytes: bytes | None = None) -> dict[str, bytes]:
    """Every member of the bag (tag files and manifests included) for these signed inputs; raises
    ``KeyError``/``TypeError``/``ValueError`` if the statement lacks what the application needs, and
    ``_annex.AnnexInvalid`` (rules ``annex-vi-schema``, ``annex-vii-schema``) if the Annex VI
    application or the Annex VII declaration does not match its schema.
    ``application_pdf_bytes`` stands in for the render when the reader cannot reproduce it."""
    statement = json.loads(inputs.statement_json)
    predicate = inputs.predicate()
    app = application(statement, predicate)
    _annex.validate("VI", app)  # raises AnnexInvalid: a package never leaves with an invalid form
    _annex.validate("VII", _annex.declaration(predicate))
    checks = statement["compliance"]["checks"]
    data = {
        "annex-vi-application.json": canonical_json(app),
        "annex-vi-application.pdf": application_pdf_bytes
        if application_pdf_bytes is not None
        else application_pdf(app),
        "statement.json": inputs.statement_json,
        "statement-validated.pdf": inputs.signed_pdf,
        "annex-vii-declaration.txt": str(predicate["declaration"]).encode(),
        "approval.dsse.json": inputs.envelope.to_json(),
        "approval.tsr": inputs.timestamp,
        "check-summary.json": canonical_json(
            {"blocking": checks["blocking"], "warnings": checks["warnings"]}
        ),
        "verifier-cert.pem": _pki.pem(inputs.cert),
        "chain.pem": b"".join(_pki.pem(c) for c in inputs.chain),
    }
    org = app["organisation"]
    info = {
        "Source-Organization": str(org["name"]),
        "External-Identifier": f"{org['id']}/{app['reportingYear']}",
        "External-Description": "EMAS registration package",
        "Bagging-Date": app["validatedOn"],
        "Bag-Software-Agent": "ecocluster",
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, content in data.items():
            (folder / name).write_bytes(content)
        bagit.make_bag(str(folder), info, checksums=["sha256"])
        # bagit lists tag files in directory order, which the file system chooses: sort for stable bytes
        tagmanifest = folder / "tagmanifest-sha256.txt"
        lines = tagmanifest.read_text(encoding="utf-8").splitlines(keepends=True)
        tagmanifest.write_text(
            "".join(sorted(lines, key=lambda line: line.split(" ", 1)[1])), encoding="utf-8"
        )
        return {name: (folder / name).read_bytes() for name in sorted(MEMBERS)}


def tar_bytes(files: dict[str, bytes]) -> bytes:
    """A plain tar of ``files`` in name order, with zero mtimes and owners: same files, same bytes."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(files[name]), 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    return out.getvalue()


def _timestamp(con: duckdb.DuckDBPyConnection, store: ObjectStore, approval_id: str) -> bytes:
    """The approval's RFC 3161 token as accepted (empty for an approval recorded before attested
    time: such a package is refused by rule timestamp, as it should be)."""
    row = con.execute(
        "SELECT timestamp_key FROM approval_timestamp WHERE approval_id = ?", [approval_id]
    ).fetchone()
    return _stored.read(con, store, row[0]) if row else b""


def package_key(country: str, cluster: str, member: str, year: int, digest: str) -> str:
    return f"competent-body/{country.upper()}/inbox/{cluster}/{member}-{year}-{digest[:12]}.tar"


@dataclass(frozen=True)
class Delivery:
    """One member's package: where it went and whether this call put it there."""

    member_id: str
    reporting_year: int
    key: str
    new: bool


_APPROVED_SQL = """
SELECT a.approval_id, a.member_id, a.cluster_id, a.reporting_year, a.envelope_key, a.cert_key,
       a.signed_pdf_key, s.json_key, a.statement_id, m.country
FROM approval a
JOIN statement s ON s.statement_id = a.statement_id AND s.version = 1
JOIN member m ON m.member_id = a.member_id
WHERE a.decision = 'approved' AND ($members IS NULL OR list_contains($members, a.member_id))
  AND ($year IS NULL OR a.reporting_year = $year)
QUALIFY row_number() OVER (PARTITION BY a.member_id ORDER BY a.reporting_year DESC, a.signed_at DESC) = 1
ORDER BY a.member_id
"""


def why_no_package(con: duckdb.DuckDBPyConnection, member_id: str) -> str | None:
    """Why ``member_id`` gets no package (unknown, or no approved statement), or None if it does."""
    if con.execute("SELECT 1 FROM member WHERE member_id = ?", [member_id]).fetchone() is None:
        return f"no member {member_id!r} in the roster; check the id (`ecocluster status`)"
    if (
        con.execute(
            "SELECT 1 FROM approval WHERE member_id = ? AND decision = 'approved'", [member_id]
        ).fetchone()
        is None
    ):
        return (
            f"member {member_id} has no approved statement yet, so nothing is packaged: the verifier "
            "approves it first (`ecocluster approve`)"
        )
    return None


def build_packages(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    trust: TrustAnchors,
    *,
    members: Sequence[str] | None = None,
    year: int | None = None,
) -> list[Delivery]:
    """Build and deliver a package for each approved member (only ``members`` / ``year`` if given:
    the flows call it per batch); each member's latest approval. Rebuilding gives the same bytes
    under the same key, so a rerun delivers nothing new (``Delivery.new`` is then false)."""
    delivered = []
    wanted = {"members": list(members) if members is not None else None, "year": year}
    for row in con.execute(_APPROVED_SQL, wanted).fetchall():
        (
            approval_id,
            member,
            cluster,
            year_,
            envelope_key,
            cert_key,
            pdf_key,
            json_key,
            statement_id,
            country,
        ) = row
        # Everything read pinned to what was written: another version of a key changes nothing here.
        cert = _pki.load_certs(_stored.read(con, store, cert_key))[0]
        inputs = SignedInputs(
            statement_json=store.get(
                json_key, sha256=statement_id
            ),  # content-addressed: its digest is its id
            envelope=Envelope.from_json(_stored.read(con, store, envelope_key)),
            cert=cert,
            chain=tuple(ca for ca in trust.cas + trust.qtsp if _pki.issued_by(cert, ca)),
            signed_pdf=_stored.read(con, store, pdf_key),
            timestamp=_timestamp(con, store, approval_id),
        )
        data = tar_bytes(bag_files(inputs))
        digest = hashlib.sha256(data).hexdigest()
        key = package_key(str(country), cluster, member, year_, digest)
        new = not store.exists(key)
        stored = store.put(key, data, content_type="application/x-tar")
        with transaction(con):
            con.execute(
                "INSERT INTO registration_package VALUES (?, ?, ?, ?, ?, ?, current_timestamp) "
                "ON CONFLICT DO NOTHING",
                [digest, member, year_, country, approval_id, key],
            )
            _stored.record(con, stored)
        delivered.append(Delivery(member, year_, key, new))
    return delivered
