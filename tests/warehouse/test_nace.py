"""NACE Rev. 2 as shipped data (issue 13, PKI hygiene) and its correspondence to NACE Rev. 2.1
(issue 19): the complete list with its source, codes of every level validated against it (not by
shape), and Eurostat's correspondence table read without guessing, the coordinator choosing in
the roster where one NACE Rev. 2 code leads to several NACE Rev. 2.1 codes.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, ingest_paths, nace
from tests.warehouse.builders import roster, write_json

DATA = Path(nace.__file__).parent


def _json(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return doc


def _vsme_rev21_classes() -> set[str]:
    """The NACE Rev. 2.1 classes of EFRAG's VSME taxonomy (its NACE domain members, nace:NACE_I5510)."""
    taxonomy = json.loads(
        resources.files("ecocluster.statements")
        .joinpath("vsme", "vsme-taxonomy-2026-05-01.json")
        .read_text(encoding="utf-8")
    )
    members = taxonomy["concepts"]["vsme:NaceSectorClassificationCodes"]["other"]["ee20DomainMembers"]
    digits = [m.removeprefix("nace:NACE_")[1:] for m in members]
    return {f"{d[:2]}.{d[2:]}" for d in digits if len(d) == 4 and d.isdigit()}


def test_the_shipped_list_is_complete_and_names_its_source() -> None:
    table = nace.table()
    counts = (len(table.sections), len(table.divisions), len(table.groups), len(table.classes))
    assert counts == (21, 88, 272, 615)  # NACE Rev. 2, Regulation (EC) No 1893/2006 Annex I
    doc = _json("nace_rev2.json")
    assert "Eurostat" in doc["source"] and "data-cleaning/validate" in doc["source"]
    assert "137aeb4e3c5a9c2319ac41a57d7117fc66e24251" in doc["source"] and "Eurostat" in doc["licence"]
    assert table.title("55.10") == "Hotels and similar accommodation"
    assert table.title("I") == "ACCOMMODATION AND FOOD SERVICE ACTIVITIES"
    assert (
        table.title("84.1")
        == "Administration of the State and the economic and social policy of the community"
    )
    # Every group lies in its division, every class in its group.
    assert all(g[:2] in table.divisions for g in table.groups)
    assert all(c[:4] in table.groups for c in table.classes)


# The hand transcription of Annex I that ecocluster shipped before (sections and divisions only),
# spot-checked against the Eurostat list: the same codes under the same sections.
HAND_TRANSCRIBED = {
    "A": ("01", "02", "03"),
    "B": ("05", "06", "07", "08", "09"),
    "I": ("55", "56"),
    "O": ("84",),
    "T": ("97", "98"),
    "U": ("99",),
}


def test_sections_and_divisions_agree_with_the_earlier_hand_transcription() -> None:
    table = nace.table()
    for section, divisions in HAND_TRANSCRIBED.items():
        assert tuple(d for d, s in table.section_of.items() if s == section) == divisions
    assert sorted(table.divisions) == sorted(table.section_of)
    assert {"04", "57", "00"}.isdisjoint(table.divisions)


@pytest.mark.parametrize(
    "code",
    ["I", "U", "55", "99", "55.1", "55.9", "99.0", "75.0", "55.10", "55.90", "01.11", "99.00", "75.00"],
)
def test_listed_codes_of_every_level_are_accepted(code: str) -> None:
    assert nace.code(code) == code and nace.is_code(code) and nace.covers(code, code)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("55.5", "no group 55.5"),  # a well-formed group that Annex I does not have
        ("56.4", "no group 56.4"),
        ("01.8", "no group 01.8"),
        ("99.1", "no group 99.1"),
        ("55.99", "no class 55.99"),  # well-formed class under a listed group, not listed
        ("55.11", "no class 55.11"),
        ("01.18", "no class 01.18"),
        ("75.01", "no class 75.01"),
        ("55.50", "no group 55.5"),  # a class under a group that does not exist
        ("57", "no division 57"),
        ("04.1", "no division 04"),
        ("V", "section letter A-U"),
        ("55.100", "section letter A-U"),
    ],
)
def test_codes_not_in_the_list_are_refused_naming_what_is_missing(code: str, why: str) -> None:
    with pytest.raises(nace.NotNace, match=why):
        nace.code(code)
    assert not nace.is_code(code)
    assert not nace.covers("I", code) and not nace.covers(code, "55.10")


def test_the_correspondence_names_its_source_and_covers_every_class() -> None:
    doc = _json("nace_rev2_rev21.json")
    assert "Eurostat" in doc["source"] and "KristerV/colt" in doc["source"] and "1.05" in doc["source"]
    assert "3864b42bb1c825cf5e4151a3003596ac4dd778c3" in doc["source"]
    links = doc["links"]
    assert len(links) == 968
    assert {rev2 for rev2, _rev21, _partial in links} == set(nace.table().classes)
    rev21 = _vsme_rev21_classes()
    assert len(rev21) == 651
    assert {target for _rev2, target, _partial in links} <= rev21
    assert rev21 - {target for _rev2, target, _partial in links} == {"46.89"}


@pytest.mark.parametrize(
    ("rev2", "candidates"),
    [
        ("55.10", ("55.10",)),  # hotels: one to one
        ("84.11", ("84.11",)),
        ("25.62", ("25.53",)),  # renumbered
        ("56.10", ("56.11", "56.12")),  # restaurants: split in two
        ("91.04", ("91.41", "91.42")),
        ("49.39", ("49.31", "49.32", "49.34", "49.39")),
        ("45.20", ("95.31",)),  # motor vehicle repair left section G
        ("55", ("55",)),  # a division reads the table at division level
        ("56.1", ("56.1",)),
        ("45", ("46", "47", "95")),
    ],
)
def test_rev21_candidates_read_eurostats_table(rev2: str, candidates: tuple[str, ...]) -> None:
    assert nace.rev21_candidates(rev2) == candidates
    if len(candidates) == 1:
        assert nace.rev21_code(rev2) == candidates[0]
    else:
        with pytest.raises(nace.NotNace, match="the coordinator chooses one in the roster"):
            nace.rev21_code(rev2)
        assert all(nace.rev21_code(rev2, c) == c for c in candidates)


def test_a_choice_outside_the_candidates_or_a_section_is_refused() -> None:
    with pytest.raises(nace.NotNace, match=r"not one of .*56\.11, 56\.12"):
        nace.rev21_code("56.10", "55.10")
    with pytest.raises(nace.NotNace, match="section"):
        nace.rev21_candidates("I")
    with pytest.raises(nace.NotNace):
        nace.rev21_candidates("55.99")


@pytest.fixture
def store(home: Home) -> LocalStore:
    return LocalStore(home.objects_dir)


def _member_roster(**member: object) -> dict[str, Any]:
    doc = roster()
    doc["members"][0].update(member)
    return doc


def test_the_roster_carries_the_coordinators_rev21_choice(con, store, tmp_path) -> None:
    doc = _member_roster(nace="56.10", nace_rev21="56.12")
    report = ingest_paths(con, store, [write_json(tmp_path / "cluster.json", doc)])
    assert report.ok, [str(e) for o in report.outcomes for e in o.errors]
    member, other = (m["member_id"] for m in doc["members"][:2])
    assert nace.chosen_rev21(con, member) == "56.12"
    assert nace.chosen_rev21(con, other) is None  # named nothing: fine while its code has one candidate


@pytest.mark.parametrize("choice", ["56.11", "55.20", "5510", "", 55.10, None])
def test_a_rev21_choice_the_table_does_not_give_is_refused(con, store, tmp_path, choice) -> None:
    doc = _member_roster(nace="55.10", nace_rev21=choice)
    (outcome,) = ingest_paths(con, store, [write_json(tmp_path / "cluster.json", doc)]).outcomes
    assert outcome.status == "rejected"
    assert any(e.column == "nace_rev21" and "55.10" in e.reason for e in outcome.errors)
    assert con.execute("SELECT count(*) FROM member_nace_rev21").fetchone() == (0,)


@pytest.mark.parametrize("nace_code", ["55.5", "55.99", "01.18"])
def test_roster_member_codes_are_checked_against_the_list(con, store, tmp_path, nace_code) -> None:
    (outcome,) = ingest_paths(
        con, store, [write_json(tmp_path / "cluster.json", _member_roster(nace=nace_code))]
    ).outcomes
    assert outcome.status == "rejected"
    assert any(e.column == "nace" and "NACE Rev. 2" in e.reason for e in outcome.errors)
