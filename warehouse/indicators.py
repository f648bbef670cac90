"""The indicator catalogue: EMAS Annex IV core indicators, outputs (B) and cluster indicators.

Codes are stable identifiers used in submissions, checks and statements; each has one canonical
unit into which submitted values are converted, so that R = A/B and year-on-year comparisons
never mix kWh with MWh.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    CORE = "A"  # Annex IV C.2 core indicator: annual input or impact
    OUTPUT = "B"  # annual output or size of the organisation
    CLUSTER = "C"  # shared cluster indicator (seed 000)
    CARRIER = "E"  # energy by carrier (issue 19): what CO2e is computed from, not a core indicator itself


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    role: Role
    unit: str  # canonical unit, in the units registry's spelling
    label: str  # English label; other languages come from the statements' catalogs
    required: bool = True  # a core indicator must be reported or excluded with a justification
    carrier: str | None = (
        None  # an energy carrier's key in the emission factor tables (ecocluster.warehouse.co2e)
    )


CATALOGUE: tuple[Indicator, ...] = (
    Indicator("energy.total_direct", "energy", Role.CORE, "MWh", "Total direct energy use"),
    Indicator("energy.renewable_share", "energy", Role.CORE, "percent", "Share of renewable energy"),
    Indicator("energy.renewable_generated", "energy", Role.CORE, "MWh", "Renewable energy generated"),
    Indicator("materials.total", "materials", Role.CORE, "t", "Annual mass-flow of materials used"),
    Indicator("water.total", "water", Role.CORE, "m**3", "Total annual water use"),
    Indicator("waste.total", "waste", Role.CORE, "t", "Total annual generation of waste"),
    Indicator("waste.hazardous", "waste", Role.CORE, "t", "Total annual generation of hazardous waste"),
    Indicator("land.total", "land", Role.CORE, "m**2", "Total use of land"),
    Indicator("land.sealed", "land", Role.CORE, "m**2", "Total sealed area"),
    Indicator("land.nature_on_site", "land", Role.CORE, "m**2", "Total nature-oriented area on site"),
    Indicator("land.nature_off_site", "land", Role.CORE, "m**2", "Total nature-oriented area off site"),
    Indicator("emissions.ghg", "emissions", Role.CORE, "t", "Total annual GHG emissions (t CO2e)"),
    Indicator("emissions.so2", "emissions", Role.CORE, "kg", "Annual SO2 emissions"),
    Indicator("emissions.nox", "emissions", Role.CORE, "kg", "Annual NOx emissions"),
    Indicator("emissions.pm", "emissions", Role.CORE, "kg", "Annual PM emissions"),
    Indicator("output.employees", "output", Role.OUTPUT, "person", "Employees (FTE)", False),
    Indicator("output.overnight_stays", "output", Role.OUTPUT, "overnight_stay", "Overnight stays", False),
    Indicator("output.inhabitants", "output", Role.OUTPUT, "person", "Inhabitants", False),
    Indicator("output.value_added", "output", Role.OUTPUT, "kEUR", "Gross value added", False),
    Indicator(
        "mobility.sustainable_share",
        "mobility",
        Role.CLUSTER,
        "percent",
        "Share of trips by sustainable modes",
        False,
    ),
    Indicator(
        "purchasing.green_share", "purchasing", Role.CLUSTER, "percent", "Green purchasing share", False
    ),
    *(
        Indicator(f"energy.{key}", "carrier", Role.CARRIER, "MWh", label, False, key)
        for key, label in (
            ("natural_gas", "Natural gas"),
            ("lpg", "LPG"),
            ("heating_oil", "Heating oil"),
            ("diesel", "Diesel"),
            ("petrol", "Petrol"),
            ("grid_electricity", "Grid electricity"),
            ("renewable_electricity_go", "Purchased renewable electricity with guarantees of origin"),
            ("self_generated_renewable", "Self-generated renewable electricity"),
            ("district_heat", "District heat"),
            ("biomass", "Biomass"),
        )
    ),
    # The market-based (supplier or residual-mix) factor of the member's grid electricity, if it has one.
    Indicator(
        "energy.market_factor",
        "carrier",
        Role.CARRIER,
        "t/MWh",
        "Supplier emission factor of grid electricity (market-based)",
        False,
    ),
    # The denominator of the EU benchmarks of excellence stated per m² (warehouse/benchmarks.py).
    # Last in the catalogue: the sample generator draws nothing for it (warehouse/sample/_population.py).
    Indicator("output.floor_area", "output", Role.OUTPUT, "m**2", "Floor area of the buildings used", False),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in CATALOGUE}
CORE: tuple[Indicator, ...] = tuple(i for i in CATALOGUE if i.role is Role.CORE)
OUTPUTS: tuple[Indicator, ...] = tuple(i for i in CATALOGUE if i.role is Role.OUTPUT)
CARRIERS: tuple[Indicator, ...] = tuple(i for i in CATALOGUE if i.carrier is not None)
MARKET_FACTOR = "energy.market_factor"
FLOOR_AREA = "output.floor_area"

# The EMS milestones of the step-by-step approach (seed 002) and Art. 4 prerequisites.
STEPS = tuple(f"step_{n}" for n in range(1, 7))
INTERMEDIATE_AUDITS = tuple(f"audit_{n}" for n in range(1, 4))
PREREQUISITES = ("initial_review", "internal_audit", "management_review")
MILESTONES = STEPS + INTERMEDIATE_AUDITS + PREREQUISITES
