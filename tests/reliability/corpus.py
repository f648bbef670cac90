"""A corpus of bad submissions, each paired with the error a coordinator must see.

Field-level cases are generated from ecocluster.warehouse.sections, so every rule of every field is tried
in both JSON and CSV; format-level cases (encodings, structure, spreadsheet tricks) are listed by hand.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ecocluster.warehouse.sections import SECTIONS, Kind, Section
from tests.warehouse.builders import SUBMISSION


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], Path]  # writes the file into a folder, returns its path
    expected: str  # a fragment of the error message the coordinator must see


_BAD_VALUES: dict[Kind, list[tuple[str, str]]] = {
    Kind.NUMBER: [
        ("abc", "is not a number"),
        ("NaN", "is not a finite number"),
        ("inf", "is not a finite number"),
        ("-Infinity", "is not a finite number"),
        ("1e999", "is not"),
        ("1.2.3", "is not a number"),
        ("0x1A", "is not a number"),
        ("12 kg", "is not a number"),
        ("=1+1", "is not a number"),
    ],
    Kind.DATE: [
        ("2025-02-30", "is not a date"),
        ("31/12/2025", "is not a date"),
        ("yesterday", "is not a date"),
        ("1850-01-01", "is not a plausible date"),
        ("2025-13-01", "is not a date"),
    ],
    Kind.INTEGER: [("2025.5", "is not a whole number"), ("next year", "is not a whole number")],
    Kind.BOOLEAN: [("maybe", "must be yes or no")],
    Kind.CHOICE: [("bogus-choice", "is not")],
    Kind.UNIT: [("zorkmids", "unknown unit")],
}


def _base_row(section: Section) -> dict[str, object]:
    """A valid row of the section taken from the builders' submission."""
    return dict(SUBMISSION[section.name][0])


def _json_case(section: Section, field: str, value: object) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        doc = copy.deepcopy(SUBMISSION)
        row = _base_row(section)
        row[field] = value
        doc[section.name] = [row]
        path = folder / f"json-{section.name}-{field}-{abs(hash(str(value))) % 10**8}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return path

    return write


def _csv_case(section: Section, field: str, value: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        row = {
            k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in _base_row(section).items()
        }
        row[field] = value
        cells = ["IT-H01", "2025"] + [row.get(c, "") for c in section.columns[2:]]
        text = ";".join(section.columns) + "\n" + ";".join(c.replace(";", ",") for c in cells) + "\n"
        path = folder / f"csv-{section.name}-{field}-{abs(hash(value)) % 10**8}.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def field_cases() -> Iterator[Case]:
    for section in SECTIONS:
        base = _base_row(section)
        for field in section.fields:
            values = list(_BAD_VALUES.get(field.kind, []))
            if field.past:
                values.append(("2099-06-30", "is in the future"))
            if field.required:
                values.append(("", "is required"))
            if field.kind in (Kind.TEXT,):
                values.append(("x" * (field.max_length + 1), f"is longer than {field.max_length}"))
            for value, expected in values:
                if field.name not in base and not field.required and expected == "is required":
                    continue
                yield Case(
                    f"json {section.name}.{field.name}={value[:12]!r}",
                    _json_case(section, field.name, value),
                    f"column {field.name}: {expected}",
                )
                if ";" not in value:
                    yield Case(
                        f"csv {section.name}.{field.name}={value[:12]!r}",
                        _csv_case(section, field.name, value),
                        f"column {field.name}: {expected}",
                    )


def _raw(name: str, data: bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return write


_IND = "member_id,reporting_year,site_id,indicator,value,unit,period_start,period_end,justification\n"


def format_cases() -> Iterator[Case]:
    ok_row = "IT-H01,2025,,water.total,1,m3,,,\n"
    yield Case(
        "csv wrong delimiter",
        _raw("tab.csv", _IND.replace(",", "\t").encode() + ok_row.replace(",", "\t").encode()),
        "does not match any section",
    )
    yield Case("csv NUL bytes", _raw("nul.csv", _IND.encode() + b"IT-H01,2025\x00,,\n"), "NUL bytes")
    yield Case("csv UTF-16", _raw("utf16.csv", (_IND + ok_row).encode("utf-16")), "NUL bytes")
    yield Case(
        "csv ragged row",
        _raw("ragged.csv", (_IND + "IT-H01,2025,,water.total,1\n").encode()),
        "CSV structure is broken",
    )
    yield Case(
        "csv huge field",
        _raw(
            "huge.csv",
            (_IND + 'IT-H01,2025,,water.total,1,m3,,,"' + "x" * (2 * 1024 * 1024) + '"\n').encode(),
        ),
        "CSV structure is broken",
    )
    yield Case(
        "csv unknown member",
        _raw("who.csv", (_IND + "IT-ZZ,2025,,water.total,1,m3,,,\n").encode()),
        "unknown member",
    )
    yield Case(
        "csv wrong cycle",
        _raw("cycle.csv", (_IND + "IT-H01,2031,,water.total,1,m3,,,\n").encode()),
        "no cycle is open",
    )
    yield Case(
        "csv two years",
        _raw("years.csv", (_IND + ok_row + "IT-H01,2024,,water.total,1,m3,,,\n").encode()),
        "one reporting year",
    )
    yield Case(
        "csv incompatible unit",
        _raw("unit.csv", (_IND + "IT-H01,2025,,water.total,1,kWh,,,\n").encode()),
        "cannot be converted to m³",
    )
    yield Case(
        "csv decimal comma in comma file",
        _raw("dc.csv", (_IND + 'IT-H01,2025,,water.total,"1,5",m3,,,\n').encode()),
        "is not a number",
    )
    yield Case(
        "csv header only of another tool", _raw("other.csv", b"id,name\n1,x\n"), "does not match any section"
    )
    yield Case(
        "csv latin-1 garbage", _raw("bin.csv", bytes(range(128, 256)) * 10), "neither UTF-8 nor cp1252"
    )
    yield Case(
        "json duplicate keys",
        _raw("dup.json", b'{"member_id": "IT-H01", "member_id": "IT-H02"}'),
        "appears twice",
    )
    yield Case("json deep nesting", _raw("deep.json", b"[" * 50000 + b"]" * 50000), "nested too deeply")
    yield Case(
        "json huge number",
        _raw("big.json", b'{"member_id": "IT-H01", "reporting_year": 1' + b"0" * 400 + b"}"),
        "too large",
    )
    yield Case(
        "json NaN", _raw("nan.json", b'{"member_id": "IT-H01", "reporting_year": NaN}'), "NaN is not a number"
    )
    yield Case(
        "json Infinity", _raw("inf.json", b'{"member_id": "IT-H01", "reporting_year": Infinity}'), "Infinity"
    )
    yield Case(
        "json truncated", _raw("cut.json", b'{"member_id": "IT-H01", "indicators": [{'), "not valid JSON"
    )
    yield Case("json not an object", _raw("list.json", b"[]"), "must be an object")
    yield Case(
        "json latin-1", _raw("l1.json", '{"member_id": "IT-H01è"}'.encode("latin-1")), "JSON must be UTF-8"
    )
    yield Case(
        "json section not a list",
        _raw("sect.json", b'{"member_id": "IT-H01", "reporting_year": 2025, "indicators": {"a": 1}}'),
        "must be a list of objects",
    )
    yield Case(
        "json missing member",
        _raw("nomember.json", b'{"reporting_year": 2025, "indicators": []}'),
        "'member_id' is missing",
    )
    yield Case("xlsx not a zip", _raw("fake.xlsx", b"this is not a workbook"), "not a valid XLSX workbook")
    yield Case("empty file", _raw("empty.csv", b""), "file is empty")
    yield Case("unsupported type", _raw("report.pdf", b"%PDF-1.7"), "unsupported file type")


def all_cases() -> list[Case]:
    return list(field_cases()) + list(format_cases())
