"""Archive-timestamp renewal (issue 16): a validated PDF and a package whose first TSA certificate
has expired verify after renewal and not without it; a renewal is an LTA extension of exactly the
stored bytes or it is refused by rule; a rerun within the horizon writes nothing; the Object-Locked
original keeps its version and digest. Real loopback TSAs (one with a 2-year certificate, the
renewing one with 25 years, both under the home's 30-year CA), real S3, a fake clock three years on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from cryptography import x509

from ecocluster import signing
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore, ObjectStore
from ecocluster.core.store.s3 import S3Store
from ecocluster.signing import _pki
from ecocluster.signing._archive import (
    PDF_MEMBER,
    RenewalRefused,
    check_extension,
    check_package_extension,
    extend_pdf,
    renewed_package,
)
from ecocluster.signing._pades import verify_pdf
from ecocluster.signing._renewals import PREFIX
from ecocluster.signing._verify import TrustAnchors
from tests import fixtures_tsa
from tests.cli import run_cli
from tests.fixtures_s3 import S3Server
from tests.fixtures_tsa import running_tsa
from tests.signing.rows import drafted_member
from tests.signing.test_attested_time import crl, long_lived_demo_home, pyhanko_lta_passes
from tests.signing.test_pinned_storage import _s3_home

YEAR = dt.timedelta(days=365)
SOON = dt.timedelta(days=3 * 365)  # a horizon past the first TSA certificate's two years


@dataclass(frozen=True)
class Archive:
    """One member approved with a TSA whose certificate lasts two years, and its package."""

    store: ObjectStore
    pdf_key: str
    package_key: str
    ca_key: _pki.PrivateKey
    ca_cert: x509.Certificate
    verifier_cert: x509.Certificate
    renewing_tsa: fixtures_tsa.TestTsa  # 25 years, same CA

    def trust_at(self, when: dt.datetime) -> TrustAnchors:
        """The reader's anchors at ``when``: the CA and a CRL it issued then (nothing revoked)."""
        return TrustAnchors((self.ca_cert,), (crl(self.ca_key, self.ca_cert, [], now=when),))


def archive_in(con: duckdb.DuckDBPyConnection, home: Home, store: ObjectStore) -> Iterator[Archive]:
    ca_key, ca_cert = long_lived_demo_home(home)
    verifier = signing.demo_verifier(home)
    trust = signing.trust_anchors(home)
    sid = drafted_member(con, home, "IT-HOT-2")
    with running_tsa(ca_key, ca_cert, days=2 * 365) as short:
        signing.approve(
            con, store, trust, sid, verifier, signing.DEMO_PASSWORD, place="Ventasso", tsa_url=short.url
        )
    (delivery,) = signing.build_packages(con, store, trust)
    (pdf_key,) = con.execute("SELECT signed_pdf_key FROM approval").fetchone() or ()
    with running_tsa(ca_key, ca_cert, days=25 * 365) as long:
        yield Archive(store, pdf_key, delivery.key, ca_key, ca_cert, verifier.load_cert(), long)


@pytest.fixture
def local_archive(con: duckdb.DuckDBPyConnection, home: Home) -> Iterator[Archive]:
    yield from archive_in(con, home, LocalStore(home.objects_dir))


def pins(con: duckdb.DuckDBPyConnection, *keys: str) -> list[tuple[str, str, str]]:
    return con.execute(
        "SELECT object_key, version_id, sha256 FROM stored_object WHERE list_contains(?, object_key) "
        "ORDER BY object_key",
        [list(keys)],
    ).fetchall()


@pytest.mark.s3
def test_a_package_whose_tsa_certificate_expired_verifies_only_after_renewal(
    s3_server: S3Server,
    home: Home,
    con: duckdb.DuckDBPyConnection,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    store = _s3_home(s3_server, home)
    for archive in archive_in(con, home, store):
        later = dt.datetime.now(dt.UTC) + 3 * YEAR  # the first TSA certificate expired a year ago
        reader = archive.trust_at(later)
        pinned = pins(con, archive.pdf_key, archive.package_key)
        original_pdf, original_package = (signing.read_stored(con, store, k) for k in pinned_keys(pinned))
        # Without renewal: the document timestamp's TSA certificate has expired, nothing vouches for it.
        assert not verify_pdf(original_pdf, archive.verifier_cert, reader, now=later)[0]
        failed = signing.verify_archive(original_package, reader, now=later)
        assert {c.name for c in failed.failed()} == {"pdf-signature"}, failed.reasons()

        # Not due within a year (the certificate has two), due within three: both renewed once.
        trust = signing.trust_anchors(home)
        assert signing.renew_archive(con, store, trust, archive.renewing_tsa.url, within=YEAR).renewed == ()
        progress: list[str] = []
        run = signing.renew_archive(
            con, store, trust, archive.renewing_tsa.url, within=SOON, progress=progress.append
        )
        assert [(r.original_key, r.generation) for r in run.renewed] == [
            (archive.pdf_key, 1),
            (archive.package_key, 1),
        ]
        assert all(r.key.startswith(PREFIX) for r in run.renewed) and len(progress) == 2
        # A rerun within the horizon writes nothing.
        again = signing.renew_archive(con, store, trust, archive.renewing_tsa.url, within=SOON)
        assert again.renewed == () and again.covered == 2

        # The renewals verify three years on, by ecocluster and by pyHanko called directly.
        (_, pdf), (_, renewed_pdf) = signing.archived(con, store, archive.pdf_key)
        assert pdf == original_pdf and renewed_pdf.startswith(original_pdf)
        assert verify_pdf(renewed_pdf, archive.verifier_cert, reader, now=later)[0]
        assert pyhanko_lta_passes(renewed_pdf, archive.ca_cert, later)
        assert not pyhanko_lta_passes(original_pdf, archive.ca_cert, later)
        (_, _), (_, renewed) = signing.archived(con, store, archive.package_key)
        assert signing.verify_archive(renewed, reader, now=later).ok
        assert signing.read_tar(renewed)[PDF_MEMBER] == renewed_pdf  # the approval's renewal, reused

        # The locked originals: same single version, same digest.
        assert pins(con, archive.pdf_key, archive.package_key) == pinned
        assert isinstance(store, S3Store)
        for key, version, digest in pinned:
            listed = store.client.list_object_versions(Bucket=store.bucket, Prefix=key)["Versions"]
            assert [v["VersionId"] for v in listed] == [version]
            assert hashlib.sha256(store.get(key, version_id=version, sha256=digest)).hexdigest() == digest
        # The sidecars are written the same way: one locked version each, pinned with its digest.
        sidecars = pins(con, *(r.key for r in run.renewed))
        assert [k for k, _, _ in sidecars] == sorted(r.key for r in run.renewed)
        for key, version, digest in sidecars:
            head = store.client.head_object(Bucket=store.bucket, Key=key, VersionId=version)
            assert head["ObjectLockMode"] == "COMPLIANCE", head
            assert hashlib.sha256(store.get(key, version_id=version, sha256=digest)).hexdigest() == digest

        # `verify --stored` takes the renewal three years on; today it still takes it (the newest).
        ca, crl_file = tmp_path / "ca.pem", tmp_path / "crl.pem"
        ca.write_bytes(_pki.pem(archive.ca_cert))
        crl_file.write_bytes(_pki.crl_pem(reader.crls[0]))
        anchors = ("--trust", str(ca), "--crl", str(crl_file))
        con.close()  # the command opens the warehouse read-only
        cli = run_cli(
            capsys, monkeypatch, home.root, "verify", "--stored", archive.package_key, *anchors,
            "--at", later.strftime("%Y-%m-%dT%H:%M:%S"),
        )  # fmt: skip
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert "verified archive renewal" in cli.stdout
        # The approval's validated PDF by its own key: its renewal, checked inside its package.
        pdf_cli = run_cli(
            capsys, monkeypatch, home.root, "verify", "--stored", archive.pdf_key, *anchors,
            "--at", later.strftime("%Y-%m-%dT%H:%M:%S"),
        )  # fmt: skip
        assert pdf_cli.returncode == 0, pdf_cli.stdout + pdf_cli.stderr
        assert f"verified archive renewal {run.renewed[0].key}" in pdf_cli.stdout


def pinned_keys(pinned: list[tuple[str, str, str]]) -> list[str]:
    """The PDF's key, then the package's (the rows are sorted by key: approvals/ before competent-body/)."""
    keys = [row[0] for row in pinned]
    return sorted(keys, key=lambda k: k.endswith(".tar"))


def test_a_renewal_that_is_not_an_lta_extension_is_refused_by_rule(local_archive: Archive) -> None:
    store, archive = local_archive.store, local_archive
    pdf = store.get(archive.pdf_key)
    package = store.get(archive.package_key)
    renewed = extend_pdf(pdf, archive.renewing_tsa.url, archive.trust_at(dt.datetime.now(dt.UTC)))
    check_extension(pdf, renewed)

    # A byte of the signed revision changed: not an extension of exactly the stored bytes.
    tampered = bytearray(renewed)
    tampered[100] ^= 1
    with pytest.raises(RenewalRefused, match="rule prefix"):
        check_extension(pdf, bytes(tampered))
    with pytest.raises(RenewalRefused, match="rule prefix"):
        check_extension(pdf, pdf)  # nothing added
    # Another signature field signed after the verifier's: only document timestamps may be added.
    with pytest.raises(RenewalRefused, match="rule signatures"):
        check_extension(pdf, signed_again(pdf, archive))
    # The page turned, then a document timestamp over it: the signatures look right, the change is not LTA.
    with pytest.raises(RenewalRefused, match="rule lta-only"):
        check_extension(pdf, stamped(rotated(pdf), archive.renewing_tsa))

    # A package renewal changes the PDF and BagIt's files, nothing else.
    good = renewed_package(package, renewed)
    check_package_extension(package, good)
    files = dict(signing.read_tar(good).files)
    files["data/check-summary.json"] = b'{"blocking": [], "warnings": []}'
    from ecocluster.signing._package import tar_bytes

    with pytest.raises(RenewalRefused, match=r"rule package \(data/check-summary.json\)"):
        check_package_extension(package, tar_bytes(files))
    with pytest.raises(RenewalRefused, match="rule prefix"):
        renewed_package(package, bytes(tampered))


def test_a_recorded_renewal_that_does_not_extend_its_original_is_refused_naming_it(
    local_archive: Archive,
    con: duckdb.DuckDBPyConnection,
    home: Home,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whoever can write the warehouse and the bucket records a forged renewal: reading refuses it."""
    store = local_archive.store
    forged = store.put(f"{PREFIX}{local_archive.pdf_key}/1-forged.pdf", b"%PDF-1.7 not the original\n%%EOF\n")
    signing_stored_record(con, forged)
    con.execute(
        "INSERT INTO archive_renewal VALUES "
        "(?, 1, ?, current_timestamp + INTERVAL 20 YEAR, current_timestamp)",
        [local_archive.pdf_key, forged.key],
    )
    with pytest.raises(RenewalRefused, match=r"rule prefix \(archive-renewals/") as refused:
        signing.archived(con, store, local_archive.pdf_key)
    assert refused.value.what == forged.key
    # Verification takes the chain up to the forgery (the original); renewal leaves that original
    # alone and reports it, and renews the package.
    chain, broken = signing.valid_chain(con, store, local_archive.pdf_key)
    assert (
        [k for k, _ in chain] == [local_archive.pdf_key] and broken is not None and broken.what == forged.key
    )
    trust = signing.trust_anchors(home)
    run = signing.renew_archive(con, store, trust, local_archive.renewing_tsa.url, within=SOON)
    assert [r.what for r in run.refused] == [forged.key]
    assert [r.original_key for r in run.renewed] == [local_archive.package_key]

    # A forged second generation of the package (its original again): `verify --stored` names it as
    # not used and verifies the genuine first renewal; a PDF's key is not what --stored takes.
    package = store.get(local_archive.package_key)
    second = store.put(f"{PREFIX}{local_archive.package_key}/2-forged.tar", package)
    signing_stored_record(con, second)
    con.execute(
        "INSERT INTO archive_renewal VALUES (?, 2, ?, current_timestamp, current_timestamp)",
        [local_archive.package_key, second.key],
    )
    con.close()
    cli = run_cli(capsys, monkeypatch, home.root, "verify", "--stored", local_archive.package_key)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert f"not used: archive renewal refused, rule prefix ({second.key})" in cli.stdout
    assert f"verified archive renewal {run.renewed[0].key}" in cli.stdout
    # The PDF's key: its chain stops at the forged generation 1, so its original is verified in its package.
    pdf = run_cli(capsys, monkeypatch, home.root, "verify", "--stored", local_archive.pdf_key)
    assert pdf.returncode == 0, pdf.stdout + pdf.stderr
    assert f"not used: archive renewal refused, rule prefix ({forged.key})" in pdf.stdout
    assert "PASS" in pdf.stdout and "FAIL" not in pdf.stdout


def signing_stored_record(con: duckdb.DuckDBPyConnection, stored) -> None:
    from ecocluster.signing._stored import record

    record(con, stored)


def signed_again(pdf: bytes, archive: Archive) -> bytes:
    """``pdf`` with a second approval signature (a new field), as an attacker holding a key would add."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key, cert = _pki.create_ca("Someone else", years=1)
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name="Another"),
        signer=_simple_signer(key, cert),
    )
    return bytes(out.getvalue())


def _simple_signer(key: _pki.PrivateKey, cert: x509.Certificate):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore(),
    )


def rotated(pdf: bytes) -> bytes:
    """``pdf`` with its first page turned 90 degrees in an incremental update (not an LTA update)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page, _ = writer.find_page_for_modification(0)
    page_obj = page.get_object()
    page_obj["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page_obj)
    out = io.BytesIO()
    writer.write(out)
    return bytes(out.getvalue())


def stamped(pdf: bytes, tsa: fixtures_tsa.TestTsa) -> bytes:
    """``pdf`` with a document timestamp of ``tsa`` appended."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from ecocluster.signing import _tsa

    stamper = signers.PdfTimeStamper(_tsa.timestamper(tsa.url))
    out = asyncio.run(
        stamper.async_timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256", in_place=False)
    )
    return bytes(out.getvalue())


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="needs poppler-utils (pdfsig) and libnss3-tools (certutil): make system-deps",
)
def test_pdfsig_reports_the_renewed_pdf_valid_and_its_timestamps(
    local_archive: Archive, tmp_path: Path
) -> None:
    """Independent tools: pdfsig finds the verifier's signature valid and two document timestamps
    (the original's and the renewal's); openssl ts -verify checks each of those tokens."""
    from tests.signing.test_pades import nss_db_trusting

    pdf = local_archive.store.get(local_archive.pdf_key)
    renewed = extend_pdf(pdf, local_archive.renewing_tsa.url, local_archive.trust_at(dt.datetime.now(dt.UTC)))
    (tmp_path / "renewed.pdf").write_bytes(renewed)
    (tmp_path / "nss").mkdir()
    db = nss_db_trusting(tmp_path / "nss", _pki.pem(local_archive.ca_cert))
    report = subprocess.run(
        ["pdfsig", "-nssdir", db, str(tmp_path / "renewed.pdf")], capture_output=True, text=True, check=False
    )
    first = report.stdout.split("Signature #2")[0]
    assert "Signature is Valid." in first and "Certificate is Trusted." in first, report.stdout
    assert "Signature #3" in report.stdout and "Signature #4" not in report.stdout  # two document timestamps
    # pdfsig leaves document timestamps "not yet verified": OpenSSL checks each token over its byte ranges.
    ca = tmp_path / "ca.pem"
    ca.write_bytes(_pki.pem(local_archive.ca_cert))
    tokens = document_timestamps(renewed)
    assert len(tokens) == 2
    for n, (covered, token) in enumerate(tokens):
        (tmp_path / f"{n}.data").write_bytes(covered)
        (tmp_path / f"{n}.tst").write_bytes(token)
        data, tst = str(tmp_path / f"{n}.data"), str(tmp_path / f"{n}.tst")
        verify_token = [
            "openssl",
            "ts",
            "-verify",
            "-data",
            data,
            "-in",
            tst,
            "-token_in",
            "-CAfile",
            str(ca),
        ]
        ok = subprocess.run(verify_token, capture_output=True, text=True, check=False)
        assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
        (tmp_path / f"{n}.data").write_bytes(covered[:-1] + bytes([covered[-1] ^ 1]))
        bad = subprocess.run(verify_token, capture_output=True, text=True, check=False)
        assert bad.returncode != 0, bad.stdout  # the tool can fail: one changed byte is refused


def document_timestamps(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(bytes covered by its /ByteRange, DER TimeStampToken) of each document timestamp in ``pdf``."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    found = []
    for signature in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_timestamp_signatures:
        a, b, c, d = (int(x) for x in signature.sig_object["/ByteRange"])
        found.append((pdf[a : a + b] + pdf[c : c + d], bytes(signature.pkcs7_content)))
    return found


def renewals_written(home: Home, store: ObjectStore) -> tuple[list[str], list[str]]:
    """The renewal keys recorded in the warehouse and the objects under archive-renewals/ in the store."""
    with duckdb.connect(str(home.warehouse_path), read_only=True) as con:
        rows = [r[0] for r in con.execute("SELECT renewal_key FROM archive_renewal ORDER BY 1").fetchall()]
    return rows, sorted(store.list(PREFIX))


def test_archive_renew_on_the_command_line_and_a_competent_bodys_own_copy(
    local_archive: Archive,
    home: Home,
    con: duckdb.DuckDBPyConnection,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`ecocluster archive renew` prints each renewal and renews nothing on a rerun; an unreachable TSA
    is transient (75). `archive renew-file` renews a package file the body keeps, never over it."""
    con.close()  # each command opens the warehouse itself
    url = local_archive.renewing_tsa.url
    dry = run_cli(capsys, monkeypatch, home.root, "archive", "renew", "--within", "1095", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert dry.stdout.count(": due, its newest timestamp's TSA certificate expires") == 2, dry.stdout
    assert "2 due, 0 covered beyond 1095 days, 0 refused" in dry.stdout
    assert renewals_written(home, local_archive.store) == ([], [])
    # The TSA down: transient, and nothing stored or recorded for the renewal that failed.
    down = run_cli(
        capsys, monkeypatch, home.root, "archive", "renew", "--within", "1095", "--tsa", "http://127.0.0.1:9/"
    )
    assert down.returncode == 75 and "did not answer" in down.stderr, down.stdout + down.stderr
    assert renewals_written(home, local_archive.store) == ([], [])

    cli = run_cli(capsys, monkeypatch, home.root, "archive", "renew", "--within", "1095", "--tsa", url)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert cli.stdout.count("renewal 1, covered until") == 2 and "2 renewed, 0 covered" in cli.stdout
    written = renewals_written(home, local_archive.store)
    assert len(written[0]) == 2 and written[0] == written[1]
    again = run_cli(capsys, monkeypatch, home.root, "archive", "renew", "--within", "1095", "--tsa", url)
    assert again.returncode == 0 and "0 renewed, 2 covered beyond 1095 days" in again.stdout
    assert renewals_written(home, local_archive.store) == written  # idempotent: nothing new

    package = tmp_path / "received.tar"
    package.write_bytes(local_archive.store.get(local_archive.package_key))
    down = run_cli(
        capsys, monkeypatch, home.root, "archive", "renew-file", str(package),
        "--out", str(tmp_path / "r.tar"), "--tsa", "http://127.0.0.1:9/",
    )  # fmt: skip
    assert down.returncode == 75 and "did not answer" in down.stderr, down.stdout + down.stderr
    out = tmp_path / "renewed.tar"
    body = run_cli(
        capsys, monkeypatch, home.root, "archive", "renew-file", str(package), "--out", str(out), "--tsa", url
    )
    assert body.returncode == 0, body.stdout + body.stderr
    check_package_extension(package.read_bytes(), out.read_bytes())
    later = dt.datetime.now(dt.UTC) + 3 * YEAR
    assert signing.verify_archive(out.read_bytes(), local_archive.trust_at(later), now=later).ok
    assert not signing.verify_archive(package.read_bytes(), local_archive.trust_at(later), now=later).ok
    kept = run_cli(
        capsys, monkeypatch, home.root, "archive", "renew-file", str(package), "--out", str(out), "--tsa", url
    )
    assert kept.returncode == 2 and "exists" in kept.stdout + kept.stderr


def test_a_second_renewal_extends_the_first_and_carries_the_pdf_past_both_tsa_certificates(
    local_archive: Archive, con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    """Renewal chains: generation 2 (a 29-year TSA) extends generation 1 (25 years), so 27 years on
    the PDF verifies by generation 2 and not by generation 1 (whose TSA certificate has expired)."""
    store, trust = local_archive.store, signing.trust_anchors(home)
    first = signing.renew_archive(con, store, trust, local_archive.renewing_tsa.url, within=SOON)
    assert [r.generation for r in first.renewed] == [1, 1]
    decades = dt.timedelta(days=26 * 365)
    with running_tsa(local_archive.ca_key, local_archive.ca_cert, days=29 * 365) as longer:
        second = signing.renew_archive(con, store, trust, longer.url, within=decades)
        assert [(r.original_key, r.generation) for r in second.renewed] == [
            (local_archive.pdf_key, 2),
            (local_archive.package_key, 2),
        ]
        # A rerun reads nothing it found covered (archive_cover): a spy on the store counts reads.
        reads: list[str] = []
        real_get = store.get
        spy = pytest.MonkeyPatch()

        def counted(key: str, **pin: str) -> bytes:
            reads.append(key)
            return real_get(key, **pin)

        spy.setattr(store, "get", counted)
        rerun = signing.renew_archive(con, store, trust, longer.url, within=decades)
        spy.undo()
        assert rerun.renewed == () and rerun.covered == 2 and reads == []
    chain = signing.archived(con, store, local_archive.pdf_key)
    assert [k for k, _ in chain] == [local_archive.pdf_key, first.renewed[0].key, second.renewed[0].key]
    later = dt.datetime.now(dt.UTC) + 27 * YEAR
    reader = local_archive.trust_at(later)
    (_, _), (_, gen1), (_, gen2) = chain
    assert verify_pdf(gen2, local_archive.verifier_cert, reader, now=later)[0]
    assert pyhanko_lta_passes(gen2, local_archive.ca_cert, later)
    assert not verify_pdf(gen1, local_archive.verifier_cert, reader, now=later)[0]
    assert not pyhanko_lta_passes(gen1, local_archive.ca_cert, later)
    (*_, (_, package)) = signing.archived(con, store, local_archive.package_key)
    assert signing.verify_archive(package, reader, now=later).ok


def test_a_recorded_extension_stamped_by_an_untrusted_tsa_is_passed_over_for_the_genuine_renewal(
    local_archive: Archive,
    con: duckdb.DuckDBPyConnection,
    home: Home,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whoever can write the warehouse and the bucket records a true LTA extension of the package's
    renewal, timestamped by their own TSA: it extends the bytes (so the chain keeps it) but does
    not verify, and `verify --stored` verifies the genuine renewal before it."""
    store, trust = local_archive.store, signing.trust_anchors(home)
    run = signing.renew_archive(con, store, trust, local_archive.renewing_tsa.url, within=SOON)
    genuine = next(r for r in run.renewed if r.original_key == local_archive.package_key)
    package = store.get(genuine.key)
    mallory_key, mallory_ca = _pki.create_ca("Mallory CA", years=30)
    with running_tsa(mallory_key, mallory_ca, days=29 * 365) as mallory:
        their_trust = dataclasses.replace(  # their own tool trusts their CA
            trust,
            cas=(*trust.cas, mallory_ca),
            crls=(*trust.crls, crl(mallory_key, mallory_ca, [], now=dt.datetime.now(dt.UTC))),
        )
        pdf = extend_pdf(signing.read_tar(package)[PDF_MEMBER], mallory.url, their_trust)
    theirs = renewed_package(package, pdf)
    check_package_extension(package, theirs)
    stored = store.put(f"{PREFIX}{local_archive.package_key}/2-mallory.tar", theirs)
    signing_stored_record(con, stored)
    con.execute(
        "INSERT INTO archive_renewal VALUES "
        "(?, 2, ?, current_timestamp + INTERVAL 29 YEAR, current_timestamp)",
        [local_archive.package_key, stored.key],
    )
    assert len(signing.archived(con, store, local_archive.package_key)) == 3
    assert not signing.verify_archive(theirs, trust).ok
    con.close()
    cli = run_cli(capsys, monkeypatch, home.root, "verify", "--stored", local_archive.package_key)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert f"verified archive renewal {genuine.key}" in cli.stdout
