"""Accreditation statements: the accreditation body vouches for a verifier whose certificate it did not issue.

With a qualified electronic signature (QES) the verifier's certificate comes from a qualified trust
service provider (QTSP), which knows nothing of EMAS accreditations; the demo's all-in-one CA puts
the accreditation number and NACE scope into the certificate it issues, a QTSP cannot. So the
accreditation body signs a statement instead: a DSSE envelope around an in-toto Statement whose
subject is the SHA-256 of the verifier's certificate (DER) and whose predicate
(``https://ecocluster.eu/emas/accreditation/v1``) gives the accredited name, accreditation number,
NACE scope and the period it holds. The verifier embeds it in every approval they sign
(``predicate.verifier.accreditation``), so it travels in the decision files, the inbox, the store
and the package, signed twice: by the accreditation body and, around it, by the verifier.

A reader believes it only when it is signed by an accreditation-body CA it configured itself
(``[signing] trust_anchors``), names exactly the certificate that signed, and holds at the attested
time of the signature (rule ``accreditation``); the certificate's own chain, validity and
revocation are still judged against its issuer (``[signing] qtsp_trust_anchors`` and its CRL), and
whether it is a QES against the EU trusted list.

An accreditation can end early (suspended or withdrawn by the body, EN ISO/IEC 17011 §7.11). Each
statement carries a serial number drawn, like a certificate's, from the body's CA serial space
(random, 159 bits), so the body withdraws it the way it revokes a certificate: ``ecocluster pki
withdraw STATEMENT --reason --since`` lists that serial on the CA's CRL with the reason and the date
it takes effect. Readers already hold that CRL, current (rule ``crl-freshness`` fails closed on a
stale one), so a withdrawal reaches every reader that can check a certificate, offline, with no new
list to distribute; and it is judged like a revocation, at the attested time: a decision attested
before the withdrawal took effect stays valid, one attested after is refused (rule
``accreditation``). RFC 5280 readers looking up certificates are unaffected by the extra serial.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import ApprovalRuleFailed, ConfigurationError
from ecocluster.signing import _dsse, _pki
from ecocluster.signing._approval import typed_statement

PREDICATE_TYPE = "https://ecocluster.eu/emas/accreditation/v1"
SUBJECT = "verifier-certificate.der"
RULE = "accreditation"


@dataclass(frozen=True)
class Accreditation:
    """A parsed, not yet verified accreditation statement."""

    envelope: _dsse.Envelope
    certificate_sha256: str
    name: str
    accreditation_no: str
    nace_scope: tuple[str, ...]
    valid_from: dt.datetime
    valid_until: dt.datetime
    serial: int  # in the issuing CA's certificate serial space: its CRL can withdraw the statement

    def identity(self, cert: x509.Certificate) -> _pki.VerifierIdentity:
        """The verifier as the statement accredits them, for ``cert`` (which it must name)."""
        return _pki.VerifierIdentity(
            name=self.name,
            accreditation_no=self.accreditation_no,
            nace_scope=self.nace_scope,
            fingerprint=_pki.fingerprint(cert),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )


def _refused(detail: str) -> ApprovalRuleFailed:
    return ApprovalRuleFailed(RULE, detail)


def issue(
    ca_key: _pki.PrivateKey,
    ca_cert: x509.Certificate,
    verifier_cert: x509.Certificate,
    *,
    name: str | None = None,
    accreditation_no: str,
    nace_scope: Sequence[str],
    valid_until: dt.datetime,
    valid_from: dt.datetime | None = None,
) -> bytes:
    """The accreditation body's signed statement (DSSE envelope JSON) for ``verifier_cert``.

    Number and scope are validated as ``pki issue-verifier`` validates them; the name defaults to
    the certificate's commonName. Raises :class:`ConfigurationError` for what the body mistyped."""
    start = valid_from or dt.datetime.now(dt.UTC)
    if valid_until <= start:
        raise ConfigurationError(
            f"the accreditation would end {valid_until.isoformat()}, before it starts {start.isoformat()}"
        )
    common_names = verifier_cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    who = name or (str(common_names[0].value) if common_names else "")
    if not who.strip():
        raise ConfigurationError(
            f"certificate {verifier_cert.subject.rfc4514_string()} has no commonName; give --name"
        )
    statement = {
        "_type": _dsse.STATEMENT_TYPE,
        "subject": [{"name": SUBJECT, "digest": {"sha256": _pki.fingerprint(verifier_cert)}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "name": who.strip(),
            "accreditationNo": _pki.valid_accreditation_no(accreditation_no),
            "naceScope": list(_pki.valid_nace_scope(nace_scope)),
            "validFrom": start.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "validUntil": valid_until.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "issuer": ca_cert.subject.rfc4514_string(),
            "serialNumber": format(x509.random_serial_number(), "x"),
        },
    }
    return _dsse.sign(statement, ca_key).to_json()


def parse(data: bytes) -> Accreditation:
    """Read a statement strictly (rule ``accreditation`` for anything that is not one)."""
    try:
        envelope, doc = typed_statement(data, PREDICATE_TYPE, "accreditation")
        subjects = doc.objects("subject")
        if len(subjects) != 1 or subjects[0].text("name") != SUBJECT:
            raise _dsse.MalformedEnvelope(f"the subject must be exactly one {SUBJECT!r}")
        p = doc.object("predicate")
        accreditation = Accreditation(
            envelope=envelope,
            certificate_sha256=subjects[0].object("digest").sha256("sha256"),
            name=p.text("name"),
            accreditation_no=_pki.normalise_accreditation_no(p.text("accreditationNo")),
            nace_scope=tuple(c.strip() for c in p.texts("naceScope")),
            valid_from=p.time("validFrom"),
            valid_until=p.time("validUntil"),
            serial=_serial(p.text("serialNumber")),
        )
    except _dsse.MalformedEnvelope as e:
        raise _refused(f"the accreditation statement is not well formed: {e}") from e
    try:
        _pki.valid_accreditation_no(accreditation.accreditation_no)
        _pki.valid_nace_scope(accreditation.nace_scope)
    except ConfigurationError as e:
        raise _refused(f"the accreditation statement is not one the body could issue: {e}") from e
    return accreditation


def _serial(text: str) -> int:
    """A positive serial of at most 20 octets in lowercase hex, as RFC 5280 §4.1.2.2 bounds a
    certificate's (the CRL that withdraws the statement lists it as one)."""
    if not _SERIAL.fullmatch(text) or int(text, 16) == 0:
        raise _dsse.MalformedEnvelope(
            f"predicate.serialNumber must be a positive serial of at most 40 hex digits, got {text[:60]!r}"
        )
    return int(text, 16)


_SERIAL = re.compile(r"[0-9a-f]{1,40}")


def claimed(data: bytes, cert: x509.Certificate) -> _pki.VerifierIdentity:
    """The signer's own reading (``ecocluster sign``): who the statement accredits, refused when it
    names another certificate; its signature is the reader's to judge (:func:`verify`)."""
    accreditation = parse(data)
    if accreditation.certificate_sha256 != _pki.fingerprint(cert):
        raise _refused(
            f"the accreditation statement is for certificate {accreditation.certificate_sha256[:16]}…, "
            f"the signer's is {_pki.fingerprint(cert)[:16]}…: ask the accreditation body for one "
            "for this certificate (`ecocluster pki accredit CERT`)"
        )
    return accreditation.identity(cert)


@dataclass(frozen=True)
class Accredited:
    """A statement that held at the attested time: who it accredits, and what the caller still
    checks on the issuing body's CRL (whether the statement was withdrawn, :data:`serial`)."""

    identity: _pki.VerifierIdentity
    issuer: x509.Certificate  # the accreditation-body CA that signed it
    serial: int
    accreditation_no: str


def verify(
    data: bytes, cert: x509.Certificate, anchors: Sequence[x509.Certificate], at: dt.datetime
) -> Accredited:
    """Rule accreditation: ``data`` is signed by one of ``anchors`` (the reader's accreditation-body
    CAs, valid at ``at``), names ``cert`` by its SHA-256 and holds at ``at`` (the attested time of
    the signature it vouches for). Whether the body withdrew it since is judged on that body's CRL
    by the caller, who holds the CRLs (``ecocluster.signing._verify.check_certificate``)."""
    accreditation = parse(data)
    signer = next(
        (
            ca
            for ca in anchors
            if isinstance(key := ca.public_key(), ec.EllipticCurvePublicKey)
            and _dsse.signed_by(accreditation.envelope, key)
        ),
        None,
    )
    if signer is None:
        raise _refused(
            "the accreditation statement is not signed by an accreditation body this reader trusts "
            "([signing] trust_anchors, --trust), or was changed after signing"
        )
    if not signer.not_valid_before_utc <= at <= signer.not_valid_after_utc:
        raise _refused(
            f"the accreditation body's certificate {signer.subject.rfc4514_string()} was not valid "
            f"at {at.isoformat()}"
        )
    identity = claimed(data, cert)
    if not accreditation.valid_from <= at <= accreditation.valid_until:
        raise _refused(
            f"accreditation {accreditation.accreditation_no} holds from "
            f"{accreditation.valid_from.isoformat()} to {accreditation.valid_until.isoformat()}, "
            f"not at the attested time {at.isoformat()}"
        )
    return Accredited(identity, signer, accreditation.serial, accreditation.accreditation_no)


def signed_by_ca(data: bytes, ca_cert: x509.Certificate) -> Accreditation:
    """The statement in ``data`` if ``ca_cert``'s key signed it (what only its issuer may withdraw),
    else :class:`ConfigurationError` (the body is running the command on the wrong file)."""
    try:
        accreditation = parse(data)
    except ApprovalRuleFailed as e:
        raise ConfigurationError(str(e)) from e
    key = ca_cert.public_key()
    if not (isinstance(key, ec.EllipticCurvePublicKey) and _dsse.signed_by(accreditation.envelope, key)):
        raise ConfigurationError(
            f"this accreditation statement was not signed by this CA ({ca_cert.subject.rfc4514_string()}); "
            "only the body that issued it can withdraw it"
        )
    return accreditation
