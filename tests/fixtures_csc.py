"""A real CSC remote signing service for the tests: certomancer-csc-dummy on a free port of 127.0.0.1.

The service plays a qualified trust service provider holding the verifier's key: the key exists
only in the service's own folder (never in the home or the verifier's output), and its certificate
is issued by the home's DEMO accreditation CA, as ``pki issue-verifier`` would issue it. One
service per test, because each test's home has its own CA; it starts in about a second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization

from ecocluster.core.home import Home
from ecocluster.core.processes import free_port, stop_process
from ecocluster.signing import _keys, _pki

ARCH, CREDENTIAL, TOKEN = "ecocluster", "ecocluster/verifier", "csc-test-access-token-0042"
ACCREDITATION_NO, NAME = "DEMO-V-0003", "Remote Verifier"


@dataclass(frozen=True)
class CSCService:
    url: str
    folder: Path
    private_scalar: bytes  # the service's key, so tests can prove it never reaches ecocluster's files
    process: subprocess.Popen[bytes]

    def uri(self, credential: str = CREDENTIAL) -> str:
        return f"csc:{self.url}?credential={quote(credential, safe='/')}"

    def stop(self) -> None:
        """The service goes away (an outage at the provider)."""
        stop_process(self.process)


def _config(folder: Path, url: str) -> Path:
    forever = {"valid-from": "2000-01-01T00:00:00+0000", "valid-to": "2100-01-01T00:00:00+0000"}
    config = {
        "external-url-prefix": url,
        "keysets": {
            "qtsp": {
                "path-prefix": str(folder),
                "keys": {
                    "ca": {"path": "ca-public.pem", "public-only": True},
                    "verifier": {"path": "verifier-key.pem"},
                },
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": "qtsp",
                "entity-defaults": {"country-name": "IT"},
                "entities": {"ca": {"common-name": "ca"}, "verifier": {"common-name": "verifier"}},
                "certs": {
                    "ca": {
                        "subject": "ca",
                        "issuer": "ca",
                        "validity": forever,
                        "certificate-file": "ca.pem",
                    },
                    "verifier": {
                        "subject": "verifier",
                        "issuer": "ca",
                        "validity": forever,
                        "certificate-file": "verifier.pem",
                    },
                },
            }
        },
    }
    path = folder / "certomancer.yml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def _provision(home: Home, folder: Path) -> bytes:
    """The service's key and its certificate from the home's DEMO CA; returns the key's secret scalar."""
    _keys.demo_verifier(home)
    ca_key, ca_cert = _keys._load_ca(home, _keys.DEMO_PASSWORD)
    key = _pki.new_key()
    cert = _pki.issue_verifier(
        ca_key,
        ca_cert,
        key.public_key(),
        name=NAME,
        accreditation_no=ACCREDITATION_NO,
        nace_scope=_keys.DEMO_NACE,
    )
    (folder / "verifier-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (folder / "verifier.pem").write_bytes(_pki.pem(cert))
    (folder / "ca.pem").write_bytes(_pki.pem(ca_cert))
    (folder / "ca-public.pem").write_bytes(
        ca_cert.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key.private_numbers().private_value.to_bytes(32, "big")


def _wait_listening(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"CSC service exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/info", timeout=1)
        except urllib.error.HTTPError:
            return  # it answers (401 without a token): up
        except OSError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"CSC service did not answer on {url} within {timeout} s: {log.read_text()[-2000:]}")


@pytest.fixture
def csc_service(home: Home, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CSCService]:
    """A running CSC service holding a verifier key certified by ``home``'s DEMO CA."""
    folder = tmp_path_factory.mktemp("csc-service")
    scalar = _provision(home, folder)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "service.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.csc_service", str(_config(folder, url)), str(port)],
            env={**os.environ, "CSC_TEST_TOKEN": TOKEN},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_listening(url, process, log)
        yield CSCService(url, folder, scalar, process)
    finally:
        stop_process(process)
