"""Canonical JSON: the exact bytes whose SHA-256 a verifier signs.

Sorted keys, no insignificant whitespace, UTF-8, and one spelling per number, so that the same
warehouse state always gives the same bytes on any machine. Floats are first rounded to 12
significant digits (values come from DuckDB sums and ratios; binary noise such as
0.30000000000000004 must not change the id), then written as integers when integral, as in
RFC 8785 (JCS). Non-finite numbers have no JSON spelling and are refused.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from warehouse.errors import EcoclusterError

SCHEMA_NAME = "statement.schema.json"


class StatementInvalid(EcoclusterError):
    """A statement document does not match the schema in ``statements/statement.schema.json``."""


def _stable(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no canonical JSON spelling")
        rounded = float(f"{value:.12g}")
        if rounded.is_integer() and abs(rounded) < 2**53:
            return int(rounded)
        return rounded
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not allowed in a statement document")


def normalise(document: dict[str, Any]) -> dict[str, Any]:
    """The document as it reads back from its canonical bytes (ints for integral floats, ISO dates)."""
    result: dict[str, Any] = _stable(document)
    return result


def canonical_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(
        normalise(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("statements").joinpath(SCHEMA_NAME).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


def validate(document: dict[str, Any]) -> None:
    """Refuse a document that does not match the published schema, naming the first bad field."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise StatementInvalid(f"statement document, field {where}: {error.message}")
