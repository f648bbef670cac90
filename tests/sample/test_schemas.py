"""The JSON Schemas: the committed submission schema is derived from SECTIONS; both are valid."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from ecocluster.warehouse.sample._schema import SCHEMA_PATH, render

ROSTER_SCHEMA = SCHEMA_PATH.parent / "roster.schema.json"


def test_committed_submission_schema_matches_the_sections() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "sections changed: run `python -m ecocluster.warehouse.sample._schema` and commit the schema"
    )


def test_schemas_are_valid_json_schemas() -> None:
    for path in (SCHEMA_PATH, ROSTER_SCHEMA):
        jsonschema.Draft202012Validator.check_schema(json.loads(Path(path).read_text(encoding="utf-8")))
