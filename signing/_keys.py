"""Key and certificate files on disk: the accreditation body's CA, verifiers' keys, competent bodies' keys.

Layout (each party's folder would sit on its own machine in a real deployment)::

    <home>/pki/ca/{ca.key,ca.pem,crl.pem}          accreditation body
    <out>/{key.pem,cert.pem,chain.pem}             one verifier (default <home>/verifiers/<accreditation no>)
    <home>/competent-body/<CC>/{key.pem,cert.pem}  competent body of country CC (ecocluster.signing._intake
                                                   creates it only when asked: `ecocluster intake-key`)

Passwords come from the environment (``ECOCLUSTER_CA_PASSWORD``, ``ECOCLUSTER_KEY_PASSWORD``,
``ECOCLUSTER_CB_PASSWORD``) or the caller, never from ecocluster.toml or the warehouse.
Trust anchors are configuration: ``[signing] trust_anchors = ["ca.pem", ...]`` and ``crls = [...]``,
defaulting to this home's accreditation-body CA and CRL; a configured or given file that does not
exist is an error, never skipped. ``[signing] crl_grace_hours`` (default 0) is how long past its
nextUpdate a CRL is still accepted; past that, approvals and verification fail closed.

Key files are never overwritten: issuing a verifier into a folder that holds a key or certificate
is refused. New private keys need a passphrase of at least ``_pki.MIN_PASSPHRASE`` characters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from ecocluster.core.config import SigningConfig
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.signing import _accreditation, _pki
from ecocluster.signing._verify import TrustAnchors

DEMO_PASSWORD = b"demo-passphrase"  # DEMO keys only: the demo must run unattended
_LEGACY_DEMO_PASSWORD = b"demo"  # DEMO homes made before passphrases needed 12 characters


def password(env: str, given: bytes | None = None) -> bytes:
    found = given or os.environ.get(env, "").encode()
    if not found:
        raise ConfigurationError(f"set {env} to the private key's password")
    return found


@dataclass(frozen=True)
class KeyFiles:
    """Where one party keeps its key, certificate and chain (chain = its CA's certificate).

    ``key.pem``/``cert.pem``/``chain.pem`` of ``folder`` unless the key and certificate were
    given by path (:meth:`of`: a verifier's files need not have the names ``pki issue-verifier``
    gave them); the chain is then ``chain.pem`` next to the certificate, if there is one.
    """

    folder: Path
    key_path: Path | None = None
    cert_path: Path | None = None

    @classmethod
    def of(cls, key: Path, cert: Path) -> KeyFiles:
        return cls(cert.parent, key, cert)

    @property
    def key(self) -> Path:
        return self.key_path or self.folder / "key.pem"

    @property
    def cert(self) -> Path:
        return self.cert_path or self.folder / "cert.pem"

    @property
    def chain(self) -> Path:
        return self.folder / "chain.pem"

    def load_cert(self) -> x509.Certificate:
        return _pki.load_certs(self.cert.read_bytes())[0]

    def load_key(self, password: bytes) -> _pki.PrivateKey:
        """The private key, decrypted (a wrong password is a ConfigurationError)."""
        return _pki.load_key(self.key, password)


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


def issue_verifier(
    home: Home,
    *,
    name: str,
    accreditation_no: str,
    nace: tuple[str, ...],
    ca_password: bytes,
    key_password: bytes,
    out: Path | None = None,
) -> KeyFiles:
    """A verifier key pair: the key is written encrypted to ``out`` only; the certificate is public.

    Everything is checked before anything is written: the accreditation number and NACE scope,
    the new key's passphrase, and that ``out`` holds no key or certificate yet (a verifier's key is
    never replaced: issue into a new folder and revoke the old certificate)."""
    number = _pki.valid_accreditation_no(accreditation_no)
    scope = _pki.valid_nace_scope(nace)
    _pki.check_passphrase(key_password, "new verifier key")
    files = KeyFiles(out or home.root / "verifiers" / number)
    taken = [p for p in (files.key, files.cert, files.chain) if p.exists() or p.is_symlink()]
    if taken:
        raise ConfigurationError(
            f"{files.folder} already holds {', '.join(p.name for p in taken)}; a verifier's key "
            "is never overwritten: choose another --out folder (and revoke the old certificate "
            "with `ecocluster pki revoke` if it is being replaced)"
        )
    ca_key, ca_cert = _load_ca(home, ca_password)
    key = _pki.new_key()
    cert = _pki.issue_verifier(
        ca_key, ca_cert, key.public_key(), name=name, accreditation_no=number, nace_scope=scope
    )
    _pki.save_key(key, files.key, key_password)
    files.cert.write_bytes(_pki.pem(cert))
    files.chain.write_bytes(_pki.pem(ca_cert))
    return files


def accredit(
    home: Home,
    cert: x509.Certificate,
    ca_password: bytes,
    *,
    accreditation_no: str,
    nace: tuple[str, ...],
    until: dt.datetime,
    since: dt.datetime | None = None,
    name: str | None = None,
) -> bytes:
    """The accreditation body's signed statement (:mod:`ecocluster.signing._accreditation`) for a
    verifier certificate a trust service provider issued: number and scope validated as
    :func:`issue_verifier` validates them, signed with this home's accreditation CA key."""
    ca_key, ca_cert = _load_ca(home, ca_password)
    return _accreditation.issue(
        ca_key,
        ca_cert,
        cert,
        name=name,
        accreditation_no=accreditation_no,
        nace_scope=nace,
        valid_from=since,
        valid_until=until,
    )


def revoke(
    home: Home,
    cert: x509.Certificate,
    ca_password: bytes,
    *,
    reason: str = "key-compromise",
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Add ``cert`` to the CA's CRL with ``reason`` (a key of ``_pki.REASONS``) and, if given, the
    InvalidityDate ``since``; the CRL is reissued whole, keeping earlier entries and their reasons.
    The default reason is the one that invalidates the most (key compromise from the revocation on):
    a caller that does not say why gets the safe reading.

    A certificate already listed stays as it is, except that key compromise may be declared later
    for it (the entry is then replaced: the key compromise and its date are what matter)."""
    ca_key, ca_cert = _load_ca(home, ca_password)
    if not _pki.issued_by(cert, ca_cert):
        raise ConfigurationError(
            f"certificate {cert.subject.rfc4514_string()} was not issued by this CA "
            f"({ca_cert.subject.rfc4514_string()}); only its issuer can revoke it"
        )
    return _list_on_crl(
        home, ca_key, ca_cert, cert.serial_number, "certificate", "revoked", reason, since, now
    )


def withdraw_accreditation(
    home: Home,
    statement: bytes,
    ca_password: bytes,
    *,
    reason: str,
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Withdraw an accreditation statement this CA issued (``pki accredit``) before its validUntil:
    its serial goes on the CA's CRL like a revoked certificate's (:mod:`ecocluster.signing._accreditation`
    says why), with ``reason`` and the date ``since`` from which it no longer holds. Decisions
    attested before that date stay valid, later ones are refused (rule ``accreditation``)."""
    ca_key, ca_cert = _load_ca(home, ca_password)
    accreditation = _accreditation.signed_by_ca(statement, ca_cert)
    return _list_on_crl(
        home,
        ca_key,
        ca_cert,
        accreditation.serial,
        "accreditation statement",
        "withdrawn",
        reason,
        since,
        now,
    )


def _list_on_crl(
    home: Home,
    ca_key: _pki.PrivateKey,
    ca_cert: x509.Certificate,
    serial: int,
    what: str,
    done: str,
    reason: str,
    since: dt.datetime | None,
    now: dt.datetime | None,
) -> Path:
    """Reissue the CA's CRL with ``serial`` listed (see :func:`revoke` for what may change an entry)."""
    if reason not in _pki.REASONS:
        raise ConfigurationError(f"revocation reason {reason!r} is not one of {', '.join(_pki.REASONS)}")
    when = now or dt.datetime.now(dt.UTC)
    if since is not None and since > when:
        raise ConfigurationError(f"--since {since.isoformat()} is in the future; give a date up to now")
    crl_path = ca_dir(home) / "crl.pem"
    entries = {r.serial: r for r in _pki.revocations(_pki.load_crl(crl_path.read_bytes()))}
    listed = entries.get(serial)
    if listed is not None and not (reason == "key-compromise" != listed.reason):
        raise ConfigurationError(
            f"{what} {serial:x} is already {done} since "
            f"{listed.revoked_at.isoformat()} ({listed.reason}); only a later key "
            "compromise can change its entry"
        )
    entries[serial] = _pki.Revocation(serial, when, reason, since)
    crl_path.write_bytes(_pki.crl_pem(_pki.build_crl(ca_key, ca_cert, entries.values(), now=when)))
    return crl_path


def refresh_crl(home: Home, ca_password: bytes, *, now: dt.datetime | None = None) -> Path:
    """Reissue the CA's CRL unchanged but with a new nextUpdate: what the accreditation body runs
    before the current one goes stale (``ecocluster pki crl``)."""
    ca_key, ca_cert = _load_ca(home, ca_password)
    crl_path = ca_dir(home) / "crl.pem"
    entries = _pki.revocations(_pki.load_crl(crl_path.read_bytes()))
    crl_path.write_bytes(_pki.crl_pem(_pki.build_crl(ca_key, ca_cert, entries, now=now)))
    return crl_path


def trust_anchors(
    home: Home, *, cas: tuple[Path, ...] = (), crls: tuple[Path, ...] = (), tsa: tuple[Path, ...] = ()
) -> TrustAnchors:
    """The configured anchors, else this home's accreditation-body CA and CRL.

    ``cas``/``crls`` are what a reader passed (``--trust``/``--crl``) and replace the configuration:
    given CAs come with only the given CRLs (none given: revocation then fails closed per check);
    given CRLs alone replace the configured ones. The grace is always the home's configuration.
    ``tsa`` (``--tsa-trust``) replaces ``[signing] tsa_trust_anchors`` likewise.
    """
    config = home.config().signing
    grace = dt.timedelta(hours=config.crl_grace_hours)
    qtsp = tuple(Path(p) for p in config.qtsp_trust_anchors)
    if cas:
        given = with_tsa_anchors(trust_anchors_from(cas, crls, crl_grace=grace), tsa)
        return with_listed_qtsps(with_qtsp_anchors(given, qtsp), config)
    configured = tuple(Path(p) for p in config.trust_anchors)
    if not configured and not (ca_dir(home) / "ca.pem").exists():
        raise ConfigurationError(
            "no trust anchors: run `ecocluster pki init`, pass --trust CA.pem or set [signing] trust_anchors"
        )
    crls = crls or tuple(Path(p) for p in config.crls) or (ca_dir(home) / "crl.pem",)
    anchors = trust_anchors_from(configured or (ca_dir(home) / "ca.pem",), crls, crl_grace=grace)
    anchors = with_tsa_anchors(anchors, tsa or tuple(Path(p) for p in config.tsa_trust_anchors))
    return with_listed_qtsps(with_qtsp_anchors(anchors, qtsp), config)


def with_qtsp_anchors(anchors: TrustAnchors, files: tuple[Path, ...]) -> TrustAnchors:
    """Add the trust service providers' CAs (``[signing] qtsp_trust_anchors``: PEM files, each with
    the CA certificate and its current CRL); their verifier certificates count only with an
    accreditation statement (:mod:`ecocluster.signing._accreditation`)."""
    return _with_anchors(anchors, files, "qtsp", "QTSP trust anchor")


def with_listed_qtsps(anchors: TrustAnchors, config: SigningConfig) -> TrustAnchors:
    """With ``[signing] qtsp_from_trusted_list``: the CAs of the trusted list's CA/QC services join
    the QTSP CAs (those configured by hand already count as configured), each only while its
    service was granted, and the CRLs of ``qtsp_crls`` join the CRLs. The list is believed only
    once its signature verifies against ``trusted_list_signers``."""
    if not config.qtsp_from_trusted_list:
        return anchors
    from ecocluster.signing import _trusted_list  # pyHanko's trusted-list reader: only when asked

    listed = _trusted_list.from_config(config)
    if listed is None:  # SigningConfig refuses this already; kept so the type is narrowed honestly
        raise ConfigurationError("[signing] qtsp_from_trusted_list = true needs trusted_list")
    added = tuple(g for g in _trusted_list.granted_cas(listed) if g.certificate not in anchors.qtsp)
    return dataclasses.replace(
        anchors,
        qtsp=anchors.qtsp + tuple(g.certificate for g in added),
        listed=anchors.listed + added,
        crls=anchors.crls + _load_crls(tuple(Path(p) for p in config.qtsp_crls), "[signing] qtsp_crls"),
    )


def with_tsa_anchors(anchors: TrustAnchors, files: tuple[Path, ...]) -> TrustAnchors:
    """Add the CAs trusted for timestamp authorities: ``[signing] tsa_trust_anchors`` (or the reader's
    ``--tsa-trust``: PEM files, each with the CA certificate and its current CRL) and
    ``ECOCLUSTER_TSA_TRUST`` (one more such file; the tests' TSA). A TSA certified by the
    accreditation-body CA itself needs neither."""
    extra = os.environ.get("ECOCLUSTER_TSA_TRUST", "")
    return _with_anchors(anchors, files + ((Path(extra),) if extra else ()), "tsa", "TSA trust anchor")


def _with_anchors(anchors: TrustAnchors, files: tuple[Path, ...], kind: str, what: str) -> TrustAnchors:
    """``anchors`` with each file's CA certificates added to the ``kind`` field (``tsa``, ``qtsp``)
    and its CRL, if it holds one, to the CRLs."""
    for path in files:
        data = _read(path, what)
        crls = (_pki.load_crl(data),) if b"-----BEGIN X509 CRL-----" in data else ()
        certs = getattr(anchors, kind) + tuple(_pki.load_certs(data))
        anchors = dataclasses.replace(anchors, crls=anchors.crls + crls, **{kind: certs})
    return anchors


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as e:
        raise ConfigurationError(
            f"{what} {path} does not exist; check the path (nothing is skipped: a missing "
            "CA or CRL would weaken the check)"
        ) from e
    except IsADirectoryError as e:
        raise ConfigurationError(f"{what} {path} is a folder; give the PEM file") from e
    except OSError as e:
        raise ConfigurationError(f"{what} {path} cannot be read: {e.strerror}") from e


def trust_anchors_from(
    cas: tuple[Path, ...], crls: tuple[Path, ...] = (), *, crl_grace: dt.timedelta = dt.timedelta(0)
) -> TrustAnchors:
    """Anchors from files the verifying party chose; a missing or unreadable file is an error."""
    certs = [c for p in cas for c in _pki.load_certs(_read(p, "trust anchor"))]
    if not certs:
        raise ConfigurationError(
            "no trust anchors: run `ecocluster pki init`, pass --trust CA.pem or set [signing] trust_anchors"
        )
    return TrustAnchors(tuple(certs), _load_crls(crls, "CRL"), crl_grace)


def _load_crls(paths: tuple[Path, ...], what: str) -> tuple[x509.CertificateRevocationList, ...]:
    """Each file a CRL (PEM); a missing or unreadable one is an error naming ``what`` and the file."""
    loaded = []
    for path in paths:
        data = _read(path, what)
        try:
            loaded.append(_pki.load_crl(data))
        except ConfigurationError as e:
            raise ConfigurationError(f"{what} {path}: {e}") from e
    return tuple(loaded)


def _upgrade_demo_key(path: Path) -> None:
    """A DEMO key still under the old 4-character DEMO password gets :data:`DEMO_PASSWORD`."""
    try:
        _pki.load_key(path, DEMO_PASSWORD)
    except ConfigurationError:
        _pki.change_passphrase(path, _LEGACY_DEMO_PASSWORD, DEMO_PASSWORD)


def _crl_stale(home: Home) -> bool:
    """Whether this home's CRL is past its nextUpdate (a DEMO home reused after a month)."""
    crl = _pki.load_crl((ca_dir(home) / "crl.pem").read_bytes())
    return crl.next_update_utc is None or crl.next_update_utc < dt.datetime.now(dt.UTC)


# The NACE divisions of the bundled sample's members (transport 49, hotels 55, restaurants 56,
# public administration 84, parks 91, sports and recreation 93): the DEMO verifier signs them all.
DEMO_NACE = ("49", "55", "56", "84", "91", "93")


def demo_verifier(home: Home) -> KeyFiles:
    """DEMO accreditation body CA and DEMO verifier (NACE scope ``DEMO_NACE``) in ``home``, password
    ``demo``."""
    files = KeyFiles(home.root / "verifiers" / "DEMO-V-0001")
    if files.key.exists():
        for path in (ca_dir(home) / "ca.key", files.key):
            _upgrade_demo_key(path)
        if _crl_stale(home):
            refresh_crl(home, DEMO_PASSWORD)
        return files
    if not (ca_dir(home) / "ca.pem").exists():
        init_ca(home, "DEMO Accreditation Body (not for real use)", DEMO_PASSWORD)
    return issue_verifier(
        home,
        name="DEMO Verifier",
        accreditation_no="DEMO-V-0001",
        nace=DEMO_NACE,
        ca_password=DEMO_PASSWORD,
        key_password=DEMO_PASSWORD,
        out=files.folder,
    )
