"""CO₂e computed from the energy a member reports by carrier, each figure naming its factor
(issue 19, "CO₂e with provenance").

Scope 1 is the fuels burnt on site (IPCC 2006 default factors, ``warehouse/co2e_factors.json``);
scope 2 is grid electricity, location-based (the national grid factor of the member's country
for the reporting year, or the latest earlier year the table has) and market-based (a supplier or
residual-mix factor the member reports as ``energy.market_factor``; electricity bought with
guarantees of origin counts zero there, as the GHG Protocol Scope 2 Guidance says).
Self-generated renewable electricity emits nothing in either.

A carrier without a factor is never given a guessed one: the figure is left out, the scope's
total is "not computed", and the gap says why (:class:`Gap`). The statements show the gaps and
the checks (``plausibility.co2e_not_computed``) raise them as findings.

The module lives in ``warehouse`` because both the statements and the checks read it, and
neither may import the other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ecocluster.core.errors import EcoclusterError

MWH_IN_TJ = 0.0036  # 1 MWh = 3.6 GJ
DEFAULT_SHARE = 0.10  # a reported total further than this from the computed one is a finding
FUELS = ("natural_gas", "lpg", "heating_oil", "diesel", "petrol")
GRID = "grid_electricity"
GREEN = "renewable_electricity_go"  # purchased with guarantees of origin
SELF_GENERATED = "self_generated_renewable"
SCOPE_1, SCOPE_2_LOCATION, SCOPE_2_MARKET = "1", "2-location", "2-market"
# Why a figure could not be computed (the statements word them in the member's language).
NO_FUEL_FACTOR, NO_GRID_FACTOR, NO_MARKET_FACTOR = "no_fuel_factor", "no_grid_factor", "no_market_factor"


class MissingFactor(EcoclusterError):
    """A carrier the member reports has no emission factor ecocluster may use."""


@dataclass(frozen=True)
class Factor:
    """t CO₂e per MWh, and where it comes from (``year``: the year the value is for, if it has one)."""

    t_per_mwh: float
    dataset: str
    version: str
    source: str
    year: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "t_per_mwh": self.t_per_mwh,
            "dataset": self.dataset,
            "version": self.version,
            "source": self.source,
            "year": self.year,
        }


@dataclass(frozen=True)
class Figure:
    """One carrier's emissions in one scope (method), and the factor used."""

    scope: str  # SCOPE_1, SCOPE_2_LOCATION or SCOPE_2_MARKET
    carrier: str
    energy_mwh: float
    factor: Factor

    @property
    def t_co2e(self) -> float:
        return self.energy_mwh * self.factor.t_per_mwh

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "carrier": self.carrier,
            "energy_mwh": self.energy_mwh,
            "t_co2e": self.t_co2e,
            "factor": self.factor.as_json(),
        }


@dataclass(frozen=True)
class Gap:
    """A carrier whose emissions in ``scope`` could not be computed, and why (``reason``: one of
    NO_FUEL_FACTOR, NO_GRID_FACTOR, NO_MARKET_FACTOR; ``country``/``year`` for a grid factor)."""

    scope: str
    carrier: str
    reason: str
    country: str | None = None
    year: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "carrier": self.carrier,
            "reason": self.reason,
            "country": self.country,
            "year": self.year,
        }


@dataclass(frozen=True)
class Co2e:
    figures: tuple[Figure, ...]
    gaps: tuple[Gap, ...] = ()

    def total(self, scope: str) -> float | None:
        """The scope's total, or None when a carrier of that scope could not be computed (a
        partial sum would understate it) or nothing of that scope was reported."""
        if any(g.scope == scope for g in self.gaps):
            return None
        figures = [f for f in self.figures if f.scope == scope]
        return sum(f.t_co2e for f in figures) if figures else None

    @property
    def scope1(self) -> float | None:
        return self.total(SCOPE_1)

    @property
    def scope2_location(self) -> float | None:
        return self.total(SCOPE_2_LOCATION)

    @property
    def scope2_market(self) -> float | None:
        """None when grid electricity is reported without a market-based factor."""
        return self.total(SCOPE_2_MARKET)


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("ecocluster.warehouse").joinpath("co2e_factors.json").read_text(encoding="utf-8")
    )
    return data


def fuel_factor(carrier: str) -> Factor:
    """The IPCC 2006 default factor of a fuel, converted from kg CO₂/TJ to t CO₂/MWh."""
    entry = _table()["fuels"].get(carrier)
    if entry is None:
        raise MissingFactor(
            f"no emission factor for fuel {carrier!r} (known: {', '.join(FUELS)}); "
            "add it to warehouse/co2e_factors.json with its source"
        )
    dataset = _table()["datasets"][entry["dataset"]]
    return Factor(
        entry["kg_co2_per_tj"] / 1000 * MWH_IN_TJ,
        entry["dataset"],
        dataset["version"],
        f"{dataset['source']}: {entry['ipcc_fuel']}, {entry['kg_co2_per_tj']} kg CO2/TJ",
    )


def grid_factor(country: str, year: int) -> Factor:
    """The shipped location-based factor of a country's grid for ``year``, or for the latest
    earlier year the table has (national factors are published a year or two late); the
    factor's ``year`` says which."""
    years = {int(y): entry for y, entry in _table()["grid"].get(country, {}).items() if int(y) <= year}
    if not years:
        raise MissingFactor(
            f"no national grid electricity factor for {country} {year} in "
            "warehouse/co2e_factors.json; add the published value with its dataset "
            "(e.g. JRC Covenant of Mayors emission factors, CC BY 4.0) or pass one"
        )
    used = max(years)
    entry = years[used]
    dataset = _table()["datasets"][entry["dataset"]]
    return Factor(entry["t_co2_per_mwh"], entry["dataset"], dataset["version"], dataset["source"], used)


def fuel_factors() -> dict[str, float]:
    """t CO₂/MWh of every fuel with a shipped factor (the checks join these set-wise)."""
    return {carrier: fuel_factor(carrier).t_per_mwh for carrier in _table()["fuels"]}


def grid_factors() -> list[tuple[str, int, float]]:
    """(country, year, t CO₂/MWh) of every shipped national grid factor."""
    return sorted(
        (country, int(year), entry["t_co2_per_mwh"])
        for country, by_year in _table()["grid"].items()
        for year, entry in by_year.items()
    )


_GREEN_MARKET = Factor(
    0.0,
    "ghg-protocol-scope2",
    "2015",
    "GHG Protocol Scope 2 Guidance (2015), ch. 6: electricity backed by guarantees of origin",
)


def compute(
    energy: Mapping[str, float],
    *,
    grid: Factor | None,
    supplier: Factor | None = None,
    country: str | None = None,
    year: int | None = None,
) -> Co2e:
    """Scope 1 and 2 of a year's energy by carrier (MWh). ``grid`` is the location-based factor
    (None: not shipped for ``country`` and ``year``, a gap for grid and certified-green
    electricity); ``supplier`` the market-based one for grid electricity (None: a gap there)."""
    figures: list[Figure] = []
    gaps: list[Gap] = []
    for carrier, mwh in sorted(energy.items()):
        if carrier in FUELS:
            figures.append(Figure(SCOPE_1, carrier, mwh, fuel_factor(carrier)))
        elif carrier in (GRID, GREEN):
            if grid is None:
                gaps.append(Gap(SCOPE_2_LOCATION, carrier, NO_GRID_FACTOR, country, year))
            else:
                figures.append(Figure(SCOPE_2_LOCATION, carrier, mwh, grid))
            market = _GREEN_MARKET if carrier == GREEN else supplier
            if market is None:
                gaps.append(Gap(SCOPE_2_MARKET, carrier, NO_MARKET_FACTOR))
            else:
                figures.append(Figure(SCOPE_2_MARKET, carrier, mwh, market))
        elif carrier != SELF_GENERATED:  # district heat, biomass …: no factor shipped yet
            gaps.append(Gap(SCOPE_1 if carrier == "biomass" else SCOPE_2_LOCATION, carrier, NO_FUEL_FACTOR))
    return Co2e(tuple(figures), tuple(gaps))


def for_member(energy: Mapping[str, float], country: str, year: int, supplier: Factor | None = None) -> Co2e:
    """:func:`compute` with the shipped national grid factor of ``country`` for ``year``, if any."""
    try:
        grid: Factor | None = grid_factor(country, year)
    except MissingFactor:
        grid = None
    return compute(energy, grid=grid, supplier=supplier, country=country, year=year)


def differs(reported: float, computed: float, share: float = DEFAULT_SHARE) -> bool:
    """Whether a reported total is further than ``share`` of the computed one from it."""
    return abs(reported - computed) > share * abs(computed)
