"""JSON submissions and rosters: strict parsing that refuses what a careless export produces.

Duplicate keys, NaN/Infinity, numbers beyond double range and nesting where a value belongs are
errors here, because ``json.loads`` would otherwise silently keep the last key or the NaN.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ecocluster.core.errors import RowError
from ecocluster.warehouse._rows import ParsedRows, text_of
from ecocluster.warehouse.messages import N_, LocalisedRowError, Refusal
from ecocluster.warehouse.sections import BY_NAME

SUBMISSION_FORMAT = "ecocluster-submission/1"
ROSTER_FORMAT = "ecocluster-roster/1"


class _Refused(Refusal):
    """Raised inside the JSON parser's hooks, so that it is not mistaken for the parser's own errors."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(N_("key {key} appears twice in the same object"), key=repr(key))
        seen[key] = value
    return seen


def _no_constant(name: str) -> float:
    raise _Refused(N_("{name} is not a number a submission may contain"), name=name)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Refused(N_("number {text} is too large"), text=text[:40])
    return value


def load_document(name: str, data: bytes) -> dict[str, Any]:
    """The top-level object of a JSON file, or ValueError with a plain reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Refusal(N_("JSON must be UTF-8; byte {byte} is not"), byte=str(e.start)) from e
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=lambda s: _finite_float(s) if len(s) > 300 else int(s),
        )
    except _Refused as e:
        raise Refusal(e.message, **e.params) from e
    except json.JSONDecodeError as e:
        raise Refusal(
            N_("not valid JSON: {detail} at line {line}, column {column}"),
            detail=e.msg,
            line=str(e.lineno),
            column=str(e.colno),
        ) from e
    except RecursionError as e:
        raise Refusal(N_("JSON is nested too deeply")) from e
    if not isinstance(doc, dict):
        raise Refusal(N_("the top level of the JSON file must be an object"))
    return doc


def parse_submission(name: str, doc: dict[str, Any]) -> tuple[ParsedRows, list[RowError]]:
    """Rows of a member submission document, with every structural problem listed."""
    errors: list[RowError] = []
    parsed = ParsedRows(
        member_id=text_of(doc.get("member_id")), reporting_year=text_of(doc.get("reporting_year"))
    )
    for key in ("member_id", "reporting_year"):
        if doc.get(key) in (None, ""):
            errors.append(
                LocalisedRowError.of(
                    name, N_("'{key}' is missing at the top level"), {"key": key}, column=key
                )
            )
    for key, rows in doc.items():
        if key in ("format", "member_id", "reporting_year"):
            continue
        section = BY_NAME.get(key)
        if section is None:
            errors.append(
                LocalisedRowError.of(
                    name,
                    N_("unknown section '{key}'; expected one of {sections}"),
                    {"key": key, "sections": ", ".join(BY_NAME)},
                )
            )
            continue
        if not isinstance(rows, list):
            errors.append(LocalisedRowError.of(name, N_("must be a list of objects"), {}, part=f"key {key}"))
            continue
        allowed = {f.name for f in section.fields}
        for index, row in enumerate(rows, start=1):
            where = f"key {key}"
            if not isinstance(row, dict):
                errors.append(
                    LocalisedRowError.of(name, N_("each item must be an object"), {}, part=where, row=index)
                )
                continue
            values: dict[str, str | None] = {}
            for field_name, value in row.items():
                if field_name not in allowed:
                    errors.append(
                        LocalisedRowError.of(
                            name,
                            N_("unknown field; expected one of {allowed}"),
                            {"allowed": ", ".join(sorted(allowed))},
                            part=where,
                            row=index,
                            column=field_name,
                        )
                    )
                elif isinstance(value, (dict, list)):
                    errors.append(
                        LocalisedRowError.of(
                            name,
                            N_("must be a single value, not a list or object"),
                            {},
                            part=where,
                            row=index,
                            column=field_name,
                        )
                    )
                else:
                    values[field_name] = text_of(value)
            parsed.add(key, where, index, values)
    return parsed, errors
