"""XLSX workbooks: read as data only; macros, formulas, hidden or merged data and XML tricks are refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, ingest_paths
from tests.warehouse.builders import roster, write_json


@pytest.fixture
def store(home: Home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def rostered(con, store, tmp_path):
    assert ingest_paths(con, store, [write_json(tmp_path / "r" / "cluster.json", roster())]).ok
    return con


def workbook(version: str = "1") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    meta = book.active
    meta.title = "submission"
    for row in (("member_id", "IT-H01"), ("reporting_year", 2025), ("template_version", version)):
        meta.append(row)
    sheet = book.create_sheet("indicators")
    sheet.append(["indicator", "value", "unit", "justification"])
    sheet.append(["energy.total_direct", 12.5, "MWh", None])
    sheet.append(["water.total", 300, "m3", None])
    return book


def save(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(path)
    return path


def reasons(con, store, path: Path) -> str:
    report = ingest_paths(con, store, [path])
    assert report.count("rejected") == 1, report.outcomes
    assert con.execute("SELECT count(*) FROM indicator_value").fetchone()[0] == 0
    return " | ".join(str(e) for e in report.rejected[0].errors)


def test_workbook_is_loaded_with_sheet_rows(rostered, store, tmp_path):
    report = ingest_paths(rostered, store, [save(workbook(), tmp_path / "w.xlsx")])
    assert report.ok, report.outcomes
    assert rostered.execute(
        "SELECT indicator, value, source_row FROM indicator_value ORDER BY source_row"
    ).fetchall() == [("energy.total_direct", 12.5, 2), ("water.total", 300.0, 3)]


def test_formula_is_refused_not_evaluated(rostered, store, tmp_path):
    book = workbook()
    book["indicators"]["B3"] = '=CMD("calc")'
    assert "sheet indicators, row 3, column value: contains a formula" in reasons(
        rostered, store, save(book, tmp_path / "w.xlsx")
    )


def test_hidden_section_sheet_is_refused(rostered, store, tmp_path):
    book = workbook()
    book["indicators"].sheet_state = "hidden"
    assert "section sheet is hidden" in reasons(rostered, store, save(book, tmp_path / "w.xlsx"))


def test_merged_cells_are_refused(rostered, store, tmp_path):
    book = workbook()
    book["indicators"].merge_cells("A2:A3")
    assert "merged cells (A2:A3)" in reasons(rostered, store, save(book, tmp_path / "w.xlsx"))


def test_old_template_version_is_refused(rostered, store, tmp_path):
    assert "template version '0' is not the current" in reasons(
        rostered, store, save(workbook("0"), tmp_path / "w.xlsx")
    )


def test_unknown_heading_is_refused(rostered, store, tmp_path):
    book = workbook()
    book["indicators"]["E1"] = "secret"
    assert "column secret: unknown column heading" in reasons(
        rostered, store, save(book, tmp_path / "w.xlsx")
    )


def _rezip(
    source: Path, target: Path, extra: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, (replace or {}).get(info.filename, zin.read(info.filename)))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return target


def test_macro_enabled_workbook_is_refused(rostered, store, tmp_path):
    plain = save(workbook(), tmp_path / "plain.xlsx")
    path = _rezip(plain, tmp_path / "m.xlsm", extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    assert "contains macros" in reasons(rostered, store, path)


def test_zip_bomb_is_not_opened(rostered, store, tmp_path):
    plain = save(workbook(), tmp_path / "plain.xlsx")
    path = _rezip(plain, tmp_path / "bomb.xlsx", extra={"xl/media/zeros.bin": b"\0" * (300 * 1024 * 1024)})
    assert path.stat().st_size < 2 * 1024 * 1024
    assert "would expand to" in reasons(rostered, store, path)


def test_external_entity_is_refused(rostered, store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    plain = save(workbook(), tmp_path / "plain.xlsx")
    with zipfile.ZipFile(plain) as z:
        shared = next(n for n in z.namelist() if n.endswith("sheet2.xml"))
        xml = z.read(shared).decode()
    evil = xml.replace(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>',
        1,
    )
    evil = (
        evil.replace("<v>300</v>", "<v>&e;</v>")
        if "<v>300</v>" in evil
        else evil.replace("<sheetData>", "<sheetData>&e;")
    )
    path = _rezip(plain, tmp_path / "xxe.xlsx", replace={shared: evil.encode()})
    text = reasons(rostered, store, path)
    assert "TOP-SECRET" not in text
    assert "refused" in text or "could not be read" in text


def test_not_a_zip(rostered, store, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK but not really" + io.BytesIO(b"x" * 100).read())
    assert "not a valid XLSX workbook" in reasons(rostered, store, path)


def test_a_text_cell_with_a_thousands_separator_is_refused_with_both_readings(rostered, store, tmp_path):
    book = workbook()
    book["indicators"]["B2"] = "323.410"  # typed as text in an Italian workbook: 323,410 kWh, not 323.41
    book["indicators"]["C2"] = "kWh"
    text = reasons(rostered, store, save(book, tmp_path / "w.xlsx"))
    assert "sheet indicators, row 2, column value: cell B2 holds the text '323.410', not a number" in text
    assert "323.41 if '.' is the decimal separator, or as 323410 if '.' separates thousands" in text
    assert "type the number into the cell as a number" in text


@pytest.mark.parametrize("typed", ["1,250", "1.250.000", "2.340,5"])
def test_every_grouped_text_number_is_refused(rostered, store, tmp_path, typed: str) -> None:
    book = workbook()
    book["indicators"]["B3"] = typed
    assert "cell B3 holds the text" in reasons(rostered, store, save(book, tmp_path / "w.xlsx"))


def test_a_number_typed_as_a_number_or_plain_decimal_text_is_read(rostered, store, tmp_path):
    book = workbook()
    book["indicators"]["B2"] = 323.41  # a real number cell: nothing to guess
    book["indicators"]["B3"] = "300.5"  # text, but not grouped by three: one reading only
    assert ingest_paths(rostered, store, [save(book, tmp_path / "w.xlsx")]).ok


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("it", "la cella B2 contiene il testo '323.410', non un numero"),
        ("lv", "šūnā B2 ir teksts '323.410', nevis skaitlis"),
        ("member", "la cella B2 contiene il testo '323.410'"),  # the roster says IT-H01 writes Italian
    ],
)
def test_refusals_are_worded_in_the_members_language(
    rostered, store, tmp_path, lang: str, expected: str
) -> None:
    book = workbook()
    book["indicators"]["B2"] = "323.410"
    book["indicators"]["C3"] = "zorkmids"
    report = ingest_paths(rostered, store, [save(book, tmp_path / "w.xlsx")], language=lang)
    text = " | ".join(str(e) for e in report.rejected[0].errors)
    assert expected in text
    unknown = {
        "it": "unità di misura sconosciuta 'zorkmids'",
        "lv": "nezināma mērvienība 'zorkmids'",
        "member": "unità di misura sconosciuta 'zorkmids'",
    }[lang]
    assert unknown in text


def test_workbook_structure_refusals_are_worded_in_the_members_language(rostered, store, tmp_path):
    book = workbook()
    book["indicators"]["B2"] = "=1+1"
    book["indicators"]["F2"] = "stray"
    report = ingest_paths(rostered, store, [save(book, tmp_path / "w.xlsx")], language="member")
    text = " | ".join(str(e) for e in report.rejected[0].errors)
    assert "contiene una formula; digitare o incollare il valore" in text
    assert "valore in una colonna senza intestazione" in text
