"""The VSME export (issue 19): EFRAG's Digital Template filled in and an xBRL-JSON report of B3–B7,
both from a member's statement JSON, on the bundled sample (a Latvian council reporting every
core indicator)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ecocluster.warehouse.db import connect
from tests.cli import run_cli
from tests.fixtures_sample import YEAR, BundledSample

MEMBER = "LV-DGV-01"
NACE_CONCEPT = "vsme:NaceSectorClassificationCodes"
# EFRAG's converter (vsme-disclosures.json, "dataTypesToUnits"): the measure of each numeric data type.
CONVERTER_UNITS = {
    "dtr-types:areaItemType": "utr:ha",
    "dtr-types:energyItemType": "utr:MWh",
    "dtr-types:ghgEmissionsItemType": "utr:tCO2e",
    "dtr-types:massItemType": "utr:t",
    "dtr-types:volumeItemType": "utr:m3",
}
# Where each warehouse indicator must land, written out by hand from the template and the VSME
# standard: (concept, factor from the warehouse unit to the template's, factor to the xBRL unit).
EXPECTED = {
    "energy.total_direct": ("TotalEnergyConsumption", 1, 1),  # MWh
    "emissions.ghg": ("TotalGrossLocationBasedScope1AndScope2GHGEmissions", 1, 1),  # t CO2e
    "land.sealed": ("TotalSealedArea", 1, 1e-4),  # m² in the template, ha in xBRL
    "land.nature_on_site": ("TotalNatureOrientedAreaOnSite", 1, 1e-4),
    "land.nature_off_site": ("TotalNatureOrientedAreaOffSite", 1, 1e-4),
    "land.total": ("TotalUseOfLand", 1, 1e-4),
    "water.total": ("TotalAmountOfWaterWithdrawnFromAllSites", 1, 1),  # m³
    "waste.total": ("TotalWasteGeneratedMass", 1, 1),  # t
    "waste.hazardous": ("TotalHazardousWasteGeneratedMass", 1, 1),
    "materials.total": ("TotalMassOfMaterialUsed", 1000, 1),  # the template states kg
}
# Scope 1 by hand: IPCC 2006 Vol. 2 Table 1.4 default CO2 factors (kg CO2/TJ), 1 MWh = 0.0036 TJ.
IPCC_KG_PER_TJ = {
    "energy.natural_gas": 56100,
    "energy.lpg": 63100,
    "energy.heating_oil": 74100,
    "energy.diesel": 74100,
    "energy.petrol": 69300,
}


def _scope1_by_hand(w: dict[str, float]) -> float:
    return sum(w.get(code, 0.0) * 0.0036 * kg / 1000 for code, kg in IPCC_KG_PER_TJ.items())


POLLUTANTS = {
    "emissions.so2": "SulphurOxidesSOxSO2Member",
    "emissions.nox": "NitrogenOxidesNOxNO2Member",
    "emissions.pm": "ParticulateMatterPMMember",
}  # kg in the warehouse, t in both outputs


@dataclass(frozen=True)
class Exported:
    out: Path
    warehouse: dict[str, float]  # the member's reporting-year values, read from the warehouse directly


def _taxonomy() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("ecocluster.statements")
        .joinpath("vsme", "vsme-taxonomy-2026-05-01.json")
        .read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="module")
def exported(bundled_sample: BundledSample, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """The member drafted (review draft) and exported once through the library; the CLI test
    exports again and must write the same bytes."""
    from ecocluster import statements
    from ecocluster.core.store import open_store

    con = connect(bundled_sample.home.warehouse_path)
    try:
        statements.draft(con, bundled_sample.home, member=MEMBER, year=YEAR, workers=1, pdf=False)
        rows = con.execute(
            "SELECT indicator, sum(value) FROM current_indicator_value WHERE member_id = ? "
            "AND reporting_year = ? AND value IS NOT NULL GROUP BY indicator",
            [MEMBER, YEAR],
        ).fetchall()
        version = statements.show(con, statements.member_statement_id(con, MEMBER, YEAR))
    finally:
        con.close()
    out = tmp_path_factory.mktemp("vsme")
    statements.export_vsme(json.loads(statements.load_json(open_store(bundled_sample.home), version)), out)
    return Exported(out, {k: float(v) for k, v in rows})


def _xbrl(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path / f"{MEMBER}-{YEAR}-vsme.json").read_text(encoding="utf-8"))
    return data


def _workbook(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path / f"{MEMBER}-{YEAR}-vsme.xlsx")


def _named(wb: openpyxl.Workbook, name: str, row_offset: int = 0) -> Any:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    first = wb[sheet][ref.replace("$", "").split(":")[0]]
    return wb[sheet].cell(row=first.row + row_offset, column=first.column).value


def test_every_emitted_fact_matches_the_taxonomy(exported: Exported) -> None:
    report = _xbrl(exported.out)
    concepts = _taxonomy()["concepts"]
    assert report["documentInfo"]["taxonomy"] == [_taxonomy()["entryPoint"]]
    assert report["documentInfo"]["namespaces"]["vsme"] == _taxonomy()["namespaces"]["vsme"]
    b4_members = {
        c
        for role in _taxonomy()["presentation"].values()
        if "B4" in role["definition"]
        for _, c in role["rows"]
    }
    assert report["facts"], "no fact was emitted"
    for fact_id, fact in _numeric(report).items():
        dims = fact["dimensions"]
        concept = concepts.get(dims["concept"])
        assert concept is not None, f"{fact_id}: {dims['concept']} is not in the taxonomy"
        assert not concept.get("abstract") and concept.get("numeric"), fact_id
        assert dims["unit"] == CONVERTER_UNITS[concept["dataType"]], fact_id
        assert concept["periodType"] == "duration"
        assert dims["period"] == f"{YEAR}-01-01T00:00:00/{YEAR + 1}-01-01T00:00:00", fact_id
        float(fact["value"])  # an xs:decimal, no exponent
        assert "e" not in fact["value"].lower()
        for axis, member in dims.items():
            if axis not in ("concept", "entity", "period", "unit"):
                assert axis in concepts and member in concepts and member in b4_members, (axis, member)


def _numeric(report: dict[str, Any]) -> dict[str, Any]:
    """The report's B3-B7 figures: every fact but the NACE code (the one without a unit)."""
    return {k: f for k, f in report["facts"].items() if f["dimensions"]["concept"] != NACE_CONCEPT}


def test_the_report_carries_a_nace_rev21_code_of_the_taxonomys_list(exported: Exported) -> None:
    """The statement's NACE Rev. 2 code (84.11, a council) through Eurostat's correspondence:
    a member of the VSME taxonomy's NACE domain, in both outputs."""
    taxonomy = _taxonomy()
    concept = taxonomy["concepts"][NACE_CONCEPT]
    [fact] = [f for f in _xbrl(exported.out)["facts"].values() if f["dimensions"]["concept"] == NACE_CONCEPT]
    namespace, local = fact["value"].split("#")
    assert (
        namespace == taxonomy["namespaces"]["nace"]
        and f"nace:{local}" in concept["other"]["ee20DomainMembers"]
    )
    assert local == "NACE_P8411"  # NACE Rev. 2.1 re-lettered the sections: O became P
    assert concept["periodType"] == "instant" and fact["dimensions"]["period"] == f"{YEAR + 1}-01-01T00:00:00"
    assert set(fact["dimensions"]) == {"concept", "entity", "period"}
    label = taxonomy["concepts"][f"nace:{local}"]["labels"]["en"]["http://www.xbrl.org/2003/role/label"]
    assert _named(_workbook(exported.out), "NaceSectorClassificationCodes") == f"NACE {label}"
    assert label == "P - 84.11 General public administration activities"


def _document(bundled_sample: BundledSample) -> dict[str, Any]:
    from ecocluster import statements
    from ecocluster.core.store import open_store

    con = connect(bundled_sample.home.warehouse_path, read_only=True)
    try:
        version = statements.show(con, statements.member_statement_id(con, MEMBER, YEAR))
    finally:
        con.close()
    document: dict[str, Any] = json.loads(statements.load_json(open_store(bundled_sample.home), version))
    return document


def test_several_rev21_candidates_need_the_coordinators_choice(
    bundled_sample: BundledSample, exported: Exported, tmp_path: Path
) -> None:
    """A restaurant (NACE Rev. 2 56.10) is 56.11 or 56.12 in NACE Rev. 2.1: nothing is guessed."""
    from ecocluster import statements

    document = _document(bundled_sample)
    document["organisation"]["nace"] = "56.10"
    with pytest.raises(statements.NaceUndecided, match=r"56\.11, 56\.12.*nace_rev21 to the cluster roster"):
        statements.export_vsme(document, tmp_path / "undecided")
    assert not (tmp_path / "undecided").exists()
    with pytest.raises(statements.NaceUndecided, match="is not one of"):
        statements.export_vsme(document, tmp_path / "wrong", "55.10")
    written = statements.export_vsme(document, tmp_path / "chosen", "56.12")
    assert written.nace_rev21 == "56.12"
    wb = openpyxl.load_workbook(written.workbook)
    assert _named(wb, "NaceSectorClassificationCodes") == "NACE I - 56.12 Mobile food service activities"
    document["organisation"]["nace"] = "56.1"  # a group: the template takes classes only
    coarse = statements.export_vsme(document, tmp_path / "group")
    assert coarse.nace_rev21 == "56.1"
    assert _named(openpyxl.load_workbook(coarse.workbook), "NaceSectorClassificationCodes") is None
    values = [f["value"] for f in json.loads(coarse.xbrl_json.read_text())["facts"].values()]
    assert f"{_taxonomy()['namespaces']['nace']}#NACE_I561" in values


def test_the_xbrl_facts_are_the_warehouse_values(exported: Exported) -> None:
    facts = _numeric(_xbrl(exported.out))
    by_concept = {
        (f["dimensions"]["concept"], f["dimensions"].get("vsme:TypeOfPollutantAxis")): float(f["value"])
        for f in facts.values()
    }
    w = exported.warehouse
    for code, (concept, _, to_xbrl) in EXPECTED.items():
        assert by_concept[(f"vsme:{concept}", None)] == pytest.approx(w[code] * to_xbrl, rel=1e-9), code
    for code, member in POLLUTANTS.items():
        assert by_concept[("vsme:AmountOfEmissionToAir", f"vsme:{member}")] == pytest.approx(
            w[code] / 1000
        ), code
    assert by_concept[("vsme:TotalNonHazardousWasteGeneratedMass", None)] == pytest.approx(
        w["waste.total"] - w["waste.hazardous"]
    )
    assert len(facts) == len(EXPECTED) + len(POLLUTANTS) + 2  # non-hazardous waste, computed scope 1


def test_scope_1_is_the_computed_figure_citing_its_factor(exported: Exported) -> None:
    """B3 scope 1 is ecocluster's figure from the energy by carrier, not the member's hand total;
    the Latvian grid has no shipped factor, so scope 2 and the computed totals are not reported."""
    w = exported.warehouse
    assert _scope1_by_hand(w) > 0, "the sample council burns no fuel: the test could not fail"
    facts = {f["dimensions"]["concept"]: f for f in _xbrl(exported.out)["facts"].values()}
    scope1 = facts["vsme:GrossScope1GreenhouseGasEmissions"]
    assert float(scope1["value"]) == pytest.approx(_scope1_by_hand(w), rel=1e-6)
    assert float(scope1["value"]) != pytest.approx(w["emissions.ghg"], rel=1e-3)
    cited = scope1["ecoclusterco2e:factors"]
    assert cited and all(c.startswith("ipcc-2006-v2-ch1-table1.4 2006: 2006 IPCC Guidelines") for c in cited)
    assert "vsme:GrossLocationBasedScope2GreenhouseGasEmissions" not in facts
    assert float(facts["vsme:TotalGrossLocationBasedScope1AndScope2GHGEmissions"]["value"]) == pytest.approx(
        w["emissions.ghg"]
    )
    wb = _workbook(exported.out)
    assert _named(wb, "GrossScope1GreenhouseGasEmissions") == pytest.approx(_scope1_by_hand(w), rel=1e-6)
    assert _named(wb, "GrossLocationBasedScope2GreenhouseGasEmissions") is None


def test_the_filled_template_reads_back_the_warehouse_values(exported: Exported) -> None:
    wb = _workbook(exported.out)
    w = exported.warehouse
    for code, (concept, to_template, _) in EXPECTED.items():
        assert _named(wb, concept) == pytest.approx(w[code] * to_template, rel=1e-9), code
    pollutants = {
        _named(wb, "TypeOfPollutantAxis", n): _named(wb, "AmountOfEmissionToAir", n) for n in range(3)
    }
    assert pollutants == pytest.approx(
        {
            "Sulphur oxides (SOx/SO2)": w["emissions.so2"] / 1000,
            "Nitrogen oxides (NOx/NO2)": w["emissions.nox"] / 1000,
            "Particulate matter (PM)": w["emissions.pm"] / 1000,
        }
    )
    assert _named(wb, "AmountOfEmissionToAir_unit") == "metric tonnes (t)"
    assert _named(wb, "TotalSealedArea_unit") == "squared meters (m2)"
    assert _named(wb, "TotalHazardousWasteGeneratedMass_unit") == "metric tonnes (t)"
    assert _named(wb, "TotalNonHazardousWasteGeneratedMass") == pytest.approx(
        w["waste.total"] - w["waste.hazardous"]
    )
    assert _named(wb, "template_currency") == "EUR"
    assert [_named(wb, "template_reporting_period_startdate", n) for n in (-3, -2, -1)] == [YEAR, 1, 1]
    assert [_named(wb, "template_reporting_period_enddate", n) for n in (-3, -2, -1)] == [YEAR, 12, 31]
    assert _named(wb, "template_reporting_entity_name")


def test_the_template_named_ranges_are_intact(exported: Exported) -> None:
    with resources.as_file(
        resources.files("ecocluster.statements").joinpath("vsme", "VSME-Digital-Template-1.3.0.xlsx")
    ) as p:
        original = openpyxl.load_workbook(p)
    filled = _workbook(exported.out)
    assert {n: d.attr_text for n, d in filled.defined_names.items()} == {
        n: d.attr_text for n, d in original.defined_names.items()
    }
    assert len(filled.defined_names) > 800
    assert filled.sheetnames == original.sheetnames


def test_only_the_written_sheets_change(exported: Exported) -> None:
    """Checkboxes, drawings, dropdown lists and EFRAG's metadata are kept byte for byte (openpyxl
    would drop them); the calculation chain goes, as some formula cells now hold figures."""
    template = (
        resources.files("ecocluster.statements")
        .joinpath("vsme", "VSME-Digital-Template-1.3.0.xlsx")
        .read_bytes()
    )
    with zipfile.ZipFile(io.BytesIO(template)) as z:
        before = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(exported.out / f"{MEMBER}-{YEAR}-vsme.xlsx") as z:
        after = {n: z.read(n) for n in z.namelist()}
        assert z.testzip() is None
    assert set(before) - set(after) == {"xl/calcChain.xml"} and set(after) <= set(before)
    changed = {n for n in after if after[n] != before[n]}
    assert changed == {
        "xl/worksheets/sheet4.xml",
        "xl/worksheets/sheet5.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
    }
    assert b'fullCalcOnLoad="1"' in after["xl/workbook.xml"]
    assert "xl/featurePropertyBag/featurePropertyBag.xml" in after and "xl/metadata.xml" in after


def test_the_cli_writes_byte_identical_files_again(
    exported: Exported,
    bundled_sample: BundledSample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`ecocluster export vsme` (newest year by default) over the same statement: the same bytes,
    workbook included (fixed document time and zip entry times)."""
    run = run_cli(
        capsys,
        monkeypatch,
        bundled_sample.home.root,
        "export",
        "vsme",
        "--member",
        MEMBER,
        "--out",
        str(tmp_path),
    )
    assert run.returncode == 0, run.stderr
    assert f"VSME report of {MEMBER} for {YEAR}" in run.stdout and "15 facts" in run.stdout
    for name in (f"{MEMBER}-{YEAR}-vsme.xlsx", f"{MEMBER}-{YEAR}-vsme.json"):
        assert (tmp_path / name).read_bytes() == (exported.out / name).read_bytes(), name


def test_materials_are_labelled_vsme_b7_in_the_statement(
    bundled_sample: BundledSample, exported: Exported
) -> None:
    """The mapping said "VSME C-resource inflows"; the total mass of materials used is VSME B7."""
    from ecocluster import statements
    from ecocluster.core.store import open_store

    con = connect(bundled_sample.home.warehouse_path, read_only=True)
    try:
        version = statements.show(con, statements.member_statement_id(con, MEMBER, YEAR))
    finally:
        con.close()
    document = json.loads(statements.load_json(open_store(bundled_sample.home), version))
    materials = next(i for i in document["indicators"] if i["code"] == "materials.total")
    assert materials["esrs"].startswith("VSME B7 ") and "C-resource" not in materials["esrs"]


def test_a_member_without_a_statement_is_told_to_draft_first(
    bundled_sample: BundledSample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = run_cli(
        capsys,
        monkeypatch,
        bundled_sample.home.root,
        "export",
        "vsme",
        "--member",
        MEMBER,
        "--year",
        "2019",
        "--out",
        str(tmp_path),
    )
    assert run.returncode == 65  # StatementNotFound: an id the warehouse does not know
    assert "no drafted statement for 2019" in run.stderr and "ecocluster draft --member" in run.stderr
    assert not list(tmp_path.iterdir())


def test_the_cli_takes_the_rev21_code_the_roster_chose(
    bundled_sample: BundledSample,
    exported: Exported,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bundled Italian restaurant (NACE Rev. 2 56.10): its roster names 56.11, and the export
    writes it."""
    from ecocluster import statements
    from ecocluster.warehouse import nace

    restaurant = "IT-CL-CERRETO-R01"
    con = connect(bundled_sample.home.warehouse_path)
    try:
        assert nace.chosen_rev21(con, restaurant) == "56.11"
        statements.draft(con, bundled_sample.home, member=restaurant, year=YEAR, workers=1, pdf=False)
    finally:
        con.close()
    run = run_cli(
        capsys,
        monkeypatch,
        bundled_sample.home.root,
        "export",
        "vsme",
        "--member",
        restaurant,
        "--out",
        str(tmp_path),
    )
    assert run.returncode == 0, run.stderr
    assert "NACE Rev. 2.1 56.11" in run.stdout
    report = json.loads((tmp_path / f"{restaurant}-{YEAR}-vsme.json").read_text(encoding="utf-8"))
    assert report["facts"]["f-NaceSectorClassificationCodes"]["value"].endswith("#NACE_I5611")
