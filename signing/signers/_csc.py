"""``csc:https://SERVICE?credential=ID``: a key held by a remote signing service (CSC API v1).

A qualified trust service provider keeps the verifier's key in its HSM and signs hashes on request
over the Cloud Signature Consortium API; only hashes go out and only signatures come back. The
access token comes from the :class:`Secrets` callback (``ECOCLUSTER_CSC_TOKEN`` or a prompt in the
CLI), never from the URI; plain ``http://`` is accepted for a service on this machine only, so a
token never crosses a network in clear. Every signature is authorised for its own hash (SCAL 2
hash pinning), which every CSC service accepts.

pyHanko's CSC client gives the request formats (:class:`CSCServiceSessionInfo`, the
``credentials/authorize`` and ``signatures/signHash`` bodies) and the credential value; the HTTP
calls are made here so that each failure becomes a named error (a refused token:
:class:`SignerCredentialsRefused`; an unknown or disabled credential: :class:`SignerUnavailable`; a
service out of reach or failing: :class:`SigningServiceUnavailable`, transient) and each answer, from
another party, is read once, size-limited, into validated values.
CSC API v2 is not spoken: the test service (certomancer-csc-dummy) implements v1 only, and an
untested protocol is refused by name rather than half-supported.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import aiohttp
from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.sign import signers as pdf_signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    base64_digest,
)

from ecocluster.core.errors import SignerCredentialsRefused, SignerUnavailable, SigningServiceUnavailable
from ecocluster.signing.signers._interface import (
    CSC_ACCESS_TOKEN,
    PdfBackedSigner,
    Secrets,
    SignerURI,
    run_sync,
)

API_VERSIONS = ("v1",)
MAX_ANSWER_BYTES = 1024 * 1024  # a credential's certificates and a signature fit in far less
INFO_TIMEOUT, SIGN_TIMEOUT = 30, 120  # seconds; signing may wait for the user's consent at the provider
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_SECRET_PARAMS = ("token", "access_token", "password", "pin", "pin-value", "otp", "sad")


def _service_url(uri: SignerURI) -> str:
    """The service's base URL (what precedes ``/csc/v1/``), refused when it would leak the token."""
    parts = urlsplit(uri.body)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SignerUnavailable(
            f"signer {uri.uri}: name the service's base URL and the credential, e.g. "
            "csc:https://signing.example.eu/csc-api?credential=ID"
        )
    if parts.username or parts.password:
        raise SignerUnavailable(
            f"signer {uri.uri}: the URL carries a user or password; secrets never go into "
            "the URI or the command line: set ECOCLUSTER_CSC_TOKEN instead"
        )
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise SignerUnavailable(
            f"signer {uri.uri}: plain http would send the access token in clear over the "
            "network; use the service's https:// URL (http is for a service on this machine)"
        )
    if parts.fragment:
        raise SignerUnavailable(f"signer {uri.uri}: a service URL has no #fragment")
    return uri.body.rstrip("/")


def _session_info(uri: SignerURI, secrets: Secrets) -> CSCServiceSessionInfo:
    uri.refuse_secrets(*_SECRET_PARAMS)
    url = _service_url(uri)
    credential = uri.get("credential")
    if not credential:
        raise SignerUnavailable(
            f"signer {uri.uri}: name the credential (the key at the service), "
            "e.g. ?credential=ID as the provider gave it"
        )
    api = uri.get("api", "v1")
    if api not in API_VERSIONS:
        raise SignerUnavailable(
            f"signer {uri.uri}: CSC API {api!r} is not supported, only "
            f"{', '.join(API_VERSIONS)}; most services also answer v1"
        )
    token = secrets(CSC_ACCESS_TOKEN, f"CSC signing service {urlsplit(url).hostname}").decode()
    return CSCServiceSessionInfo(url, credential, oauth_token=token, api_ver=api)


def _detail(raw: bytes) -> str:
    """The service's own words about a refusal (CSC error JSON), short and quoted: another party's text."""
    try:
        data = json.loads(raw)
        text = (
            f"{data.get('error', '')} {data.get('error_description', '')}".strip()
            if isinstance(data, dict)
            else ""
        )
    except ValueError:
        text = raw.decode("utf-8", "replace")
    return f": {text[:200]!r}" if text else ""


def _refusal(
    status: int, endpoint: str, raw: bytes, service: CSCServiceSessionInfo, source: str
) -> Exception:
    said = f"HTTP {status} on {endpoint}{_detail(raw)}"
    if status in (401, 403):
        return SignerCredentialsRefused(
            f"signer {source}: the signing service refused the access "
            f"token ({said}); set ECOCLUSTER_CSC_TOKEN to a "
            "current token of this service for this credential "
            "(tokens expire: get a new one from the provider)"
        )
    if status == 404:
        return SignerUnavailable(
            f"signer {source}: the signing service has no credential "
            f"{service.credential_id!r} ({said}); check credential= against what the "
            "provider issued"
        )
    if status in (408, 429) or status >= 500:
        return SigningServiceUnavailable(
            f"signer {source}: the signing service is unavailable ({said}); nothing "
            "was signed: run the command again later"
        )
    return SignerUnavailable(
        f"signer {source}: the signing service refused the request ({said}); nothing was "
        "signed: check the credential's state with the provider"
    )


async def _post(
    session: aiohttp.ClientSession,
    service: CSCServiceSessionInfo,
    endpoint: str,
    body: dict[str, object],
    source: str,
    timeout: float,
) -> dict[str, object]:
    """One CSC call; its JSON object answer, read within :data:`MAX_ANSWER_BYTES`, or a named error."""
    try:
        async with session.post(
            service.endpoint_url(endpoint),  # type: ignore[no-untyped-call]  # pyHanko's CSC session is untyped
            headers=service.auth_headers,
            json=body,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=False,
        ) as response:
            raw = await response.content.read(MAX_ANSWER_BYTES + 1)
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as e:
        raise SigningServiceUnavailable(
            f"signer {source}: cannot reach the signing service at "
            f"{service.service_url} ({type(e).__name__}: "
            f"{e or 'no answer'}); nothing was signed: check the URL, then run the command again"
        ) from e
    if status >= 300:
        raise _refusal(status, endpoint, raw, service, source)
    if len(raw) > MAX_ANSWER_BYTES:
        raise SignerUnavailable(
            f"signer {source}: the signing service's answer to {endpoint} exceeds "
            f"{MAX_ANSWER_BYTES:,} bytes; refused unread"
        )
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise SignerUnavailable(
            f"signer {source}: the signing service answered {endpoint} with no JSON"
        ) from e
    if not isinstance(data, dict):
        raise SignerUnavailable(
            f"signer {source}: the signing service answered {endpoint} with JSON that is not an object"
        )
    return data


def _b64(value: object, what: str, source: str) -> bytes:
    if not isinstance(value, str):
        raise SignerUnavailable(f"signer {source}: {what} is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as e:
        raise SignerUnavailable(f"signer {source}: {what} is not valid base64") from e


def _credential(answer: dict[str, object], service: CSCServiceSessionInfo, source: str) -> CSCCredentialInfo:
    """``credentials/info`` read once: the certificate first, then its chain; the key's algorithms,
    state, batch size and SCAL."""
    key, cert = answer.get("key"), answer.get("cert")
    certificates = cert.get("certificates") if isinstance(cert, dict) else None
    if not isinstance(key, dict) or not isinstance(certificates, list) or not certificates:
        raise SignerUnavailable(
            f"signer {source}: credential {service.credential_id!r} has no certificate at the "
            "signing service (credentials/info gave no key or cert.certificates)"
        )
    if answer.get("authMode", "implicit") != "implicit":
        raise SignerUnavailable(
            f"signer {source}: credential {service.credential_id!r} wants authMode "
            f"{str(answer.get('authMode'))[:40]!r} (a PIN, OTP or OAuth consent for each "
            "signature), which this signer does not support yet; ask the provider for an "
            "implicit-authorisation credential"
        )
    if key.get("status") != "enabled":
        raise SignerUnavailable(
            f"signer {source}: credential {service.credential_id!r} is "
            f"{str(key.get('status'))[:40]!r} at the signing service, not enabled; ask the provider"
        )
    try:
        ders = [_b64(c, "a certificate of credentials/info", source) for c in certificates]
        for der in ders:  # parsed whole now (asn1crypto is lazy), so a broken one is named here
            x509.load_der_x509_certificate(der)
        certs = [asn1_x509.Certificate.load(der) for der in ders]
        mechanisms = frozenset(algos.SignedDigestAlgorithmId(oid).native for oid in key.get("algo") or ())
        multisign, scal = int(str(answer.get("multisign", 1))), int(str(answer.get("SCAL", 1)))
    except (ValueError, TypeError) as e:
        raise SignerUnavailable(
            f"signer {source}: credentials/info of {service.credential_id!r} is malformed: {e}"
        ) from e
    return CSCCredentialInfo(certs[0], certs[1:], mechanisms, multisign, scal == 2, answer)


class _HashPinnedAuthorization(CSCAuthorizationManager):
    """``credentials/authorize`` for exactly the hashes about to be signed (SCAL 2)."""

    def __init__(
        self,
        service: CSCServiceSessionInfo,
        credential: CSCCredentialInfo,
        session: aiohttp.ClientSession,
        source: str,
    ) -> None:
        super().__init__(service, credential)
        self._session, self._source = session, source

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        body = self.format_csc_auth_request(hash_b64s=hash_b64s)
        answer = await _post(
            self._session, self.csc_session_info, "credentials/authorize", body, self._source, SIGN_TIMEOUT
        )
        try:
            return self.parse_csc_auth_response(answer)
        except SigningError as e:
            raise SignerUnavailable(
                f"signer {self._source}: credentials/authorize gave no usable SAD: {e}"
            ) from e


class RemoteSigner(pdf_signers.Signer):
    """The pyHanko signer of a CSC credential. pyHanko signs a PDF inside an event loop of its own,
    and an HTTP session belongs to one loop, so each signature opens its session in the loop that
    asks for it."""

    def __init__(self, service: CSCServiceSessionInfo, credential: CSCCredentialInfo, source: str) -> None:
        self._service, self._credential, self._source = service, credential, source
        super().__init__(signing_cert=credential.signing_cert, cert_registry=credential.as_cert_store())

    def __repr__(self) -> str:  # never the token
        return f"RemoteSigner({self._source!r})"

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(512)
        digest = base64_digest(data, digest_algorithm)
        async with aiohttp.ClientSession() as session:
            client = CSCSigner(
                session, _HashPinnedAuthorization(self._service, self._credential, session, self._source)
            )
            try:
                body = await client.format_csc_signing_req([digest], digest_algorithm)
            except SigningError as e:  # the credential's key cannot make this kind of signature
                raise SignerUnavailable(f"signer {self._source}: {e}") from e
            answer = await _post(
                session, self._service, "signatures/signHash", body, self._source, SIGN_TIMEOUT
            )
        signatures = answer.get("signatures")
        if not isinstance(signatures, list) or len(signatures) != 1:
            raise SignerUnavailable(
                f"signer {self._source}: signatures/signHash did not return exactly one "
                "signature for the one hash sent"
            )
        return _b64(signatures[0], "the signature from signatures/signHash", self._source)


async def _fetch_credential(service: CSCServiceSessionInfo, source: str) -> CSCCredentialInfo:
    async with aiohttp.ClientSession() as session:
        body: dict[str, object] = {
            "credentialID": service.credential_id,
            "certificates": "chain",
            "certInfo": False,
        }
        return _credential(
            await _post(session, service, "credentials/info", body, source, INFO_TIMEOUT), service, source
        )


@contextmanager
def open_service(uri: SignerURI, secrets: Secrets) -> Iterator[PdfBackedSigner]:
    """The credential's signer; its certificate and chain are fetched once, before anything is signed."""
    service = _session_info(uri, secrets)
    credential = run_sync(_fetch_credential(service, uri.uri))
    backend = RemoteSigner(service, credential, uri.uri)
    certs = [x509.load_der_x509_certificate(c.dump()) for c in (credential.signing_cert, *credential.chain)]
    yield PdfBackedSigner(certs[0], tuple(certs[1:]), backend, uri.uri)
