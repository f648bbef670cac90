"""Small EU trusted lists (ETSI TS 119 612) for the tests, built with lxml and XAdES-signed with signxml.

One trust service provider with one CA/QC service: the CA certificate given, a status, and the
qualifiers a real list uses (QCStatement, QCForESig or QCForESeal, QCWithQSCD) for certificates
with the nonRepudiation key usage, with the ForeSignatures or ForeSeals additional information.
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import SignatureMethod
from signxml.xades import XAdESSigner

TSL = "http://uri.etsi.org/02231/v2#"
SIE = "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#"
BASE = "http://uri.etsi.org/TrstSvc/TrustedList"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GRANTED, WITHDRAWN = f"{BASE}/Svcstatus/granted", f"{BASE}/Svcstatus/withdrawn"


def _el(
    tag: str, *children: etree._Element, ns: str = TSL, text: str | None = None, **attrs: str
) -> etree._Element:
    el = etree.Element(f"{{{ns}}}{tag}", {k.replace("_", ""): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    el.extend(children)
    return el


def _name(tag: str, text: str) -> etree._Element:
    name = _el("Name", text=text)
    name.set(LANG, "en")
    return _el(tag, name)


def scheme_operator(
    name: str = "DEMO trusted list scheme operator",
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The key and self-signed certificate that sign a list."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def trusted_list(
    ca: x509.Certificate,
    *,
    seals: bool = False,
    status: str = GRANTED,
    service: str = "DEMO QTSP qualified CA",
    since: str = "2020-01-01T00:00:00Z",
    history: tuple[tuple[str, str], ...] = (),
) -> etree._Element:
    """The unsigned list: one qualified CA service for signatures (or seals), in ``status`` from
    ``since``; ``history``: its earlier (status, starting time) entries, newest first."""
    purpose = "QCForESeal" if seals else "QCForESig"
    qualifiers = _el(
        "Qualifiers",
        *(
            _el("Qualifier", ns=SIE, uri=f"{BASE}/SvcInfoExt/{q}")
            for q in ("QCStatement", purpose, "QCWithQSCD")
        ),
        ns=SIE,
    )
    criteria = _el(
        "CriteriaList",
        _el("KeyUsage", _el("KeyUsageBit", ns=SIE, text="true", name="nonRepudiation"), ns=SIE),
        ns=SIE,
        assert_="atLeastOne",
    )
    uri = _el("URI", text=f"{BASE}/SvcInfoExt/{'ForeSeals' if seals else 'ForeSignatures'}")
    uri.set(LANG, "en")
    information = _el(
        "ServiceInformation",
        *_service(ca, service, status, since),
        _el(
            "ServiceInformationExtensions",
            _el(
                "Extension",
                _el("Qualifications", _el("QualificationElement", qualifiers, criteria, ns=SIE), ns=SIE),
                Critical="true",
            ),
            _el("Extension", _el("AdditionalServiceInformation", uri), Critical="true"),
        ),
    )
    provider = _el(
        "TrustServiceProvider",
        _el("TSPInformation", _name("TSPName", "DEMO QTSP")),
        _el("TSPServices", _el("TSPService", information, *_history(ca, service, history))),
    )
    scheme = _el(
        "SchemeInformation",
        _el("TSLVersionIdentifier", text="5"),
        _el("TSLSequenceNumber", text="1"),
        _el("TSLType", text=f"{BASE}/TSLType/EUgeneric"),
    )
    return _el(
        "TrustServiceStatusList",
        scheme,
        _el("TrustServiceProviderList", provider),
        Id="tsl",
        TSLTag="http://uri.etsi.org/19612/TSLTag",
    )


def _service(ca: x509.Certificate, service: str, status: str, since: str) -> list[etree._Element]:
    """What a CA/QC service's current information and each history entry say alike."""
    der = base64.b64encode(ca.public_bytes(serialization.Encoding.DER)).decode()
    return [
        _el("ServiceTypeIdentifier", text="http://uri.etsi.org/TrstSvc/Svctype/CA/QC"),
        _name("ServiceName", service),
        _el("ServiceDigitalIdentity", _el("DigitalId", _el("X509Certificate", text=der))),
        _el("ServiceStatus", text=status),
        _el("StatusStartingTime", text=since),
    ]


def _history(
    ca: x509.Certificate, service: str, entries: tuple[tuple[str, str], ...]
) -> list[etree._Element]:
    """A ServiceHistory element for ``entries`` (none: no element)."""
    if not entries:
        return []
    instances = (_el("ServiceHistoryInstance", *_service(ca, service, *entry)) for entry in entries)
    return [_el("ServiceHistory", *instances)]


def signed(tl: etree._Element, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> bytes:
    """The list XAdES-signed (enveloped), as the scheme operator publishes it."""
    signer = XAdESSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256)
    out = signer.sign(tl, key=key, cert=[cert.public_bytes(serialization.Encoding.PEM).decode()])
    return bytes(etree.tostring(out, encoding="utf-8"))
