"""Energy by carrier in submissions (issue 19): every format carries it, pint converts each
carrier's quantity to MWh with its own fuel's calorific value, and another fuel's unit is refused."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, ingest_paths
from ecocluster.warehouse.indicators import BY_CODE, CARRIERS, Role
from ecocluster.warehouse.template import write_template
from tests.warehouse.builders import roster, submission, write_csv, write_json

CARRIER_ROWS = [
    {"indicator": "energy.natural_gas", "value": 10000, "unit": "Sm3_gas"},  # 10,000 × 10.5 kWh = 105 MWh
    {"indicator": "energy.diesel", "value": 1000, "unit": "l_diesel"},  # 1,000 × 9.96 kWh = 9.96 MWh
    {"indicator": "energy.grid_electricity", "value": 150000, "unit": "kWh"},  # 150 MWh
    {"indicator": "energy.petrol", "value": 36, "unit": "GJ"},  # 36 GJ / 3.6 = 10 MWh
    {"indicator": "energy.market_factor", "value": 0.31, "unit": "kg/kWh"},  # = 0.31 t/MWh
]
EXPECTED = {
    "energy.natural_gas": 105.0,
    "energy.diesel": 9.96,
    "energy.grid_electricity": 150.0,
    "energy.petrol": 10.0,
    "energy.market_factor": 0.31,
}


@pytest.fixture
def store(home: Home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def rostered(con, store, tmp_path):
    assert ingest_paths(con, store, [write_json(tmp_path / "r" / "cluster.json", roster())]).ok
    return con


def _carriers(con) -> dict[str, float]:
    return dict(
        con.execute(
            "SELECT indicator, value FROM current_indicator_value WHERE indicator IN (SELECT unnest(?))",
            [list(EXPECTED)],
        ).fetchall()
    )


def test_json_submission_reports_energy_by_carrier_in_fuel_units(rostered, store, tmp_path):
    doc = submission(indicators=submission()["indicators"] + CARRIER_ROWS)
    assert ingest_paths(rostered, store, [write_json(tmp_path / "s.json", doc)]).ok
    assert _carriers(rostered) == pytest.approx(EXPECTED)


def test_csv_with_decimal_commas_reports_energy_by_carrier(rostered, store, tmp_path):
    header = "member_id;reporting_year;site_id;indicator;value;unit;period_start;period_end;justification\n"
    rows = "".join(
        f"IT-H01;2025;;{r['indicator']};{str(r['value']).replace('.', ',')};{r['unit']};;;\n"
        for r in CARRIER_ROWS
    )
    assert ingest_paths(rostered, store, [write_csv(tmp_path / "i.csv", header + rows, "cp1252")]).ok
    assert _carriers(rostered) == pytest.approx(EXPECTED)


def test_the_members_workbook_reports_energy_by_carrier(rostered, store, tmp_path):
    path = write_template(tmp_path / "w.xlsx", "it", "IT-H01", 2025, rows={"indicators": CARRIER_ROWS})
    assert ingest_paths(rostered, store, [path]).ok
    assert _carriers(rostered) == pytest.approx(EXPECTED)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "'l_lpg' is a unit of lpg, not of diesel; give diesel in its own unit or in MWh, kWh or GJ"),
        ("it", "'l_lpg' è un'unità di lpg, non di diesel"),
    ],
)
def test_another_fuels_unit_is_refused_by_name(rostered, store, tmp_path, language, expected):
    doc = submission(indicators=[{"indicator": "energy.diesel", "value": 1000, "unit": "l_lpg"}])
    report = ingest_paths(rostered, store, [write_json(tmp_path / "s.json", doc)], language=language)
    assert not report.ok
    reasons = [e.reason for e in report.rejected[0].errors]
    assert any(expected in r and "energy.diesel" in r for r in reasons), reasons


def test_a_carrier_quantity_in_a_unit_that_is_not_energy_is_refused(rostered, store, tmp_path):
    doc = submission(indicators=[{"indicator": "energy.natural_gas", "value": 1000, "unit": "m3"}])
    report = ingest_paths(rostered, store, [write_json(tmp_path / "s.json", doc)])
    assert any("expected a unit of MWh for energy.natural_gas" in e.reason for e in report.rejected[0].errors)


def test_an_unknown_carrier_code_is_refused(rostered, store, tmp_path):
    doc = submission(indicators=[{"indicator": "energy.coal", "value": 10, "unit": "MWh"}])
    report = ingest_paths(rostered, store, [write_json(tmp_path / "s.json", doc)])
    assert any("template's list" in e.reason for e in report.rejected[0].errors)


def test_the_template_lists_each_carrier_with_only_its_own_fuel_units(tmp_path):
    sheet = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", "en"))["Instructions"]
    rows = {row[0]: row[2] for row in sheet.iter_rows(values_only=True) if row and row[0] in BY_CODE}
    carriers = {i.code for i in CARRIERS} | {"energy.market_factor"}
    assert carriers <= set(rows)
    assert all(BY_CODE[c].role is Role.CARRIER for c in carriers)
    assert "l_diesel" in rows["energy.diesel"] and "l_lpg" not in rows["energy.diesel"]
    assert "Sm3_gas" in rows["energy.natural_gas"] and "l_diesel" not in rows["energy.natural_gas"]
    assert "kg/kWh" in rows["energy.market_factor"] and "MWh;" not in rows["energy.market_factor"]
    assert "l_diesel" in rows["energy.total_direct"]  # a total may still be given in a fuel's unit


def test_carrier_rows_are_in_the_sample(tmp_path: Path) -> None:
    from ecocluster.warehouse.sample import write_bundled

    write_bundled(tmp_path)
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*.json"))
    text += "".join(p.read_text(encoding="cp1252", errors="replace") for p in tmp_path.rglob("*.csv"))
    for code in ("energy.natural_gas", "energy.grid_electricity", "energy.diesel", "energy.lpg"):
        assert code in text
    assert "l_diesel" in text and "Sm3_gas" in text
