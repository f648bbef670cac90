"""An RFC 3161 timestamp authority and its client: the clock that no signer controls.

A signer's own ``signedAt`` proves nothing (a key of an expired certificate can write any date), so
every approval and every validated PDF carries a timestamp token from a TSA, and certificate
validity and revocation are judged at that attested time (:mod:`ecocluster.signing._time`).

The authority here serves the demo and the tests on 127.0.0.1, inside the demo accreditation PKI:
its certificate is issued by the accreditation-body CA with the critical ``timeStamping`` extended
key usage, so a verifier certificate (``emailProtection``) can never pass for a TSA. It answers
with pyHanko's own TSA implementation (:class:`pyhanko.sign.timestamps.dummy_client.DummyTimeStamper`,
RSA only, hence the RSA key). A production deployment points ``[signing] tsa_url`` at a
(qualified) TSA instead and lists its CA in ``[signing] tsa_trust_anchors``.

Layout: ``<home>/pki/tsa/{key.pem,cert.pem}``; the key's password comes from
``ECOCLUSTER_TSA_PASSWORD`` (the demo uses ``demo``). Run it as
``python -m ecocluster.signing._tsa --home HOME [--port 0]``: it prints ``TSA listening on URL`` and serves
until stopped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import algos, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecocluster.core.errors import ConfigurationError, TransientError
from ecocluster.core.home import Home
from ecocluster.signing import _pki
from ecocluster.signing._time import Response

if TYPE_CHECKING:  # requests loads only when a signature is timestamped
    from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

MAX_REQUEST = 16 * 1024  # a TimeStampReq is ~100 bytes; anything larger is not one
TIMEOUT_SECONDS = 20
REQUEST_TYPE, REPLY_TYPE = "application/timestamp-query", "application/timestamp-reply"


class TimestampUnavailable(TransientError):
    """The timestamp authority could not be reached or refused the request: sign again later."""


@dataclass(frozen=True)
class TsaFiles:
    """Where the TSA keeps its key and certificate (``<home>/pki/tsa``)."""

    folder: Path

    @property
    def key(self) -> Path:
        return self.folder / "key.pem"

    @property
    def cert(self) -> Path:
        return self.folder / "cert.pem"


def tsa_dir(home: Home) -> Path:
    return home.root / "pki" / "tsa"


def issue_tsa_certificate(
    ca_key: _pki.PrivateKey,
    ca_cert: x509.Certificate,
    public_key: rsa.RSAPublicKey,
    *,
    name: str,
    not_before: dt.datetime | None = None,
    days: int = 10 * 365,
) -> x509.Certificate:
    """A TSA certificate: critical ``timeStamping`` EKU (RFC 3161 §2.3), signing only."""
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    not_after = min(start + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
    return (
        _pki.signing_leaf(ca_key, ca_cert, subject, public_key, start=start, not_after=not_after)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )


def create_tsa(
    ca_key: _pki.PrivateKey,
    ca_cert: x509.Certificate,
    files: TsaFiles,
    password: bytes,
    *,
    name: str = "DEMO Timestamp Authority (not for real use)",
) -> x509.Certificate:
    """A TSA key (encrypted, 0600) and its certificate from the accreditation-body CA in ``files``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    cert = issue_tsa_certificate(ca_key, ca_cert, key.public_key(), name=name)
    # like every key here: PBKDF2 at OWASP strength, 0600, never overwritten (save_key serialises any key)
    _pki.save_key(key, files.key, password)
    files.cert.write_bytes(_pki.pem(cert) + _pki.pem(ca_cert))
    return cert


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class Authority:
    """Answers TimeStampReq DER with TimeStampResp DER, signed by the TSA key (held in memory)."""

    def __init__(
        self, key: rsa.RSAPrivateKey, cert: x509.Certificate, chain: tuple[x509.Certificate, ...]
    ) -> None:
        pkcs8 = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.cert = cert
        self._stamper = DummyTimeStamper(
            tsa_cert=_asn1(cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
            certs_to_embed=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
        )
        self._lock = threading.Lock()

    @classmethod
    def load(cls, files: TsaFiles, password: bytes) -> Authority:
        try:
            key = serialization.load_pem_private_key(files.key.read_bytes(), password=password)
        except (OSError, ValueError, TypeError) as e:
            raise ConfigurationError(
                f"{files.key}: cannot open the TSA key (wrong ECOCLUSTER_TSA_PASSWORD?): {e}"
            ) from e
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigurationError(f"{files.key}: expected an RSA key (pyHanko's TSA signs with RSA)")
        cert, *chain = _pki.load_certs(files.cert.read_bytes())
        return cls(key, cert, tuple(chain))

    def respond(self, request: bytes) -> bytes:
        """The TimeStampResp for ``request``; a malformed request gets a ``rejection`` response."""
        try:
            req = tsp.TimeStampReq.load(request, strict=True)
            req.native  # noqa: B018 -- asn1crypto parses lazily: force the whole structure now
            if req["message_imprint"]["hash_algorithm"]["algorithm"].native not in (
                "sha256",
                "sha384",
                "sha512",
            ):
                raise ValueError("unsupported hash algorithm")
        except (ValueError, TypeError, KeyError) as e:
            status = tsp.PKIStatusInfo(
                {
                    "status": "rejection",
                    "status_string": [f"bad request: {e}"[:200]],
                    "fail_info": tsp.PKIFailureInfo({"bad_request"}),
                }
            )
            return Response({"status": status}).dump()
        with self._lock:  # the stamper is not documented as thread-safe
            return self._stamper.request_tsa_response(req).dump()


def serve(authority: Authority, host: str = "127.0.0.1", port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``authority`` (RFC 3161 §3.4, POST only), not yet serving: call
    ``serve_forever`` (in a thread for tests) and ``shutdown`` to stop."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get_content_type() != REQUEST_TYPE or not 0 < length <= MAX_REQUEST:
                self.send_error(400, f"expected a {REQUEST_TYPE} body of at most {MAX_REQUEST} bytes")
                return
            body = authority.respond(self.rfile.read(length))
            self.send_response(200)
            self.send_header("Content-Type", REPLY_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return http.server.ThreadingHTTPServer((host, port), Handler)


def url_of(server: http.server.ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"


def request(url: str, data: bytes) -> bytes:
    """A TimeStampResp (DER) over SHA-256(``data``) from the TSA at ``url``: status granted, the
    imprint and nonce of this request; raises :class:`TimestampUnavailable` otherwise."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    imprint = digest.finalize()
    nonce = secrets.randbits(63)
    req = tsp.TimeStampReq(
        {
            "version": 1,
            "nonce": nonce,
            "cert_req": True,
            "message_imprint": tsp.MessageImprint(
                {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "hashed_message": imprint}
            ),
        }
    )
    post = urllib.request.Request(url, data=req.dump(), method="POST", headers={"Content-Type": REQUEST_TYPE})
    try:
        with urllib.request.urlopen(post, timeout=TIMEOUT_SECONDS) as answer:
            body: bytes = answer.read(1024 * 1024)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise TimestampUnavailable(
            f"timestamp authority {url} unreachable: {e}; check [signing] tsa_url and "
            "that the TSA runs, then sign again"
        ) from e
    try:
        resp = Response.load(body, strict=True)
        status = resp["status"]
        if status["status"].native not in ("granted", "granted_with_mods"):
            raise TimestampUnavailable(f"timestamp authority {url} refused the request: {status.native}")
        info = resp["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        ours = info["nonce"].native == nonce and info["message_imprint"]["hashed_message"].native == imprint
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise TimestampUnavailable(
            f"timestamp authority {url} answered something that is not a TimeStampResp: {e}"
        ) from e
    if not ours:
        raise TimestampUnavailable(
            f"timestamp authority {url} answered with another nonce or imprint than asked"
        )
    return body


def timestamper(url: str) -> HTTPTimeStamper:
    """A pyHanko timestamper for the PDF signature and document timestamps (same TSA)."""
    from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=TIMEOUT_SECONDS)


def tsa_url(home: Home) -> str:
    """``[signing] tsa_url``, else ``ECOCLUSTER_TSA_URL``; an approval cannot be signed without one."""
    url = home.config().signing.tsa_url or os.environ.get("ECOCLUSTER_TSA_URL", "")
    if not url:
        raise ConfigurationError(
            "no timestamp authority: set [signing] tsa_url in ecocluster.toml (or "
            "ECOCLUSTER_TSA_URL); every approval needs an RFC 3161 timestamp"
        )
    return url


def default_tsa_url() -> str:
    url = os.environ.get("ECOCLUSTER_TSA_URL", "")
    if not url:
        raise ConfigurationError(
            "no timestamp authority: pass tsa_url, set [signing] tsa_url or "
            "ECOCLUSTER_TSA_URL; every approval needs an RFC 3161 timestamp"
        )
    return url


def demo_tsa(home: Home, ca_password: bytes) -> TsaFiles:
    """This home's TSA, certified by its accreditation-body CA, created on first use (the demo's)."""
    from ecocluster.signing._keys import ca_dir

    files = TsaFiles(tsa_dir(home))
    if not files.key.exists():
        ca = ca_dir(home)
        create_tsa(
            _pki.load_key(ca / "ca.key", ca_password),
            _pki.load_certs((ca / "ca.pem").read_bytes())[0],
            files,
            ca_password,
        )
    return files


@contextmanager
def running(home: Home, password: bytes) -> Iterator[str]:
    """Serve this home's TSA from a subprocess on a free loopback port; yields its URL and stops it
    on leaving (what ``ecocluster demo`` uses, so the demo stays offline)."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "ecocluster.signing._tsa", "--home", str(home.root)],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=os.environ | {"ECOCLUSTER_TSA_PASSWORD": password.decode()},
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            if not line.startswith(_LISTENING):
                process.wait(timeout=TIMEOUT_SECONDS)
                errors.seek(0)
                raise ConfigurationError(
                    f"the timestamp authority of {home.root} did not start: "
                    f"{errors.read().decode(errors='replace')[-2000:] or line}"
                )
            yield line.removeprefix(_LISTENING)
        finally:
            process.terminate()
            try:
                process.wait(timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


_LISTENING = "TSA listening on "


def main(argv: list[str] | None = None) -> int:
    """``python -m ecocluster.signing._tsa --home HOME``: serve this home's TSA until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    args = parser.parse_args(argv)
    password = os.environ.get("ECOCLUSTER_TSA_PASSWORD", "").encode()
    if not password:
        print("set ECOCLUSTER_TSA_PASSWORD to the TSA key's password", file=sys.stderr)
        return 78
    authority = Authority.load(TsaFiles(tsa_dir(Home.resolve(args.home))), password)
    server = serve(authority, args.host, args.port)
    print(f"{_LISTENING}{url_of(server)}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
