"""Suspension or deletion that the registered organisation asks for itself.

EMAS lets an organisation leave the scheme or pause its registration (Regulation (EC) No 1221/2009,
Art. 15, as issue 18 cites it: the competent body suspends or deletes on the organisation's
request). Unlike the other request types, no verifier is involved, so the request cannot be
classified from a verifier-signed statement. Whose word counts is the body's decision, made
beforehand: it registers the certificates that may speak for an organisation (``body_requester``,
``ecocluster register requester``): in a cluster the coordinator's seal on behalf of its member,
as the coordinator delivers the member's packages, or the organisation's own certificate.

The request is a DSSE envelope over an in-toto Statement (:data:`REQUEST_TYPE`) naming the
organisation, its registration number, the request (suspension or deletion), the reason and the day
it was made; the signer's certificate travels in the predicate and must be one registered for that
organisation. It is delivered into the body's inbox as ``<name>.request.dsse.json`` and taken in
by ``ecocluster intake`` like a package: once per digest, with a signed receipt, a register change
in the monthly feed, and refused by a named rule otherwise:

* ``request-envelope``: not a bounded, strict, well-typed request;
* ``request-country``: addressed to another body;
* ``request-entry``: the organisation or the number is not in this register, or already deleted;
* ``request-state``: a suspension of a suspended entry;
* ``request-date``: dated in the future, or before the entry's last change (a request made before a
  renewal or a reinstatement is stale and is not replayed against the entry as it is now);
* ``requester``: the signature does not verify, or the certificate is not one registered for the
  organisation, or not valid on the request's day.

A suspension on request ends like the body's own: lifted by a new validated package (a renewal or
update), or, with an updated statement still overdue, deleted by ``register sweep`` after the
profile's ``overdue.deleteAfterDays``. The monthly feed records it as any suspension or deletion
(the feed's actions say what changed, not who asked).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import EcoclusterError
from ecocluster.signing import _dsse, _pki
from ecocluster.signing._offline import Check, Outcome
from ecocluster.signing._profiles import RequestType
from ecocluster.signing.signers import Signer

REQUEST_TYPE = "https://ecocluster.eu/emas/organisation-request/v1"
SUFFIX = ".request.dsse.json"
MAX_REQUEST_BYTES = 64 * 1024
MAX_REASON = 2000
REQUESTED = (RequestType.SUSPENSION, RequestType.DELETION)
_FIELDS = frozenset(
    {"request", "country", "member", "registrationNo", "cluster", "reason", "requestedOn", "cert"}
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
_NUMBER = re.compile(r"^[A-Z]{2}-\d{6}$")


class RequestRefused(EcoclusterError):
    """One rule the request broke (at intake, a FAIL check of the receipt)."""

    exit_code = 65  # EX_DATAERR

    def __init__(self, rule: str, message: str) -> None:
        self.rule, self.message = rule, message
        super().__init__(f"{rule}: {message}")


@dataclass(frozen=True)
class OrganisationRequest:
    """What the organisation asks, as signed."""

    request: RequestType
    country: str
    member_id: str
    registration_no: str
    cluster_id: str | None
    reason: str
    requested_on: dt.date


def statement(r: OrganisationRequest, cert: x509.Certificate) -> dict[str, object]:
    """The in-toto statement of a request: the same request and certificate give the same bytes."""
    return {
        "_type": _dsse.STATEMENT_TYPE,
        "subject": [{"name": r.registration_no, "digest": {}}],
        "predicateType": REQUEST_TYPE,
        "predicate": {
            "request": r.request.value,
            "country": r.country,
            "member": r.member_id,
            "registrationNo": r.registration_no,
            "cluster": r.cluster_id,
            "reason": r.reason,
            "requestedOn": r.requested_on.isoformat(),
            "cert": _pki.pem(cert).decode(),
        },
    }


def sign_request(r: OrganisationRequest, signer: Signer) -> bytes:
    """The request sealed by ``signer`` (``ecocluster register request``); nothing is recorded."""
    public_key = signer.certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise RequestRefused("requester", "the signer's key is not an ECDSA key")
    return _dsse.seal(statement(r, signer.certificate), signer.sign, public_key).to_json()


def _text(predicate: dict[str, object], key: str, pattern: re.Pattern[str] | None = None) -> str:
    value = predicate.get(key)
    if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
        raise RequestRefused("request-envelope", f"predicate {key} is missing or malformed: {value!r}")
    return value


def parse(data: bytes) -> tuple[OrganisationRequest, x509.Certificate, _dsse.Envelope]:
    """The request read once, strictly (rule ``request-envelope``); its signature is not yet judged."""
    if len(data) > MAX_REQUEST_BYTES:
        raise RequestRefused(
            "request-envelope", f"{len(data):,} bytes; a request is at most {MAX_REQUEST_BYTES:,}"
        )
    try:
        envelope = _dsse.Envelope.from_json(data)
        doc = envelope.statement()
    except (ValueError, UnicodeDecodeError) as e:
        raise RequestRefused(
            "request-envelope", f"not a DSSE envelope over an in-toto statement ({e})"
        ) from e
    predicate = doc.get("predicate")
    if doc.get("predicateType") != REQUEST_TYPE or not isinstance(predicate, dict):
        raise RequestRefused(
            "request-envelope", f"predicateType is {doc.get('predicateType')!r}, not {REQUEST_TYPE}"
        )
    if set(predicate) != _FIELDS:
        raise RequestRefused(
            "request-envelope", f"predicate fields are {sorted(predicate)}, expected {sorted(_FIELDS)}"
        )
    kinds = {r.value: r for r in REQUESTED}
    kind = _text(predicate, "request")
    if kind not in kinds:
        raise RequestRefused(
            "request-envelope", f"request is {kind!r}; an organisation asks for suspension or deletion"
        )
    cluster = predicate.get("cluster")
    if cluster is not None and (not isinstance(cluster, str) or not _ID.match(cluster)):
        raise RequestRefused("request-envelope", f"predicate cluster is malformed: {cluster!r}")
    reason = _text(predicate, "reason").strip()
    if not reason or len(reason) > MAX_REASON:
        raise RequestRefused("request-envelope", f"the reason must be 1 to {MAX_REASON} characters")
    try:
        requested_on = dt.date.fromisoformat(_text(predicate, "requestedOn"))
        cert = _pki.read_pem_certificate(_text(predicate, "cert").encode())
    except ValueError as e:
        raise RequestRefused("request-envelope", f"requestedOn or cert is malformed ({e})") from e
    request = OrganisationRequest(
        kinds[kind],
        _text(predicate, "country", re.compile(r"^[A-Z]{2}$")),
        _text(predicate, "member", _ID),
        _text(predicate, "registrationNo", _NUMBER),
        cluster,
        reason,
        requested_on,
    )
    return request, cert, envelope


def register_requester(
    con: duckdb.DuckDBPyConnection, country: str, member_id: str, cert: x509.Certificate, today: dt.date
) -> str:
    """The body registers ``cert`` as entitled to speak for ``member_id``; returns its SHA-256."""
    digest = _pki.fingerprint(cert)
    con.execute(
        "INSERT INTO body_requester VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [country, member_id, digest, _pki.pem(cert).decode(), cert.subject.rfc4514_string(), today],
    )
    return digest


def judge(
    con: duckdb.DuckDBPyConnection, country: str, data: bytes, today: dt.date
) -> tuple[OrganisationRequest | None, tuple[Check, ...]]:
    """Every rule for one request: the parsed request (None when unreadable) and its checks, the
    failing one last; a request whose checks all pass may be carried out."""
    try:
        request, cert, envelope = parse(data)
    except RequestRefused as e:
        return None, (Check(e.rule, Outcome.FAIL, e.message),)
    done: list[Check] = [
        Check("request-type", Outcome.PASS, f"{request.request.value} asked by the organisation")
    ]
    try:
        done.extend(_rules(con, country, request, cert, envelope, today))
    except RequestRefused as e:
        done.append(Check(e.rule, Outcome.FAIL, e.message))
    return request, tuple(done)


def _rules(
    con: duckdb.DuckDBPyConnection,
    country: str,
    r: OrganisationRequest,
    cert: x509.Certificate,
    envelope: _dsse.Envelope,
    today: dt.date,
) -> list[Check]:
    if r.country != country:
        raise RequestRefused("request-country", f"addressed to {r.country}'s competent body, not {country}'s")
    row = con.execute(
        "SELECT registration_no, status, greatest(coalesce(status_since, first_registered), last_renewed) "
        "FROM body_register WHERE country = ? AND member_id = ?",
        [country, r.member_id],
    ).fetchone()
    if row is None or row[0] != r.registration_no:
        held = "is not in the register" if row is None else f"is registered as {row[0]}"
        raise RequestRefused("request-entry", f"{r.member_id} {held}, the request names {r.registration_no}")
    if row[1] == "deleted":
        raise RequestRefused("request-entry", f"{r.registration_no} is already deleted from the register")
    if r.request is RequestType.SUSPENSION and row[1] == "suspended":
        raise RequestRefused(
            "request-state",
            f"{r.registration_no} is already suspended; ask for deletion or deliver a package",
        )
    if r.requested_on > today:
        raise RequestRefused("request-date", f"dated {r.requested_on}, after today {today}")
    if r.requested_on < row[2]:
        raise RequestRefused(
            "request-date",
            f"dated {r.requested_on}, before the entry's last change on {row[2]}: a request made before "
            "it is stale; sign a new one",
        )
    entitled = con.execute(
        "SELECT subject FROM body_requester WHERE country = ? AND member_id = ? AND cert_sha256 = ?",
        [country, r.member_id, _pki.fingerprint(cert)],
    ).fetchone()
    public_key = cert.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not _dsse.signed_by(envelope, public_key):
        raise RequestRefused(
            "requester", "the signature does not verify with the certificate the request carries"
        )
    if entitled is None:
        raise RequestRefused(
            "requester",
            f"{cert.subject.rfc4514_string()} is not registered to speak for {r.member_id}; the body "
            "registers it with `ecocluster register requester`",
        )
    day = dt.datetime.combine(r.requested_on, dt.time(12), tzinfo=dt.UTC)
    if not cert.not_valid_before_utc <= day <= cert.not_valid_after_utc:
        raise RequestRefused("requester", f"the certificate is not valid on {r.requested_on}")
    return [
        Check("requester", Outcome.PASS, f"signed by {entitled[0]}, registered for {r.member_id}"),
        Check("request-entry", Outcome.PASS, f"{r.registration_no} is {row[1]}; reason: {r.reason}"),
    ]
