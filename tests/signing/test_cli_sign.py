"""`ecocluster sign` on the verifier's machine (no warehouse) and `approve --signer`, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecocluster import statements
from ecocluster.core.store import LocalStore
from ecocluster.signing import _keys
from ecocluster.signing._inbox import export_review, record_approval
from tests.cli import Run, run_cli
from tests.fixtures_softhsm import PIN
from tests.signing.rows import drafted_member
from tests.signing.test_signers import leaks, token_cert


@pytest.fixture
def run(capsys, monkeypatch):
    """The real entry point (named errors are printed, not raised), the token's PIN in the environment."""

    def invoke(home: Path, *args: str, pin: str = PIN) -> Run:
        monkeypatch.setenv("ECOCLUSTER_TOKEN_PIN", pin)
        return run_cli(capsys, monkeypatch, home, *args)

    return invoke


def exported(con, home, tmp_path: Path) -> tuple[str, Path]:
    sid = drafted_member(con, home)
    review = tmp_path / "review"
    _keys.demo_verifier(home)  # the home's accreditation CA, whose CA and CRL the export carries
    export_review(con, LocalStore(home.objects_dir), "IT-HOT-1", review, trust=_keys.trust_anchors(home))
    return sid, review


def test_the_verifier_signs_a_review_export_with_the_token_and_the_coordinator_records_it(
    con, home, soft_token, tmp_path, run
) -> None:
    sid, review = exported(con, home, tmp_path)
    uri = soft_token.uri(token_cert(home, soft_token, tmp_path))
    verifier_home = tmp_path / "verifier-machine"  # nothing of the coordinator's home on this side
    out = tmp_path / "decisions"
    signed = run(
        verifier_home, "sign", str(review), "--signer", uri, "--out", str(out), "--place", "Reggio Emilia"
    )
    assert signed.returncode == 0, signed.stderr
    name = f"IT-HOT-1-{sid[:16]}"
    assert sorted(p.name for p in out.iterdir()) == [
        f"{name}.cert.pem",
        f"{name}.dsse.json",
        f"{name}.tsr",
        f"{name}.validated.pdf",
    ]
    assert leaks(soft_token.private_scalar, [out, review, verifier_home]) == []
    store = LocalStore(home.objects_dir)
    verified = record_approval(
        con,
        store,
        (out / f"{name}.dsse.json").read_bytes(),
        (out / f"{name}.cert.pem").read_bytes(),
        _keys.trust_anchors(home),
        signed_pdf=(out / f"{name}.validated.pdf").read_bytes(),
        timestamp=(out / f"{name}.tsr").read_bytes(),
    )
    assert (
        verified.decision,
        verified.verifier.accreditation_no,
        verified.statement["predicate"]["place"],
    ) == ("approved", "DEMO-V-0002", "Reggio Emilia")
    assert statements.show(con, sid).status == "validated"
    again = run(verifier_home, "sign", str(review), "--signer", uri, "--out", str(out))
    assert again.returncode != 0 and "never overwritten" in again.stderr, again.stderr


def test_a_rejection_signed_from_the_hand_off_request_beside_the_files(
    con, home, soft_token, tmp_path, run
) -> None:
    sid, review = exported(con, home, tmp_path)
    request = review / "request.json"
    request.write_text(json.dumps({"statement_id": sid, "member_id": "IT-HOT-1"}))
    out = tmp_path / "decisions"
    signed = run(
        tmp_path / "v",
        "sign",
        str(request),
        "--signer",
        soft_token.uri(token_cert(home, soft_token, tmp_path)),
        "--out",
        str(out),
        "--reject",
        "--reason",
        "indicator B missing",
    )
    assert signed.returncode == 0, signed.stderr
    assert sorted(p.name.removeprefix(f"IT-HOT-1-{sid[:16]}") for p in out.iterdir()) == [
        ".cert.pem",
        ".dsse.json",
        ".tsr",
    ]  # timestamped, and no validated PDF for a rejection


def test_a_request_for_another_member_is_refused(con, home, soft_token, tmp_path, run) -> None:
    sid, review = exported(con, home, tmp_path)
    (review / "request.json").write_text(json.dumps({"statement_id": sid, "member_id": "IT-OTHER-9"}))
    refused = run(
        tmp_path / "v",
        "sign",
        str(review / "request.json"),
        "--signer",
        soft_token.uri(token_cert(home, soft_token, tmp_path)),
        "--out",
        str(tmp_path / "d"),
    )
    assert refused.returncode == 3 and "names member 'IT-OTHER-9'" in refused.stderr, refused.stderr


def test_a_changed_statement_file_is_refused_not_signed(con, home, soft_token, tmp_path, run) -> None:
    sid, review = exported(con, home, tmp_path)
    statement = review / f"{sid}.json"
    statement.write_bytes(statement.read_bytes().replace(b"IT-HOT-1", b"IT-HOT-2"))
    out = tmp_path / "decisions"
    refused = run(
        tmp_path / "v",
        "sign",
        str(review),
        "--signer",
        soft_token.uri(token_cert(home, soft_token, tmp_path)),
        "--out",
        str(out),
    )
    assert refused.returncode == 3 and "review-bundle" in refused.stderr, refused.stderr
    assert not out.exists()


def test_approve_takes_a_signer_uri_and_refuses_two_signers(con, home, soft_token, tmp_path, run) -> None:
    sid = drafted_member(con, home)
    uri = soft_token.uri(token_cert(home, soft_token, tmp_path))
    con.close()
    files = _keys.demo_verifier(home)
    both = run(home.root, "approve", "--statement", sid, "--signer", uri, "--key", str(files.key))
    assert both.returncode != 0 and "not both" in both.stderr, both.stderr
    wrong_pin = run(home.root, "approve", "--statement", sid, "--signer", uri, pin="999999")
    assert wrong_pin.returncode != 0 and "refused the PIN" in wrong_pin.stderr, wrong_pin.stderr
    assert "Traceback" not in wrong_pin.stderr
    approved = run(home.root, "approve", "--statement", sid, "--signer", uri)
    assert approved.returncode == 0 and "approved: member IT-HOT-1" in approved.stdout, approved.stderr
    assert "verifier DEMO-V-0002" in approved.stdout


def test_sign_with_the_key_file_uri_takes_the_passphrase_from_the_environment(
    con, home, tmp_path, run, monkeypatch
) -> None:
    from ecocluster.signing.signers import file_uri

    sid, review = exported(con, home, tmp_path)
    files = _keys.demo_verifier(home)
    uri = file_uri(files.key, files.cert)
    monkeypatch.setenv("ECOCLUSTER_KEY_PASSWORD", "not the passphrase")
    wrong = run(tmp_path / "v", "sign", str(review), "--signer", uri, "--out", str(tmp_path / "d"))
    assert wrong.returncode != 0 and "wrong password" in wrong.stderr and "Traceback" not in wrong.stderr
    monkeypatch.setenv("ECOCLUSTER_KEY_PASSWORD", _keys.DEMO_PASSWORD.decode())
    signed = run(tmp_path / "v", "sign", str(review), "--signer", uri, "--out", str(tmp_path / "d"))
    assert signed.returncode == 0, signed.stderr
    assert (tmp_path / "d" / f"IT-HOT-1-{sid[:16]}.validated.pdf").exists()


def test_offline_the_tsa_is_named_and_nothing_is_written(con, home, soft_token, tmp_path, run) -> None:
    """Without the TSA there is no attested time: exit 75 (sign again online), no half decision on disk."""
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    _, review = exported(con, home, tmp_path)
    out = tmp_path / "decisions"
    offline = run(
        tmp_path / "v",
        "sign",
        str(review),
        "--signer",
        soft_token.uri(token_cert(home, soft_token, tmp_path)),
        "--out",
        str(out),
        "--tsa",
        closed,
    )
    assert offline.returncode == 75, offline.stderr
    assert f"timestamp authority {closed} unreachable" in offline.stderr and "Traceback" not in offline.stderr
    assert not out.exists() or not any(out.iterdir())


def test_an_approval_without_the_exports_crl_is_refused_before_any_file_is_written(
    con, home, soft_token, tmp_path, run
) -> None:
    """PAdES B-LTA puts the accreditation CA's current CRL into the PDF: a statement copied without the
    export's crl.pem cannot be approved (a rejection needs no PDF, so it still can)."""
    _, review = exported(con, home, tmp_path)
    (review / "crl.pem").unlink()
    out = tmp_path / "decisions"
    uri = soft_token.uri(token_cert(home, soft_token, tmp_path))
    refused = run(tmp_path / "v", "sign", str(review), "--signer", uri, "--out", str(out))
    assert refused.returncode == 78, refused.stderr
    assert "crl.pem" in refused.stderr and "Traceback" not in refused.stderr
    assert not out.exists() or not any(out.iterdir())
    rejected = run(
        tmp_path / "v", "sign", str(review), "--signer", uri, "--out", str(out), "--reject", "--reason", "x"
    )
    assert rejected.returncode == 0, rejected.stderr
