"""The Annex VI application and the Annex VII declaration as data with JSON Schemas (issue 18): a
genuine package's documents match them, a package is not built over documents that do not, and a
competent body refuses a delivered application that does not by rule annex-vi-schema, naming the
field.

Genuine packages (test_package_attacks' world, signed by the DEMO verifier); forged ones are really
signed, over edited statements, or carry an edited application with the bag's manifests re-saved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecocluster import signing
from ecocluster.signing import _annex
from ecocluster.signing._dsse import Envelope, canonical_json
from ecocluster.signing._package import tar_bytes
from tests.signing import test_package_attacks
from tests.signing.test_package_attacks import forge, resaved

world = test_package_attacks.world


def _documents(files: dict[str, bytes]) -> tuple[dict[str, Any], dict[str, Any]]:
    application = json.loads(files["data/annex-vi-application.json"])
    predicate = Envelope.from_json(files["data/approval.dsse.json"]).statement()["predicate"]
    return application, _annex.declaration(predicate)


def test_the_schemas_are_valid_json_schemas_and_genuine_documents_match_them(world) -> None:
    for member in ("IT-HOT-1", "IT-HOT-2", "LV-NOV-1"):
        application, declaration = _documents(world.files(member))
        _annex.validate("VI", application)
        _annex.validate("VII", declaration)
        assert declaration["text"] == world.files(member)["data/annex-vii-declaration.txt"].decode()
    assert _annex.schema("VI")["properties"]["annex"] == {"const": "VI"}


BAD_APPLICATIONS = {
    "no organisation name": (("organisation", "name"), "", "organisation/name"),
    "a country that is not a code": (("organisation", "country"), "Italia", "organisation/country"),
    "negative employees": (("organisation", "employees"), -3, "organisation/employees"),
    "a cycle that does not exist": (("cycle",), "partial", "cycle"),
    "no sites": (("sites",), [], "sites"),
    "a field the annex does not have": (("fee",), "0 EUR", "(root)"),
}


@pytest.mark.parametrize("case", list(BAD_APPLICATIONS))
def test_a_malformed_application_is_refused_naming_the_field(world, case) -> None:
    path, value, field = BAD_APPLICATIONS[case]
    application, _ = _documents(world.files())
    target = application
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(_annex.AnnexInvalid) as caught:
        _annex.validate("VI", application)
    assert caught.value.rule == "annex-vi-schema" and caught.value.file == "data/annex-vi-application.json"
    assert f"field {field}:" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("text", "I declare.", "text"),  # not the Annex VII text
        ("place", "x" * 201, "place"),
        ("date", "2 March 2026", "date"),
    ],
)
def test_a_malformed_declaration_is_refused_naming_the_field(world, key, value, field) -> None:
    _, declaration = _documents(world.files())
    declaration[key] = value
    with pytest.raises(_annex.AnnexInvalid) as caught:
        _annex.validate("VII", declaration)
    assert caught.value.rule == "annex-vii-schema" and f"field {field}:" in str(caught.value)


def test_no_package_is_built_over_an_application_that_does_not_match(world) -> None:
    def nameless(statement: dict[str, Any]) -> None:
        statement["organisation"]["legal_name"] = ""

    with pytest.raises(_annex.AnnexInvalid) as caught:
        forge(world, edit=nameless, strict=True)  # bag_files, as build_packages calls it
    assert caught.value.rule == "annex-vi-schema" and "organisation/name" in str(caught.value)


def test_intake_refuses_a_delivered_application_that_does_not_match_by_rule(
    world, con, home, tmp_path: Path
) -> None:
    files = world.files()
    application = json.loads(files["data/annex-vi-application.json"])
    application["organisation"]["country"] = "Italia"
    files["data/annex-vi-application.json"] = canonical_json(application)
    (tmp_path / "bag").mkdir()
    package = tar_bytes(resaved(files, tmp_path / "bag"))
    report = signing.verify_archive(package, world.trust)
    [schema] = [c for c in report.failed() if c.name == "annex-vi-schema"]
    assert schema.file == "data/annex-vi-application.json" and "field organisation/country:" in schema.detail
    body = test_package_attacks._body_home  # the body's own trust anchors
    body(world, home)
    assert test_package_attacks.cli(home, "intake-key", "--country", "IT").exit_code == 0
    signing.open_store(home).put("competent-body/IT/inbox/CL/bad.tar", package)
    taken = test_package_attacks.cli(home, "intake", "--country", "IT")
    assert "annex-vi-schema (data/annex-vi-application.json)" in taken.output, taken.output
