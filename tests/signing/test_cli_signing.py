"""The signing commands through the real CLI: PKI, approve, register, intake, verify (exit codes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecocluster.core.errors import ConfigurationError
from ecocluster.flows.cli import app
from ecocluster.signing import _keys, _pki
from tests.signing.rows import drafted_member

ENV = {
    "ECOCLUSTER_CA_PASSWORD": "ca-passphrase-1",
    "ECOCLUSTER_KEY_PASSWORD": "key-passphrase-1",
    "ECOCLUSTER_CB_PASSWORD": "cb-passphrase-1",
}


def run(home, *args: str):
    result = CliRunner().invoke(app, ["--home", str(home.root), *args], env=ENV)
    return result


def test_pki_approve_register_intake_verify(con, home, tmp_path: Path) -> None:
    sid = drafted_member(con, home)
    con.close()  # the CLI opens the warehouse itself
    assert run(home, "pki", "init", "--name", "TEST Accreditation Body").exit_code == 0
    out = tmp_path / "verifier"
    issued = run(
        home,
        "pki",
        "issue-verifier",
        "--name",
        "Giulia Verdi",
        "--accreditation-no",
        "IT-V-0007",
        "--nace",
        "55.10,84.11",
        "--out",
        str(out),
    )
    assert issued.exit_code == 0, issued.output
    approved = run(
        home, "approve", "--statement", sid, "--key", str(out / "key.pem"), "--cert", str(out / "cert.pem")
    )
    assert approved.exit_code == 0 and "approved: member IT-HOT-1" in approved.output, approved.output
    registered = run(home, "register")
    assert (
        "1 package(s) delivered" in registered.output
        and "delivered: IT-HOT-1 2025 -> competent-body/IT/inbox/" in registered.output
    ), registered.output
    package = next((home.objects_dir / "competent-body" / "IT").rglob("*.tar"))
    ca = _keys.ca_dir(home) / "ca.pem"
    good = run(home, "verify", str(package), "--trust", str(ca), "--crl", str(_keys.ca_dir(home) / "crl.pem"))
    assert good.exit_code == 0 and "FAIL" not in good.output and "PASS pdf-signature" in good.output, (
        good.output
    )
    envelope = next((home.objects_dir / "approvals").rglob("*.dsse.json"))
    bare = run(
        home,
        "verify",
        str(envelope),
        "--trust",
        str(ca),
        "--cert",
        str(out / "cert.pem"),
        "--crl",
        str(_keys.ca_dir(home) / "crl.pem"),
    )
    assert bare.exit_code == 0, bare.output
    # compromised since yesterday: the approval, timestamped today, falls after that date
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    assert (
        run(
            home, "pki", "revoke", str(out / "cert.pem"), "--reason", "key-compromise", "--since", since
        ).exit_code
        == 0
    )
    revoked = run(
        home, "verify", str(package), "--trust", str(ca), "--crl", str(_keys.ca_dir(home) / "crl.pem")
    )
    assert revoked.exit_code == 3 and "FAIL approval/revocation" in revoked.output, revoked.output
    assert run(home, "intake-key", "--country", "IT").exit_code == 0
    taken = run(home, "intake", "--country", "IT")
    assert "refused" in taken.output and "revocation" in taken.output, taken.output


# --- PKI commands (issue 13 findings 3, 15, 16, 21; issue 16 revocation reasons) ------------------


def _issue(home, out: Path, *, nace: str = "55.10", number: str = "IT-V-0008"):
    return run(
        home,
        "pki",
        "issue-verifier",
        "--name",
        "Giulia Verdi",
        "--accreditation-no",
        number,
        "--nace",
        nace,
        "--out",
        str(out),
    )


@pytest.mark.parametrize(
    ("nace", "number", "expected"),
    [
        ("8", "IT-V-0009", "NACE"),
        ("*", "IT-V-0009", "NACE"),
        ("hotels", "IT-V-0009", "NACE"),
        ("55.10", "../../x", "accreditation number"),
        ("55.10", "IT V 9", "accreditation number"),
    ],
)
def test_issue_verifier_refuses_bad_scope_or_number_and_writes_nothing(
    home, tmp_path, nace, number, expected
) -> None:
    assert run(home, "pki", "init").exit_code == 0
    result = _issue(home, tmp_path / "v", nace=nace, number=number)
    assert result.exit_code != 0 and isinstance(result.exception, ConfigurationError)
    assert expected in str(result.exception)
    assert not (tmp_path / "v").exists() and not (tmp_path / "x").exists()


def test_issue_verifier_never_overwrites_an_existing_key(home, tmp_path) -> None:
    assert run(home, "pki", "init").exit_code == 0
    out = tmp_path / "v"
    assert _issue(home, out).exit_code == 0
    key = (out / "key.pem").read_bytes()
    again = _issue(home, out)
    assert again.exit_code != 0 and "never overwritten" in str(again.exception)
    assert (out / "key.pem").read_bytes() == key and (out / "key.pem").stat().st_mode & 0o777 == 0o600


def test_a_short_key_passphrase_is_refused(home, tmp_path) -> None:
    assert run(home, "pki", "init").exit_code == 0
    result = CliRunner().invoke(
        app,
        [
            "--home",
            str(home.root),
            "pki",
            "issue-verifier",
            "--name",
            "V",
            "--accreditation-no",
            "IT-V-0010",
            "--nace",
            "55",
            "--out",
            str(tmp_path / "v"),
        ],
        env={**ENV, "ECOCLUSTER_KEY_PASSWORD": "key-pw"},
    )
    assert result.exit_code != 0 and "at least 12 characters" in str(result.exception)
    assert not (tmp_path / "v" / "key.pem").exists()


def test_revoke_with_reason_and_since_and_crl_refresh(home, tmp_path) -> None:
    assert run(home, "pki", "init").exit_code == 0
    out = tmp_path / "v"
    assert _issue(home, out).exit_code == 0
    assert run(home, "pki", "revoke", str(out / "cert.pem")).exit_code == 2  # the reason is required
    assert run(home, "pki", "revoke", str(out / "cert.pem"), "--reason", "whim").exit_code == 2
    bad_date = run(home, "pki", "revoke", str(out / "cert.pem"), "--reason", "superseded", "--since", "soon")
    assert bad_date.exit_code == 2
    done = run(
        home, "pki", "revoke", str(out / "cert.pem"), "--reason", "key-compromise", "--since", "2026-03-01"
    )
    assert done.exit_code == 0 and "key-compromise" in done.output, done.output
    crl = _pki.load_crl((_keys.ca_dir(home) / "crl.pem").read_bytes())
    entry = _pki.revocation_of(crl, _pki.load_certs((out / "cert.pem").read_bytes())[0].serial_number)
    assert entry is not None and entry.reason == "key-compromise"
    assert entry.invalid_since == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    refreshed = run(home, "pki", "crl")
    assert refreshed.exit_code == 0, refreshed.output
    assert (
        _pki.revocation_of(_pki.load_crl((_keys.ca_dir(home) / "crl.pem").read_bytes()), entry.serial)
        == entry
    )


def test_verify_with_a_mistyped_crl_path_is_an_error(home, tmp_path) -> None:
    assert run(home, "pki", "init").exit_code == 0
    ca = _keys.ca_dir(home) / "ca.pem"
    envelope = tmp_path / "x.dsse.json"
    envelope.write_text("{}", encoding="utf-8")
    result = run(home, "verify", str(envelope), "--trust", str(ca), "--crl", str(tmp_path / "crl-typo.pem"))
    assert result.exit_code != 0 and isinstance(result.exception, ConfigurationError)
    assert "crl-typo.pem does not exist" in str(result.exception)


def test_pki_consulted_records_a_conflict_that_refuses_the_approval(con, home, tmp_path) -> None:
    sid = drafted_member(con, home)
    con.close()
    assert run(home, "pki", "init").exit_code == 0
    out = tmp_path / "v"
    assert _issue(home, out, number="IT-V-0011").exit_code == 0
    unknown = run(home, "pki", "consulted", "--accreditation-no", "IT-V-0011", "--member", "IT-NOBODY")
    assert unknown.exit_code != 0 and "not in any roster" in str(unknown.exception)
    recorded = run(
        home,
        "pki",
        "consulted",
        "--accreditation-no",
        " it-v-0011 ",
        "--member",
        "IT-HOT-1",
        "--note",
        "energy audit 2024",
    )
    assert recorded.exit_code == 0 and "IT-V-0011" in recorded.output, recorded.output
    refused = run(
        home, "approve", "--statement", sid, "--key", str(out / "key.pem"), "--cert", str(out / "cert.pem")
    )
    assert refused.exit_code != 0 and "rule conflict" in str(refused.exception)


def test_verify_uses_a_given_crl_even_without_trust(con, home, tmp_path) -> None:
    """`--crl` alone was silently ignored (the home's CRL was used): a stale one given must count."""
    sid = drafted_member(con, home)
    con.close()
    assert run(home, "pki", "init").exit_code == 0
    out = tmp_path / "v"
    assert _issue(home, out, number="IT-V-0012").exit_code == 0
    assert (
        run(
            home,
            "approve",
            "--statement",
            sid,
            "--key",
            str(out / "key.pem"),
            "--cert",
            str(out / "cert.pem"),
        ).exit_code
        == 0
    )
    envelope = next((home.objects_dir / "approvals").rglob("*.dsse.json"))
    ca_key = _pki.load_key(_keys.ca_dir(home) / "ca.key", ENV["ECOCLUSTER_CA_PASSWORD"].encode())
    ca_cert = _pki.load_certs((_keys.ca_dir(home) / "ca.pem").read_bytes())[0]
    stale = tmp_path / "stale-crl.pem"
    stale.write_bytes(
        _pki.crl_pem(_pki.build_crl(ca_key, ca_cert, [], now=dt.datetime.now(dt.UTC) - dt.timedelta(days=45)))
    )
    fresh = run(home, "verify", str(envelope), "--cert", str(out / "cert.pem"))
    assert fresh.exit_code == 0, fresh.output
    result = run(home, "verify", str(envelope), "--cert", str(out / "cert.pem"), "--crl", str(stale))
    assert result.exit_code == 3 and "FAIL approval/crl-freshness" in result.output, result.output


def test_intake_requiring_a_qes_without_a_trusted_list_stops_before_any_package(con, home) -> None:
    """`[intake] require = "qes"` with no `[signing] trusted_list`: exit 78 naming both settings."""
    _keys.demo_verifier(home)
    assert run(home, "intake-key", "--country", "IT").exit_code == 0
    home.config_path.write_text('[intake]\nrequire = "qes"\n', encoding="utf-8")
    refused = run(home, "intake", "--country", "IT").exception  # CliRunner: main() would exit with its code
    assert isinstance(refused, ConfigurationError) and refused.exit_code == 78
    assert "[signing] trusted_list" in str(refused)
    home.config_path.write_text('[intake]\nrequire = "qualified"\n', encoding="utf-8")
    assert "require must be one of 'none', 'qes', 'qualified-seal', got 'qualified'" in str(
        run(home, "intake", "--country", "IT").exception
    )
