"""The strict JSON reader's fast path (orjson on canonical bytes) accepts exactly what the checked
path accepts and gives the same values: a document is never read differently by the two, so the
speed-up cannot let through a duplicate key, a NaN or a byte the checked reader refuses."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecocluster.signing import _dsse

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def _outcome(read: Any, data: bytes) -> tuple[str, Any]:
    try:
        return "value", read(data, "payload")
    except _dsse.MalformedEnvelope as e:
        return "refused", str(e)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_canonical_bytes_read_the_same_on_both_paths(value: Any) -> None:
    data = _dsse.canonical_json(value)
    fast, checked = _outcome(_dsse.strict_json, data), _outcome(_dsse._strict_json_checked, data)
    assert fast == checked
    assert fast == ("value", json.loads(data))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=64) | VALUES.map(lambda v: json.dumps(v, indent=1).encode()))
def test_any_bytes_are_accepted_or_refused_alike_on_both_paths(data: bytes) -> None:
    assert _outcome(_dsse.strict_json, data) == _outcome(_dsse._strict_json_checked, data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',  # canonical but for the repeated key: orjson alone would keep one
        b'{"a":1,"a":2}',
        b'{"a":{"b":1,"b":1}}',
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'{"a":"\xff"}',
        b'{"a":"\\ud800"}',  # a lone surrogate: read by the checked path, never written back by orjson
        b'{"a":123456789012345678901234567890}',
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_laxities_take_the_checked_path_and_get_its_answer(data: bytes) -> None:
    assert _outcome(_dsse.strict_json, data) == _outcome(_dsse._strict_json_checked, data)
    if b'"a":1,"a"' in data or b'"b":1,"b"' in data:
        assert _outcome(_dsse.strict_json, data)[0] == "refused"


def _standard_base64(value: str) -> tuple[str, bytes | None]:
    try:
        return "value", base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "refused", None


def _ours(value: str) -> tuple[str, bytes | None]:
    try:
        return "value", _dsse._base64(value, "sig")
    except _dsse.MalformedEnvelope:
        return "refused", None


@settings(max_examples=1000, deadline=None)
@given(
    st.text(alphabet="ABCDQWaz09+/= \n-_\u00dc", max_size=14)
    | st.binary(max_size=10).map(lambda raw: base64.b64encode(raw).decode())
)
def test_envelope_base64_is_read_as_b64decode_validate_reads_it(value: str) -> None:
    """The DSSE payload and signatures are read with binascii's strict mode (in C): the same
    values and refusals as ``base64.b64decode(validate=True)``, padding and stray bytes included."""
    assert _ours(value) == _standard_base64(value)
