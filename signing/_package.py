"""Registration packages: one BagIt bag per validated member, delivered to its competent body.

A bag (RFC 8493) because a competent body can check completeness and fixity with any BagIt tool,
and everything needed to trust it travels inside: the approval envelope, the verifier's
certificate, the CA chain and CRL. Delivered as a tar under
``competent-body/<country>/inbox/<cluster>/``. Rebuilding a package gives the same bytes (and so
the same key): the Annex VI PDF is compiled with typst like the statements, dated the validation
day; the bag is dated by the signature; manifests and tar entries are sorted, with zero mtimes.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import bagit
import duckdb

import statements
from signing import _pki, _stored
from signing._dsse import canonical_json
from signing._language import N_, bilingual_label, bilingual_text
from signing._verify import TrustAnchors, parse
from signing.store.interface import ObjectStore
from warehouse.db import transaction
from warehouse.messages import language_of

_ANNEX_VI = Path(str(resources.files("signing").joinpath("templates", "annex-vi.typ")))

FILES = {  # name in data/ -> what it is
    "annex-vi-application.json": "Annex VI registration application",
    "annex-vi-application.pdf": "Annex VI registration application (printable)",
    "statement.json": "validated environmental statement, canonical JSON",
    "statement-validated.pdf": "validated environmental statement with the verifier's PAdES signature",
    "annex-vii-declaration.txt": "Annex VII verifier declaration (signed inside the approval envelope)",
    "approval.dsse.json": "verifier approval, DSSE envelope around an in-toto Statement",
    "approval.tsr": "RFC 3161 timestamp (TimeStampResp, DER) over the approval's signature: its attested time",
    "check-summary.json": "compliance and data-quality check summary",
    "verifier-cert.pem": "verifier certificate",
    "chain.pem": "accreditation-body CA certificate(s)",
    "crl.pem": "accreditation-body CRL at packaging time",
}

_APPROVED_SQL = """
SELECT a.approval_id, a.member_id, a.cluster_id, a.reporting_year, a.envelope_key, a.cert_key,
       a.signed_pdf_key, s.json_key, a.statement_id, m.legal_name, m.nace, m.country, m.employees, m.public_body,
       m.address, m.emas_reg_no, c.kind,
       (SELECT list(site_id || ': ' || name ORDER BY site_id) FROM site WHERE site.member_id = m.member_id),
       s.language
FROM approval a
JOIN statement s ON s.statement_id = a.statement_id AND s.version = 1
JOIN member m ON m.member_id = a.member_id
JOIN cycle c ON c.cluster_id = a.cluster_id AND c.reporting_year = a.reporting_year
WHERE a.decision = 'approved' AND ($members IS NULL OR list_contains($members, a.member_id))
  AND ($year IS NULL OR a.reporting_year = $year)
QUALIFY row_number() OVER (PARTITION BY a.member_id ORDER BY a.reporting_year DESC, a.signed_at DESC) = 1
ORDER BY a.member_id
"""


def _application(row: tuple[Any, ...], predicate: dict[str, Any]) -> dict[str, Any]:
    (_aid, member, cluster, year, *_keys, name, nace, country, employees, public, address, reg_no, kind, sites,
     language) = row
    verifier = predicate["verifier"]
    next_year = year + 1
    return {
        "annex": "VI", "organisation": {"id": member, "name": name, "address": address, "country": country,
                                        "nace": nace, "employees": employees, "publicBody": public,
                                        "emasRegistrationNo": reg_no},
        "sites": sites or [], "cluster": cluster, "reportingYear": year, "cycle": kind,
        "verifier": {"name": verifier["name"], "accreditationNo": verifier["accreditationNo"],
                     "scope": verifier["naceScope"]},
        "validatedOn": predicate["signedAt"][:10], "nextStatementDue": f"{next_year}-12-31",
        "language": language,
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _application_pdf(application: dict[str, Any]) -> bytes:
    """The printable application in the member's language and English, compiled like the
    statements (typst, built-in fonts, dated the validation day), so the same application always
    gives the same bytes."""
    org, verifier = application["organisation"], application["verifier"]
    language = str(application.get("language") or "en")

    def label(message: str) -> str:
        return bilingual_label(language, message)

    view = {
        "lang": language_of(language), "title": label(N_("EMAS registration application")),
        "regulation": label(N_("Regulation (EC) No 1221/2009, Annex VI")),
        "name": _text(org["name"]), "reference": f'{org["id"]} · {application["reportingYear"]}',
        # validated by the DEMO verifier (signing.demo_verifier): say so on the page, in both languages
        "demo": bilingual_text(language, N_("DEMO: validated by a DEMO verifier; not valid for EMAS registration."))
        if str(verifier["accreditationNo"]).upper().startswith("DEMO-") else "",
        "sections": [
            {"heading": label(N_("Organisation")), "rows": [
                [label(N_("Name")), _text(org["name"])], [label(N_("Identifier")), _text(org["id"])],
                [label(N_("Address")), _text(org["address"])], [label(N_("Country")), _text(org["country"])],
                [label(N_("NACE code")), _text(org["nace"])], [label(N_("Employees")), _text(org["employees"])],
                [label(N_("Public body")), label(N_("yes")) if org["publicBody"] else label(N_("no"))],
                [label(N_("EMAS registration number")),
                 _text(org["emasRegistrationNo"]) or label(N_("first registration"))]]},
            {"heading": label(N_("Sites")), "rows": [[str(n), _text(site)] for n, site in enumerate(application["sites"], 1)]
             or [["–", label(N_("none declared"))]]},
            {"heading": label(N_("Cycle")), "rows": [
                [label(N_("Cluster")), _text(application["cluster"])],
                [label(N_("Reporting year")), _text(application["reportingYear"])],
                [label(N_("Cycle")), _text(application["cycle"])],
                [label(N_("Next environmental statement due")), _text(application["nextStatementDue"])]]},
            {"heading": label(N_("Environmental verifier")), "rows": [
                [label(N_("Name")), _text(verifier["name"])],
                [label(N_("Accreditation number")), _text(verifier["accreditationNo"])],
                [label(N_("Accreditation scope (NACE)")), ", ".join(verifier["scope"])],
                [label(N_("Date of validation")), _text(application["validatedOn"])]]},
        ],
        "note": bilingual_text(language, N_(
            "The validated environmental statement, the verifier's signed declaration (Annex VII) and the "
            "approval envelope travel in the same registration package (data/).")),
    }
    return statements.typst_pdf(_ANNEX_VI, view, str(application["validatedOn"]))


def _tar(folder: Path) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = tar.gettarinfo(str(path), arcname=path.relative_to(folder).as_posix())
                info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "", "", 0o644
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
    return out.getvalue()


def _write_bag(folder: Path, files: dict[str, bytes], info: dict[str, str]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)
    bagit.make_bag(str(folder), info, checksums=["sha256"])
    # bagit lists tag files in directory order, which the file system chooses: sort for stable bytes
    tagmanifest = folder / "tagmanifest-sha256.txt"
    lines = tagmanifest.read_text(encoding="utf-8").splitlines(keepends=True)
    tagmanifest.write_text("".join(sorted(lines, key=lambda line: line.split(" ", 1)[1])), encoding="utf-8")


def _timestamp(con: duckdb.DuckDBPyConnection, store: ObjectStore, approval_id: str) -> bytes:
    """The approval's RFC 3161 token as accepted (empty for an approval recorded before attested
    time: such a package is refused by rule timestamp, as it should be)."""
    row = con.execute("SELECT timestamp_key FROM approval_timestamp WHERE approval_id = ?", [approval_id]).fetchone()
    return _stored.read(con, store, row[0]) if row else b""


def package_key(country: str, cluster: str, member: str, year: int, digest: str) -> str:
    return f"competent-body/{country.upper()}/inbox/{cluster}/{member}-{year}-{digest[:12]}.tar"


def build_packages(con: duckdb.DuckDBPyConnection, store: ObjectStore, trust: TrustAnchors, *,
                   members: Sequence[str] | None = None, year: int | None = None) -> list[str]:
    """Build and deliver a package for each approved member (only ``members`` / ``year`` if given:
    the flows call it per batch); each member's latest approval. Returns the keys; rebuilding
    gives the same bytes under the same key, so a rerun delivers nothing new."""
    delivered = []
    wanted = {"members": list(members) if members is not None else None, "year": year}
    for row in con.execute(_APPROVED_SQL, wanted).fetchall():
        approval_id, member, cluster, year, envelope_key, cert_key, pdf_key, json_key, statement_id = row[:9]
        # Everything read pinned to what was written: another version of a key changes nothing here.
        envelope = _stored.read(con, store, envelope_key)
        predicate = parse(envelope)[1]["predicate"]
        application = _application(row, predicate)
        cert = _pki.load_certs(_stored.read(con, store, cert_key))[0]
        chain = [ca for ca in trust.cas if _pki.issued_by(cert, ca)]
        crls = [crl for crl in trust.crls if any(crl.issuer == ca.subject for ca in chain)]
        checks = con.execute("SELECT n_blocking, n_warning, run_id FROM check_verdict "
                             "WHERE member_id = ? AND reporting_year = ?", [member, year]).fetchone()
        files = {
            "annex-vi-application.json": canonical_json(application),
            "annex-vi-application.pdf": _application_pdf(application),
            "statement.json": store.get(json_key, sha256=statement_id),  # content-addressed: its digest is its id
            "statement-validated.pdf": _stored.read(con, store, pdf_key),
            "annex-vii-declaration.txt": str(predicate["declaration"]).encode(),
            "approval.dsse.json": envelope,
            "approval.tsr": _timestamp(con, store, approval_id),
            "check-summary.json": canonical_json({
                "blocking": checks[0] if checks else None, "warnings": checks[1] if checks else None,
                "checkRun": checks[2] if checks else None}),
            "verifier-cert.pem": _pki.pem(cert),
            "chain.pem": b"".join(_pki.pem(c) for c in chain),
            "crl.pem": b"".join(_pki.crl_pem(c) for c in crls),
        }
        info = {"Source-Organization": str(application["organisation"]["name"]),
                "External-Identifier": f"{member}/{year}", "External-Description": "EMAS registration package",
                "Bagging-Date": str(predicate["signedAt"])[:10]}
        with tempfile.TemporaryDirectory() as tmp:
            _write_bag(Path(tmp), files, info)
            data = _tar(Path(tmp))
        digest = hashlib.sha256(data).hexdigest()
        key = package_key(str(row[11]), cluster, member, year, digest)
        stored = store.put(key, data, content_type="application/x-tar")
        with transaction(con):
            con.execute("INSERT INTO registration_package VALUES (?, ?, ?, ?, ?, ?, current_timestamp) "
                        "ON CONFLICT DO NOTHING", [digest, member, year, row[11], approval_id, key])
            _stored.record(con, stored)
        delivered.append(key)
    return delivered


def unpack(data: bytes, into: Path) -> Path:
    """Extract a delivered package tar safely (no links, no paths outside ``into``)."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into

