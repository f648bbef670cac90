"""The VSME report of a member, from its canonical statement JSON (issue 19, "VSME export").

Banks and customers ask the same SMEs for a VSME report (EFRAG's voluntary standard for SMEs,
Commission Recommendation of 30 July 2025). Its environmental disclosures B3–B7 are figures the
EMAS statement already holds, so one submission yields both: the statement JSON is read (never
the warehouse again, so the VSME figures are the ones the verifier saw) and written out as

- EFRAG's VSME Digital Template filled in (``statements/vsme/``, MIT): every datapoint of that
  workbook is a named range named after its taxonomy concept; values go into the first cell of
  the named range and the names themselves are left as they are (broken named ranges are that
  template's most reported problem);
- an OIM xBRL-JSON report of the same facts, with the concepts, period types and units of the
  VSME taxonomy of 2026-05-01 (``vsme-taxonomy-2026-05-01.json``).

Both also carry the member's NACE code (``NaceSectorClassificationCodes``, VSME B1 24(e)(ii)). The
VSME taxonomy uses NACE Rev. 2.1, the statement NACE Rev. 2: the code is the statement's one read
through Eurostat's correspondence table (``ecocluster.warehouse.nace.rev21_code``). Where a Rev. 2
code corresponds to several Rev. 2.1 codes nothing is guessed: the coordinator's choice in the
roster (``nace_rev21``, one of the candidates) is passed in, and without it the export is refused
naming the candidates (:class:`NaceUndecided`).

Both are byte-identical for the same statement: the workbook is EFRAG's file with only the
written cells changed, its zip entries dated 1980-01-01.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb
from defusedxml import ElementTree

from ecocluster.core.errors import EcoclusterError
from ecocluster.statements._register import StatementNotFound
from ecocluster.warehouse import nace

TEMPLATE = "VSME-Digital-Template-1.3.0.xlsx"
TAXONOMY = "vsme-taxonomy-2026-05-01.json"
ENTRY_POINT = "https://xbrl.efrag.org/taxonomy/vsme/2026-05-01/vsme-all.xsd"
VSME_NS = "https://xbrl.efrag.org/taxonomy/vsme/2026-05-01/vsme"
FACTORS_PROPERTY = "ecoclusterco2e:factors"
# No LEI, DUNS or EUID is known for a member: its entity identifier is its ecocluster member id.
ENTITY_SCHEME = "https://ecocluster.example/member"
NAMESPACES = {
    "vsme": VSME_NS,
    "utr": "http://www.xbrl.org/2009/utr",
    "xbrli": "http://www.xbrl.org/2003/instance",
    "ecocluster": ENTITY_SCHEME,
    "ecoclusterco2e": "https://ecocluster.example/co2e",
}
# The measure the converter (vsme-disclosures.json "dataTypesToUnits") uses for each data type.
UNITS = {
    "dtr-types:energyItemType": "utr:MWh",
    "dtr-types:ghgEmissionsItemType": "utr:tCO2e",
    "dtr-types:massItemType": "utr:t",
    "dtr-types:areaItemType": "utr:ha",
    "dtr-types:volumeItemType": "utr:m3",
}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

TONNES = "metric tonnes (t)"  # unit spellings of the template's own dropdowns
SQUARE_METRES = "squared meters (m2)"


@dataclass(frozen=True)
class Datapoint:
    """Where a statement indicator goes: a VSME concept, the factor from the indicator's canonical
    unit into the xBRL unit and into the template's unit, the template cell naming that unit (and
    the spelling written there) when the member chooses it, and the pollutant for B4."""

    indicator: str
    concept: str
    xbrl_factor: float
    template_factor: float
    unit_cell: str | None = None
    unit_label: str | None = None
    pollutant: tuple[str, str] | None = None  # (axis member, the template's dropdown label)


_AIR = "AmountOfEmissionToAir"
_TOTAL_LOCATION = "TotalGrossLocationBasedScope1AndScope2GHGEmissions"
_WASTE_UNIT = "TotalHazardousWasteGeneratedMass_unit"  # the non-hazardous and total units follow it
DATAPOINTS: tuple[Datapoint, ...] = (
    Datapoint("energy.total_direct", "TotalEnergyConsumption", 1, 1),
    # The member's reported total (EMAS Annex IV: scope 1 and 2), unless ecocluster computed both
    # scopes (see _COMPUTED).
    Datapoint("emissions.ghg", _TOTAL_LOCATION, 1, 1),
    Datapoint(
        "emissions.so2",
        _AIR,
        0.001,
        0.001,
        "AmountOfEmissionToAir_unit",
        TONNES,
        ("SulphurOxidesSOxSO2Member", "Sulphur oxides (SOx/SO2)"),
    ),
    Datapoint(
        "emissions.nox",
        _AIR,
        0.001,
        0.001,
        "AmountOfEmissionToAir_unit",
        TONNES,
        ("NitrogenOxidesNOxNO2Member", "Nitrogen oxides (NOx/NO2)"),
    ),
    Datapoint(
        "emissions.pm",
        _AIR,
        0.001,
        0.001,
        "AmountOfEmissionToAir_unit",
        TONNES,
        ("ParticulateMatterPMMember", "Particulate matter (PM)"),
    ),
    Datapoint("land.sealed", "TotalSealedArea", 1e-4, 1, "TotalSealedArea_unit", SQUARE_METRES),
    Datapoint(
        "land.nature_on_site", "TotalNatureOrientedAreaOnSite", 1e-4, 1, "TotalSealedArea_unit", SQUARE_METRES
    ),
    Datapoint(
        "land.nature_off_site",
        "TotalNatureOrientedAreaOffSite",
        1e-4,
        1,
        "TotalSealedArea_unit",
        SQUARE_METRES,
    ),
    Datapoint("land.total", "TotalUseOfLand", 1e-4, 1, "TotalSealedArea_unit", SQUARE_METRES),
    Datapoint("water.total", "TotalAmountOfWaterWithdrawnFromAllSites", 1, 1),
    Datapoint("waste.hazardous", "TotalHazardousWasteGeneratedMass", 1, 1, _WASTE_UNIT, TONNES),
    Datapoint("waste.total", "TotalWasteGeneratedMass", 1, 1, _WASTE_UNIT, TONNES),
    # VSME B7 (paragraph 34), not a Comprehensive-module resource-inflow datapoint; the template
    # states this total in kilograms.
    Datapoint("materials.total", "TotalMassOfMaterialUsed", 1, 1000),
)
_NON_HAZARDOUS = Datapoint(
    "waste.non_hazardous", "TotalNonHazardousWasteGeneratedMass", 1, 1, _WASTE_UNIT, TONNES
)
_POLLUTANT_AXIS = "TypeOfPollutantAxis"
# B3 scope 1 and 2 from the statement's computed CO2e (``co2e.totals``), never from the member's
# hand-reported total: a scope that could not be computed (a carrier without a factor) gives no fact.
_COMPUTED = (
    ("scope1", Datapoint("co2e.scope1", "GrossScope1GreenhouseGasEmissions", 1, 1), ("1",)),
    (
        "scope2_location",
        Datapoint("co2e.scope2_location", "GrossLocationBasedScope2GreenhouseGasEmissions", 1, 1),
        ("2-location",),
    ),
    (
        "scope2_market",
        Datapoint("co2e.scope2_market", "GrossMarketBasedScope2GreenhouseGasEmissions", 1, 1),
        ("2-market",),
    ),
    (
        "total_location",
        Datapoint("co2e.total_location", _TOTAL_LOCATION, 1, 1),
        ("1", "2-location"),
    ),
    (
        "total_market",
        Datapoint("co2e.total_market", "TotalGrossMarketBasedScope1AndScope2GHGEmissions", 1, 1),
        ("1", "2-market"),
    ),
)
_NACE = "NaceSectorClassificationCodes"
_NACE_MEMBER = re.compile(r"^nace:NACE_[A-Z](?P<digits>[0-9]{2,4})$")


class NaceUndecided(EcoclusterError):
    """The member's NACE Rev. 2 code corresponds to several NACE Rev. 2.1 codes and the roster names
    none of them (or names another): the coordinator must choose, the export does not guess."""

    exit_code = 65  # EX_DATAERR: the roster lacks a datum; adding it to the roster fixes it


@dataclass(frozen=True)
class Fact:
    """One VSME datapoint of the member's reporting year, in the statement's canonical unit."""

    datapoint: Datapoint
    value: float
    # The emission factors a computed figure rests on ("dataset version: source"), cited in the report.
    factors: tuple[str, ...] = ()

    @property
    def xbrl_value(self) -> float:
        return self.value * self.datapoint.xbrl_factor

    @property
    def template_value(self) -> float:
        return self.value * self.datapoint.template_factor


@dataclass(frozen=True)
class VsmeExport:
    workbook: Path
    xbrl_json: Path
    facts: tuple[Fact, ...]
    nace_rev21: str  # the member's NACE Rev. 2.1 code the report carries


def member_nace_rev21(document: dict[str, Any], chosen: str | None = None) -> str:
    """The member's NACE Rev. 2.1 code: its statement's NACE Rev. 2 code through Eurostat's
    correspondence, ``chosen`` (the roster's ``nace_rev21``) deciding among several candidates."""
    organisation = document["organisation"]
    try:
        return nace.rev21_code(organisation["nace"], chosen)
    except nace.NotNace as e:
        raise NaceUndecided(
            f"VSME report of member {organisation['member_id']}: {e}. Add the member's nace_rev21 to the "
            "cluster roster, send the roster again, then export"
        ) from e


def nace_member(code: str) -> str:
    """The VSME taxonomy's NACE domain member (``nace:NACE_I5510``) of a NACE Rev. 2.1 code."""
    digits = code.replace(".", "")
    concept = taxonomy()["concepts"][f"vsme:{_NACE}"]
    for member in concept["other"]["ee20DomainMembers"]:
        found = _NACE_MEMBER.fullmatch(member)
        if found and found["digits"] == digits:
            return str(member)
    raise LookupError(f"NACE Rev. 2.1 {code} is not in the VSME taxonomy's NACE list")


def facts(document: dict[str, Any]) -> tuple[Fact, ...]:
    """The member's B3–B7 figures of its reporting year: reported values only (an excluded or
    missing indicator gives no fact, never a zero)."""
    year = document["reporting_year"]
    reported: dict[str, float] = {}
    for indicator in document["indicators"]:
        for point in indicator["values"]:
            if point["year"] == year and point.get("a") is not None:
                reported[indicator["code"]] = float(point["a"])
    computed = _computed(document.get("co2e"))
    concepts = {f.datapoint.concept for f in computed}
    found = [
        Fact(d, reported[d.indicator])
        for d in DATAPOINTS
        if d.indicator in reported and d.concept not in concepts
    ]
    if "waste.total" in reported and "waste.hazardous" in reported:
        found.append(Fact(_NON_HAZARDOUS, reported["waste.total"] - reported["waste.hazardous"]))
    return (*found, *computed)


def _computed(co2e: dict[str, Any] | None) -> tuple[Fact, ...]:
    """Scope 1 and 2 (and their sums) that the statement computed, each citing its factors."""
    if co2e is None:
        return ()
    totals = dict(co2e["totals"])
    for method in ("location", "market"):
        scope2 = totals[f"scope2_{method}"]
        totals[f"total_{method}"] = (
            None if totals["scope1"] is None or scope2 is None else totals["scope1"] + scope2
        )
    return tuple(
        Fact(
            datapoint,
            float(totals[key]),
            tuple(
                sorted(
                    {
                        f"{f['factor']['dataset']} {f['factor']['version']}: {f['factor']['source']}"
                        for f in co2e["figures"]
                        if f["scope"] in scopes
                    }
                )
            ),
        )
        for key, datapoint, scopes in _COMPUTED
        if totals[key] is not None
    )


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, Any]:
    """The VSME taxonomy dump shipped with the package."""
    data: dict[str, Any] = json.loads(
        resources.files("ecocluster.statements").joinpath("vsme", TAXONOMY).read_text(encoding="utf-8")
    )
    return data


def _decimal(value: float) -> str:
    """xs:decimal spelling (no exponent) of a value rounded as the canonical JSON rounds it."""
    text = format(Decimal(f"{value:.12g}"), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def xbrl_json(document: dict[str, Any], found: Iterable[Fact], nace_rev21: str) -> dict[str, Any]:
    """The OIM xBRL-JSON report of the facts (https://www.xbrl.org/Specification/xbrl-json/) and of
    the member's NACE Rev. 2.1 code. That one is an Extensible Enumerations 2.0 set: its value is
    the domain member's expanded name in URI form (namespace, ``#``, local name)."""
    concepts = taxonomy()["concepts"]
    year = document["reporting_year"]
    entity = f"ecocluster:{document['organisation']['member_id']}"
    prefix, local = nace_member(nace_rev21).split(":")
    out: dict[str, Any] = {
        f"f-{_NACE}": {
            "value": f"{taxonomy()['namespaces'][prefix]}#{local}",
            "dimensions": {
                "concept": f"vsme:{_NACE}",
                "entity": entity,
                "period": f"{year + 1}-01-01T00:00:00",  # an instant concept: the end of the year
            },
        }
    }
    for fact in found:
        qname = f"vsme:{fact.datapoint.concept}"
        concept = concepts[qname]
        period = (
            f"{year}-01-01T00:00:00/{year + 1}-01-01T00:00:00"
            if concept["periodType"] == "duration"
            else f"{year + 1}-01-01T00:00:00"
        )
        dimensions = {
            "concept": qname,
            "entity": entity,
            "period": period,
            "unit": UNITS[concept["dataType"]],
        }
        fact_id = f"f-{fact.datapoint.concept}"
        if fact.datapoint.pollutant:
            dimensions[f"vsme:{_POLLUTANT_AXIS}"] = f"vsme:{fact.datapoint.pollutant[0]}"
            fact_id += f"-{fact.datapoint.pollutant[0]}"
        out[fact_id] = {"value": _decimal(fact.xbrl_value), "dimensions": dimensions}
        if fact.factors:  # an OIM extension property: the factors the computed figure rests on
            out[fact_id][FACTORS_PROPERTY] = list(fact.factors)
    return {
        "documentInfo": {
            "documentType": "https://xbrl.org/2021/xbrl-json",
            "namespaces": NAMESPACES,
            "taxonomy": [ENTRY_POINT],
        },
        "facts": out,
    }


# The reporting period has no named range for its inputs: the year, month and day cells above the
# computed start and end dates (template_reporting_period_startdate / _enddate).
_PERIOD_INPUTS = (
    ("template_reporting_period_startdate", (1, 1)),
    ("template_reporting_period_enddate", (12, 31)),
)
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_REF = re.compile(r"^'?(?P<sheet>.+?)'?!\$(?P<col>[A-Z]+)\$(?P<row>\d+)")
_CALC_CHAIN = "xl/calcChain.xml"


@dataclass(frozen=True)
class _Template:
    """The template's parts and where its named ranges start (sheet part, column, row)."""

    parts: dict[str, bytes]
    names: dict[str, tuple[str, str, int]]

    def cell(self, name: str, row_offset: int = 0) -> tuple[str, str]:
        part, col, row = self.names[name]
        return part, f"{col}{row + row_offset}"


def _load_template() -> _Template:
    data = resources.files("ecocluster.statements").joinpath("vsme", TEMPLATE).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {info.filename: z.read(info.filename) for info in z.infolist()}
    book = ElementTree.fromstring(parts["xl/workbook.xml"])
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): "xl/" + str(r.get("Target")) for r in rels.findall("p:Relationship", _NS)}
    sheets = {
        str(s.get("name")): targets[str(s.get(f"{{{_NS['r']}}}id"))]
        for s in book.findall("m:sheets/m:sheet", _NS)
    }
    names = {}
    for d in book.findall("m:definedNames/m:definedName", _NS):
        ref = _REF.match(d.text or "")
        if ref and d.get("localSheetId") is None and ref["sheet"].replace("''", "'") in sheets:
            names[str(d.get("name"))] = (sheets[ref["sheet"].replace("''", "'")], ref["col"], int(ref["row"]))
    return _Template(parts, names)


def _set_cell(sheet: bytes, ref: str, value: float | str) -> bytes:
    """The sheet XML with the cell's value (and any formula) replaced, its style kept. Every cell the
    export writes exists in the template (it is styled); a missing one is a bug, not a guess."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.DOTALL)
    found = pattern.search(sheet)
    if found is None:
        raise LookupError(f"VSME template: cell {ref} is not in the sheet")
    style = re.search(rb's="\d+"', found["attrs"])
    attrs = b' r="' + ref.encode() + b'"' + (b" " + style.group(0) if style else b"")
    if isinstance(value, str):
        body = (
            attrs + b' t="inlineStr"><is><t xml:space="preserve">' + escape(value).encode() + b"</t></is></c>"
        )
    else:
        body = attrs + b"><v>" + _decimal(float(value)).encode() + b"</v></c>"
    return sheet[: found.start()] + b"<c" + body + sheet[found.end() :]


def _without_calc_chain(parts: dict[str, bytes]) -> None:
    """Drop the calculation chain (some formula cells now hold values) and have Excel recalculate
    on opening, so the template's own checks see the figures."""
    parts.pop(_CALC_CHAIN, None)
    parts["[Content_Types].xml"] = re.sub(
        rb'<Override PartName="/xl/calcChain.xml"[^>]*/>', b"", parts["[Content_Types].xml"]
    )
    parts["xl/_rels/workbook.xml.rels"] = re.sub(
        rb'<Relationship [^>]*Target="calcChain.xml"/>', b"", parts["xl/_rels/workbook.xml.rels"]
    )
    parts["xl/workbook.xml"] = re.sub(
        rb"<calcPr ([^>]*?)/>", rb'<calcPr \1 fullCalcOnLoad="1"/>', parts["xl/workbook.xml"]
    )


def _nace_label(code: str) -> str:
    """The template's dropdown entry of a NACE Rev. 2.1 class ("NACE I - 55.10 Hotels and similar
    accommodation"): the taxonomy's English label of the domain member, as the template lists it."""
    labels = taxonomy()["concepts"][nace_member(code)]["labels"]["en"]
    return f"NACE {labels['http://www.xbrl.org/2003/role/label']}"


def fill_template(document: dict[str, Any], found: Iterable[Fact], nace_rev21: str) -> bytes:
    """EFRAG's Digital Template with the member's identity, NACE class, period and figures filled
    in. Only the written cells change (in the sheet XML): named ranges, checkboxes, dropdowns and
    the template's own formulas stay as EFRAG made them. The template takes NACE classes only (it
    marks a section, division or group as an error), so a coarser code goes to the xBRL-JSON only."""
    template = _load_template()
    year = document["reporting_year"]
    writes: list[tuple[tuple[str, str], float | int | str]] = [
        (template.cell("template_reporting_entity_name"), document["organisation"]["legal_name"]),
        (template.cell("template_currency"), "EUR"),
    ]
    if len(nace_rev21) == len("55.10"):
        writes.append((template.cell(_NACE), _nace_label(nace_rev21)))
    for name, (month, day) in _PERIOD_INPUTS:
        writes += [
            (template.cell(name, offset), value)
            for offset, value in zip((-3, -2, -1), (year, month, day), strict=False)
        ]
    pollutant_row = 0
    for fact in found:
        d = fact.datapoint
        if d.pollutant:
            writes += [
                (template.cell(_POLLUTANT_AXIS, pollutant_row), d.pollutant[1]),
                (template.cell(d.concept, pollutant_row), fact.template_value),
            ]
            pollutant_row += 1
        else:
            writes.append((template.cell(d.concept), fact.template_value))
        if d.unit_cell and d.unit_label:
            writes.append((template.cell(d.unit_cell), d.unit_label))
    parts = dict(template.parts)
    for (part, ref), value in writes:
        parts[part] = _set_cell(parts[part], ref, value)
    _without_calc_chain(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for filename, data in parts.items():
            entry = zipfile.ZipInfo(filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def export_vsme(document: dict[str, Any], out: Path, nace_rev21_choice: str | None = None) -> VsmeExport:
    """Write ``<member>-<year>-vsme.xlsx`` and ``<member>-<year>-vsme.json`` into ``out``.
    ``nace_rev21_choice`` is the roster's ``nace_rev21`` of the member (``warehouse.nace.chosen_rev21``),
    needed when its NACE Rev. 2 code has several NACE Rev. 2.1 candidates."""
    if document.get("subject") != "member":
        raise ValueError("a VSME report is made from a member statement, not a joint cluster statement")
    code = member_nace_rev21(document, nace_rev21_choice)
    found = facts(document)
    stem = f"{document['organisation']['member_id']}-{document['reporting_year']}-vsme"
    out.mkdir(parents=True, exist_ok=True)
    workbook, report = out / f"{stem}.xlsx", out / f"{stem}.json"
    workbook.write_bytes(fill_template(document, found, code))
    report.write_text(
        json.dumps(xbrl_json(document, found, code), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return VsmeExport(workbook, report, found, code)


def member_statement_id(con: duckdb.DuckDBPyConnection, member: str, year: int | None) -> str:
    """The statement a member's VSME report is made from: of its newest reporting year (or
    ``year``), the validated render if there is one, else the newest draft not superseded."""
    row = con.execute(
        """SELECT statement_id FROM current_statement s
           WHERE subject = 'member' AND member_id = $member AND ($year IS NULL OR reporting_year = $year)
             AND NOT EXISTS (SELECT 1 FROM current_statement n WHERE n.supersedes = s.statement_id)
           ORDER BY reporting_year DESC, (status = 'validated') DESC, created_at DESC, statement_id LIMIT 1""",  # noqa: E501  # SQL: wrapping a line would change the query text
        {"member": member, "year": year},
    ).fetchone()
    if row is None:
        when = f" for {year}" if year is not None else ""
        raise StatementNotFound(
            f"member {member} has no drafted statement{when}; run "
            f"`ecocluster draft --member {member}{f' --year {year}' if year else ''}` first"
        )
    return str(row[0])
