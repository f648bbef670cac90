"""The PAdES signature on the validated PDF is valid for poppler's pdfsig, an independent validator."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfWriter

from ecocluster.signing import _pki
from ecocluster.signing._pades import sign_pdf


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def nss_db_trusting(folder: Path, ca_pem: bytes) -> str:
    """An NSS certificate database (what pdfsig reads) that trusts only the test CA."""
    (folder / "ca.pem").write_bytes(ca_pem)
    db = f"sql:{folder}"
    subprocess.run(["certutil", "-N", "-d", db, "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-d", db, "-n", "accreditation-ca", "-t", "CT,C,C", "-i", str(folder / "ca.pem")],
        check=True,
        capture_output=True,
    )
    return db


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="needs poppler-utils (pdfsig) and libnss3-tools (certutil): make system-deps",
)
def test_pdfsig_reports_the_verifier_signature_valid_and_trusted(pki, tsa, tmp_path: Path) -> None:
    signed = sign_pdf(
        blank_pdf(),
        pki.verifier.key,
        pki.verifier.cert,
        (pki.ca_cert,),
        location="Cerreto Laghi",
        tsa_url=tsa.url,
        roots=(tsa.ca,),
        crls=pki.trust().crls,
    )
    pdf = tmp_path / "validated.pdf"
    pdf.write_bytes(signed)
    (tmp_path / "nss").mkdir()
    db = nss_db_trusting(tmp_path / "nss", _pki.pem(pki.ca_cert))
    report = subprocess.run(["pdfsig", "-nssdir", db, str(pdf)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in report.stdout, report.stdout + report.stderr
    assert "Certificate Validation: Certificate is Trusted." in report.stdout, report.stdout
    assert "Giulia Verdi" in report.stdout

    tampered = bytearray(signed)
    at = signed.index(b"/MediaBox")
    tampered[at + 11] = ord("9") if tampered[at + 11] != ord("9") else ord("8")
    pdf.write_bytes(bytes(tampered))
    report = subprocess.run(["pdfsig", "-nssdir", db, str(pdf)], capture_output=True, text=True, check=False)
    assert "Signature is Valid." not in report.stdout, report.stdout


def test_a_signer_whose_chain_does_not_reach_a_root_is_named_not_a_pyhanko_error(pki, tsa) -> None:
    """B-LTA embeds the path to a root: a token signer without its chain (no chain=, no CA) cannot sign."""
    from ecocluster.core.errors import SignerUnavailable

    with pytest.raises(SignerUnavailable, match="chain= in the signer URI"):
        sign_pdf(
            blank_pdf(),
            pki.verifier.key,
            pki.verifier.cert,
            (),
            tsa_url=tsa.url,
            roots=(tsa.ca,),
            crls=pki.trust().crls,
        )
