"""The EU benchmark table (issue 19): the shipped decisions and what a benchmark needs to get in."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from ecocluster.warehouse import benchmarks
from ecocluster.warehouse.benchmarks import InvalidBenchmark, parse
from tests.benchmark_fixture import table_json


def test_the_shipped_table_names_the_two_decisions_and_their_sectors() -> None:
    shipped = benchmarks.table()
    by_number = {d.number: d for d in shipped.documents}
    assert by_number["2016/611"].oj == "OJ L 104, 20.4.2016, p. 27-69"
    assert by_number["2019/61"].oj.startswith("OJ L 17, 18.1.2019")
    assert [d.number for d in shipped.documents_for("55.10")] == ["2016/611"]  # hotel
    assert [d.number for d in shipped.documents_for("56.10")] == ["2016/611"]  # restaurant
    assert [d.number for d in shipped.documents_for("84.11")] == ["2019/61"]  # municipality
    assert shipped.documents_for("49.39") == ()  # ski lifts: no document matched
    assert shipped.documents_for("550.1") == ()  # a prefix matches whole code parts only


def test_every_shipped_benchmark_is_cited_and_the_gap_is_explained() -> None:
    shipped = benchmarks.table()
    for b in shipped.benchmarks:
        assert b.section and b.page > 0 and len(b.wording) > 10, b.id
    raw = json.loads(
        resources.files("ecocluster.warehouse").joinpath("benchmarks.json").read_text(encoding="utf-8")
    )
    if not shipped.benchmarks:  # none transcribed yet: the file says what was searched
        assert "Searched:" in raw["transcription_status"]


def test_a_benchmark_is_compared_in_its_own_unit() -> None:
    [b] = parse(table_json()).benchmarks
    assert b.value(400.0, 2000.0) == pytest.approx(200.0)  # 400 MWh / 2000 m² = 200 kWh/m²
    assert not b.meets(200.0) and b.meets(100.0)
    assert b.value(400.0, 0.0) is None
    assert b.citation == "Commission Decision (EU) TEST/1, OJ L 0, 1.1.2000, p. 1, Annex section 9.9.9, p. 99"
    [at_least] = parse(table_json(comparison=">=", threshold=50)).benchmarks
    assert at_least.meets(60.0) and not at_least.meets(40.0)


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ({"wording": ""}, "missing wording"),
        ({"page": None}, "missing page"),
        ({"section": ""}, "missing section"),
        ({"document": "2099/1"}, "document '2099/1' is not one of"),
        ({"indicator": "energy.nonsense"}, "indicator 'energy.nonsense' is not a core indicator"),
        ({"indicator": "output.floor_area"}, "is not a core indicator"),
        ({"denominator": "water.total"}, "denominator 'water.total' is not an output indicator"),
        ({"comparison": "<"}, "comparison '<' is not"),
        ({"threshold": "100"}, "must be numbers"),
        ({"page": 0}, "page must be a positive whole number"),
        ({"id": "Bad Id"}, "id must be lowercase"),
    ],
)
def test_an_entry_without_its_citation_or_with_unknown_codes_is_refused_by_name(
    override: dict[str, object], says: str
) -> None:
    with pytest.raises(InvalidBenchmark, match=r"test_energy_per_floor_area|Bad Id") as e:
        parse(table_json(**override))
    assert says in str(e.value)


def test_a_malformed_table_is_refused() -> None:
    with pytest.raises(InvalidBenchmark, match="not a table"):
        parse("[]")
    data = json.loads(table_json())
    data["benchmarks"].append(data["benchmarks"][0])
    with pytest.raises(InvalidBenchmark, match="used twice"):
        parse(json.dumps(data))
