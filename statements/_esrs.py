"""Where each EMAS core indicator lands in the sustainability-reporting standards.

ESRS 1 lets an undertaking incorporate its EMAS statement by reference and the VSME standard's
land-use categories are the EMAS ones, so each indicator in the statement JSON names its VSME
(Basic module) disclosure and ESRS topical datapoint; a reporting tool can then lift the values
without a mapping table of its own.
"""

from __future__ import annotations

ESRS_DATAPOINTS: dict[str, str] = {
    "energy.total_direct": "VSME B3 total energy consumption; ESRS E1-5",
    "energy.renewable_share": "VSME B3 renewable share; ESRS E1-5",
    "energy.renewable_generated": "ESRS E1-5 renewable energy production",
    "materials.total": "VSME B7 total mass of materials used; ESRS E5-4",
    "water.total": "VSME B6 total water withdrawal; ESRS E3-4",
    "waste.total": "VSME B7 total waste generated; ESRS E5-5",
    "waste.hazardous": "VSME B7 hazardous waste; ESRS E5-5",
    "land.total": "VSME B5 total use of land; ESRS E4-5",
    "land.sealed": "VSME B5 total sealed area; ESRS E4-5",
    "land.nature_on_site": "VSME B5 nature-oriented area on site; ESRS E4-5",
    "land.nature_off_site": "VSME B5 nature-oriented area off site; ESRS E4-5",
    "emissions.ghg": "VSME B3 gross GHG emissions (scope 1+2); ESRS E1-6",
    "emissions.so2": "VSME B4 pollutant emissions to air; ESRS E2-4",
    "emissions.nox": "VSME B4 pollutant emissions to air; ESRS E2-4",
    "emissions.pm": "VSME B4 pollutant emissions to air; ESRS E2-4",
}
