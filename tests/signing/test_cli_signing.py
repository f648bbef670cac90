"""The signing commands through the real CLI: PKI, approve, register, intake, verify (exit codes)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from signing import _keys
from tests.signing.rows import drafted_member

ENV = {"ECOCLUSTER_CA_PASSWORD": "ca-passphrase-1", "ECOCLUSTER_KEY_PASSWORD": "key-passphrase-1",
       "ECOCLUSTER_CB_PASSWORD": "cb-passphrase-1"}


def run(home, *args: str):
    result = CliRunner().invoke(app, ["--home", str(home.root), *args], env=ENV)
    return result


def test_pki_approve_register_intake_verify(con, home, tmp_path: Path) -> None:
    sid = drafted_member(con, home)
    con.close()  # the CLI opens the warehouse itself
    assert run(home, "pki", "init", "--name", "TEST Accreditation Body").exit_code == 0
    out = tmp_path / "verifier"
    issued = run(home, "pki", "issue-verifier", "--name", "Giulia Verdi", "--accreditation-no", "IT-V-0007",
                 "--nace", "55.10,84.11", "--out", str(out))
    assert issued.exit_code == 0, issued.output
    approved = run(home, "approve", "--statement", sid, "--key", str(out / "key.pem"), "--cert", str(out / "cert.pem"))
    assert approved.exit_code == 0 and "approved: member IT-HOT-1" in approved.output, approved.output
    registered = run(home, "register")
    assert "1 package(s) delivered" in registered.output, registered.output
    package = next((home.objects_dir / "competent-body" / "IT").rglob("*.tar"))
    ca = _keys.ca_dir(home) / "ca.pem"
    good = run(home, "verify", str(package), "--trust", str(ca), "--crl", str(_keys.ca_dir(home) / "crl.pem"))
    assert good.exit_code == 0 and "FAIL" not in good.output and "PASS pdf-signature" in good.output, good.output
    envelope = next((home.objects_dir / "approvals").rglob("*.dsse.json"))
    bare = run(home, "verify", str(envelope), "--trust", str(ca), "--cert", str(out / "cert.pem"),
               "--crl", str(_keys.ca_dir(home) / "crl.pem"))
    assert bare.exit_code == 0, bare.output
    assert run(home, "pki", "revoke", str(out / "cert.pem"), "--reason", "key-compromise").exit_code == 0
    revoked = run(home, "verify", str(package), "--trust", str(ca), "--crl", str(_keys.ca_dir(home) / "crl.pem"))
    assert revoked.exit_code == 3 and "FAIL approval/revocation" in revoked.output, revoked.output
    taken = run(home, "intake", "--country", "IT")
    assert "refused" in taken.output and "revocation" in taken.output, taken.output
