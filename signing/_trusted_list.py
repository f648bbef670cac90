"""EU trusted lists (ETSI TS 119 612): is a certificate qualified, for signatures (QES) or for seals?

A competent body may require that the verifier signed with a qualified electronic signature (a
qualified certificate for electronic signatures whose key is in a QSCD) and that an institution's
receipt carries a qualified seal. Whether a certificate is either is decided against an EU trusted
list snapshot that the operator refreshes: ``[signing] trusted_list = "PATH"`` with the scheme
operator's certificate(s) in ``[signing] trusted_list_signers = ["PEM", ...]``.

Nothing in a list is believed before its XAdES signature verifies against those certificates
(pyHanko's ``trust_list_to_registry``, through signxml, which refuses DTDs and entities); pyHanko's
``QualificationAssessor`` then combines the certificate's own QcStatements with the qualifiers of
the granted CA/QC service that issued it, as they stood at the given time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.qualified.assess import QualificationAssessor
from pyhanko.sign.validation.qualified.eutl_parse import trust_list_to_registry
from pyhanko.sign.validation.qualified.q_status import QcPrivateKeyManagementType
from pyhanko.sign.validation.qualified.tsp import CAServiceInformation, QcCertType, TSPRegistry
from pyhanko_certvalidator.authority import AuthorityWithCert, CertTrustAnchor
from pyhanko_certvalidator.path import ValidationPath

from ecocluster.core.config import IntakeConfig, SigningConfig
from ecocluster.core.errors import ConfigurationError
from ecocluster.signing import _pki
from ecocluster.signing._verify import GrantedCa

MAX_LIST_BYTES = 64 * 1024 * 1024  # the largest national lists are a few MB
QES, QUALIFIED_SEAL, NONE = "qes", "qualified-seal", "none"
_KIND = {
    QcCertType.QC_ESIGN: "electronic signatures",
    QcCertType.QC_ESEAL: "electronic seals",
    QcCertType.QC_WEB: "website authentication",
}


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Qualification:
    """What a trusted list says about one certificate at one time."""

    qualified: bool
    kind: str  # electronic signatures | electronic seals | website authentication
    on_qscd: bool  # the key is in a qualified signature/seal creation device (possibly managed on behalf)
    service: str | None  # the list's service that qualifies it

    @property
    def qes(self) -> bool:
        """A qualified electronic signature: a qualified certificate for signatures, key in a QSCD."""
        return self.qualified and self.kind == _KIND[QcCertType.QC_ESIGN] and self.on_qscd

    @property
    def qualified_seal(self) -> bool:
        """A qualified electronic seal: a qualified certificate for seals, key in a QSCD."""
        return self.qualified and self.kind == _KIND[QcCertType.QC_ESEAL] and self.on_qscd

    def __str__(self) -> str:
        if not self.qualified:
            return "not a qualified certificate under the trusted list"
        device = "key in a QSCD" if self.on_qscd else "key not declared in a QSCD"
        what = (
            "QES"
            if self.qes
            else "qualified seal"
            if self.qualified_seal
            else "qualified, but not a QES or seal"
        )
        return (
            f"{what}: qualified certificate for {self.kind}, {device}, "
            f"per trusted-list service {self.service!r}"
        )

    def unmet(self, requirement: str) -> str | None:
        """Why the requirement (``[intake] require``) is not met, or None when it is."""
        if requirement == QES and not self.qes:
            return f"a qualified electronic signature (QES) is required; the certificate is {self}"
        if requirement == QUALIFIED_SEAL and not self.qualified_seal:
            return f"a qualified electronic seal is required; the certificate is {self}"
        return None


@dataclass(frozen=True)
class TrustedList:
    """A trusted list whose signature verified: the qualified services it lists."""

    source: str
    registry: TSPRegistry = field(repr=False)
    skipped: int = 0  # services the list describes in a way pyHanko cannot read (not trusted, not fatal)

    def assess(
        self, cert: x509.Certificate, chain: Sequence[x509.Certificate], at: dt.datetime
    ) -> Qualification:
        """``cert``'s qualification at ``at`` (the attested signing time), through ``chain`` (its
        issuer first, up to a root); a certificate with no issuer given cannot be qualified."""
        if not chain:
            return Qualification(False, _KIND[QcCertType.QC_ESIGN], False, None)
        issuers = [_asn1(c) for c in chain]
        path = ValidationPath(CertTrustAnchor(issuers[-1]), list(reversed(issuers[:-1])), _asn1(cert))
        try:
            result = QualificationAssessor(self.registry).check_entity_cert_qualified(path, moment=at)
        except (NotImplementedError, ValueError) as e:  # e.g. a QcStatements extension with two QC types
            raise ConfigurationError(
                f"certificate {cert.subject.rfc4514_string()}: its qualification cannot be "
                f"assessed against {self.source}: {e}"
            ) from e
        status = result.status
        service = result.service_definition.base_info.service_name if result.service_definition else None
        on_qscd = status.qc_key_security is not QcPrivateKeyManagementType.UNKNOWN
        return Qualification(status.qualified, _KIND[status.qc_type], status.qualified and on_qscd, service)


def granted_cas(listed: TrustedList) -> tuple[GrantedCa, ...]:
    """The CAs of ``listed``'s CA/QC services, each with its granted periods (pyHanko registers a
    service only for the times its status, or an entry of its history, was ``granted``), in a
    stable order."""
    found = []
    for authority in listed.registry.known_certificate_authorities:
        if not isinstance(authority, AuthorityWithCert):
            continue
        services = [
            s
            for s in listed.registry.applicable_service_definitions(authority, None)
            if isinstance(s, CAServiceInformation)
        ]
        periods = tuple(
            sorted(
                ((_aware(s.base_info.valid_from), _aware_or_none(s.base_info.valid_until)) for s in services),
                key=lambda period: period[0],
            )
        )
        if periods:
            certificate = x509.load_der_x509_certificate(authority.certificate.dump())
            found.append(GrantedCa(certificate, periods, services[0].base_info.service_name))
    return tuple(sorted(found, key=lambda ca: ca.certificate.public_bytes(serialization.Encoding.DER)))


def _aware(when: dt.datetime) -> dt.datetime:
    """A list's dates are UTC (xsd:dateTime with Z); one without a zone is read as UTC."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _aware_or_none(when: dt.datetime | None) -> dt.datetime | None:
    return None if when is None else _aware(when)


def load(xml: bytes, signers: Sequence[x509.Certificate], source: str) -> TrustedList:
    """A trusted list, believed only once its XAdES signature verifies against ``signers`` (the
    scheme operator's certificates); anything else is a :class:`ConfigurationError` naming ``source``."""
    if len(xml) > MAX_LIST_BYTES:
        raise ConfigurationError(
            f"trusted list {source} has {len(xml):,} bytes, more than {MAX_LIST_BYTES:,}"
        )
    if not signers:
        raise ConfigurationError(
            f"trusted list {source}: no scheme operator certificate to check its signature "
            "with; set [signing] trusted_list_signers"
        )
    try:
        registry, skipped = trust_list_to_registry(xml.decode("utf-8"), [_asn1(c) for c in signers])
    except SignatureValidationError as e:
        raise ConfigurationError(
            f"trusted list {source}: its signature does not verify against the scheme "
            f"operator's certificate(s) ({e.failure_message}); fetch a fresh copy"
        ) from e
    except (
        UnicodeDecodeError,
        ValueError,
        SyntaxError,
        etree.LxmlError,
    ) as e:  # XMLSyntaxError is a SyntaxError
        raise ConfigurationError(
            f"trusted list {source} is not a readable ETSI TS 119 612 list: {type(e).__name__}: {e}"
        ) from e
    return TrustedList(source, registry, len(skipped))


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ConfigurationError(f"[signing] {what} {path}: {e.strerror}") from e


def from_config(config: SigningConfig) -> TrustedList | None:
    """The trusted list the ``[signing]`` section names, or None when it names none."""
    if config.trusted_list is None:
        return None
    signers = config.trusted_list_signers
    certs = [c for s in signers for c in _pki.load_certs(_read(Path(s), "trusted_list_signers"))]
    return load(_read(Path(config.trusted_list), "trusted_list"), certs, config.trusted_list)


@dataclass(frozen=True)
class QualificationPolicy:
    """What a reader of packages asks of the verifier's certificate: its qualification under
    ``trusted_list`` is always reported; ``require`` (``[intake] require``) may make it a condition."""

    trusted_list: TrustedList
    require: str = NONE

    @classmethod
    def from_config(
        cls, signing_config: SigningConfig, intake_config: IntakeConfig
    ) -> QualificationPolicy | None:
        """None when no list is configured and nothing is required; a requirement without a list
        is refused at once (a check that cannot be made must not pass every package, nor refuse it)."""
        required = intake_config.require
        tl = from_config(signing_config)
        if tl is None:
            if required != NONE:
                raise ConfigurationError(
                    f"[intake] require = {required!r} needs an EU trusted list to check "
                    "against: set [signing] trusted_list and trusted_list_signers"
                )
            return None
        return cls(tl, required)
