"""Tokens that a TSA's key really signed but that are built wrong: the check reads their structure
itself, so a valid signature over a bad structure is still a named refusal (issue 13), and the
variants RFC 3161 and RFC 5754 allow are still accepted.

The tokens are built here with asn1crypto and signed with a TSA key made for the test (no server:
the point is what goes into the token, which a real TSA would not produce on request). The
single-byte changes of a genuine token are in test_token_reading.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ecocluster.signing import _pki, _time, _tsa

SIGNATURE = b"an envelope signature"  # what the token stamps
NOW = dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.UTC)  # a fixed clock: the certificates cover 2020-2049
START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
HASHES["sha1"] = hashes.SHA1()  # noqa: S303 -- a weak digest the check must refuse


@dataclasses.dataclass(frozen=True)
class Tsa:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    ca: x509.Certificate
    other: x509.Certificate  # another certificate of the same CA, for a SignerInfo that names it


@pytest.fixture(scope="module")
def tsa() -> Tsa:
    ca_key, ca = _pki.create_ca("TEST Token Structure CA", now=START, years=30)
    key, other_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    cert, other = (
        _tsa.issue_tsa_certificate(ca_key, ca, k.public_key(), name=name, not_before=START, days=30 * 365)
        for k, name in ((key, "TEST Structure TSA"), (other_key, "TEST Other TSA"))
    )
    return Tsa(key, cert, ca, other)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _attribute(kind: str, value: Any) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": [value]})


def _usual_attributes(info: bytes, digest: str) -> list[cms.CMSAttribute]:
    return [
        _attribute("content_type", "tst_info"),
        _attribute("message_digest", hashlib.new(digest, info).digest()),
    ]


def token(
    tsa: Tsa,
    *,
    gen_time: bytes = b"20261203065900Z",
    imprint: str = "sha256",
    imprint_parameters: bool = True,
    digest: str = "sha256",
    attributes: Callable[[bytes, str], list[cms.CMSAttribute]] = _usual_attributes,
    content_type: str = "tst_info",
    certificates: bool = True,
    signer: x509.Certificate | None = None,
    carried_first: tuple[asn1_x509.Certificate, ...] = (),
) -> bytes:
    """A granted TimeStampResp over ``SIGNATURE``, signed by ``tsa.key`` whatever it says."""
    hash_algorithm = {"algorithm": imprint} | ({} if imprint_parameters else {"parameters": None})
    info = tsp.TSTInfo(
        {
            "version": "v1",
            "policy": "1.2.3.4",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm(hash_algorithm),
                "hashed_message": hashlib.new(imprint, SIGNATURE).digest(),
            },
            "serial_number": 7,
            "gen_time": core.GeneralizedTime.load(bytes([0x18, len(gen_time)]) + gen_time),
        }
    ).dump()
    named = signer or tsa.cert
    signer_info: dict[str, Any] = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": _asn1(named).issuer,
                    "serial_number": named.serial_number,
                }
            }
        ),
        "digest_algorithm": {"algorithm": digest},
        "signed_attrs": attributes(info, digest),
        "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
        "signature": b"",
    }
    signed = b"\x31" + cms.SignerInfo(signer_info)["signed_attrs"].dump()[1:]
    signer_info["signature"] = tsa.key.sign(signed, padding.PKCS1v15(), HASHES[digest])
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": digest}],
            "encap_content_info": {"content_type": content_type, "content": cms.ParsableOctetString(info)},
            "certificates": [*carried_first, _asn1(tsa.cert), _asn1(tsa.ca)] if certificates else None,
            "signer_infos": [signer_info],
        }
    )
    content = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    response: bytes = _time.Response({"status": {"status": "granted"}, "time_stamp_token": content}).dump()
    return response


def attest(tsa: Tsa, response: bytes) -> _time.AttestedTime:
    return _time.attest(response, (b"another signature", SIGNATURE), (tsa.ca,), now=NOW)


def test_a_well_built_token_attests_its_time_and_stamped_signature(tsa) -> None:
    got = attest(tsa, token(tsa))
    assert (got.time, got.stamped, got.tsa) == (
        dt.datetime(2026, 12, 3, 6, 59, tzinfo=dt.UTC),
        SIGNATURE,
        tsa.cert,
    )


@pytest.mark.parametrize("imprint", ["sha256", "sha384", "sha512"])
@pytest.mark.parametrize("parameters", [True, False], ids=["null-parameters", "absent-parameters"])
def test_each_allowed_digest_is_accepted_with_or_without_null_parameters(tsa, imprint, parameters) -> None:
    response = token(tsa, imprint=imprint, imprint_parameters=parameters, digest=imprint)
    assert attest(tsa, response).stamped == SIGNATURE


@pytest.mark.parametrize(
    ("gen_time", "expected"),
    [
        (b"20261203065900Z", dt.datetime(2026, 12, 3, 6, 59, tzinfo=dt.UTC)),
        (b"20261203065900.5Z", dt.datetime(2026, 12, 3, 6, 59, 0, 500000, tzinfo=dt.UTC)),
        (b"20261203065900.000001Z", dt.datetime(2026, 12, 3, 6, 59, 0, 1, tzinfo=dt.UTC)),
        (b"20261203065900.1234567Z", dt.datetime(2026, 12, 3, 6, 59, 0, 123456, tzinfo=dt.UTC)),
        (b"20240229235959Z", dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.UTC)),
    ],
)
def test_gen_time_is_read_as_rfc_3161_writes_it(tsa, gen_time, expected) -> None:
    assert attest(tsa, token(tsa, gen_time=gen_time)).time == expected


@pytest.mark.parametrize(
    "gen_time",
    [
        b"20261203065900",  # no Z: a local time, whose zone nobody knows
        b"20261203065900+0100",
        b"20261203065900.50Z",  # a trailing zero: not DER
        b"20261203065900.Z",
        b"202612030659Z",  # no seconds
        b"20261303065900Z",  # month 13
        b"20250229120000Z",  # not a leap year
        b"2026120306590aZ",
        b"\xd9\xa220261203065900Z",  # non-ASCII digits
    ],
)
def test_a_signed_token_with_a_gen_time_rfc_3161_forbids_is_refused(tsa, gen_time) -> None:
    with pytest.raises(_time.TimestampInvalid, match="genTime"):
        attest(tsa, token(tsa, gen_time=gen_time))


def _without(kind: str) -> Callable[[bytes, str], list[cms.CMSAttribute]]:
    return lambda info, digest: [a for a in _usual_attributes(info, digest) if a["type"].native != kind]


def _twice(kind: str) -> Callable[[bytes, str], list[cms.CMSAttribute]]:
    def attributes(info: bytes, digest: str) -> list[cms.CMSAttribute]:
        usual = _usual_attributes(info, digest)
        return usual + [a for a in usual if a["type"].native == kind]

    return attributes


@pytest.mark.parametrize(
    "attributes",
    [
        _without("content_type"),
        _without("message_digest"),
        _twice("content_type"),
        _twice("message_digest"),
        lambda info, digest: [_attribute("content_type", "data"), *_usual_attributes(info, digest)[1:]],
        lambda info, digest: [*_usual_attributes(info, digest)[:1], _attribute("message_digest", bytes(32))],
        lambda info, digest: [  # a digest over the TSTInfo, but by another algorithm than the signer's
            *_usual_attributes(info, digest)[:1],
            _attribute("message_digest", hashlib.sha512(info).digest()),
        ],
        lambda info, digest: [],
    ],
    ids=[
        "no-content-type",
        "no-message-digest",
        "content-type-twice",
        "message-digest-twice",
        "content-type-data",
        "digest-of-other-bytes",
        "digest-by-another-algorithm",
        "none",
    ],
)
def test_signed_attributes_that_do_not_bind_the_tst_info_are_refused(tsa, attributes) -> None:
    with pytest.raises(_time.TimestampInvalid, match="signed attributes"):
        attest(tsa, token(tsa, attributes=attributes))


def test_extra_signed_attributes_are_allowed(tsa) -> None:
    """RFC 3161 §2.4.2 asks for ESS signing-certificate; any other attribute may sit beside them."""

    def attributes(info: bytes, digest: str) -> list[cms.CMSAttribute]:
        return [*_usual_attributes(info, digest), _attribute("signing_time", cms.Time({"utc_time": NOW}))]

    assert attest(tsa, token(tsa, attributes=attributes)).stamped == SIGNATURE


@pytest.mark.parametrize(("part", "digest"), [("imprint", "sha1"), ("digest", "sha1"), ("imprint", "md5")])
def test_a_weak_digest_is_refused_by_name(tsa, part, digest) -> None:
    with pytest.raises(_time.TimestampInvalid, match="sha256"):
        attest(tsa, token(tsa, **{part: digest}))


def test_a_signed_data_around_other_content_is_refused(tsa) -> None:
    with pytest.raises(_time.TimestampInvalid, match="TSTInfo"):
        attest(tsa, token(tsa, content_type="data"))


def test_a_token_without_its_tsas_certificate_is_refused(tsa) -> None:
    with pytest.raises(_time.TimestampInvalid, match="does not carry the certificate"):
        attest(tsa, token(tsa, certificates=False))


def test_a_signer_named_after_another_certificate_is_refused_after_the_genuine_one_was_read(tsa) -> None:
    """The TSA certificate is remembered per (certificates, signer identifier): the same carried
    certificates naming another signer are looked up afresh, never answered from the genuine one."""
    attest(tsa, token(tsa))
    with pytest.raises(_time.TimestampInvalid, match="does not carry the certificate"):
        attest(tsa, token(tsa, signer=tsa.other))


def test_a_carried_certificate_with_a_serial_rfc_5280_forbids_is_refused_whatever_the_warning_filters(
    tsa,
) -> None:
    """cryptography only warns about a serial number that is not positive (later releases refuse it):
    the token is refused either way, not accepted where warnings are ignored."""
    negative = _asn1(tsa.other)
    negative["tbs_certificate"]["serial_number"] = -5
    response = token(tsa, carried_first=(asn1_x509.Certificate.load(negative.dump(force=True)),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(_time.TimestampInvalid, match="cannot be read"):
            attest(tsa, response)
