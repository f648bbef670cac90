"""The CSC remote signer against a real CSC service (certomancer-csc-dummy) on 127.0.0.1.

The service holds the verifier's key (tests.fixtures_csc); ecocluster sees only its certificate
and the signatures it returns, and an approval made that way passes the same rules and pdfsig as
one made with a key file or a token.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ecocluster.core.errors import SignerCredentialsRefused, SignerUnavailable, SigningServiceUnavailable
from ecocluster.core.processes import free_port
from ecocluster.core.store import LocalStore
from ecocluster.signing import _keys
from ecocluster.signing._inbox import approve
from ecocluster.signing.signers import fixed_secret, open_signer
from tests.fixtures_csc import ACCREDITATION_NO, NAME, TOKEN
from tests.signing.rows import drafted_member
from tests.signing.test_pades import nss_db_trusting
from tests.signing.test_signers import leaks


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


def test_an_approval_signed_through_the_csc_service_passes_the_approval_rules_and_pdfsig(
    con, store, home, csc_service, tmp_path
) -> None:
    sid = drafted_member(con, home)
    with open_signer(csc_service.uri(), fixed_secret(TOKEN.encode())) as signer:
        assert (
            signer.chain and signer.chain[0].subject == signer.certificate.issuer
        )  # the chain the service gave
        verified = approve(con, store, _keys.trust_anchors(home), sid, signer, place="Ventasso")
    assert (verified.decision, verified.verifier.accreditation_no, verified.verifier.name) == (
        "approved",
        ACCREDITATION_NO,
        NAME,
    )
    assert leaks(csc_service.private_scalar, [home.root, tmp_path]) == []  # the key stayed at the service
    assert leaks(TOKEN.encode(), [home.root]) == []  # nor did the access token land in the home
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        pytest.skip("needs poppler-utils (pdfsig) and libnss3-tools (certutil): make system-deps")
    pdf = tmp_path / "validated.pdf"
    pdf.write_bytes(store.get(con.execute("SELECT signed_pdf_key FROM approval").fetchone()[0]))
    (tmp_path / "nss").mkdir()
    db = nss_db_trusting(tmp_path / "nss", (_keys.ca_dir(home) / "ca.pem").read_bytes())
    report = subprocess.run(["pdfsig", "-nssdir", db, str(pdf)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in report.stdout, report.stdout + report.stderr
    assert "Certificate Validation: Certificate is Trusted." in report.stdout, report.stdout
    assert NAME in report.stdout


def test_a_wrong_access_token_is_refused_by_name_without_echoing_it(csc_service) -> None:
    with (
        pytest.raises(
            SignerCredentialsRefused, match=r"refused the access token .*HTTP 401.*ECOCLUSTER_CSC_TOKEN"
        ) as refused,
        open_signer(csc_service.uri(), fixed_secret(b"a-stale-token")),
    ):
        pass
    assert "a-stale-token" not in str(refused.value)
    assert refused.value.exit_code == 78


def test_a_credential_the_service_does_not_hold_is_named(csc_service) -> None:
    with (
        pytest.raises(SignerUnavailable, match="has no credential 'ecocluster/nobody' \\(HTTP 404"),
        open_signer(csc_service.uri("ecocluster/nobody"), fixed_secret(TOKEN.encode())),
    ):
        pass


def test_an_unreachable_service_is_a_transient_named_error() -> None:
    uri = f"csc:http://127.0.0.1:{free_port()}?credential=ecocluster/verifier"  # nobody listens there
    with (
        pytest.raises(
            SigningServiceUnavailable, match=r"cannot reach the signing service at http://127.0.0.1"
        ) as unreachable,
        open_signer(uri, fixed_secret(TOKEN.encode())),
    ):
        pass
    assert unreachable.value.exit_code == 75


def test_a_service_that_goes_away_after_opening_stops_the_signature_by_name(csc_service) -> None:
    with open_signer(csc_service.uri(), fixed_secret(TOKEN.encode())) as signer:
        csc_service.stop()
        with pytest.raises(SigningServiceUnavailable, match="nothing was signed"):
            signer.sign(b"payload")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("csc:https://qtsp.example.eu/csc?credential=c1&token=abc", "secrets never go into the URI"),
        ("csc:https://user:secret@qtsp.example.eu/csc?credential=c1", "carries a user or password"),
        ("csc:http://qtsp.example.eu/csc?credential=c1", "plain http would send the access token in clear"),
        ("csc:https://qtsp.example.eu/csc", "name the credential"),
        ("csc:https://qtsp.example.eu/csc?credential=c1&api=v2", "CSC API 'v2' is not supported"),
        ("csc:qtsp.example.eu?credential=c1", "name the service's base URL"),
    ],
)
def test_a_csc_uri_that_would_leak_or_cannot_work_is_refused_before_any_request(uri, message) -> None:
    asked = []

    def secrets(kind: str, what: str) -> bytes:
        asked.append(kind)
        return TOKEN.encode()

    with pytest.raises(SignerUnavailable, match=message), open_signer(uri, secrets):
        pass
    assert asked == []  # refused before the token was even asked for


def test_the_access_token_comes_from_the_environment_or_a_prompt(monkeypatch) -> None:
    from ecocluster.signing.signers import env_secrets

    monkeypatch.setenv("ECOCLUSTER_CSC_TOKEN", "from-the-env")
    assert env_secrets()("csc-access-token", "CSC signing service q") == b"from-the-env"
    monkeypatch.delenv("ECOCLUSTER_CSC_TOKEN")
    assert (
        env_secrets(prompt=lambda what: f"typed for {what}")("csc-access-token", "q")
        == b"typed for access token of q"
    )
    with pytest.raises(SignerUnavailable, match="set ECOCLUSTER_CSC_TOKEN to the access token of q"):
        env_secrets()("csc-access-token", "q")


def test_the_verifier_signs_with_the_remote_service_through_the_cli_and_scripts_read_the_failures(
    con, home, csc_service, tmp_path, capsys, monkeypatch
) -> None:
    """`ecocluster sign --signer csc:…` on the verifier's machine; a refused token exits 78, an outage 75."""
    from ecocluster.signing._inbox import record_approval
    from tests.cli import run_cli
    from tests.signing.test_cli_sign import exported

    sid, review = exported(con, home, tmp_path)
    verifier_home, out = tmp_path / "verifier-machine", tmp_path / "decisions"

    def sign_with(token: str, into: Path = out):
        monkeypatch.setenv("ECOCLUSTER_CSC_TOKEN", token)
        return run_cli(
            capsys,
            monkeypatch,
            verifier_home,
            "sign",
            str(review),
            "--signer",
            csc_service.uri(),
            "--out",
            str(into),
        )

    refused = sign_with("not-the-token")
    assert refused.returncode == 78 and "refused the access token" in refused.stderr, refused.stderr
    signed = sign_with(TOKEN)
    assert signed.returncode == 0, signed.stderr
    name = f"IT-HOT-1-{sid[:16]}"
    verified = record_approval(
        con,
        LocalStore(home.objects_dir),
        (out / f"{name}.dsse.json").read_bytes(),
        (out / f"{name}.cert.pem").read_bytes(),
        _keys.trust_anchors(home),
        signed_pdf=(out / f"{name}.validated.pdf").read_bytes(),
        timestamp=(out / f"{name}.tsr").read_bytes(),
    )  # sign writes the TSA's token too
    assert verified.verifier.accreditation_no == ACCREDITATION_NO
    assert leaks(csc_service.private_scalar, [out, review, verifier_home]) == []
    csc_service.stop()
    gone = sign_with(TOKEN, tmp_path / "again")
    assert gone.returncode == 75 and "cannot reach the signing service" in gone.stderr, gone.stderr
    assert "run the command again" in gone.stderr


MALFORMED_INFO = [
    (lambda a: a | {"authMode": "explicit"}, "wants authMode 'explicit'"),
    (lambda a: a | {"key": a["key"] | {"status": "disabled"}}, "is 'disabled' at the signing service"),
    (lambda a: a | {"cert": {"certificates": []}}, "has no certificate at the signing service"),
    (lambda a: a | {"cert": {"certificates": ["not base64!"]}}, "not valid base64"),
    (lambda a: a | {"cert": {"certificates": ["AAAA"]}}, "credentials/info of 'c1' is malformed"),
    (lambda a: a | {"key": a["key"] | {"algo": ["not-an-oid"]}}, "is malformed"),
    (lambda a: a | {"multisign": "many"}, "is malformed"),
    (lambda a: a | {"key": a["key"] | {"algo": 7}}, "is malformed"),
]


def test_a_credentials_info_answer_is_read_once_into_checked_values(csc_service) -> None:
    """The parser of the service's answer (another party's JSON): the real answer reads, and each
    field changed to something malformed is a named refusal, not a traceback."""
    import json
    import urllib.request

    from pyhanko.sign.signers.csc_signer import CSCServiceSessionInfo

    from ecocluster.signing.signers._csc import _credential

    request = urllib.request.Request(
        f"{csc_service.url}/csc/v1/credentials/info",
        method="POST",
        data=json.dumps({"credentialID": "ecocluster/verifier", "certificates": "chain"}).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    service = CSCServiceSessionInfo(csc_service.url, "c1")
    assert _credential(answer, service, "csc:test").hash_pinning_required
    for change, message in MALFORMED_INFO:
        with pytest.raises(SignerUnavailable, match=message):
            _credential(change(answer), service, "csc:test")
