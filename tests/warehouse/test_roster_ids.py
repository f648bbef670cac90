"""Roster ids (issue 13, finding 22): member, cluster and site ids name folders, object keys and
package files, so a roster with an unsafe one is refused whole, naming the file and the field, and
nothing of it is stored. The JSON Schema that coordinators validate against says the same.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, ingest_paths
from tests.warehouse.builders import roster, write_json

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "warehouse" / "roster.schema.json").read_text(encoding="utf-8")
)

BAD_IDS = [
    "IT/H01",  # a path separator
    "..",  # the parent folder
    "../../etc",  # traversal
    "IT-H01\n",  # a newline (log and receipt forging)
    "IT-H01\r\nX",
    "IT H01",  # a space
    "ІТ-H01",  # Cyrillic І and Т: a homoglyph of IT-H01
    "IT-Н01",  # Cyrillic Н
    "x" * 300,  # 300 characters
    "x" * 65,  # one over the limit
    "-IT-H01",  # a leading separator
    "IT--H01",  # doubled separator
    "IT-H01.",  # a trailing separator
    "IT\x00H01",  # NUL
    "IT-H01\u200b",  # zero-width space
    "",  # empty
    12,  # not a string
]

WHERE = {
    "member_id": ("key members", "member_id"),
    "cluster_id": ("key cluster", "cluster_id"),
    "site_id": ("key members[1].sites", "site_id"),
}


def _with_id(field: str, value: object) -> dict[str, Any]:
    doc = copy.deepcopy(roster())
    if field == "member_id":
        doc["members"][0]["member_id"] = value
    elif field == "cluster_id":
        doc["cluster"]["cluster_id"] = value
    else:
        doc["members"][0]["sites"][0]["site_id"] = value
    return doc


@pytest.fixture
def store(home: Home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.mark.parametrize("field", sorted(WHERE))
@pytest.mark.parametrize("value", BAD_IDS, ids=repr)
def test_an_unsafe_id_refuses_the_roster_naming_file_and_field(con, store, tmp_path, field, value) -> None:
    path = write_json(tmp_path / "cerreto" / "cluster.json", _with_id(field, value))
    report = ingest_paths(con, store, [path])
    (outcome,) = report.outcomes
    assert outcome.status == "rejected"
    part, column = WHERE[field]
    (error,) = [e for e in outcome.errors if e.column == column]
    assert error.file == str(path) and error.part == part
    if value not in ("", 12):
        assert "ASCII letters and digits" in error.reason and "at most 64" in error.reason
    text = str(error)
    assert "\n" not in text and "\r" not in text  # the value is shown escaped
    for table in ("cluster", "member", "site", "cycle"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    assert not list(store.list("raw/"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_with_id(field, value), SCHEMA)


@pytest.mark.parametrize("value", ["IT-CL-CERRETO-H01", "cerreto", "LV.Novads_1", "A", "x" * 64])
def test_safe_ids_are_accepted(con, store, tmp_path, value) -> None:
    doc = _with_id("member_id", value)
    report = ingest_paths(con, store, [write_json(tmp_path / "cluster.json", doc)])
    assert report.ok, [str(e) for o in report.outcomes for e in o.errors]
    assert con.execute("SELECT count(*) FROM member WHERE member_id = ?", [value]).fetchone() == (1,)
    jsonschema.validate(doc, SCHEMA)


@pytest.mark.parametrize("nace", ["5510", "55.100", "00.00", "57.10", "５５.10", "55.10\n", "I"])
def test_member_nace_codes_must_exist_in_nace_rev2(con, store, tmp_path, nace) -> None:
    doc = roster()
    doc["members"][0]["nace"] = nace
    (outcome,) = ingest_paths(con, store, [write_json(tmp_path / "cluster.json", doc)]).outcomes
    assert outcome.status == "rejected"
    assert any(e.column == "nace" and "NACE Rev. 2" in e.reason for e in outcome.errors)
