"""No private-key material leaves the key files: not into the warehouse, the object store, the
registration packages, the CLI's output or Prefect's logs and database.

A demo-like cycle runs through the real CLI (``ecocluster demo``: CA, DEMO verifier, signing,
registration; then ``ecocluster intake-key`` and ``intake --country IT/LV``: the competent bodies'
keys). Every private key generated is then searched for in every form it could leak in: the key
file's own bytes (encrypted PEM), unencrypted PKCS#8 and traditional PEM and DER, the raw private
scalar (bytes, hex) and the base64 of the DER.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ecocluster.signing import DEMO_PASSWORD
from tests.reliability.crash import REPO


def key_forms(key_file: Path, password: bytes) -> dict[str, bytes]:
    """Every form of the key (by name) worth looking for; long enough never to match by chance."""
    key = serialization.load_pem_private_key(key_file.read_bytes(), password)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if isinstance(key, rsa.RSAPrivateKey):  # the TSA's: its first prime stands for the secret
        scalar = key.private_numbers().p.to_bytes((key.key_size // 2 + 7) // 8, "big")
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        scalar = key.private_numbers().private_value.to_bytes(32, "big")
    forms = {
        "key file": key_file.read_bytes(),
        "pkcs8 der": der,
        "scalar": scalar,
        "scalar hex": scalar.hex().encode(),
        "der base64": base64.b64encode(der)[16:80],
    }
    for name, fmt in (
        ("pkcs8", serialization.PrivateFormat.PKCS8),
        ("traditional", serialization.PrivateFormat.TraditionalOpenSSL),
    ):
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        forms[f"{name} pem body"] = pem.splitlines()[1]
    return forms


def _blobs(path: Path) -> Iterator[tuple[str, bytes]]:
    """A file's bytes, and the members of the archives it is (registration packages)."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                yield f"{path}!{name}", z.read(name)
    else:
        try:
            with tarfile.open(fileobj=io.BytesIO(data)) as t:
                for m in t.getmembers():
                    f = t.extractfile(m)
                    if f is not None:
                        yield f"{path}!{m.name}", f.read()
        except tarfile.TarError:
            pass


def _warehouse_text(path: Path) -> bytes:
    """Every value of every table, as text (DuckDB compresses its file, so its raw bytes would hide them)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = io.BytesIO()
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall():
                for value in row:
                    out.write(value if isinstance(value, bytes) else str(value).encode())
                    out.write(b"\n")
        return out.getvalue()
    finally:
        con.close()


@pytest.mark.slow
def test_no_private_key_material_anywhere_after_a_demo_cycle(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # without the test session's TSA: the demo serves its own, whose key is searched for too
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ECOCLUSTER_TSA_")},
        "ECOCLUSTER_CB_PASSWORD": "cb-secret-passphrase",
        "COLUMNS": "200",
    }
    cli = [str(REPO / ".venv" / "bin" / "ecocluster"), "--home", str(home)]
    outputs = [
        subprocess.run([*cli, "demo"], env=env, cwd=REPO, capture_output=True, timeout=1200, check=False)
    ]
    assert outputs[0].returncode == 0, outputs[0].stderr[-3000:]
    for country in ("IT", "LV"):
        for command in ("intake-key", "intake"):  # the body makes its own key first, on purpose
            outputs.append(
                subprocess.run(
                    [*cli, command, "--country", country],
                    env=env,
                    cwd=REPO,
                    capture_output=True,
                    timeout=600,
                    check=False,
                )
            )
            assert outputs[-1].returncode == 0, outputs[-1].stderr[-3000:]

    keys = {
        "accreditation-body CA": (home / "pki" / "ca" / "ca.key", DEMO_PASSWORD),
        "DEMO verifier": (home / "verifiers" / "DEMO-V-0001" / "key.pem", DEMO_PASSWORD),
        "DEMO timestamp authority": (home / "pki" / "tsa" / "key.pem", DEMO_PASSWORD),
    }
    keys |= {
        f"competent body {p.parent.name}": (p, b"cb-secret-passphrase")
        for p in (home / "competent-body").glob("*/key.pem")
    }
    keys |= {  # the demo's DEMO competent bodies (IT and LV profiles)
        f"DEMO competent body {p.parent.parent.name}": (p, DEMO_PASSWORD)
        for p in (home / "competent-body").glob("*/demo/key.pem")
    }
    assert len(keys) >= 4, keys
    needles = {
        f"{who}: {form}": value
        for who, (path, pw) in keys.items()
        for form, value in key_forms(path, pw).items()
    }

    places: list[tuple[str, bytes]] = [("warehouse", _warehouse_text(home / "warehouse.duckdb"))]
    places += [(f"CLI output {i}", o.stdout + o.stderr) for i, o in enumerate(outputs)]
    scanned = [
        p
        for folder in ("objects", "prefect", "datadocs", "sample")
        if (home / folder).exists()
        for p in (home / folder).rglob("*")
        if p.is_file()
    ]
    scanned += [home / "warehouse.duckdb", *home.glob("*.wal")]
    places += [blob for p in scanned for blob in _blobs(p)]
    assert any("packages/" in where or "competent-body" in where for where, _ in places)  # packages were made
    leaks = [
        f"{what} in {where}" for where, data in places for what, needle in needles.items() if needle in data
    ]
    assert not leaks, leaks[:10]
    print(
        f"key leaks: {len(needles)} key forms of {len(keys)} keys searched in "
        f"{len(places)} files/places: none"
    )
