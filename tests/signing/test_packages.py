"""Registration packages end to end: built, checked by bagit.py, verified offline, taken in, tampered."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster import signing
from ecocluster.core.config import IntakeConfig, SigningConfig
from ecocluster.core.store import LocalStore
from tests.signing.rows import drafted_member
from tests.signing.test_pades import nss_db_trusting
from tests.statements.conftest import pdf_text

CB_PASSWORD = b"competent-body-secret"


@pytest.fixture
def delivered(con, home):
    """One approved member and its delivered package; returns (store, package key, trust)."""
    store = LocalStore(home.objects_dir)
    verifier = signing.demo_verifier(home)
    trust = signing.trust_anchors(home)
    sid = drafted_member(con, home, "IT-HOT-2")  # not yet registered: intake gives a first number
    signing.approve(con, store, trust, sid, verifier, signing.DEMO_PASSWORD, place="Ventasso")
    keys = [d.key for d in signing.build_packages(con, store, trust)]
    assert len(keys) == 1 and keys[0].startswith("competent-body/IT/inbox/CL-IT/IT-HOT-2-2025-")
    signing.init_body_key(home.root / "competent-body" / "IT", "IT", CB_PASSWORD)
    return store, keys[0], trust


def unpacked(store, key: str, into: Path) -> Path:
    return signing.unpack(store.get(key), into)


def test_bagit_py_validates_the_package(delivered, tmp_path) -> None:
    store, key, _ = delivered
    bag = unpacked(store, key, tmp_path / "bag")
    assert sorted(p.name for p in (bag / "data").iterdir()) == sorted(signing._package.FILES)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "bagit.py"), "--validate", str(bag)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_genuine_package_passes_every_offline_check(delivered, tmp_path) -> None:
    store, key, trust = delivered
    report = signing.verify_package(unpacked(store, key, tmp_path / "bag"), trust)
    assert report.ok, report.reasons()
    assert {c.name for c in report.checks} >= {
        "bag",
        "approval",
        "pdf-signature",
        "pdf-content",
        "bound-files",
        "decision",
    }
    assert "is the render of statement.json" in next(
        c.detail for c in report.checks if c.name == "pdf-content"
    )


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="needs poppler-utils (pdfsig) and libnss3-tools (certutil): make system-deps",
)
def test_pdfsig_trusts_the_validated_statement_in_the_package(delivered, tmp_path) -> None:
    """The package's statement is the validated render (no DRAFT mark), signed as poppler sees it."""
    from ecocluster.signing import _pki

    store, key, trust = delivered
    pdf = unpacked(store, key, tmp_path / "bag") / "data" / "statement-validated.pdf"
    (tmp_path / "nss").mkdir()
    db = nss_db_trusting(tmp_path / "nss", _pki.pem(trust.cas[0]))
    report = subprocess.run(["pdfsig", "-nssdir", db, str(pdf)], capture_output=True, text=True, check=False)
    assert "Signature is Valid." in report.stdout and "Certificate is Trusted." in report.stdout, (
        report.stdout
    )
    # PAdES B-LTA: the verifier's signature is followed by LTA updates only (DSS, document timestamp)
    assert "Signature #2" in report.stdout and "DEMO Verifier" in report.stdout
    text = pdf_text(pdf.read_bytes())
    assert "BOZZA" not in text and "DEMO-V-0001" in text


@pytest.mark.parametrize(
    "name",
    [
        "statement.json",
        "approval.dsse.json",
        "approval.tsr",
        "annex-vii-declaration.txt",
        "statement-validated.pdf",
        "annex-vi-application.json",
    ],
)
def test_changed_byte_in_any_bag_file_is_refused(delivered, tmp_path, name) -> None:
    store, key, trust = delivered
    bag = unpacked(store, key, tmp_path / "bag")
    target = bag / "data" / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    report = signing.verify_package(bag, trust)
    assert not report.ok
    assert report.checks[0].name == "bag" and not report.checks[0].ok


def test_resealed_bag_with_changed_statement_is_still_refused(delivered, tmp_path) -> None:
    """Recomputing the BagIt manifests does not help a forger: the approval pins the statement digest."""
    import bagit

    store, key, trust = delivered
    bag = unpacked(store, key, tmp_path / "bag")
    (bag / "data" / "statement.json").write_bytes(b'{"forged":true}')
    bagit.Bag(str(bag)).save(manifests=True)
    report = signing.verify_package(bag, trust)
    assert [(c.name, c.file) for c in report.failed()] == [("statement", "data/statement.json")]
    (bag / "data" / "statement.json").write_bytes(
        (bag / "data" / "statement.json").read_bytes().replace(b"forged", b"forget")
    )  # a well-formed statement: the signed digest then refuses it
    report = signing.verify_package(bag, trust)


def test_a_validly_signed_pdf_that_is_not_the_statement_is_refused(
    delivered, con, home, tsa, tmp_path
) -> None:
    """The verifier's key signs another PDF (here the DRAFT render) and the bag is resealed: every
    signature holds, but the document no longer shows the statement data the approval pins."""
    import bagit

    from ecocluster.signing import _pki

    store, key, trust = delivered
    bag = unpacked(store, key, tmp_path / "bag")
    draft = store.get(
        con.execute("SELECT pdf_key FROM statement WHERE member_id = 'IT-HOT-2' AND version = 1").fetchone()[
            0
        ]
    )
    verifier = signing.demo_verifier(home)
    signed = tsa.sign_pdf(
        draft, _pki.load_key(verifier.key, signing.DEMO_PASSWORD), verifier.load_cert(), trust.cas, trust.crls
    )
    (bag / "data" / "statement-validated.pdf").write_bytes(signed)
    bagit.Bag(str(bag)).save(manifests=True)
    report = signing.verify_package(bag, trust)
    assert [c.name for c in report.checks if not c.ok] == ["pdf-content"], report.reasons()


def test_rebuilding_gives_the_same_bytes_and_no_new_package(delivered, con, tmp_path) -> None:
    store, key, trust = delivered
    first = store.get(key)
    again = signing.build_packages(con, store, trust)  # the key holds the SHA-256 of the tar
    assert [(d.key, d.new) for d in again] == [(key, False)]
    assert store.get(key) == first
    assert con.execute("SELECT count(*) FROM registration_package").fetchone() == (1,)
    application = unpacked(store, key, tmp_path / "bag") / "data" / "annex-vi-application.pdf"
    text = pdf_text(application.read_bytes())
    assert "Annex VI" in text and "DEMO-V-0001" in text and "first registration" in text


def test_build_packages_filters_by_members_and_year(delivered, con) -> None:
    store, key, trust = delivered
    assert signing.build_packages(con, store, trust, members=["IT-HOT-1"]) == []
    assert signing.build_packages(con, store, trust, year=2024) == []
    assert [
        d.key for d in signing.build_packages(con, store, trust, members=["IT-HOT-2", "LV-NOV-1"], year=2025)
    ] == [key]


def test_package_against_another_trust_anchor_is_refused(delivered, tmp_path) -> None:
    from ecocluster.signing import _pki

    store, key, trust = delivered
    _, other_ca = _pki.create_ca("Some other accreditation body")
    other = dataclasses.replace(
        trust, cas=(other_ca,)
    )  # the same TSA anchors: only the verifier's CA differs
    report = signing.verify_package(unpacked(store, key, tmp_path / "bag"), other)
    assert "approval/chain" in [c.name for c in report.checks if not c.ok]


def test_intake_registers_after_the_waiting_period_and_signs_receipts(delivered, con, home) -> None:
    store, _, trust = delivered
    today = dt.date.today()
    first = signing.intake(home, con, store, trust, "IT", CB_PASSWORD, today=today)
    until = today + dt.timedelta(days=90)  # the IT profile: the regional agency's 90 days
    assert [(r.outcome, r.registration_no, r.waiting_until) for r in first] == [("received", None, until)]
    assert signing.intake(home, con, store, trust, "IT", CB_PASSWORD, today=today) == []  # idempotent
    [done] = signing.intake(
        home, con, store, trust, "IT", CB_PASSWORD, today=until
    )  # the body's register starts at 1
    assert (done.outcome, done.registration_no) == ("registered", "IT-000001")
    from ecocluster.signing._dsse import Envelope, signed_by

    cb_cert = signing.KeyFiles(home.root / "competent-body" / "IT").load_cert()
    cb_key = cb_cert.public_key()
    assert isinstance(cb_key, ec.EllipticCurvePublicKey)
    for receipt in (store.get(first[0].receipt_key), store.get(done.receipt_key)):
        assert signed_by(Envelope.from_json(receipt), cb_key)
        assert signing.verify_receipt(receipt, (cb_cert,)).ok


def test_intake_refuses_a_tampered_package_with_a_signed_refusal(delivered, con, home) -> None:
    store, key, trust = delivered
    store.put("competent-body/IT/inbox/CL-IT/forged.tar", b"not a tar at all")
    receipts = {r.package_key: r for r in signing.intake(home, con, store, trust, "IT", CB_PASSWORD)}
    forged = receipts["competent-body/IT/inbox/CL-IT/forged.tar"]
    assert forged.outcome == "refused" and forged.reasons and forged.registration_no is None
    assert receipts[key].outcome == "received"  # every check passed: waiting for the IT 90 days


def test_a_pdf_made_by_another_typst_release_is_not_checked_and_not_a_pass(
    delivered, tmp_path, monkeypatch
) -> None:
    """A later ecocluster whose typst renders other bytes must not refuse a genuine package. A newer
    typst cannot be installed next to the pinned one, so its render is stood in for (failure injection)."""
    import io

    import pypdf

    from ecocluster import statements

    blank = pypdf.PdfWriter()
    blank.add_blank_page(595, 842)
    blank.add_metadata({"/Creator": "Typst 99.0"})
    out = io.BytesIO()
    blank.write(out)
    monkeypatch.setattr(statements, "validated_pdf", lambda statement, block: out.getvalue())
    store, key, trust = delivered
    report = signing.verify_package(unpacked(store, key, tmp_path / "bag"), trust)
    content = next(c for c in report.checks if c.name == "pdf-content")
    assert content.outcome is signing.Outcome.NOT_CHECKED and not report.ok  # never a pass (finding 7)
    assert (
        content.detail.startswith("not compared: the PDF was made by Typst 0.15")
        and "Typst 99.0" in content.detail
    )


def test_the_registration_documents_are_in_the_members_language_and_english(delivered, tmp_path) -> None:
    """IT-HOT-2 writes Italian: the Annex VI application and the signed Annex VII declaration
    say everything in Italian first, then in English."""
    store, key, _ = delivered
    data = unpacked(store, key, tmp_path / "bag") / "data"
    application = " ".join(pdf_text((data / "annex-vi-application.pdf").read_bytes()).split())
    assert "Domanda di registrazione EMAS / EMAS registration application" in application
    assert (
        "REGOLAMENTO (CE) N. 1221/2009, ALLEGATO VI / REGULATION (EC) NO 1221/2009, ANNEX VI" in application
    )
    assert "Numero di accreditamento / Accreditation number" in application
    assert "prima registrazione / first registration" in application
    assert (
        "La dichiarazione ambientale convalidata" in application
        and "The validated environmental" in application
    )
    assert (
        "DEMO: convalidata da un verificatore DEMO" in application
        and "not valid for EMAS registration" in application
    )
    declaration = (data / "annex-vii-declaration.txt").read_text(encoding="utf-8")
    italian, english = declaration.split("\n\n")
    assert italian.startswith(
        "DEMO Verifier, verificatore ambientale EMAS con numero di accreditamento DEMO-V-0001"
    )
    assert "Il presente documento non equivale alla registrazione EMAS. Fatto a Ventasso il" in italian
    assert english.startswith(
        "DEMO Verifier, EMAS environmental verifier with accreditation number DEMO-V-0001"
    )
    assert "Done at Ventasso on" in english


def _requiring_qes(home, tmp_path, **list_options):
    """``[intake] require = "qes"`` over a signed trusted list that lists the home's DEMO CA."""
    from ecocluster.signing import _keys, _pki, _trusted_list
    from tests.signing.trusted_lists import scheme_operator, signed, trusted_list

    key, operator = scheme_operator()
    ca = _pki.load_certs((_keys.ca_dir(home) / "ca.pem").read_bytes())[0]
    (tmp_path / "tl.xml").write_bytes(signed(trusted_list(ca, **list_options), key, operator))
    (tmp_path / "operator.pem").write_bytes(_pki.pem(operator))
    return _trusted_list.QualificationPolicy.from_config(
        SigningConfig(
            trusted_list=str(tmp_path / "tl.xml"), trusted_list_signers=(str(tmp_path / "operator.pem"),)
        ),
        IntakeConfig("qes"),
    )


def test_intake_reports_a_qes_in_the_signed_receipt(delivered, con, home, tmp_path) -> None:
    store, _, trust = delivered
    policy = _requiring_qes(home, tmp_path)
    [receipt] = signing.intake(home, con, store, trust, "IT", CB_PASSWORD, qualification=policy)
    assert receipt.outcome == "received", receipt.reasons
    from ecocluster.signing._dsse import Envelope

    checks = {
        c["name"]: c
        for c in Envelope.from_json(store.get(receipt.receipt_key)).statement()["predicate"]["checks"]
    }
    assert checks["qualification"]["outcome"] == "PASS"
    assert checks["qualification"]["detail"].startswith(
        "QES: qualified certificate for electronic signatures"
    )


def test_intake_refuses_a_verifier_without_a_qes_when_required_and_retries_with_a_fresh_list(
    delivered, con, home, tmp_path
) -> None:
    from tests.signing.trusted_lists import WITHDRAWN

    store, _, trust = delivered
    (tmp_path / "stale").mkdir()
    stale = _requiring_qes(home, tmp_path / "stale", status=WITHDRAWN)
    [refused] = signing.intake(home, con, store, trust, "IT", CB_PASSWORD, qualification=stale)
    assert (refused.outcome, refused.rule, refused.retriable) == ("refused", "qualification", True)
    assert any("a qualified electronic signature (QES) is required" in r for r in refused.reasons), (
        refused.reasons
    )
    (tmp_path / "fresh").mkdir()
    [again] = signing.intake(
        home,
        con,
        store,
        trust,
        "IT",
        CB_PASSWORD,
        retry=True,
        qualification=_requiring_qes(home, tmp_path / "fresh"),
    )
    assert again.outcome == "received", again.reasons


def test_requiring_a_qes_without_a_trusted_list_is_a_configuration_error() -> None:
    from ecocluster.core.errors import ConfigurationError
    from ecocluster.signing._trusted_list import QualificationPolicy

    assert QualificationPolicy.from_config(SigningConfig(), IntakeConfig()) is None
    with pytest.raises(ConfigurationError, match="require = 'qes' needs an EU trusted list"):
        QualificationPolicy.from_config(SigningConfig(), IntakeConfig("qes"))


def test_verify_reports_the_qes_when_the_home_configures_a_trusted_list(delivered, home, tmp_path) -> None:
    from typer.testing import CliRunner

    from ecocluster.flows.cli import app

    store, key, _trust = delivered
    package = tmp_path / "package.tar"
    package.write_bytes(store.get(key))
    _requiring_qes(home, tmp_path)
    home.config_path.write_text(
        f'[signing]\ntrusted_list = "{tmp_path / "tl.xml"}"\n'
        f'trusted_list_signers = ["{tmp_path / "operator.pem"}"]\n',
        encoding="utf-8",
    )
    shown = CliRunner().invoke(app, ["--home", str(home.root), "verify", str(package)])
    assert shown.exit_code == 0, shown.output
    assert (
        "PASS qualification [data/verifier-cert.pem]: QES: qualified certificate for electronic signatures"
        in shown.output.replace("\n", " ")
    )
