"""The section "how we compare with the EU benchmark of excellence" (issue 19), with a test
benchmark table (tests/benchmark_fixture.py: a made-up value, not an Official Journal one) standing
in for the shipped table, which has no transcribed value yet: the member's value per m² of floor
area, the benchmark, whether it is reached, and the citation with its wording, in the member's
language."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from typing import Any

import pytest

from ecocluster.warehouse import benchmarks
from ecocluster.warehouse.db import connect
from tests.benchmark_fixture import table_json
from tests.fixtures_sample import YEAR, BundledSample
from tests.statements.conftest import pdf_text

MEMBERS = ("IT-CL-CERRETO-R01", "LV-JEL-01")  # a restaurant (NACE 56.10), a council (84.11)


@dataclass(frozen=True)
class Drafted:
    documents: dict[str, dict[str, Any]]
    pdfs: dict[str, str]
    figures: dict[str, dict[str, float]]  # the warehouse's reporting-year values, read directly


@pytest.fixture(scope="module")
def drafted(bundled_sample: BundledSample, tmp_path_factory: pytest.TempPathFactory) -> Drafted:
    """Drafted in a copy of the session's sample home: statements made with the test table must not
    stand as the shared home's current drafts, which other modules read with the shipped table."""
    from ecocluster import statements
    from ecocluster.core.home import Home
    from ecocluster.core.store import open_store

    home = Home.resolve(tmp_path_factory.mktemp("benchmark-home") / "home")
    shutil.copytree(bundled_sample.home.root, home.root, dirs_exist_ok=True)
    store = open_store(home)
    documents, pdfs, figures = {}, {}, {}
    test_table = benchmarks.parse(table_json())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(benchmarks, "table", lambda: test_table)
        con = connect(home.warehouse_path)
        try:
            for member in MEMBERS:
                statements.draft(con, home, member=member, year=YEAR, workers=1)
                version = statements.show(con, statements.member_statement_id(con, member, YEAR))
                documents[member] = json.loads(statements.load_json(store, version))
                assert version.pdf_key is not None
                pdfs[member] = pdf_text(store.get(version.pdf_key))
                rows = con.execute(
                    "SELECT indicator, sum(value) FROM current_indicator_value WHERE member_id = ?"
                    " AND reporting_year = ? AND value IS NOT NULL GROUP BY indicator",
                    [member, YEAR],
                ).fetchall()
                figures[member] = {k: float(v) for k, v in rows}
        finally:
            con.close()
    return Drafted(documents, pdfs, figures)


@pytest.mark.parametrize("member", MEMBERS)
def test_the_comparison_is_the_members_energy_per_floor_area(drafted: Drafted, member: str) -> None:
    w = drafted.figures[member]
    assert w["output.floor_area"] > 0, "the sample reports no floor area: the test could not fail"
    [c] = drafted.documents[member]["benchmarks"]["comparisons"]
    by_hand = w["energy.total_direct"] * 1000 / w["output.floor_area"]  # MWh/m² -> kWh/m²
    assert c["value"] == pytest.approx(by_hand, rel=1e-9)
    assert c["meets"] is (by_hand <= 100)
    assert c["citation"].endswith("Annex section 9.9.9, p. 99") and c["wording"].startswith("Test wording")


def test_the_section_reads_in_the_members_language(drafted: Drafted) -> None:
    italian, latvian = drafted.pdfs["IT-CL-CERRETO-R01"], drafted.pdfs["LV-JEL-01"]
    assert "Come ci confrontiamo con gli esempi di eccellenza UE" in italian
    assert "≤ 100 kWh/m2" in italian and "Test wording" in italian
    restaurant = drafted.documents["IT-CL-CERRETO-R01"]["benchmarks"]["comparisons"][0]
    assert ("non raggiunto" in italian) is (restaurant["meets"] is False)
    assert "Kā mēs salīdzināmies ar ES izcilības kritērijiem" in latvian and "sasniegts" in latvian


def test_floor_area_arrives_through_all_three_formats_in_square_metres(bundled_sample: BundledSample) -> None:
    """The bundled members send XLSX, JSON and CSV (with m2 and m² spellings): each format's floor
    area is ingested into the canonical m**2."""
    con = connect(bundled_sample.home.warehouse_path, read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT lower(regexp_extract(s.filename, '\\.([A-Za-z]+)$', 1)), v.unit"
            " FROM current_indicator_value v JOIN submission s USING (submission_id)"
            " WHERE v.indicator = 'output.floor_area' AND v.value > 0"
        ).fetchall()
    finally:
        con.close()
    assert {fmt for fmt, _ in rows} == {"csv", "json", "xlsx"}
    assert {unit for _, unit in rows} == {"m**2"}
