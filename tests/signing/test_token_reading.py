"""A hostile RFC 3161 token: every single changed byte, truncation or trailing byte is a refusal
under rule ``timestamp`` (``TimestampInvalid``) or attests exactly what the genuine token attests,
never an exception that escapes verification (issue 13: "no outcome other than accept or a named
refusal"). Found by flipping every byte: a damaged certificate the token carries used to escape as
cryptography's ``InvalidVersion``/``UnsupportedAlgorithm``."""

from __future__ import annotations

import datetime as dt
import random
import warnings

import pytest

from ecocluster.signing import _dsse, _time
from ecocluster.signing._approval import sign_approval
from tests.fixtures_tsa import stamp
from tests.signing.test_approval_rules import DRAFT


@pytest.fixture
def stamped(pki) -> tuple[bytes, bytes]:
    """(the envelope's signature, the session TSA's TimeStampResp over it)."""
    envelope = sign_approval(DRAFT, pki.verifier.key, pki.verifier.cert)
    return _dsse.Envelope.from_json(envelope).signatures[0][1], stamp(envelope)


def _attests(got: _time.AttestedTime) -> tuple[dt.datetime, bytes, bytes, bytes]:
    """What a token attests: the time, the stamped signature, and the TSA certificate as its issuer
    signed it (its to-be-signed part and that signature). A changed byte in the unsigned outer
    encoding of a carried certificate (e.g. the BIT STRING's unused-bits octet over the same
    signature bytes) yields another DER of the same signed certificate, which attests the same."""
    return got.time, got.stamped, got.tsa.tbs_certificate_bytes, got.tsa.signature


def test_no_single_changed_byte_makes_a_token_attest_anything_else(pki, stamped) -> None:
    """Each byte in turn, flipped: refused by name, or (in parts nobody signs, such as the CA
    certificate the TSA adds) the very same attested time, TSA and stamped signature."""
    signature, response = stamped
    anchors = pki.trust().cas + pki.trust().tsa
    now = dt.datetime.now(dt.UTC)
    genuine = _attests(_time.attest(response, (signature,), anchors, now=now))
    refused = 0
    for at in range(len(response)):
        changed = response[:at] + bytes([response[at] ^ 0x01]) + response[at + 1 :]
        try:
            got = _time.attest(changed, (signature,), anchors, now=now)
        except _time.TimestampInvalid:
            refused += 1
        else:
            assert _attests(got) == genuine, (at, response[max(0, at - 12) : at + 12].hex())
    assert refused > len(response) // 2  # the signed TSTInfo, signed attributes, signature, TSA certificate


def test_a_truncated_or_extended_token_is_refused(pki, stamped) -> None:
    signature, response = stamped
    anchors = pki.trust().cas + pki.trust().tsa
    now = dt.datetime.now(dt.UTC)
    for changed in [response[:n] for n in range(0, len(response), 7)] + [response + b"\x00"]:
        with pytest.raises(_time.TimestampInvalid):
            _time.attest(changed, (signature,), anchors, now=now)


def _mutated(response: bytes, rng: random.Random) -> bytes:
    """One to four random edits: a byte replaced, a run deleted or a run inserted."""
    changed = bytearray(response)
    for _ in range(rng.randint(1, 4)):
        at, choice = rng.randrange(len(changed)), rng.random()
        if choice < 0.5:
            changed[at] = rng.randrange(256)
        elif choice < 0.75:
            del changed[at : at + rng.randint(1, 8)]
        else:
            changed[at:at] = rng.randbytes(rng.randint(1, 8))
    return bytes(changed)


def test_random_multi_byte_edits_are_refused_by_name_whatever_the_warning_filters(pki, stamped) -> None:
    """Seeded random edits, the fuzzing of session 8 kept as a test: each is a ``timestamp`` refusal
    or attests exactly what the genuine token attests, never another exception, with warnings
    ignored as in production. (That fuzzing also surfaced a carried certificate with a serial number
    RFC 5280 forbids; test_token_structure.py pins that case.)"""
    signature, response = stamped
    anchors = pki.trust().cas + pki.trust().tsa
    now = dt.datetime.now(dt.UTC)
    genuine = _attests(_time.attest(response, (signature,), anchors, now=now))
    rng = random.Random(2026)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in range(3000):
            changed = _mutated(response, rng)
            try:
                got = _time.attest(changed, (signature,), anchors, now=now)
            except _time.TimestampInvalid:
                continue
            assert _attests(got) == genuine, (n, changed.hex())
