"""The member's XLSX workbook: sheets, headers, dropdowns, instructions, determinism."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from ecocluster.warehouse.indicators import BY_CODE
from ecocluster.warehouse.sections import SECTIONS
from ecocluster.warehouse.template import INSTRUCTIONS_SHEET, TemplateError, write_template


@pytest.mark.parametrize("lang", ["it", "lv", "en"])
def test_sheets_headers_and_dropdowns(tmp_path: Path, lang: str) -> None:
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", lang))
    assert wb.sheetnames == [INSTRUCTIONS_SHEET[lang], "submission", *(s.name for s in SECTIONS), "lists"]
    assert wb["lists"].sheet_state == "hidden"
    assert [wb["submission"].cell(r, 1).value for r in (1, 2, 3)] == [
        "member_id",
        "reporting_year",
        "template_version",
    ]
    assert wb["submission"]["B3"].value == "1"
    for section in SECTIONS:
        assert [c.value for c in wb[section.name][1]] == [f.name for f in section.fields]
    lists = {
        c.value: [x.value for x in col[1:] if x.value is not None]
        for col in wb["lists"].iter_cols()
        for c in col[:1]
    }
    assert lists["indicator"] == list(BY_CODE)
    dropdowns = {
        str(v.sqref): v.formula1 for v in wb["indicators"].data_validations.dataValidation if v.type == "list"
    }
    assert dropdowns["B2:B1001"].endswith(
        f"$A$2:$A${len(BY_CODE) + 1}"
    )  # indicator codes, carriers among them
    assert "D2:D1001" in dropdowns  # units
    for sheet, column in (
        ("obligations", "B"),
        ("nonconformities", "B"),
        ("milestones", "A"),
        ("objectives", "G"),
        ("aspects", "E"),
    ):
        refs = [str(v.sqref) for v in wb[sheet].data_validations.dataValidation if v.type == "list"]
        assert f"{column}2:{column}1001" in refs, sheet


def test_instructions_are_in_the_members_language(tmp_path: Path) -> None:
    words = {"it": "Compilare", "lv": "Aizpildiet", "en": "Fill in"}
    for lang, word in words.items():
        ws = openpyxl.load_workbook(write_template(tmp_path / f"{lang}.xlsx", lang)).worksheets[0]
        assert word in ws["A3"].value


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    rows = {
        "profile": [{"activities": "Albergo", "policy": "Politica"}],
        "milestones": [{"milestone": "internal_audit", "completed_on": "2025-03-01"}],
    }
    a = write_template(tmp_path / "a.xlsx", "it", "IT-CL-CERRETO-H01", 2025, rows)
    b = write_template(tmp_path / "b.xlsx", "it", "IT-CL-CERRETO-H01", 2025, rows)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    ws = openpyxl.load_workbook(a)["milestones"]
    assert ws["B2"].value.date().isoformat() == "2025-03-01"


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="de"):
        write_template(tmp_path / "x.xlsx", "de")


def test_the_unit_dropdown_is_what_ingestion_accepts_including_the_samples_spellings(tmp_path: Path) -> None:
    from ecocluster.warehouse import units
    from ecocluster.warehouse.sample._sectors import UNIT_SPELLINGS

    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", "it"))
    lists = {
        c.value: [x.value for x in col[1:] if x.value is not None]
        for col in wb["lists"].iter_cols()
        for c in col[:1]
    }
    offered = lists["unit"]
    for spelling in offered:
        units.normalise(spelling)  # raises UnitError for a spelling ingestion would refuse
    used = {
        s for by_lang in UNIT_SPELLINGS.values() for spellings in by_lang.values() for s, _, _ in spellings
    }
    assert {"mc", "m²", "presenze"} <= used
    assert sorted(used - set(offered)) == []


@pytest.mark.parametrize(
    ("lang", "name", "role", "intro"),
    [
        ("it", "Consumo totale diretto di energia", "A: totale annuo", "Per ogni indicatore A"),
        ("lv", "Kopējais tiešais enerģijas patēriņš", "A: gada kopsumma", "Katram A rādītājam"),
        ("en", "Total direct energy use", "A: annual total", "For each A indicator"),
    ],
)
def test_indicators_are_explained_in_the_members_language(
    tmp_path: Path, lang: str, name: str, role: str, intro: str
) -> None:
    ws = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", lang)).worksheets[0]
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value}
    energy = rows["energy.total_direct"]
    assert energy[1].value == "MWh"
    assert energy[2].value.startswith(f"{name} ({role}); MWh, kWh, GJ")
    assert rows["water.total"][1].value == "m³" and "mc" in rows["water.total"][2].value
    assert "presenze" in rows["output.overnight_stays"][2].value
    assert any(str(k).startswith(intro) for k in rows)
