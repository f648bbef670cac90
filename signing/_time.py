"""Attested time: when a signature provably existed, and what a revocation means at that time.

An approval's ``signedAt`` is the signer's own claim and decides nothing. What decides is the
genTime of an RFC 3161 timestamp token over the envelope's signature, issued by a TSA whose
certificate chains to an anchor the verifying party configured. Certificate validity and
revocation are judged at that time:

* a revocation with a reason (RFC 5280 §5.3.1) takes effect at its ``InvalidityDate`` (§5.3.2)
  when the CRL entry has one and it is earlier, else at its revocation date;
* a revocation without a reason (or ``unspecified``) voids every signature: nobody said the key
  was sound before, so it fails closed (``ecocluster pki revoke`` without ``--reason``);
* so a signature timestamped before a revocation for cessation of operation, supersession or a
  changed affiliation stays valid, and a key compromise invalidates every signature timestamped
  from its invalidity date on (and only those: the timestamp proves the others existed before).

The token is checked here with ``cryptography`` (CMS signed attributes, the TSA's signature, its
certificate's usage, issuer and validity), not with pyHanko's generic CMS validator: that one took
~75 ms a token (a certificate path search and an event loop each time), which the approvals inbox
and ``intake`` pay for every decision; this takes a fraction of a millisecond. asn1crypto reads the
structure; the constants a token must carry (content types, digest algorithms, the content-type
attribute) are compared as the DER asn1crypto builds for them, which skips its OID-to-name lookups,
and genTime is read as RFC 3161 §2.4.2 writes it. The TSA certificate must be issued directly by a
configured anchor (no intermediate CAs).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import algos, cms, core, parser, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from ecocluster.signing._pki import Revocation, issued_by, read_der_certificate

CLOCK_SKEW = dt.timedelta(minutes=5)
_DIGESTS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


class Response(core.Sequence):
    """RFC 3161 TimeStampResp with the token optional, as the RFC has it (§2.4.2: present only when
    granted); asn1crypto's own ``tsp.TimeStampResp`` requires it, so a refusal would not parse."""

    _fields = [  # noqa: RUF012 -- asn1crypto's declaration style
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TimestampInvalid(ValueError):
    """The timestamp token is missing, malformed, over other bytes or from an untrusted TSA."""


@dataclass(frozen=True)
class AttestedTime:
    """A verified timestamp: ``time`` is when ``stamped`` provably existed, per ``tsa``."""

    time: dt.datetime
    tsa: x509.Certificate
    stamped: bytes  # the bytes whose digest the token carries (an envelope signature)


@dataclass(frozen=True)
class _Token:
    signed: cms.SignedData
    algorithm: str  # of the message imprint
    imprint: bytes
    time: dt.datetime  # genTime


# What the token must say where it says a constant is compared as DER, built by asn1crypto here:
# DER has one encoding per value, so equal bytes are equal values, and the comparison skips
# asn1crypto's OID-to-name lookups (a third of the token's check). A DigestAlgorithm may carry NULL
# parameters or none (RFC 5754 §2: both are seen).
_SIGNED_DATA = cms.ContentType("signed_data").dump()
_TST_INFO = cms.ContentType("tst_info").dump()
_DIGEST_ALGORITHMS = {
    algos.DigestAlgorithm(value).dump(): name
    for name in _DIGESTS
    for value in ({"algorithm": name}, {"algorithm": name, "parameters": None})
}
_CONTENT_TYPE_IS_TST_INFO = cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}).dump()
_CONTENT_TYPE = cms.CMSAttributeType("content_type").dump()
_MESSAGE_DIGEST = cms.CMSAttributeType("message_digest").dump()
_GENERALIZED_TIME = re.compile(rb"(\d{14})(?:\.(\d*[1-9]))?Z")  # RFC 3161 §2.4.2, DER


def _message_digest_attribute(digest: bytes) -> bytes:
    """The DER of the messageDigest attribute over ``digest`` (asn1crypto's encoding, remembered
    per digest length: only the digest's bytes differ)."""
    return _digest_attribute_prefix(len(digest)) + digest


@functools.lru_cache(maxsize=8)
def _digest_attribute_prefix(length: int) -> bytes:
    encoded: bytes = cms.CMSAttribute({"type": "message_digest", "values": [bytes(length)]}).dump()
    return encoded[:-length]


def _gen_time(value: core.GeneralizedTime) -> dt.datetime:
    """genTime as RFC 3161 §2.4.2 allows it: YYYYMMDDhhmmss[.f]Z, UTC, no trailing zero."""
    matched = _GENERALIZED_TIME.fullmatch(value.contents)
    if matched is None:
        raise TimestampInvalid(
            f"the token's genTime {value.contents[:40]!r} is not YYYYMMDDhhmmss[.f]Z (RFC 3161 §2.4.2)"
        )
    whole, fraction = (part.decode() if part else "" for part in matched.groups())
    written = f"{whole[:8]}T{whole[8:]}" + (f".{fraction[:6]}" if fraction else "") + "+00:00"
    try:
        return dt.datetime.fromisoformat(written)  # ISO 8601 basic format; finer than 1 µs is cut
    except ValueError as e:
        raise TimestampInvalid(f"the token's genTime {whole} is not a date and time ({e})") from e


def _token(response: bytes) -> _Token:
    """Parse once: a granted TimeStampResp around a SignedData around a TSTInfo."""
    try:
        resp = Response.load(response, strict=True)
        status = resp["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise TimestampInvalid(f"the TSA did not grant it (status {status})")
        token = resp["time_stamp_token"]
        if token["content_type"].dump() != _SIGNED_DATA:
            raise TimestampInvalid("the token is not a CMS SignedData")
        signed: cms.SignedData = token["content"]
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].dump() != _TST_INFO or isinstance(encapsulated["content"], core.Void):
            raise TimestampInvalid("the token does not carry a TSTInfo")
        info = tsp.TSTInfo.load(encapsulated["content"].contents, strict=True)
        imprint = info["message_imprint"]
        algorithm = _DIGEST_ALGORITHMS.get(imprint["hash_algorithm"].dump())
        if algorithm is None:
            raise TimestampInvalid("the token's imprint uses a digest other than sha256, sha384 or sha512")
        return _Token(signed, algorithm, imprint["hashed_message"].contents, _gen_time(info["gen_time"]))
    except TimestampInvalid:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise TimestampInvalid(f"not a readable RFC 3161 TimeStampResp ({e})") from e


def token_certificates(response: bytes) -> tuple[x509.Certificate, ...]:
    """The certificates a TSA put in its token (its own and its chain), unverified: what a signer
    embeds in the PDF's DSS so that others can validate the timestamps later."""
    return tuple(
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in _token(response).signed["certificates"] or ()
        if c.name == "certificate"
    )


def attest(
    response: bytes | None,
    candidates: Sequence[bytes],
    anchors: Sequence[x509.Certificate],
    *,
    now: dt.datetime,
) -> AttestedTime:
    """The attested time of one of ``candidates`` (say, an envelope's signatures), or
    :class:`TimestampInvalid`: the token must be intact, signed by a certificate with the
    timeStamping usage that chains to ``anchors`` and was valid at its genTime, carry the digest
    of a candidate, and not lie in the future. Revocation of the TSA certificate is the caller's
    (it holds the CRLs): see :func:`revocation_in_force`."""
    if not response:
        raise TimestampInvalid(
            "no RFC 3161 timestamp came with it (a .tsr file beside the envelope); "
            "sign again with a configured [signing] tsa_url"
        )
    token = _token(response)
    digest = _DIGESTS[token.algorithm]
    stamped = next((c for c in candidates if digest(c).digest() == token.imprint), None)
    if stamped is None:
        raise TimestampInvalid(
            f"the token stamps {token.imprint.hex()[:16]}…, which is not the digest of this "
            "envelope's signature by the presented certificate's key: it belongs to another "
            "signature or attests another signer"
        )
    when = token.time
    try:
        tsa = _tsa_certificate(token.signed)
        _check_signature(token.signed, tsa)
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # asn1crypto on a hostile structure
        if isinstance(e, TimestampInvalid):
            raise
        raise TimestampInvalid(f"the token's signature cannot be read: {e}") from e
    _check_tsa(tsa, anchors, when)
    if when > now + CLOCK_SKEW:
        raise TimestampInvalid(
            f"the token's time {when.isoformat()} is in the future (now {now.isoformat()})"
        )
    return AttestedTime(when.astimezone(dt.UTC), tsa, stamped)


def _tsa_certificate(signed: cms.SignedData) -> x509.Certificate:
    """The certificate the token's one SignerInfo names (issuer and serial, or key identifier)."""
    if len(signed["signer_infos"]) != 1:
        raise TimestampInvalid(f"the token has {len(signed['signer_infos'])} signers, expected one (its TSA)")
    return _named_certificate(signed["certificates"].dump(), signed["signer_infos"][0]["sid"].dump())


@functools.lru_cache(maxsize=64)
def _named_certificate(certificates: bytes, sid: bytes) -> x509.Certificate:
    """Of ``certificates`` (a token's CertificateSet, DER), the one ``sid`` (a SignerIdentifier)
    names. A pure function of the two: every token of a TSA carries the same ones and names the
    same signer, so it is answered once per TSA (a refusal raises and is not remembered)."""
    chosen = cms.SignerIdentifier.load(sid, strict=True)
    wanted = (
        (chosen.chosen["serial_number"].native, chosen.chosen["issuer"].dump())
        if chosen.name == "issuer_and_serial_number"
        else chosen.chosen.native
    )
    carried = cms.CertificateSet.load(certificates, strict=True, implicit=0) if certificates else ()
    for choice in carried:
        if choice.name != "certificate":
            continue
        try:
            cert = _carried(choice.chosen.dump())
        except Exception as e:  # asn1crypto or cryptography: InvalidVersion, UnsupportedAlgorithm …
            raise TimestampInvalid(f"the token carries a certificate that cannot be read: {e}") from e
        if wanted in (cert.issuer_and_serial, cert.key_identifier):
            return cert.certificate
    raise TimestampInvalid("the token does not carry the certificate of the TSA that signed it")


@dataclass(frozen=True)
class _Carried:
    """A certificate a token carries, read once: every token of a TSA carries the same ones."""

    certificate: x509.Certificate
    issuer_and_serial: tuple[int, bytes]  # as a SignerInfo names it (issuer DER: bytes compare fast)
    key_identifier: bytes | None


@functools.lru_cache(maxsize=256)
def _carried(der: bytes) -> _Carried:
    """Raises whatever asn1crypto or cryptography raise on a certificate they cannot read (never
    remembered: lru_cache keeps only answers). cryptography reads some fields lazily, so they are read
    here, and a damaged certificate fails now (a refusal) rather than later, while another rule or a
    refusal message reads it. What cryptography only warns about (a serial number that is not
    positive, which RFC 5280 forbids and its later releases refuse) is refused here already, so a
    token is judged the same whatever the process's warning filters say."""
    parsed = asn1_x509.Certificate.load(der)
    certificate = read_der_certificate(der)
    certificate.public_key()
    _ = (certificate.subject, certificate.issuer, certificate.extensions)
    _ = (certificate.signature_hash_algorithm, certificate.not_valid_before_utc)
    _ = certificate.not_valid_after_utc
    return _Carried(certificate, (parsed.serial_number, parsed.issuer.dump()), parsed.key_identifier)


def _signed_attributes(der: bytes) -> list[tuple[bytes, bytes]]:
    """Each attribute in the SignerInfo's signed attributes (their SET's contents, ``der``) as
    (its contents, its whole DER), split by asn1crypto's own tag-length reader: an attribute's
    contents start with its type, the OID's DER."""
    attributes, at = [], 0
    while at < len(der):
        _class, _method, _tag, header, contents, trailer = parser.parse(der[at:])
        whole = der[at : at + len(header) + len(contents) + len(trailer)]
        attributes.append((contents, whole))
        at += len(whole)
    return attributes


def _check_signature(signed: cms.SignedData, tsa: x509.Certificate) -> None:
    """CMS (RFC 5652 §5.4): the signed attributes say content type TSTInfo and carry the digest of
    the TSTInfo, once each; the TSA's key signed those attributes (DER SET OF)."""
    signer = signed["signer_infos"][0]
    algorithm = _DIGEST_ALGORITHMS.get(signer["digest_algorithm"].dump())
    attributes = signer["signed_attrs"]
    if algorithm is None or not attributes.contents:
        raise TimestampInvalid(
            "the token is signed with a digest other than sha256/384/512 or without signed attributes, "
            "expected sha256/384/512 over signed attributes"
        )
    content = bytes(signed["encap_content_info"]["content"].contents)
    each = _signed_attributes(attributes.contents)
    content_types = [whole for contents, whole in each if contents.startswith(_CONTENT_TYPE)]
    digests = [whole for contents, whole in each if contents.startswith(_MESSAGE_DIGEST)]
    if content_types != [_CONTENT_TYPE_IS_TST_INFO] or digests != [
        _message_digest_attribute(_DIGESTS[algorithm](content).digest())
    ]:
        raise TimestampInvalid("the token's signed attributes do not match its TSTInfo: it was altered")
    data = b"\x31" + attributes.dump()[1:]  # [0] IMPLICIT on the wire, SET OF when signed
    hash_algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[
        algorithm
    ]
    signature = signer["signature"].contents
    key = tsa.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            raise TimestampInvalid(f"the TSA key is {type(key).__name__}, expected RSA or ECDSA")
    except InvalidSignature as e:
        raise TimestampInvalid(
            "the token's signature does not verify: it was altered or not signed by its TSA"
        ) from e


def _check_tsa(tsa: x509.Certificate, anchors: Sequence[x509.Certificate], when: dt.datetime) -> None:
    """The TSA certificate: timeStamping usage, issued by a configured anchor, valid at genTime."""
    try:
        usage = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError):
        usage = None
    if usage is None or ExtendedKeyUsageOID.TIME_STAMPING not in usage:
        raise TimestampInvalid(
            f"{tsa.subject.rfc4514_string()} is not a timestamp authority: its certificate lacks the "
            "timeStamping usage"
        )
    if not any(issued_by(tsa, anchor) for anchor in anchors):
        raise TimestampInvalid(
            f"the TSA {tsa.subject.rfc4514_string()} (issuer {tsa.issuer.rfc4514_string()}) is not "
            "certified by a trusted CA; configure its CA in [signing] tsa_trust_anchors"
        )
    if not tsa.not_valid_before_utc <= when <= tsa.not_valid_after_utc:
        raise TimestampInvalid(
            f"the TSA certificate of {tsa.subject.rfc4514_string()} was not valid at the token's time "
            f"{when.isoformat()}"
        )


def revocation_in_force(entry: Revocation, at: dt.datetime) -> str | None:
    """Why ``entry`` (a CRL entry as :func:`ecocluster.signing._pki.revocation_of` reads it) makes a signature
    attested at ``at`` invalid, or None when the signature provably existed before the revocation
    took effect (see the module docstring)."""
    if entry.reason == "unspecified":
        return (
            f"revoked on {entry.revoked_at.isoformat()} without a reason, which voids every signature (the "
            "accreditation body did not say the key was sound before that date); ask it to reissue the CRL "
            "with the reason (`ecocluster pki revoke --reason`) and, for a key compromise, --since"
        )
    effective = min(entry.revoked_at, entry.invalid_since) if entry.invalid_since else entry.revoked_at
    if at < effective:
        return None
    return (
        f"revoked ({entry.reason}) with effect from "
        f"{effective.isoformat()}, and the signature is attested at "
        f"{at.isoformat()}, after that"
    )
