"""The JSON Schema of the submission format, derived from ``SECTIONS``.

``warehouse/submission.schema.json`` is this function's output, committed so that members and
other tools can read it without running Python; a test keeps the file equal to it.
Run ``python -m ecocluster.warehouse.sample._schema`` to rewrite the file after changing the sections.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecocluster.warehouse.sections import SECTIONS, Field, Kind

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "submission.schema.json"


def _field_schema(f: Field) -> dict[str, Any]:
    types: dict[Kind, dict[str, Any]] = {
        Kind.TEXT: {"type": "string", "maxLength": f.max_length},
        Kind.NUMBER: {"type": "number"},
        Kind.INTEGER: {"type": "integer"},
        Kind.DATE: {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        Kind.BOOLEAN: {"type": "boolean"},
        Kind.CHOICE: {"enum": list(f.choices)},
        Kind.UNIT: {"type": "string", "minLength": 1, "maxLength": 64},
    }
    base = types[f.kind]
    if f.required:
        return base
    if "enum" in base:
        return {"enum": [*base["enum"], None]}
    return {**base, "type": [base["type"], "null"]}


def submission_schema() -> dict[str, Any]:
    sections: dict[str, dict[str, Any]] = {
        s.name: {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [f.name for f in s.fields if f.required],
                "properties": {f.name: _field_schema(f) for f in s.fields},
            },
        }
        for s in SECTIONS
    }
    sections["profile"] = {**sections["profile"], "minItems": 1, "maxItems": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ecocluster.eu/schemas/submission-1.json",
        "title": "ecocluster member submission",
        "description": "One member's yearly submission; one key per section, each a list of rows. "
        "Dates are ISO 8601 (YYYY-MM-DD); an indicator with a null value needs a justification.",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "member_id", "reporting_year"],
        "properties": {
            "format": {"const": "ecocluster-submission/1"},
            "member_id": {"type": "string", "minLength": 1, "maxLength": 64},
            "reporting_year": {"type": "integer", "minimum": 1990, "maximum": 2200},
            **sections,
        },
    }


def render() -> str:
    return json.dumps(submission_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
