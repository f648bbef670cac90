"""CO₂e computed from the energy a member reports by carrier, each figure naming its factor
(issue 19, "CO₂e with provenance").

Scope 1 is the fuels burnt on site (IPCC 2006 default factors, ``statements/co2e/factors.json``);
scope 2 is grid electricity, location-based (the national grid factor of the member's country
and year) and market-based (a supplier or residual-mix factor the member or coordinator supplies;
electricity bought with guarantees of origin counts zero there, as the GHG Protocol Scope 2
Guidance says). Self-generated renewable electricity emits nothing in either. A carrier without
a factor is refused by name: a figure is never computed from a guessed factor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from warehouse.errors import EcoclusterError

MWH_IN_TJ = 0.0036  # 1 MWh = 3.6 GJ
DEFAULT_SHARE = 0.10  # a reported total further than this from the computed one is a finding
FUELS = ("natural_gas", "lpg", "heating_oil", "diesel", "petrol")
GRID = "grid_electricity"
GREEN = "renewable_electricity_go"  # purchased with guarantees of origin
SELF_GENERATED = "self_generated_renewable"


class MissingFactor(EcoclusterError):
    """A carrier the member reports has no emission factor ecocluster may use."""


@dataclass(frozen=True)
class Factor:
    """t CO₂e per MWh, and where it comes from."""

    t_per_mwh: float
    dataset: str
    version: str
    source: str

    def as_json(self) -> dict[str, Any]:
        return {"t_per_mwh": self.t_per_mwh, "dataset": self.dataset, "version": self.version,
                "source": self.source}


@dataclass(frozen=True)
class Figure:
    """One carrier's emissions in one scope (method), and the factor used."""

    scope: str  # "1", "2-location" or "2-market"
    carrier: str
    energy_mwh: float
    factor: Factor

    @property
    def t_co2e(self) -> float:
        return self.energy_mwh * self.factor.t_per_mwh

    def as_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "carrier": self.carrier, "energy_mwh": self.energy_mwh,
                "t_co2e": self.t_co2e, "factor": self.factor.as_json()}


@dataclass(frozen=True)
class Co2e:
    figures: tuple[Figure, ...]

    def total(self, scope: str) -> float:
        return sum(f.t_co2e for f in self.figures if f.scope == scope)

    @property
    def scope1(self) -> float:
        return self.total("1")

    @property
    def scope2_location(self) -> float:
        return self.total("2-location")

    @property
    def scope2_market(self) -> float | None:
        """None when no market-based factor was supplied for grid electricity."""
        if any(f.scope == "2-market" for f in self.figures):
            return self.total("2-market")
        return None


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("statements").joinpath("co2e", "factors.json")
                                      .read_text(encoding="utf-8"))
    return data


def fuel_factor(carrier: str) -> Factor:
    """The IPCC 2006 default factor of a fuel, converted from kg CO₂/TJ to t CO₂/MWh."""
    entry = _table()["fuels"].get(carrier)
    if entry is None:
        raise MissingFactor(f"no emission factor for fuel {carrier!r} (known: {', '.join(FUELS)}); "
                            "add it to statements/co2e/factors.json with its source")
    dataset = _table()["datasets"][entry["dataset"]]
    return Factor(entry["kg_co2_per_tj"] / 1000 * MWH_IN_TJ, entry["dataset"], dataset["version"],
                  f"{dataset['source']}: {entry['ipcc_fuel']}, {entry['kg_co2_per_tj']} kg CO2/TJ")


def grid_factor(country: str, year: int) -> Factor:
    """The shipped location-based factor of a country's grid for a year."""
    entry = _table()["grid"].get(country, {}).get(str(year))
    if entry is None:
        raise MissingFactor(f"no national grid electricity factor for {country} {year} in "
                            "statements/co2e/factors.json; add the published value with its dataset "
                            "(e.g. JRC Covenant of Mayors emission factors, CC BY 4.0) or pass one")
    dataset = _table()["datasets"][entry["dataset"]]
    return Factor(entry["t_co2_per_mwh"], entry["dataset"], dataset["version"], dataset["source"])


def compute(energy: Mapping[str, float], *, grid: Factor | None, supplier: Factor | None = None) -> Co2e:
    """Scope 1 and 2 of a year's energy by carrier (MWh). ``grid`` is the location-based factor
    (needed when grid or certified-green electricity is reported); ``supplier`` the market-based
    one for grid electricity; without it there is no market-based total."""
    figures: list[Figure] = []
    market = supplier is not None or GRID not in energy  # else a market-based total would leave grid power out
    for carrier, mwh in sorted(energy.items()):
        if carrier in FUELS:
            figures.append(Figure("1", carrier, mwh, fuel_factor(carrier)))
        elif carrier in (GRID, GREEN):
            if grid is None:
                raise MissingFactor(f"{carrier} is reported but no location-based grid factor was given")
            figures.append(Figure("2-location", carrier, mwh, grid))
            if carrier == GREEN and market:
                figures.append(Figure("2-market", carrier, mwh, Factor(
                    0.0, "ghg-protocol-scope2", "2015", "GHG Protocol Scope 2 Guidance (2015), ch. 6: "
                    "electricity backed by guarantees of origin")))
            elif supplier is not None:
                figures.append(Figure("2-market", carrier, mwh, supplier))
        elif carrier != SELF_GENERATED:
            raise MissingFactor(f"no emission factor for energy carrier {carrier!r}")
    return Co2e(tuple(figures))


def differs(reported: float, computed: float, share: float = DEFAULT_SHARE) -> bool:
    """Whether a reported total is further than ``share`` of the computed one from it."""
    return abs(reported - computed) > share * abs(computed)
