"""A real PKCS#11 token for the tests: SoftHSM2 initialised in a temp folder, one P-256 key imported.

SoftHSM reads ``SOFTHSM2_CONF`` once per process (at C_Initialize), so the token lives for the
whole session; each test issues its own certificate for the token's key from its home's CA.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.signing import _pki

TOKEN, OBJECT, PIN, SO_PIN = "ecocluster-test", "verifier", "246810", "13579111"


@dataclass(frozen=True)
class SoftToken:
    conf: Path
    private_scalar: bytes  # the imported key's secret, so tests can prove it never leaves the token
    public_key: ec.EllipticCurvePublicKey

    def uri(self, cert: Path, *, obj: str = OBJECT, token: str = TOKEN) -> str:
        return f"pkcs11:token={token};object={obj}?cert={cert}"


@pytest.fixture(scope="session")
def soft_token(tmp_path_factory: pytest.TempPathFactory) -> SoftToken:
    if not shutil.which("softhsm2-util"):
        pytest.skip("needs softhsm2 (a software PKCS#11 token): make system-deps")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # before the module is first loaded in this process
    env = os.environ | {"SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
        env=env,
    )
    key = _pki.new_key()
    plain = folder / "import.pem"  # unencrypted only for the import, deleted right after
    plain.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    try:
        subprocess.run(
            [
                "softhsm2-util",
                "--import",
                str(plain),
                "--token",
                TOKEN,
                "--label",
                OBJECT,
                "--id",
                "01",
                "--pin",
                PIN,
            ],
            check=True,
            capture_output=True,
            env=env,
        )
    finally:
        plain.unlink()
    return SoftToken(conf, key.private_numbers().private_value.to_bytes(32, "big"), key.public_key())
