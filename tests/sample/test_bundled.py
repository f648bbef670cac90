"""The bundled sample clusters: determinism, schemas, formats, faults, and that they ingest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import openpyxl
import pytest

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, connect, ingest_paths
from ecocluster.warehouse.sample import FAULT_KINDS, write_bundled
from ecocluster.warehouse.sample._schema import SCHEMA_PATH
from ecocluster.warehouse.sections import SECTIONS
from tests.sample._digest import tree_digest

ROSTER_SCHEMA = json.loads((SCHEMA_PATH.parent / "roster.schema.json").read_text(encoding="utf-8"))
SUBMISSION_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundled")
    write_bundled(out)
    return out


def _faults(sample: Path) -> list[dict[str, Any]]:
    faults: list[dict[str, Any]] = json.loads((sample / "faults.json").read_text(encoding="utf-8"))["faults"]
    return faults


def test_same_seed_gives_byte_identical_files(sample: Path, tmp_path: Path) -> None:
    write_bundled(tmp_path / "again")
    assert tree_digest(tmp_path / "again") == tree_digest(sample)


def test_two_clusters_twelve_councils_in_five_clusters(sample: Path) -> None:
    rosters = {
        p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in sample.glob("*/cluster.json")
    }
    latvian = [r for r in rosters.values() if r["cluster"]["country"] == "LV"]
    assert len(latvian) == 5
    assert sum(len(r["members"]) for r in latvian) == 12
    assert {m["nace"] for r in latvian for m in r["members"]} == {"84.11"}
    cerreto = rosters["IT-CERRETO"]
    assert cerreto["cluster"]["language"] == "it"
    assert {"55.10", "49.39", "56.10", "84.11", "91.04"} <= {m["nace"] for m in cerreto["members"]}
    ids = [m["member_id"] for r in rosters.values() for m in r["members"]]
    assert len(ids) == len(set(ids))
    assert [c["reporting_year"] for c in cerreto["cycles"]] == [2023, 2024, 2025]


def test_rosters_and_json_submissions_follow_their_schemas(sample: Path) -> None:
    checker = jsonschema.FormatChecker()
    for path in sample.glob("*/cluster.json"):
        jsonschema.validate(
            json.loads(path.read_text(encoding="utf-8")), ROSTER_SCHEMA, format_checker=checker
        )
    submissions = list(sample.glob("*/20*/*.json"))
    assert len(submissions) >= 12
    for path in submissions:
        jsonschema.validate(
            json.loads(path.read_text(encoding="utf-8")), SUBMISSION_SCHEMA, format_checker=checker
        )


def test_csv_batches_come_in_field_dialects(sample: Path) -> None:
    italian = (sample / "IT-CERRETO" / "2025" / "profile_2025.csv").read_bytes()
    assert italian.decode("cp1252").startswith('"member_id";"reporting_year"')
    baltic = (sample / "LV-JEL" / "2025" / "aspects_2025.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        baltic.decode("utf-8")
    assert "Enerģijas" in baltic.decode("cp1257")
    assert (sample / "LV-VID" / "2025" / "profile_2025.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    numbers = (sample / "IT-CERRETO" / "2025" / "indicators_2025.csv").read_text(encoding="cp1252")
    assert any(";" in line and "," in line.split(";")[4] for line in numbers.splitlines()[1:])


def test_xlsx_submissions_use_the_template(sample: Path) -> None:
    wb = openpyxl.load_workbook(sample / "LV-DGV" / "2025" / "LV-DGV-01.xlsx")
    assert wb.sheetnames[0] == "Instrukcijas"
    assert wb["submission"]["B1"].value == "LV-DGV-01"
    assert wb["submission"]["B2"].value == 2025
    assert [c.value for c in wb["indicators"][1]] == [f.name for f in SECTIONS[1].fields]
    assert wb["indicators"].max_row > 15


def test_faults_are_named_and_most_members_are_clean(sample: Path) -> None:
    faults = _faults(sample)
    assert {f["kind"] for f in faults} == set(FAULT_KINDS)
    members = [
        m["member_id"]
        for p in sample.glob("*/cluster.json")
        for m in json.loads(p.read_text(encoding="utf-8"))["members"]
    ]
    assert len({f["member_id"] for f in faults}) < len(members) / 2
    bad = next(f for f in faults if f["kind"] == "incompatible_unit")
    assert (sample / bad["file"]).is_file()


@pytest.fixture(scope="module")
def warehouse(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    home = Home.resolve(tmp_path_factory.mktemp("home"))
    con = connect(home.warehouse_path)
    ingest_paths(con, LocalStore(home.objects_dir), [sample])
    yield con
    con.close()


def test_bundled_sample_ingests_except_the_deliberately_bad_file(
    sample: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    bad = next(f for f in _faults(sample) if f["kind"] == "incompatible_unit")
    rejected = {Path(r[0]).name for r in warehouse.sql("SELECT filename FROM rejected_file").fetchall()}
    # the fault manifest sits next to the data; it is not a submission
    assert rejected - {"faults.json"} == {Path(bad["file"]).name}
    assert warehouse.sql("SELECT count(*) FROM member").fetchone()[0] == 23  # type: ignore[index]
    assert (
        warehouse.sql(
            "SELECT count(DISTINCT member_id) FROM current_part WHERE reporting_year = 2025 "
            "AND section = 'indicators'"
        ).fetchone()[0]  # type: ignore[index]
        == 23
    )
    assert warehouse.sql("SELECT count(*) FROM cycle").fetchone()[0] == 18  # type: ignore[index]


def test_faults_are_visible_in_the_warehouse(sample: Path, warehouse: duckdb.DuckDBPyConnection) -> None:
    by_kind = {f["kind"]: f["member_id"] for f in _faults(sample)}
    jump = warehouse.execute(
        """
        SELECT max(value) FILTER (reporting_year = 2025) / max(value) FILTER (reporting_year = 2024)
        FROM current_indicator_value WHERE member_id = ? AND indicator = 'energy.total_direct'""",
        [by_kind["unit_implausible"]],
    ).fetchone()[0]  # type: ignore[index]
    assert 500 < jump < 2000
    exceeded = warehouse.sql("""
        SELECT DISTINCT m.member_id FROM current_measurement m JOIN current_obligation o
        USING (member_id, reporting_year, obligation_id) WHERE m.value > o.limit_value""").fetchall()
    assert exceeded == [(by_kind["permit_exceedance"],)]
    open_major = warehouse.sql(
        "SELECT member_id FROM current_nonconformity WHERE severity = 'major' AND closed_on IS NULL"
    ).fetchall()
    assert open_major == [(by_kind["open_major_nc"],)]
    expired = warehouse.sql(
        "SELECT DISTINCT member_id FROM current_obligation WHERE reporting_year = 2025 "
        "AND valid_until < DATE '2025-12-31'"
    ).fetchall()
    assert expired == [(by_kind["expired_permit"],)]
    missing = warehouse.sql("""
        SELECT member_id FROM member WHERE member_id NOT IN (
          SELECT member_id FROM current_indicator_value WHERE reporting_year = 2025
          AND indicator = 'waste.hazardous')""").fetchall()
    assert missing == [(by_kind["missing_indicator"],)]
    unfinished = warehouse.sql(
        "SELECT DISTINCT member_id FROM current_ems_milestone "
        "WHERE reporting_year = 2025 AND completed_on IS NULL"
    ).fetchall()
    assert unfinished == [(by_kind["unfinished_step"],)]
    derogation = warehouse.sql(
        "SELECT member_id FROM member WHERE derogation AND significant_env_risk"
    ).fetchall()
    assert derogation == [(by_kind["derogation_risk"],)]
