"""The `publish` consent of a roster member (issue 19, disclosure control): stored per member,
false unless given, and a value that is not true or false refuses the roster naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, ingest_paths
from tests.warehouse.builders import roster, write_json

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "warehouse" / "roster.schema.json").read_text(encoding="utf-8")
)


@pytest.fixture
def store(home: Home) -> LocalStore:
    return LocalStore(home.objects_dir)


def test_the_consent_is_stored_and_defaults_to_no(con, store, tmp_path) -> None:
    doc = roster()
    doc["members"][0]["publish"] = True
    jsonschema.validate(doc, SCHEMA)
    assert ingest_paths(con, store, [write_json(tmp_path / "a" / "cluster.json", doc)]).ok
    member = doc["members"][0]["member_id"]
    assert con.execute("SELECT publish FROM member_consent WHERE member_id = ?", [member]).fetchone() == (
        True,
    )
    del doc["members"][0]["publish"]  # a later roster withdraws it
    doc["cluster"]["description"] = "changed"
    assert ingest_paths(con, store, [write_json(tmp_path / "b" / "cluster.json", doc)]).ok
    assert con.execute("SELECT publish FROM member_consent WHERE member_id = ?", [member]).fetchone() == (
        False,
    )


def test_a_consent_that_is_not_true_or_false_refuses_the_roster(con, store, tmp_path) -> None:
    doc = roster()
    doc["members"][0]["publish"] = "yes"
    (outcome,) = ingest_paths(con, store, [write_json(tmp_path / "cluster.json", doc)]).outcomes
    assert outcome.status == "rejected"
    assert any(e.column == "publish" and "true or false" in e.reason for e in outcome.errors)
    assert con.execute("SELECT count(*) FROM member_consent").fetchone() == (0,)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)
