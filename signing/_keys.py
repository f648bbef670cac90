"""Key and certificate files on disk: the accreditation body's CA, verifiers' keys, competent bodies' keys.

Layout (each party's folder would sit on its own machine in a real deployment)::

    <home>/pki/ca/{ca.key,ca.pem,crl.pem}          accreditation body
    <out>/{key.pem,cert.pem,chain.pem}             one verifier (default <home>/verifiers/<accreditation no>)
    <home>/competent-body/<CC>/{key.pem,cert.pem}  competent body of country CC

Passwords come from the environment (``ECOCLUSTER_CA_PASSWORD``, ``ECOCLUSTER_KEY_PASSWORD``,
``ECOCLUSTER_CB_PASSWORD``) or the caller, never from ecocluster.toml or the warehouse.
Trust anchors are configuration: ``[signing] trust_anchors = ["ca.pem", ...]`` and ``crls = [...]``,
defaulting to this home's accreditation-body CA and CRL.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from signing import _pki
from signing._verify import TrustAnchors
from warehouse.errors import ConfigurationError
from warehouse.home import Home

DEMO_PASSWORD = b"demo"  # DEMO keys only: the demo must run unattended


def password(env: str, given: bytes | None = None) -> bytes:
    found = given or os.environ.get(env, "").encode()
    if not found:
        raise ConfigurationError(f"set {env} to the private key's password")
    return found


@dataclass(frozen=True)
class KeyFiles:
    """Where one party keeps its key, certificate and chain (chain = its CA's certificate)."""

    folder: Path

    @property
    def key(self) -> Path:
        return self.folder / "key.pem"

    @property
    def cert(self) -> Path:
        return self.folder / "cert.pem"

    @property
    def chain(self) -> Path:
        return self.folder / "chain.pem"

    def load_cert(self) -> x509.Certificate:
        return _pki.load_certs(self.cert.read_bytes())[0]


def ca_dir(home: Home) -> Path:
    return home.root / "pki" / "ca"


def init_ca(home: Home, name: str, pw: bytes) -> Path:
    """Create the accreditation body CA and an empty CRL; refuses to replace an existing CA."""
    folder = ca_dir(home)
    if (folder / "ca.pem").exists():
        raise ConfigurationError(f"{folder} already holds a CA; revoke certificates instead of replacing it")
    key, cert = _pki.create_ca(name)
    _pki.save_key(key, folder / "ca.key", pw)
    (folder / "ca.pem").write_bytes(_pki.pem(cert))
    (folder / "crl.pem").write_bytes(_pki.crl_pem(_pki.build_crl(key, cert, [])))
    return folder / "ca.pem"


def _load_ca(home: Home, pw: bytes) -> tuple[_pki.PrivateKey, x509.Certificate]:
    folder = ca_dir(home)
    if not (folder / "ca.pem").exists():
        raise ConfigurationError(f"no accreditation-body CA in {folder}; run `ecocluster pki init` first")
    return _pki.load_key(folder / "ca.key", pw), _pki.load_certs((folder / "ca.pem").read_bytes())[0]


def issue_verifier(home: Home, *, name: str, accreditation_no: str, nace: tuple[str, ...], ca_password: bytes,
                   key_password: bytes, out: Path | None = None) -> KeyFiles:
    """A verifier key pair: the key is written encrypted to ``out`` only; the certificate is public."""
    ca_key, ca_cert = _load_ca(home, ca_password)
    files = KeyFiles(out or home.root / "verifiers" / accreditation_no)
    key = _pki.new_key()
    cert = _pki.issue_verifier(ca_key, ca_cert, key.public_key(), name=name,
                               accreditation_no=accreditation_no, nace_scope=nace)
    _pki.save_key(key, files.key, key_password)
    files.cert.write_bytes(_pki.pem(cert))
    files.chain.write_bytes(_pki.pem(ca_cert))
    return files


def revoke(home: Home, cert: x509.Certificate, ca_password: bytes) -> Path:
    """Add ``cert`` to the CA's CRL (reissued whole, keeping earlier entries)."""
    ca_key, ca_cert = _load_ca(home, ca_password)
    crl_path = ca_dir(home) / "crl.pem"
    old = _pki.load_crl(crl_path.read_bytes())
    entries = [(r.serial_number, r.revocation_date_utc) for r in old]
    if cert.serial_number not in {s for s, _ in entries}:
        entries.append((cert.serial_number, dt.datetime.now(dt.UTC)))
    crl_path.write_bytes(_pki.crl_pem(_pki.build_crl(ca_key, ca_cert, entries)))
    return crl_path


def trust_anchors(home: Home) -> TrustAnchors:
    """The configured anchors, else this home's accreditation-body CA and CRL."""
    config = home.config_section("signing")
    cas = [Path(p) for p in config.get("trust_anchors", [])] or [ca_dir(home) / "ca.pem"]
    crls = [Path(p) for p in config.get("crls", [])] or [ca_dir(home) / "crl.pem"]
    return trust_anchors_from(tuple(cas), tuple(crls))


def trust_anchors_from(cas: tuple[Path, ...], crls: tuple[Path, ...] = ()) -> TrustAnchors:
    certs = [c for p in cas if p.exists() for c in _pki.load_certs(p.read_bytes())]
    if not certs:
        raise ConfigurationError("no trust anchors: run `ecocluster pki init`, pass --trust CA.pem or set "
                                 "[signing] trust_anchors")
    return TrustAnchors(tuple(certs), tuple(_pki.load_crl(p.read_bytes()) for p in crls if p.exists()))


def competent_body(home: Home, country: str, pw: bytes) -> tuple[_pki.PrivateKey, x509.Certificate]:
    """The competent body's receipt-signing key for ``country``, created on first use."""
    files = KeyFiles(home.root / "competent-body" / country.upper())
    if files.key.exists():
        return _pki.load_key(files.key, pw), files.load_cert()
    key, cert = _pki.create_ca(f"EMAS competent body {country.upper()}")
    _pki.save_key(key, files.key, pw)
    files.cert.write_bytes(_pki.pem(cert))
    return key, cert


# The NACE divisions of the bundled sample's members (transport 49, hotels 55, restaurants 56,
# public administration 84, parks 91, sports and recreation 93): the DEMO verifier signs them all.
DEMO_NACE = ("49", "55", "56", "84", "91", "93")


def demo_verifier(home: Home) -> KeyFiles:
    """DEMO accreditation body CA and DEMO verifier (NACE scope ``DEMO_NACE``) in ``home``, password ``demo``."""
    files = KeyFiles(home.root / "verifiers" / "DEMO-V-0001")
    if files.key.exists():
        return files
    if not (ca_dir(home) / "ca.pem").exists():
        init_ca(home, "DEMO Accreditation Body (not for real use)", DEMO_PASSWORD)
    return issue_verifier(home, name="DEMO Verifier", accreditation_no="DEMO-V-0001",
                          nace=DEMO_NACE, ca_password=DEMO_PASSWORD,
                          key_password=DEMO_PASSWORD, out=files.folder)
