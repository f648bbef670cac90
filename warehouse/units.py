"""Unit handling with pint: submitted units are parsed, checked and turned into factors.

Conversion is set-based: pint is asked once per distinct (unit, target) pair for a factor, and
DuckDB multiplies whole columns by it. An unknown or incompatible unit is an error, never a guess.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pint

from ecocluster.warehouse.messages import N_
from ecocluster.warehouse.unit_text import shown

# Units that the EMAS indicators need beyond SI. Fuel quantities are converted to energy with
# net calorific values (typical values, IPCC 2006 Vol. 2 Table 1.2 / national inventories).
_DEFINITIONS = """
person = [headcount] = FTE = inhabitant = employee
overnight_stay = [stay] = night = overnight_stays = presenze
EUR = [currency]
kEUR = 1000 * EUR
diesel_litre = 9.96 * kilowatt_hour = l_diesel
heating_oil_litre = 10.0 * kilowatt_hour = l_heating_oil
lpg_litre = 6.8 * kilowatt_hour = l_lpg
natural_gas_m3 = 10.5 * kilowatt_hour = Sm3_gas
"""

# The fuel each fuel-specific unit measures (its calorific value is that fuel's): such a unit may
# stand for that fuel's energy, never for another carrier's (a litre of diesel is not a litre of LPG).
FUEL_UNITS = {
    "diesel_litre": "diesel",
    "heating_oil_litre": "heating_oil",
    "lpg_litre": "lpg",
    "natural_gas_m3": "natural_gas",
}

# What people write in the field, mapped to the registry's spelling.
_ALIASES = {
    "%": "percent",
    "percento": "percent",
    "procenti": "percent",
    "m3": "m**3",
    "m³": "m**3",
    "mc": "m**3",
    "m2": "m**2",
    "m²": "m**2",
    "tco2e": "t",
    "t co2e": "t",
    "t co2eq": "t",
    "tco2eq": "t",
    "kg co2e": "kg",
    "kgco2e": "kg",
    "tonnes": "t",
    "tonne": "t",
    "tons": "t",
    "ton": "t",
    "tonn": "t",
    "tonnellate": "t",
    "litri": "l",
    "litres": "l",
    "liters": "l",
    "litre": "l",
    "liter": "l",
    "litri gasolio": "l_diesel",
    "kwh": "kWh",
    "mwh": "MWh",
    "gwh": "GWh",
    "gj": "GJ",
    "mj": "MJ",
    "tj": "TJ",
    "fte": "FTE",
    "persons": "person",
    "people": "person",
    "inhabitants": "person",
    "iedzīvotāji": "person",
    "abitanti": "person",
    "dipendenti": "person",
    "darbinieki": "person",
    "nights": "night",
    "overnight stays": "overnight_stay",
    "nakšņošanas": "overnight_stay",
    "k€": "kEUR",
    "keur": "kEUR",
    "€": "EUR",
    "eur": "EUR",
    "mg/nm3": "mg/m**3",
    "mg/m3": "mg/m**3",
    "µg/m3": "µg/m**3",
    "ug/m3": "µg/m**3",
    "db(a)": "dimensionless",
    "dba": "dimensionless",
    "ph": "dimensionless",
}

# The spellings the member's workbook offers in its unit dropdown: the canonical units and the
# ways members write them (including what the bundled samples use: mc, m², presenze, abitanti).
# Each one is accepted by :func:`normalise` (tests/sample/test_template.py proves it); others may
# still be typed and are converted or refused the same way.
SPELLINGS = (
    "MWh",
    "kWh",
    "GJ",
    "MJ",
    "l_diesel",
    "l_heating_oil",
    "l_lpg",
    "Sm3_gas",
    "%",
    "t",
    "kg",
    "t CO2e",
    "kg CO2e",
    "tonnellate",
    "m3",
    "m³",
    "mc",
    "l",
    "litri",
    "m2",
    "m²",
    "ha",
    "FTE",
    "employees",
    "dipendenti",
    "darbinieki",
    "inhabitants",
    "abitanti",
    "iedzīvotāji",
    "overnight_stay",
    "presenze",
    "nakšņošanas",
    "kEUR",
    "EUR",
    "t/MWh",
    "kg/kWh",
    "mg/Nm3",
    "mg/l",
    "µg/m3",
    "l/s",
    "dB(A)",
)


@cache
def registry() -> pint.UnitRegistry:
    """Built on first use: loading pint's definitions costs a noticeable part of a CLI start."""
    units: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=False, cache_folder=None)
    units.load_definitions(_DEFINITIONS.strip().splitlines())
    return units


class UnitError(ValueError):
    """A unit that cannot be read, or that does not measure what the field needs; ``message`` is
    the msgid (ecocluster.warehouse.messages) and ``params`` its fields, so a refusal can be translated."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


def normalise(text: str) -> str:
    """The registry spelling of a submitted unit, or UnitError."""
    raw = " ".join(text.strip().split())
    if not raw:
        raise UnitError(N_("the unit is missing"))
    spelled = _ALIASES.get(raw.lower(), raw)
    try:
        registry().parse_units(spelled)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
        AssertionError,
    ) as e:
        raise UnitError(N_("unknown unit '{unit}'"), unit=text) from e
    return spelled


@lru_cache(maxsize=4096)
def factor(unit: str, target: str) -> float:
    """Multiplier taking a value in ``unit`` (submitted spelling) to ``target``."""
    source = normalise(unit)
    try:
        return float(registry().Quantity(1.0, source).to(target).magnitude)
    except pint.errors.DimensionalityError as e:
        raise UnitError(
            N_("'{unit}' cannot be converted to {target} (it measures something else)"),
            unit=unit,
            target=shown(target),
        ) from e
    except pint.errors.OffsetUnitCalculusError as e:
        raise UnitError(N_("'{unit}' has an offset and cannot be used here"), unit=unit) from e


def fuel_of(unit: str) -> str | None:
    """The fuel a fuel-specific unit (``l_diesel``, ``Sm3_gas`` …) measures; None for any other unit."""
    return FUEL_UNITS.get(str(registry().parse_units(normalise(unit))))


def check_carrier(unit: str, carrier: str | None) -> None:
    """UnitError when ``unit`` is another fuel's unit than the energy carrier's ``carrier`` (a
    quantity of LPG written in litres of diesel would be converted with diesel's calorific value)."""
    if carrier is None:
        return
    fuel = fuel_of(unit)
    if fuel is not None and fuel != carrier:
        raise UnitError(
            N_(
                "'{unit}' is a unit of {fuel}, not of {carrier}; give {carrier} in its own unit or "
                "in MWh, kWh or GJ"
            ),
            unit=unit,
            fuel=fuel,
            carrier=carrier,
        )


@lru_cache(maxsize=4096)
def to_base(unit: str) -> tuple[float, str]:
    """Factor and SI base unit, so that permit limits and measurements compare directly."""
    source = normalise(unit)
    parsed = registry().Quantity(1.0, source)
    if not parsed._is_multiplicative:  # degC and friends: keep as submitted
        return 1.0, source
    base = parsed.to_base_units()
    return float(base.magnitude), f"{base.units:~C}" or "1"
