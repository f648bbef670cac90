"""CO₂e from energy by carrier, each figure naming its factor (issue 19), against a hand computation."""

from __future__ import annotations

import pytest

from ecocluster.warehouse.co2e import (
    NO_FUEL_FACTOR,
    NO_GRID_FACTOR,
    NO_MARKET_FACTOR,
    Factor,
    MissingFactor,
    compute,
    differs,
    for_member,
    fuel_factor,
    grid_factor,
)

# A factor the coordinator would supply (test value, not a published one).
GRID = Factor(0.25, "test-grid", "1", "test: location-based grid factor")
SUPPLIER = Factor(0.4, "test-supplier", "1", "test: supplier factor")
ENERGY = {
    "natural_gas": 120.0,
    "lpg": 30.0,
    "diesel": 10.0,
    "grid_electricity": 200.0,
    "renewable_electricity_go": 50.0,
    "self_generated_renewable": 20.0,
}


def test_scope_1_and_2_equal_the_hand_computation() -> None:
    # IPCC 2006 Vol. 2 Table 1.4, kg CO2/TJ × 0.0036 TJ/MWh:
    # natural gas 56,100 -> 201.96 kg/MWh × 120 MWh = 24.2352 t
    # LPG         63,100 -> 227.16 kg/MWh ×  30 MWh =  6.8148 t
    # diesel      74,100 -> 266.76 kg/MWh ×  10 MWh =  2.6676 t      scope 1 = 33.7176 t
    # scope 2 location: (200 + 50) MWh × 0.25 t/MWh = 62.5 t (self-generated renewable: 0)
    # scope 2 market: 200 MWh × 0.4 t/MWh + 50 MWh with guarantees of origin × 0 = 80 t
    result = compute(ENERGY, grid=GRID, supplier=SUPPLIER)
    assert result.scope1 == pytest.approx(33.7176, rel=1e-3)
    assert result.scope2_location == pytest.approx(62.5, rel=1e-3)
    assert result.scope2_market == pytest.approx(80.0, rel=1e-3)


def test_every_figure_names_its_factor_dataset_and_version() -> None:
    figures = compute(ENERGY, grid=GRID, supplier=SUPPLIER).figures
    gas = next(f for f in figures if f.carrier == "natural_gas").as_json()
    assert gas["factor"]["dataset"] == "ipcc-2006-v2-ch1-table1.4" and gas["factor"]["version"] == "2006"
    assert "Table 1.4" in gas["factor"]["source"] and "56100 kg CO2/TJ" in gas["factor"]["source"]
    assert all(f.as_json()["factor"]["dataset"] and f.as_json()["factor"]["version"] for f in figures)
    assert {f.scope for f in figures} == {"1", "2-location", "2-market"}


def test_no_market_based_total_without_a_supplier_factor_for_grid_power() -> None:
    result = compute(ENERGY, grid=GRID)
    assert result.scope2_market is None and result.scope2_location == pytest.approx(62.5)
    assert [(g.carrier, g.reason) for g in result.gaps] == [("grid_electricity", NO_MARKET_FACTOR)]
    assert compute({"renewable_electricity_go": 10.0}, grid=GRID).scope2_market == 0


def test_a_carrier_without_a_factor_leaves_its_scope_not_computed_never_guessed() -> None:
    heat = compute({"district_heat": 5.0, "natural_gas": 10.0}, grid=GRID)
    assert heat.scope2_location is None and heat.scope1 == pytest.approx(2.0196)
    assert [(g.scope, g.carrier, g.reason) for g in heat.gaps] == [
        ("2-location", "district_heat", NO_FUEL_FACTOR)
    ]
    biomass = compute({"biomass": 5.0, "natural_gas": 10.0}, grid=GRID)
    assert biomass.scope1 is None  # a partial sum would understate scope 1
    grid = compute({"grid_electricity": 5.0}, grid=None, country="IT", year=2025)
    assert grid.scope2_location is None
    assert grid.gaps[0].as_json() == {
        "scope": "2-location",
        "carrier": "grid_electricity",
        "reason": NO_GRID_FACTOR,
        "country": "IT",
        "year": 2025,
    }
    with pytest.raises(MissingFactor, match="XX 2025"):
        grid_factor("XX", 2025)
    with pytest.raises(MissingFactor, match="coal"):
        fuel_factor("coal")


def test_for_member_uses_the_shipped_grid_factor_or_names_the_gap() -> None:
    gaps = for_member({"grid_electricity": 5.0}, "XX", 2025).gaps
    assert [(g.reason, g.country, g.year) for g in gaps if g.scope == "2-location"] == [
        (NO_GRID_FACTOR, "XX", 2025)
    ]


def test_a_reported_total_is_compared_within_the_configured_share() -> None:
    assert not differs(109.9, 100.0) and differs(110.1, 100.0) and differs(89.0, 100.0)
    assert not differs(114.0, 100.0, share=0.15)
