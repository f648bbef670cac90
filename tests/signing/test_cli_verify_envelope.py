"""``ecocluster verify`` of a bare approval envelope through the real entry point: exit 0 only for a
verified approval whose named verifier signed it, 3 for any refusal or a rejection, 65 for a PATH or
--cert that is not a file, 78 for an unusable --trust/--crl; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecocluster.signing import _pki
from tests import fixtures_pki
from tests.cli import Run, run_cli
from tests.fixtures_tsa import stamp
from tests.signing import hostile
from tests.signing.test_approval_rules import DRAFT


@pytest.fixture
def files(pki: fixtures_pki.TestPki, tmp_path: Path) -> dict[str, Path]:
    trust = pki.trust()
    out = {"ca": tmp_path / "ca.pem", "crl": tmp_path / "crl.pem", "cert": tmp_path / "cert.pem"}
    out["ca"].write_bytes(_pki.pem(pki.ca_cert))
    out["crl"].write_bytes(_pki.crl_pem(trust.crls[0]))
    out["cert"].write_bytes(_pki.pem(pki.verifier.cert))
    return out


@pytest.fixture
def verify(capsys, monkeypatch, tmp_path: Path, files: dict[str, Path]):
    def run(envelope: bytes | Path, *options: str) -> Run:
        path = envelope if isinstance(envelope, Path) else tmp_path / "approval.dsse.json"
        if not isinstance(envelope, Path):
            path.write_bytes(envelope)
            (tmp_path / "approval.tsr").write_bytes(
                stamp(envelope)
            )  # NAME.tsr beside it, as approve leaves it
        given = options or (
            "--trust",
            str(files["ca"]),
            "--crl",
            str(files["crl"]),
            "--cert",
            str(files["cert"]),
        )
        result = run_cli(capsys, monkeypatch, tmp_path / "home", "verify", str(path), *given)
        assert "Traceback" not in result.stdout + result.stderr
        return result

    return run


def _statement(pki: fixtures_pki.TestPki, **kwargs) -> dict[str, Any]:
    return hostile.genuine(DRAFT, pki.verifier.cert, **kwargs)


def test_a_verified_approval_by_its_named_verifier_exits_0(pki, verify) -> None:
    result = verify(hostile.signed(_statement(pki), pki.verifier.key))
    assert result.returncode == 0 and "FAIL" not in result.stdout and "PASS decision" in result.stdout, result


def test_finding_18_a_verified_rejection_exits_3(pki, verify) -> None:
    result = verify(
        hostile.signed(_statement(pki, decision="rejected", reasons=("NC-3 open",)), pki.verifier.key)
    )
    assert result.returncode == 3 and "FAIL decision" in result.stdout and "REJECTED" in result.stdout, result


def test_finding_18_an_approval_naming_another_verifier_exits_3(pki, verify) -> None:
    other = pki.issue(accreditation_no="IT-V-0009")
    result = verify(hostile.signed(hostile.genuine(DRAFT, other.cert), pki.verifier.key))
    assert result.returncode == 3 and "FAIL approval/identity" in result.stdout, result


@pytest.mark.parametrize(
    "case", [c for c in hostile.CASES if c.rule == "envelope-malformed"][::4], ids=lambda c: c.name
)
def test_a_malformed_envelope_exits_3_naming_the_rule(pki, verify, case: hostile.Case) -> None:
    result = verify(case.build(_statement(pki), pki.verifier.key))
    assert result.returncode == 3 and "FAIL approval/envelope-malformed" in result.stdout, result


def test_finding_20_signatures_holding_a_number(pki, verify) -> None:
    doc = json.loads(hostile.signed(_statement(pki), pki.verifier.key))
    doc["signatures"] = [1]
    result = verify(json.dumps(doc).encode())
    assert result.returncode == 3 and "FAIL approval/envelope-malformed" in result.stdout, result


def test_an_envelope_over_the_limit_is_refused(pki, verify) -> None:
    huge = hostile.signed(_statement(pki), pki.verifier.key)[:-1] + b" " * (1024 * 1024) + b"}"
    result = verify(huge)
    assert result.returncode == 3 and "FAIL approval/envelope-too-large" in result.stdout, result


def test_finding_20_missing_or_folder_paths_are_errors_with_their_exit_code(
    pki, verify, files, tmp_path
) -> None:
    envelope = hostile.signed(_statement(pki), pki.verifier.key)
    missing = verify(tmp_path / "nowhere.dsse.json")
    assert missing.returncode == 65 and "does not exist" in missing.stderr, missing
    folder = tmp_path / "folder"
    folder.mkdir()
    for option, code in (("--trust", 78), ("--crl", 78), ("--cert", 65)):
        given = {
            "--trust": str(files["ca"]),
            "--crl": str(files["crl"]),
            "--cert": str(files["cert"]),
            option: str(folder),
        }
        result = verify(envelope, *(x for pair in given.items() for x in pair))
        assert result.returncode == code and f"{option} {folder} is a folder" in result.stderr, (
            option,
            result,
        )
    no_cert = verify(envelope, "--trust", str(files["ca"]), "--crl", str(files["crl"]))
    assert (
        no_cert.returncode == 3 and "certificate-malformed" in no_cert.stdout and "--cert" in no_cert.stdout
    )


def _configure_list(home: Path, listed, *, require: str | None = None) -> None:
    """The reader's home with a trusted list that lists ``listed`` as a qualified CA (and a requirement)."""
    from ecocluster.core.home import Home
    from tests.signing.trusted_lists import scheme_operator, signed, trusted_list

    key, operator = scheme_operator()
    home.mkdir(exist_ok=True)
    (home / "tl.xml").write_bytes(signed(trusted_list(listed), key, operator))
    (home / "operator.pem").write_bytes(_pki.pem(operator))
    text = (
        f'[signing]\ntrusted_list = "{home / "tl.xml"}"\ntrusted_list_signers = ["{home / "operator.pem"}"]\n'
    )
    if require is not None:
        text += f'[intake]\nrequire = "{require}"\n'
    Home.resolve(home).config_path.write_text(text, encoding="utf-8")


def test_a_bare_envelope_reports_the_qes_under_the_homes_trusted_list(pki, verify, tmp_path) -> None:
    _configure_list(tmp_path / "home", pki.ca_cert)
    result = verify(hostile.signed(_statement(pki), pki.verifier.key))
    assert result.returncode == 0, result
    assert "PASS qualification [--cert]: QES: qualified certificate for electronic signatures" in " ".join(
        result.stdout.split()
    )


def test_a_bare_envelope_without_the_required_qes_exits_3(pki, verify, tmp_path) -> None:
    other_key, other_ca = _pki.create_ca("Another QTSP")
    del other_key
    _configure_list(tmp_path / "home", other_ca, require="qes")  # the verifier's CA is not on the list
    result = verify(hostile.signed(_statement(pki), pki.verifier.key))
    assert result.returncode == 3 and "FAIL qualification [--cert]" in result.stdout, result
    assert "a qualified electronic signature (QES) is required" in " ".join(result.stdout.split())
