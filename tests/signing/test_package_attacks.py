"""Issue 13, registration packages: every attack of the review as a class, each refused by a named
rule that names the file, with nothing else changed; intake of a country goes on past any package.

One world (a DEMO CA, three genuinely approved members, their packages) is built once for the
module; each test tampers with copies. Forged packages are signed for real (the CA's and a
verifier's keys), so what refuses them is the rule under test, not a broken signature.
"""

from __future__ import annotations

import bz2
import dataclasses
import datetime as dt
import gzip
import hashlib
import io
import json
import lzma
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
import duckdb
import pytest
from cryptography import x509
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ecocluster import signing, statements
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.signing import _pki
from ecocluster.signing._annex import AnnexInvalid
from ecocluster.signing._approval import Draft, sign_approval
from ecocluster.signing._dsse import Envelope, canonical_json
from ecocluster.signing._inbox import verifier_block
from ecocluster.signing._keys import ca_dir
from ecocluster.signing._package import (
    MAX_PACKAGE_BYTES,
    MEMBERS,
    SignedInputs,
    bag_files,
    read_tar,
    tar_bytes,
)
from ecocluster.signing._verify import TrustAnchors
from ecocluster.warehouse.db import connect
from tests import fixtures_tsa
from tests.fixtures_tsa import stamp
from tests.signing.rows import add_check, add_member, blank_pdf
from tests.statements import warehouse_rows

CB = b"competent-body-secret"
NO_WAITING = "".join(f"[register.{c}.waiting.first-registration]\ndays = 0\n" for c in ("IT", "LV"))
MEMBERS_BUILT = ("IT-HOT-1", "IT-HOT-2", "LV-NOV-1")


@dataclass(frozen=True)
class World:
    home: Home
    trust: TrustAnchors
    ca_key: _pki.PrivateKey
    packages: dict[str, bytes]  # member -> genuine package tar
    tsa: fixtures_tsa.TestTsa  # the session's TSA: forgeries are timestamped for real too

    def files(self, member: str = "IT-HOT-2") -> dict[str, bytes]:
        return dict(read_tar(self.packages[member]).files)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, tsa: fixtures_tsa.TestTsa) -> World:
    home = Home.resolve(tmp_path_factory.mktemp("world") / "home")
    store = LocalStore(home.objects_dir)
    verifier = signing.demo_verifier(home)
    trust = signing.trust_anchors(home)
    with connect(home.warehouse_path) as con:
        warehouse_rows.build(con)
        for member in MEMBERS_BUILT:
            add_check(con, member)
            run = statements.draft(con, home, member=member, year=warehouse_rows.YEAR, workers=1)
            sid = next(a.statement_id for a in run.statements if a.member_id == member)
            signing.approve(con, store, trust, sid, verifier, signing.DEMO_PASSWORD, place="Ventasso")
        deliveries = signing.build_packages(con, store, trust)
    packages = {d.member_id: store.get(d.key) for d in deliveries}
    assert sorted(packages) == sorted(MEMBERS_BUILT)
    return World(home, trust, _pki.load_key(ca_dir(home) / "ca.key", signing.DEMO_PASSWORD), packages, tsa)


def resaved(files: dict[str, bytes], tmp: Path) -> dict[str, bytes]:
    """The files as a bag whose manifests bagit.py has re-saved: what a forger does after an edit."""
    for name, data in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
    bagit.Bag(str(tmp)).save(manifests=True)
    return {p.relative_to(tmp).as_posix(): p.read_bytes() for p in sorted(tmp.rglob("*")) if p.is_file()}


def failed_files(report: signing.PackageReport) -> set[str]:
    return {part.strip() for c in report.failed() for part in c.file.split(",")}


def forge(
    world: World,
    member: str = "IT-HOT-2",
    *,
    edit: Callable[[dict[str, Any]], None] | None = None,
    nace_scope: tuple[str, ...] | None = None,
    strict: bool = False,
) -> bytes:
    """A package really signed by a verifier the CA issued (``nace_scope``: a new one), over the
    member's statement after ``edit``; every derived file consistent when the statement allows
    (with ``strict``, a statement that gives no valid Annex VI or VII raises, as building does)."""
    files = world.files(member)
    statement = json.loads(files["data/statement.json"])
    if edit:
        edit(statement)
    statement_json = canonical_json(statement) if edit else files["data/statement.json"]
    old = Envelope.from_json(files["data/approval.dsse.json"]).statement()
    ca_cert = world.trust.cas[0]
    key = _pki.new_key()
    cert = _pki.issue_verifier(
        world.ca_key,
        ca_cert,
        key.public_key(),
        name="Forge Verifier",
        accreditation_no="IT-V-0666",
        nace_scope=nace_scope or ("55", "84"),
    )
    digest = hashlib.sha256(statement_json).hexdigest()
    claimed = old["predicate"]
    organisation = statement.get("organisation")
    nace = str(organisation.get("nace")) if isinstance(organisation, dict) else claimed["member"]["nace"]
    draft = Draft(
        digest,
        claimed["member"]["id"],
        claimed["member"]["name"],
        nace,
        claimed["cycle"]["clusterId"],
        claimed["cycle"]["reportingYear"],
        digest,
        old["subject"][1]["digest"]["sha256"],
    )
    when = dt.datetime.now(dt.UTC)
    envelope = sign_approval(draft, key, cert, signed_at=when, place="Roma")
    try:
        pdf = statements.validated_pdf(statement_json, verifier_block(_pki.identity(cert), when, "Roma"))
    except (statements.StatementInvalid, statements.RenderFailed, ValueError, KeyError, TypeError):
        pdf = blank_pdf("not renderable")
    signed_pdf = world.tsa.sign_pdf(pdf, key, cert, (ca_cert,), world.trust.crls)
    inputs = SignedInputs(
        statement_json, Envelope.from_json(envelope), cert, (ca_cert,), signed_pdf, stamp(envelope)
    )
    try:
        return tar_bytes(bag_files(inputs))
    except AnnexInvalid:
        if strict:
            raise
        return _raw(files, statement_json, envelope, inputs)
    except (KeyError, TypeError, ValueError):
        return _raw(files, statement_json, envelope, inputs)


def _raw(files: dict[str, bytes], statement_json: bytes, envelope: bytes, inputs: SignedInputs) -> bytes:
    """The member's files with the forged signed ones swapped in, when no consistent bag can be built."""
    files |= {
        "data/statement.json": statement_json,
        "data/approval.dsse.json": envelope,
        "data/approval.tsr": inputs.timestamp,
        "data/verifier-cert.pem": _pki.pem(inputs.cert),
        "data/statement-validated.pdf": inputs.signed_pdf,
    }
    return tar_bytes(files)


# --- 1. every file of a package is covered: edit it, re-save the manifests, it is refused by name -----------


def _json_edit(key: str, value: Any) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        doc = json.loads(data)
        target = doc
        *path, last = key.split(".")
        for part in path:
            target = target[part]
        target[last] = value
        return canonical_json(doc)

    return edit


def _keyid(data: bytes) -> bytes:
    doc = json.loads(data)
    doc["signatures"][0]["keyid"] = "0" * 64
    return canonical_json(doc)


def _extra_signature(data: bytes) -> bytes:
    doc = json.loads(data)
    doc["signatures"].append(dict(doc["signatures"][0], keyid="attacker"))
    return canonical_json(doc)


def _flip(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


EDITS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "application claims another NACE": (
        "data/annex-vi-application.json",
        _json_edit("organisation.nace", "84.11"),
    ),
    "application claims another member": (
        "data/annex-vi-application.json",
        _json_edit("organisation.id", "IT-HOT-1"),
    ),
    "application claims another country": (
        "data/annex-vi-application.json",
        _json_edit("organisation.country", "LV"),
    ),
    "application claims a registration no": (
        "data/annex-vi-application.json",
        _json_edit("organisation.emasRegistrationNo", "IT-000001"),
    ),
    "application PDF byte": ("data/annex-vi-application.pdf", _flip),
    "application PDF appended": ("data/annex-vi-application.pdf", lambda d: d + b"%extra"),
    "check summary changes warnings": ("data/check-summary.json", _json_edit("warnings", 99)),
    "check summary says blocking 0": ("data/check-summary.json", _json_edit("blocking", -1)),
    "declaration text": ("data/annex-vii-declaration.txt", lambda d: d + b" Also valid for 84.11."),
    "statement NACE": ("data/statement.json", _json_edit("organisation.nace", "55.10 ")),
    "statement country": ("data/statement.json", _json_edit("organisation.country", "LV")),
    "validated PDF byte": ("data/statement-validated.pdf", _flip),
    "validated PDF appended": ("data/statement-validated.pdf", lambda d: d + b"\n%%EOF\n"),
    "envelope keyid": ("data/approval.dsse.json", _keyid),
    "envelope second signature": ("data/approval.dsse.json", _extra_signature),
    "envelope re-serialised": (
        "data/approval.dsse.json",
        lambda d: json.dumps(json.loads(d), indent=1).encode(),
    ),
    "certificate file with a comment": ("data/verifier-cert.pem", lambda d: b"# issued to us\n" + d),
    "certificate of someone else": ("data/verifier-cert.pem", lambda d: _pki.pem(_pki.create_ca("Other")[1])),
    "certificate file twice": ("data/verifier-cert.pem", lambda d: d + d),
    "chain with another CA": ("data/chain.pem", lambda d: d + _pki.pem(_pki.create_ca("Rogue CA")[1])),
    "chain emptied": ("data/chain.pem", lambda d: b""),
    "timestamp byte": ("data/approval.tsr", _flip),
    "timestamp emptied": ("data/approval.tsr", lambda d: b""),
    "bag-info source organisation": (
        "bag-info.txt",
        lambda d: d.replace(b"Source-Organization: ", b"Source-Organization: Not "),
    ),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edit_of_any_file_with_resaved_manifests_is_refused_naming_the_file(world, tmp_path, case) -> None:
    name, edit = EDITS[case]
    files = world.files()
    files[name] = edit(files[name])
    forged = resaved(files, tmp_path)
    assert bagit.Bag(str(tmp_path)).is_valid()  # the independent tool is satisfied: only our rules refuse it
    report = signing.verify_archive(tar_bytes(forged), world.trust)
    assert not report.ok
    assert name in failed_files(report), report.reasons()


@pytest.mark.parametrize("name", ["manifest-sha256.txt", "tagmanifest-sha256.txt", "bagit.txt"])
def test_an_edited_tag_file_is_refused_naming_it(world, name) -> None:
    files = world.files()
    files[name] = files[name] + b"\n"
    report = signing.verify_archive(tar_bytes(files), world.trust)
    assert not report.ok and name in failed_files(report), report.reasons()


def test_the_genuine_packages_verify(world) -> None:
    for member, data in world.packages.items():
        report = signing.verify_archive(data, world.trust)
        assert report.ok, (member, report.reasons())
        assert report.facts is not None and report.facts.member_id == member


# --- 2. the NACE code, member, cluster and country come from the signed statement only ----------------------


def _nace(value: str) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        statement["organisation"]["nace"] = value

    return edit


def test_a_verifier_accredited_for_55_cannot_pass_an_84_11_member_whatever_the_application_says(
    world, tmp_path
) -> None:
    """Finding 2: the application claims 55.10, the statement the verifier signed says 84.11."""
    data = forge(world, edit=_nace("84.11"), nace_scope=("55",))
    files = dict(read_tar(data).files)
    files["data/annex-vi-application.json"] = _json_edit("organisation.nace", "55.10")(
        files["data/annex-vi-application.json"]
    )
    report = signing.verify_archive(tar_bytes(resaved(files, tmp_path)), world.trust)
    assert [(c.name, c.file) for c in report.failed()] == [("approval/nace-scope", "data/statement.json")]


def test_a_consistent_forgery_by_a_verifier_in_scope_verifies(world) -> None:
    """The forge helper itself makes packages that pass: so the refusals above are the rules' doing."""
    report = signing.verify_archive(forge(world, edit=_nace("84.11"), nace_scope=("84",)), world.trust)
    assert report.ok, report.reasons()
    assert report.facts is not None and report.facts.nace == "84.11"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        target = statement
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value

    return edit


MALFORMED = {  # signed for real, but the statement's facts have the wrong type or shape
    "cluster traversal": _set("cluster.cluster_id", "../x"),
    "member with a slash": _set("organisation.member_id", "IT-HOT-2/../../IT-HOT-1"),
    "member with dots": _set("organisation.member_id", "IT..HOT-2"),
    "year as text": _set("reporting_year", "2025"),
    "year as bool": _set("reporting_year", True),
    "year huge": _set("reporting_year", 2**70),
    "country lower case": _set("organisation.country", "it"),
    "country a list": _set("organisation.country", ["IT"]),
    "nace an object": _set("organisation.nace", {"code": "55.10"}),
    "organisation missing": lambda s: s.pop("organisation"),
    "blocking as text": _set("compliance.checks.blocking", "0"),
    "statement a list": None,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_signed_statement_with_wrong_types_is_a_named_refusal(world, case) -> None:
    edit = MALFORMED[case]
    if edit is None:
        files = world.files()
        files["data/statement.json"] = b"[1, 2, 3]"
        data = tar_bytes(files)
    else:
        data = forge(world, edit=edit)
    report = signing.verify_archive(data, world.trust)
    assert [(c.name, c.file) for c in report.failed()][-1] == ("statement", "data/statement.json"), (
        report.reasons()
    )


# --- 3. archives: plain tar only, bounded, nothing unexpected -----------------------------------------------


def _tar(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                tar.addfile(info, io.BytesIO(member[1]))
    return out.getvalue()


def _link(name: str, kind: bytes, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _dir(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info


def _lying_header(name: str, size: int) -> bytes:
    """A tar header that declares ``size`` bytes, followed by far fewer."""
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape") + b"\0" * 2048


def _with(world: World, *extra: tarfile.TarInfo | tuple[str, bytes], drop: str = "") -> bytes:
    return _tar([*(item for item in world.files().items() if item[0] != drop), *extra])


ARCHIVES: dict[str, tuple[Callable[[World], bytes], str, str]] = {  # case -> (make, rule, file)
    "gzip": (lambda w: gzip.compress(w.packages["IT-HOT-2"]), "compressed", "(archive)"),
    "bzip2": (lambda w: bz2.compress(w.packages["IT-HOT-2"]), "compressed", "(archive)"),
    "xz": (lambda w: lzma.compress(w.packages["IT-HOT-2"]), "compressed", "(archive)"),
    "gzip bomb": (lambda w: gzip.compress(b"\0" * (64 * 1024 * 1024)), "compressed", "(archive)"),
    "oversized": (lambda w: w.packages["IT-HOT-2"] + b"\0" * MAX_PACKAGE_BYTES, "size", "(archive)"),
    "extra payload file": (
        lambda w: _with(w, ("data/payload.bin", b"\0" * 4096)),
        "unexpected-file",
        "data/payload.bin",
    ),
    "a CRL inside": (
        lambda w: _with(w, ("data/crl.pem", b"-----BEGIN X509 CRL-----\n")),
        "unexpected-file",
        "data/crl.pem",
    ),
    "traversal": (lambda w: _with(w, ("../evil.txt", b"x")), "unexpected-file", "../evil.txt"),
    "absolute path": (lambda w: _with(w, ("/etc/cron.d/x", b"x")), "unexpected-file", "/etc/cron.d/x"),
    "symlink": (
        lambda w: _with(w, _link("data/link", tarfile.SYMTYPE, "/etc/passwd")),
        "member-type",
        "data/link",
    ),
    "hard link": (
        lambda w: _with(w, _link("data/hard", tarfile.LNKTYPE, "bagit.txt")),
        "member-type",
        "data/hard",
    ),
    "fifo": (lambda w: _with(w, _link("data/fifo", tarfile.FIFOTYPE, "")), "member-type", "data/fifo"),
    "another folder": (lambda w: _with(w, _dir("data/sub")), "member-type", "data/sub"),
    "duplicate member": (
        lambda w: _with(w, ("data/statement.json", b"{}")),
        "duplicate-file",
        "data/statement.json",
    ),
    "missing statement": (
        lambda w: _with(w, drop="data/statement.json"),
        "missing-file",
        "data/statement.json",
    ),
    "sparse member": (
        lambda w: _with(w, _link("data/sparse", tarfile.GNUTYPE_SPARSE, "")),
        "member-type",
        "data/sparse",
    ),
    "a header declaring too much": (
        lambda w: _lying_header("bagit.txt", MAX_PACKAGE_BYTES + 1),
        "size",
        "bagit.txt",
    ),
    "too many members": (lambda w: _tar([_dir("data") for _ in range(100)]), "members", "(archive)"),
    "not a tar": (lambda w: b"not a tar at all" * 100, "archive", "(archive)"),
    "empty": (lambda w: b"", "archive", "(archive)"),
    "truncated": (lambda w: w.packages["IT-HOT-2"][:5000], "archive", "(archive)"),
}


@pytest.mark.parametrize("case", sorted(ARCHIVES))
def test_an_archive_outside_the_format_is_refused_before_parsing(world, case) -> None:
    make, rule, file = ARCHIVES[case]
    report = signing.verify_archive(make(world), world.trust)
    assert [(c.name, c.file) for c in report.failed()] == [(rule, file)], report.reasons()
    assert report.facts is None and report.approval is None


def test_a_package_refusal_survives_pickling() -> None:
    """Refusals travel between processes (Dask, persisted Prefect results)."""
    import pickle

    refused = signing.PackageRefused("unexpected-file", "data/x", "not a file of a package (really): no")
    again = pickle.loads(pickle.dumps(refused))
    assert (again.rule, again.file, str(again)) == (refused.rule, refused.file, str(refused))


def test_a_bag_folder_with_a_symlink_is_refused(world, tmp_path) -> None:
    bag = signing.unpack(world.packages["IT-HOT-2"], tmp_path / "bag")
    (bag / "data" / "statement.json").unlink()
    (bag / "data" / "statement.json").symlink_to("/etc/hostname")
    report = signing.verify_package(bag, world.trust)
    assert [(c.name, c.file) for c in report.failed()] == [("member-type", "data/statement.json")]


# --- 4. trust and revocation come from the reader -----------------------------------------------------------


def _ca_crls(world: World, crls: tuple[x509.CertificateRevocationList, ...]) -> TrustAnchors:
    """The reader's anchors with ``crls`` as the accreditation CA's CRLs (the TSA CA's CRL kept)."""
    ca = world.trust.cas[0]
    return dataclasses.replace(
        world.trust, crls=crls + tuple(c for c in world.trust.crls if c.issuer != ca.subject)
    )


def test_a_revoked_verifier_is_refused_with_the_readers_crl(world) -> None:
    """Finding 3: the package carries no CRL to hide behind; the reader's current CRL decides."""
    cert = _pki.load_certs(world.files()["data/verifier-cert.pem"])[0]
    crl = _pki.build_crl(world.ca_key, world.trust.cas[0], [(cert.serial_number, dt.datetime.now(dt.UTC))])
    report = signing.verify_archive(world.packages["IT-HOT-2"], _ca_crls(world, (crl,)))
    assert [(c.name, c.file) for c in report.failed()] == [("approval/revocation", "data/verifier-cert.pem")]
    assert "crl.pem" not in {Path(n).name for n in MEMBERS}


def test_without_a_crl_revocation_is_not_assumed(world) -> None:
    report = signing.verify_archive(world.packages["IT-HOT-2"], _ca_crls(world, ()))
    assert [c.name for c in report.failed()] == ["approval/revocation"]


# --- 5. the signed PDF is this member's ---------------------------------------------------------------------


def test_another_members_verifier_signed_pdf_is_refused(world, tmp_path) -> None:
    """Finding 7: LV-NOV-1's validated PDF, genuinely signed by the same verifier, put in IT-HOT-2's
    package."""
    files = world.files()
    files["data/statement-validated.pdf"] = world.files("LV-NOV-1")["data/statement-validated.pdf"]
    report = signing.verify_archive(tar_bytes(resaved(files, tmp_path)), world.trust)
    assert [(c.name, c.outcome) for c in report.failed()] == [("pdf-content", signing.Outcome.FAIL)]


def test_another_approvals_genuine_timestamp_is_refused(world, tmp_path) -> None:
    """approval.tsr is bound to the envelope: LV-NOV-1's genuine token (same TSA, same verifier)
    in IT-HOT-2's package does not attest IT-HOT-2's signature."""
    files = world.files()
    files["data/approval.tsr"] = world.files("LV-NOV-1")["data/approval.tsr"]
    report = signing.verify_archive(tar_bytes(resaved(files, tmp_path)), world.trust)
    assert [(c.name, c.file) for c in report.failed()] == [("approval/timestamp", "data/approval.tsr")]


def test_not_checked_is_never_a_pass() -> None:
    check = signing.Check("pdf-content", signing.Outcome.NOT_CHECKED, "not compared")
    report = signing.PackageReport((signing.Check("bag", signing.Outcome.PASS, "ok"), check), None, None)
    assert not check.ok and not report.ok and report.failed() == (check,)
    assert not signing.PackageReport((), None, None).ok  # no check at all is not a pass either


# --- 6. intake: one country, its own register, every package gets an answer ---------------------------------


@pytest.fixture
def body(home) -> Iterator[Callable[..., list[signing.Receipt]]]:
    """Intake in a fresh warehouse of a competent body (IT and LV keys made on purpose). These tests
    are about hostile packages, not waiting periods: the bodies configure none for a first
    registration (test_registration_requests.py waits)."""
    for country in ("IT", "LV"):
        signing.init_body_key(home.root / "competent-body" / country, country, CB)
    home.config_path.write_text(NO_WAITING, encoding="utf-8")
    store = LocalStore(home.objects_dir)

    def run(
        con: duckdb.DuckDBPyConnection,
        world: World,
        packages: dict[str, bytes],
        *,
        country: str = "IT",
        trust: TrustAnchors | None = None,
        retry: bool = False,
    ) -> list[signing.Receipt]:
        for key, data in packages.items():
            store.put(key, data)
        return signing.intake(home, con, store, trust or world.trust, country, CB, retry=retry)

    run.store = store  # type: ignore[attr-defined]
    yield run


def inbox(country: str, name: str) -> str:
    return f"competent-body/{country}/inbox/CL-IT/{name}.tar"


def register(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT country, member_id, registration_no, last_renewed FROM body_register ORDER BY all"
    ).fetchall()


def test_one_malformed_package_does_not_stop_the_country(world, con, body) -> None:
    """Finding 6: garbage, a compressed copy, a signed statement with ``cluster: "../x"`` and a wrong
    type, beside two genuine packages: every one gets a receipt, the genuine ones are registered."""
    packages = {
        inbox("IT", "a-garbage"): b"\x00garbage",
        inbox("IT", "b-gz"): gzip.compress(world.packages["IT-HOT-1"]),
        inbox("IT", "c-traversal"): forge(world, edit=_set("cluster.cluster_id", "../x")),
        inbox("IT", "d-types"): forge(world, edit=_set("reporting_year", "2025")),
        inbox("IT", "e-hot-1"): world.packages["IT-HOT-1"],
        inbox("IT", "f-hot-2"): world.packages["IT-HOT-2"],
    }
    receipts = {r.package_key.rsplit("/", 1)[1]: r for r in body(con, world, packages)}
    assert {k: (r.outcome, r.rule) for k, r in receipts.items()} == {
        "a-garbage.tar": ("refused", "archive"),
        "b-gz.tar": ("refused", "compressed"),
        "c-traversal.tar": ("refused", "statement"),
        "d-types.tar": ("refused", "statement"),
        "e-hot-1.tar": ("registered", None),
        "f-hot-2.tar": ("registered", None),
    }
    assert [row[:3] for row in register(con)] == [
        ("IT", "IT-HOT-1", "IT-000001"),
        ("IT", "IT-HOT-2", "IT-000002"),
    ]
    for r in receipts.values():  # refusals without verified facts go to the body's own folder, never "../x"
        assert body.store.exists(r.receipt_key) and ".." not in r.receipt_key
        assert r.receipt_key.startswith(
            "clusters/CL-IT/receipts/"
            if r.outcome != "refused"
            else "competent-body/IT/receipts/unattributed-"
        )


def test_a_foreign_organisation_is_refused_and_its_own_body_still_takes_it(world, con, body) -> None:
    """Finding 4: the Latvian package in the Italian inbox; then the same bytes in the Latvian one."""
    latvian = world.packages["LV-NOV-1"]
    (refused,) = body(con, world, {inbox("IT", "lv"): latvian})
    assert (refused.outcome, refused.rule, refused.member_id) == ("refused", "country", "LV-NOV-1")
    assert register(con) == []
    (taken,) = body(con, world, {"competent-body/LV/inbox/CL-LV/lv.tar": latvian}, country="LV")
    assert (taken.outcome, taken.registration_no) == ("registered", "LV-000001")


def test_registration_numbers_come_from_the_bodys_register_only(world, con, body) -> None:
    """Finding 9: the roster's emas_reg_no (both claim IT-000576; one IT-2147483647) decides nothing."""
    for member in ("IT-HOT-1", "IT-HOT-2"):
        add_member(con, member, cluster="CL-IT")
    con.execute("UPDATE member SET emas_reg_no = 'IT-000576'")
    con.execute("UPDATE member SET emas_reg_no = 'IT-2147483647' WHERE member_id = 'IT-HOT-2'")
    receipts = body(
        con,
        world,
        {inbox("IT", "1"): world.packages["IT-HOT-1"], inbox("IT", "2"): world.packages["IT-HOT-2"]},
    )
    assert sorted(r.registration_no for r in receipts) == ["IT-000001", "IT-000002"]


def test_numbers_past_the_int32_range_do_not_overflow(world, con, body) -> None:
    con.execute(
        "INSERT INTO body_register (country, member_id, registration_no, serial, first_registered, "
        "last_renewed, last_approval_sha256) VALUES ('IT', 'IT-OLD', 'IT-2147483647', 2147483647, "
        "DATE '2020-01-01', DATE '2020-01-01', 'x')"
    )
    (receipt,) = body(con, world, {inbox("IT", "1"): world.packages["IT-HOT-1"]})
    assert receipt.registration_no == "IT-2147483648"


def test_a_new_approval_of_a_registered_member_renews_its_number(world, con, body) -> None:
    (first,) = body(con, world, {inbox("IT", "1"): world.packages["IT-HOT-2"]})
    con.execute("UPDATE body_register SET last_renewed = DATE '2020-01-01'")
    (second,) = body(con, world, {inbox("IT", "2"): forge(world)})  # another verifier, another approval
    assert (second.outcome, second.registration_no) == ("renewed", first.registration_no)
    assert register(con) == [("IT", "IT-HOT-2", "IT-000001", dt.date.today())]


def test_a_rebagged_copy_of_an_approval_cannot_renew(world, con, body, tmp_path) -> None:
    """Finding 12: same approval, other tar bytes (member order, re-saved bag): refused as a duplicate."""
    (first,) = body(con, world, {inbox("IT", "1"): world.packages["IT-HOT-2"]})
    before = register(con)
    files = world.files()
    rebagged = _tar(list(reversed(list(files.items()))))
    padded = world.packages["IT-HOT-2"] + b"\0" * 1024
    receipts = body(con, world, {inbox("IT", "2"): rebagged, inbox("IT", "3"): padded})
    assert [(r.outcome, r.rule) for r in receipts] == [("refused", "duplicate")] * 2
    assert first.registration_no in receipts[0].reasons[-1]
    assert register(con) == before


def test_a_refusal_caused_by_the_bodys_configuration_is_retried(world, con, body) -> None:
    """Finding 12: the body had another CA configured; after fixing it, --retry registers the
    package; a tampered package's refusal is not looked at again."""
    _, other_ca = _pki.create_ca("Some other accreditation body")
    tampered = world.files()
    tampered["data/annex-vii-declaration.txt"] += b"!"
    packages = {inbox("IT", "good"): world.packages["IT-HOT-2"], inbox("IT", "bad"): tar_bytes(tampered)}
    first = {
        r.package_key: r
        for r in body(con, world, packages, trust=dataclasses.replace(world.trust, cas=(other_ca,)))
    }
    assert (first[inbox("IT", "good")].rule, first[inbox("IT", "good")].retriable) == ("approval/chain", True)
    assert body(con, world, {}) == []  # without --retry nothing is looked at again
    again = body(con, world, {}, retry=True)
    assert [(r.package_key, r.outcome, r.registration_no) for r in again] == [
        (inbox("IT", "good"), "registered", "IT-000001")
    ]
    assert again[0].receipt_key.endswith(".registered.retry1.dsse.json")
    assert body(con, world, {}, retry=True) == []


def test_a_timestamp_refused_for_want_of_the_bodys_tsa_trust_is_retried(world, con, body) -> None:
    """The body had not configured the TSA's CA ([signing] tsa_trust_anchors): the timestamp is
    refused (intake checks it with the body's own TSA trust) and, once configured, --retry registers."""
    untrusted = dataclasses.replace(world.trust, tsa=())
    first = body(con, world, {inbox("IT", "good"): world.packages["IT-HOT-2"]}, trust=untrusted)
    assert [(r.rule, r.retriable) for r in first] == [("approval/timestamp", True)]
    again = body(con, world, {}, retry=True)
    assert [(r.outcome, r.registration_no) for r in again] == [("registered", "IT-000001")]


def test_intake_never_creates_the_bodys_key(world, con, home) -> None:
    """Issue 14: the competent body's key is made on purpose (`intake-key`), never by intake."""
    store = LocalStore(home.objects_dir)
    with pytest.raises(ConfigurationError, match="intake-key"):
        signing.intake(home, con, store, world.trust, "IT", CB)
    assert not (home.root / "competent-body").exists()


def test_an_unknown_country_is_refused(world, con, home) -> None:
    with pytest.raises(signing.UnknownCountry, match="'XX'"):
        signing.intake(home, con, LocalStore(home.objects_dir), world.trust, "XX", CB)


def test_receipts_verify_against_the_bodys_certificate_only(world, con, body, home) -> None:
    (receipt,) = body(con, world, {inbox("IT", "1"): world.packages["IT-HOT-2"]})
    data = body.store.get(receipt.receipt_key)
    it_cert = signing.KeyFiles(home.root / "competent-body" / "IT").load_cert()
    lv_cert = signing.KeyFiles(home.root / "competent-body" / "LV").load_cert()
    assert signing.verify_receipt(data, (it_cert,)).ok
    assert [c.name for c in signing.verify_receipt(data, (lv_cert,)).failed()] == ["signature"]
    doc = json.loads(data)
    doc["signatures"][0]["sig"] = doc["signatures"][0]["sig"][:-8] + "AAAAAAA="
    assert not signing.verify_receipt(canonical_json(doc), (it_cert,)).ok
    assert [c.name for c in signing.verify_receipt(b" " * (2 * 1024 * 1024), (it_cert,)).failed()] == ["size"]
    assert [c.name for c in signing.verify_receipt(b'{"payload": 1}', (it_cert,)).failed()] == ["envelope"]


# --- 7. property: arbitrary tar members give an acceptance or a named refusal, and the run goes on ----------

_NAMES = st.one_of(
    st.sampled_from(
        [
            *sorted(MEMBERS),
            "data",
            "data/",
            "../x",
            "/etc/x",
            "data/x/../statement.json",
            "./bagit.txt",
            "data/crl.pem",
            "a" * 300,
        ]
    ),
    st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=40),
)
_KINDS = st.sampled_from(
    [tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE]
)


@st.composite
def tars(draw: st.DrawFn, genuine: dict[str, bytes]) -> bytes:
    """A tar of arbitrary members, often a genuine package with a few of its members replaced."""
    members = dict(genuine) if draw(st.booleans()) else {}
    for name in draw(st.lists(_NAMES, max_size=6)):
        members[name] = draw(st.one_of(st.binary(max_size=200), st.sampled_from(sorted(genuine.values()))))
    kinds = {
        name: draw(_KINDS) if name not in genuine or draw(st.integers(0, 4)) == 0 else tarfile.REGTYPE
        for name in members
    }
    out = io.BytesIO()
    try:
        with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.type = kinds[name]
                if info.type == tarfile.REGTYPE:
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
                else:
                    info.linkname = "bagit.txt" if info.type in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
                    tar.addfile(info)
    except (ValueError, UnicodeError):
        assume(False)
    data = out.getvalue()
    return (
        draw(st.sampled_from([data, data[: len(data) // 2], gzip.compress(data)]))
        if draw(st.booleans())
        else data
    )


def _accepted_or_named(report: signing.PackageReport, data: bytes, genuine: dict[str, bytes]) -> None:
    if report.ok:  # accepted only if it is, member for member, the genuine package
        assert dict(read_tar(data).files) == genuine
    else:
        assert report.failed() and all(c.name and c.detail for c in report.failed())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_verify_accepts_or_refuses_by_name(world, data) -> None:
    genuine = world.files()
    tar = data.draw(tars(genuine))
    _accepted_or_named(signing.verify_archive(tar, world.trust), tar, genuine)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_intake_answers_every_package_and_goes_on(world, data, tmp_path_factory) -> None:
    genuine = world.files("IT-HOT-1")
    tar = data.draw(tars(genuine))
    home = Home.resolve(tmp_path_factory.mktemp("prop") / "home")
    signing.init_body_key(home.root / "competent-body" / "IT", "IT", CB)
    home.config_path.write_text(NO_WAITING, encoding="utf-8")
    store = LocalStore(home.objects_dir)
    store.put(inbox("IT", "a-arbitrary"), tar)
    store.put(inbox("IT", "b-genuine"), world.packages["IT-HOT-2"])
    with connect(home.warehouse_path) as con:
        receipts = {r.package_key: r for r in signing.intake(home, con, store, world.trust, "IT", CB)}
    if tar == world.packages["IT-HOT-2"]:
        return  # the same bytes twice are one package
    arbitrary = receipts[inbox("IT", "a-arbitrary")]
    assert (
        arbitrary.outcome == "registered" and dict(read_tar(tar).files) == genuine
        if arbitrary.rule is None
        else arbitrary.outcome == "refused" and arbitrary.reasons
    )
    assert receipts[inbox("IT", "b-genuine")].outcome == "registered"
    assert all(store.exists(r.receipt_key) for r in receipts.values())


# --- 8. the CLI: nothing from a package reaches the terminal as markup or escapes; honest answers -----------

HOSTILE = [
    "\x1b[2K\r\x1b[32mPASS\x1b[0m bound-files",
    "[/]",
    "[bold green]PASS[/] approval",
    "x\nPASS forged line",
    "\u202eSSAP",
    "\x9b32m",
    ":warning: [link=http://x]y[/link]",
]


def cli(home: Home, *args: str):
    from typer.testing import CliRunner

    from ecocluster.flows.cli import app

    env = {"ECOCLUSTER_CB_PASSWORD": CB.decode()}
    return CliRunner().invoke(app, ["--home", str(home.root), *args], env=env)


@pytest.mark.parametrize("text", HOSTILE[:4])
def test_verify_prints_a_hostile_member_name_as_text(world, home, tmp_path, text) -> None:
    path = tmp_path / "p.tar"
    path.write_bytes(_with(world, (f"data/{text}", b"x")))
    ca, crl = tmp_path / "ca.pem", tmp_path / "crl.pem"
    ca.write_bytes(_pki.pem(world.trust.cas[0]))
    crl.write_bytes(_pki.crl_pem(world.trust.crls[0]))
    done = cli(home, "verify", str(path), "--trust", str(ca), "--crl", str(crl))
    assert done.exit_code == 3, done.output
    assert "\x1b" not in done.output and "\r" not in done.output
    assert done.output.count("\n") == 1 and done.output.startswith("FAIL unexpected-file [data/")


def test_verify_refuses_a_missing_crl_and_fails_closed_without_one(world, home, tmp_path) -> None:
    """Finding 3: a mistyped --crl is an error, and with --trust alone revocation fails closed."""
    path = tmp_path / "p.tar"
    path.write_bytes(world.packages["IT-HOT-2"])
    ca = tmp_path / "ca.pem"
    ca.write_bytes(_pki.pem(world.trust.cas[0]))
    missing = cli(home, "verify", str(path), "--trust", str(ca), "--crl", str(tmp_path / "crl.pen"))
    assert isinstance(missing.exception, ConfigurationError) and "crl.pen" in str(missing.exception)
    alone = cli(home, "verify", str(path), "--trust", str(ca))  # the package's own CRL is never used
    assert alone.exit_code == 3 and "FAIL approval/revocation" in alone.output, alone.output


def _body_home(world: World, home: Home) -> None:
    """The competent body's own configuration: the accreditation body's CA and CRL it trusts."""
    ca, crl = home.root / "trusted-ca.pem", home.root / "current-crl.pem"
    ca.write_bytes(_pki.pem(world.trust.cas[0]))
    crl.write_bytes(_pki.crl_pem(world.trust.crls[0]))
    home.config_path.write_text(f'[signing]\ntrust_anchors = ["{ca}"]\ncrls = ["{crl}"]\n', encoding="utf-8")


def test_intake_and_receipt_through_the_cli(world, home) -> None:
    _body_home(world, home)
    with home.config_path.open("a", encoding="utf-8") as config:
        config.write(NO_WAITING)  # test_registration_requests.py: the CLI while waiting
    assert isinstance(cli(home, "intake", "--country", "XX").exception, signing.UnknownCountry)
    no_key = cli(home, "intake", "--country", "IT")
    assert "intake-key" in str(no_key.exception) and not (home.root / "competent-body").exists()
    assert cli(home, "intake-key", "--country", "IT").exit_code == 0
    again = cli(home, "intake-key", "--country", "IT")  # never replaced
    assert "never replaced" in str(again.exception)
    store = LocalStore(home.objects_dir)
    store.put(inbox("IT", "good"), world.packages["IT-HOT-2"])
    store.put(inbox("IT", "bad"), b"garbage")
    taken = cli(home, "intake", "--country", "IT")
    assert taken.exit_code == 0, taken.output
    assert (
        "registered: IT-HOT-2 as IT-000001:" in taken.output
        and "refused: unattributed package (rule archive)" in taken.output
        and "receipt: clusters/CL-IT/receipts/IT-HOT-2-" in taken.output
    ), taken.output
    assert "1 registered, 0 renewed, 1 refused" in taken.output
    assert "nothing new in the IT inbox" in cli(home, "intake", "--country", "IT").output
    receipt = next(p for p in (home.objects_dir / "clusters").rglob("*.registered.dsse.json"))
    cert = home.root / "competent-body" / "IT" / "cert.pem"
    good = cli(home, "verify", str(receipt), "--trust", str(cert))
    assert good.exit_code == 0 and "PASS receipt: registered IT-HOT-2 IT-000001 in IT" in good.output, (
        good.output
    )
    other = cli(home, "verify", str(receipt), "--trust", str(home.root / "trusted-ca.pem"))
    assert other.exit_code == 3 and "FAIL signature" in other.output


def test_register_says_why_a_member_gets_no_package(con, home) -> None:
    add_member(con, "IT-NEW-1")
    con.close()
    unknown = cli(home, "register", "--member", "NOPE")
    assert "no member 'NOPE'" in str(unknown.exception) and unknown.exception.exit_code == 65
    unapproved = cli(home, "register", "--member", "IT-NEW-1")
    assert "no approved statement" in str(unapproved.exception)
