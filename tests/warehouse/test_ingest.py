"""Ingestion on a real DuckDB file and a real local object store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecocluster.core.errors import ConfigurationError
from ecocluster.core.store import LocalStore
from ecocluster.warehouse import Home, ingest_paths
from ecocluster.warehouse.sections import SECTIONS
from tests.warehouse.builders import roster, submission, write_csv, write_json

IND_HEADER = "member_id,reporting_year,site_id,indicator,value,unit,period_start,period_end,justification\n"


@pytest.fixture
def store(home: Home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def rostered(con: duckdb.DuckDBPyConnection, store: LocalStore, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    report = ingest_paths(con, store, [write_json(tmp_path / "roster" / "cluster.json", roster())])
    assert report.ok, report.outcomes
    return con


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [s.table for s in SECTIONS] + ["submission", "submission_part", "member", "cluster"]
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}  # type: ignore[index]


def test_json_submission_is_loaded_with_units_converted(rostered, store, tmp_path):
    report = ingest_paths(rostered, store, [write_json(tmp_path / "s.json", submission())])
    assert report.ok and report.count("ingested") == 1
    rows = dict(rostered.execute("SELECT indicator, value FROM current_indicator_value").fetchall())
    assert rows["energy.total_direct"] == pytest.approx(420.0)  # 420,000 kWh → MWh
    assert rows["emissions.so2"] is None  # excluded with a justification
    limit = rostered.execute("SELECT limit_value, limit_unit FROM obligation").fetchone()
    assert limit == (pytest.approx(2e-4), "kg/m**3")
    # the raw file is archived unchanged under its hash
    sha = rostered.execute(
        "SELECT submission_id, archive_key FROM submission WHERE kind = 'member'"
    ).fetchone()
    assert store.get(sha[1]) == (tmp_path / "s.json").read_bytes()


def test_same_files_twice_change_nothing(rostered, store, tmp_path):
    files = [
        write_json(tmp_path / "in" / "s.json", submission()),
        write_csv(tmp_path / "in" / "i.csv", IND_HEADER + "IT-H02,2025,,water.total,10,m3,,,\n"),
    ]
    ingest_paths(rostered, store, [tmp_path / "in"])
    before = table_counts(rostered)
    snapshot = rostered.execute("SELECT * FROM indicator_value ORDER BY ALL").fetchall()
    again = ingest_paths(rostered, store, files)
    assert again.count("unchanged") == 2
    assert table_counts(rostered) == before
    assert rostered.execute("SELECT * FROM indicator_value ORDER BY ALL").fetchall() == snapshot


def test_corrected_file_supersedes_and_history_stays(rostered, store, tmp_path):
    ingest_paths(rostered, store, [write_json(tmp_path / "a.json", submission())])
    fixed = submission()
    fixed["indicators"][0]["value"] = 400000
    ingest_paths(rostered, store, [write_json(tmp_path / "b.json", fixed)])
    current = rostered.execute(
        "SELECT value FROM current_indicator_value WHERE indicator = 'energy.total_direct'"
    ).fetchall()
    assert current == [(pytest.approx(400.0),)]
    assert (
        rostered.execute(
            "SELECT count(*) FROM indicator_value WHERE indicator = 'energy.total_direct'"
        ).fetchone()[0]
        == 2
    )
    superseded = rostered.execute(
        "SELECT count(*) FROM submission_part WHERE superseded_by IS NOT NULL"
    ).fetchone()[0]
    assert superseded == len(SECTIONS)


def test_csv_section_supersedes_only_its_section(rostered, store, tmp_path):
    ingest_paths(rostered, store, [write_json(tmp_path / "a.json", submission())])
    ingest_paths(
        rostered, store, [write_csv(tmp_path / "i.csv", IND_HEADER + "IT-H01,2025,,water.total,7,m3,,,\n")]
    )
    assert rostered.execute("SELECT count(*) FROM current_indicator_value").fetchone()[0] == 1
    assert rostered.execute("SELECT count(*) FROM current_obligation").fetchone()[0] == 1  # untouched section


def test_bad_file_is_rejected_whole_and_batch_continues(rostered, store, tmp_path):
    bad = submission()
    bad["indicators"].append({"indicator": "water.total", "value": "lots", "unit": "m3"})
    bad["measurements"][0]["unit"] = "zorkmids"
    before = table_counts(rostered)
    report = ingest_paths(
        rostered,
        store,
        [
            write_json(tmp_path / "in" / "a_bad.json", bad),
            write_csv(tmp_path / "in" / "b_good.csv", IND_HEADER + "IT-H02,2025,,water.total,10,m3,,,\n"),
        ],
    )
    assert [o.status for o in report.outcomes] == ["rejected", "ingested"]
    errors = report.rejected[0].errors
    assert len(errors) == 2, errors  # all errors, not just the first
    text = " | ".join(str(e) for e in errors)
    assert "key indicators, row 5, column value: is not a number" in text
    assert "column unit: unknown unit" in text
    after = table_counts(rostered)
    assert (
        after["measurement"] == before["measurement"] and after["member_profile"] == before["member_profile"]
    )
    assert after["indicator_value"] == before["indicator_value"] + 1  # only the good CSV row
    assert rostered.execute("SELECT n_errors FROM rejected_file").fetchall() == [(2,)]


def _reject_reasons(con, store, path: Path) -> list[str]:
    report = ingest_paths(con, store, [path])
    assert report.count("rejected") == 1, report.outcomes
    assert con.execute("SELECT count(*) FROM submission WHERE kind = 'member'").fetchone()[0] == 0
    return [str(e) for e in report.rejected[0].errors]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"member_id": "IT-NOBODY"}, "unknown member"),
        ({"reporting_year": 2019}, "no cycle is open for this reporting year"),
        ({"reporting_year": "twenty"}, "reporting_year must be a year"),
        (
            {"indicators": [{"indicator": "energy.total_direct", "value": 5, "unit": "kg"}]},
            "cannot be converted to MWh",
        ),
        (
            {"indicators": [{"indicator": "energy.total_direct", "value": 5, "unit": "zorkmids"}]},
            "unknown unit",
        ),
        (
            {
                "indicators": [{"indicator": "water.total", "value": 5, "unit": "kWh"}]
            },  # as a person writes it, not m**3
            "'kWh' cannot be converted to m³ (it measures something "
            "else) (expected a unit of m³ for water.total)",
        ),
        (
            {"indicators": [{"indicator": "energy.total_direct", "value": 5}]},
            "unit: is required when value is given",
        ),
        (
            {"indicators": [{"indicator": "energy.magic", "value": 5, "unit": "MWh"}]},
            "is not a code from the template",
        ),
        (
            {"indicators": [{"indicator": "water.total", "unit": "m3"}]},
            "report the value, or explain in 'justification'",
        ),
        (
            {
                "indicators": [
                    {"indicator": "water.total", "value": 1, "unit": "m3", "period_start": "31/12/2025"}
                ]
            },
            "is not a date written as YYYY-MM-DD",
        ),
        (
            {
                "indicators": [
                    {"indicator": "water.total", "value": 1, "unit": "m3", "period_start": "1850-01-01"}
                ]
            },
            "is not a plausible date",
        ),
        (
            {
                "measurements": [
                    {
                        "obligation_id": "AUA-1",
                        "parameter": "NOx",
                        "measured_on": "2099-01-01",
                        "value": 1,
                        "unit": "mg/Nm3",
                    }
                ]
            },
            "measured_on: is in the future",
        ),
        (
            {
                "aspects": [
                    {"aspect_id": "A", "aspect": "x", "kind": "direct", "impact": "y", "significant": "maybe"}
                ]
            },
            "must be yes or no",
        ),
        (
            {
                "nonconformities": [
                    {"nc_id": "N", "severity": "catastrophic", "description": "d", "opened_on": "2025-01-01"}
                ]
            },
            "is not one of major, minor",
        ),
        (
            {"nonconformities": [{"nc_id": "N", "severity": "major", "opened_on": "2025-01-01"}]},
            "description: is required",
        ),
        ({"profile": [{"activities": "x" * 20001, "policy": "p"}]}, "is longer than 20000 characters"),
        (
            {"profile": [{"activities": "a", "policy": "p"}, {"activities": "b", "policy": "q"}]},
            "one row per member",
        ),
        (
            {"objectives": [{"objective_id": "O", "description": "d", "target_year": "soon"}]},
            "is not a whole number",
        ),
        ({"indicators": {"indicator": "water.total"}}, "must be a list of objects"),
        ({"indicators": ["water.total"]}, "each item must be an object"),
        (
            {"indicators": [{"indicator": "water.total", "value": [1, 2], "unit": "m3"}]},
            "must be a single value",
        ),
        ({"indicators": [{"indicator": "water.total", "valeur": 1, "unit": "m3"}]}, "unknown field"),
        ({"gossip": []}, "unknown section 'gossip'"),
    ],
)
def test_json_rejection_rules(rostered, store, tmp_path, change, expected):
    reasons = _reject_reasons(rostered, store, write_json(tmp_path / "s.json", submission(**change)))
    assert any(expected in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"member_id": "IT-H01", "member_id": "IT-H02"}', "appears twice"),
        (
            '{"member_id": "IT-H01", "reporting_year": 2025, "indicators": [{"value": NaN}]}',
            "NaN is not a number",
        ),
        ('{"member_id": "IT-H01", "reporting_year": 2025, "indicators": [{"value": 1e999}]}', "too large"),
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
        ('{"member_id": ', "not valid JSON"),
        ("[1, 2]", "top level of the JSON file must be an object"),
    ],
)
def test_json_syntax_rejections(rostered, store, tmp_path, text, expected):
    path = tmp_path / "s.json"
    path.write_text(text)
    assert any(expected in r for r in _reject_reasons(rostered, store, path))


def test_csv_decimal_comma_and_windows_1252(rostered, store, tmp_path):
    text = (
        IND_HEADER.replace(",", ";")
        + "IT-H02;2025;;energy.total_direct;1.234,5;MWh;;;\nIT-H02;2025;;water.total;12,5;m³;;;Più acqua\n"
    )
    report = ingest_paths(rostered, store, [write_csv(tmp_path / "i.csv", text, "cp1252")])
    assert report.ok, report.outcomes
    rows = dict(rostered.execute("SELECT indicator, value FROM indicator_value").fetchall())
    assert rows == {"energy.total_direct": pytest.approx(1234.5), "water.total": pytest.approx(12.5)}
    assert rostered.execute(
        "SELECT justification, encoding FROM indicator_value, submission WHERE kind = 'member'"
        " AND indicator = 'water.total'"
    ).fetchone() == ("Più acqua", "cp1252")


def test_csv_windows_1257_for_baltic_members(con, store, tmp_path):
    doc = roster()
    doc["cluster"].update(cluster_id="LV-T", country="LV", language="lv")
    doc["members"][0].update(member_id="LV-01", country="LV", language="lv")
    doc["members"] = doc["members"][:1]
    ingest_paths(con, store, [write_json(tmp_path / "r" / "cluster.json", doc)])
    text = IND_HEADER.replace(",", ";") + "LV-01;2025;;water.total;3;m3;;;Ūdens skaitītājs bojāts\n"
    report = ingest_paths(con, store, [write_csv(tmp_path / "i.csv", text, "cp1257")])
    assert report.ok, report.outcomes
    assert con.execute("SELECT justification FROM indicator_value").fetchone()[0] == "Ūdens skaitītājs bojāts"


def test_csv_with_utf8_bom_and_quoted_fields(rostered, store, tmp_path):
    text = "\ufeff" + IND_HEADER + 'IT-H02,2025,,water.total,10,m3,,,"a, quoted ""note"""\n'
    assert ingest_paths(rostered, store, [write_csv(tmp_path / "i.csv", text)]).ok
    assert rostered.execute("SELECT justification FROM indicator_value").fetchone()[0] == 'a, quoted "note"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("member_id,year,value\nIT-H01,2025,3\n", "does not match any section; closest is"),
        (IND_HEADER + "IT-H02,2025,,water.total,10,m3,,,,EXTRA\n", "CSV structure is broken"),
        (
            IND_HEADER + "IT-H02,2025,,water.total,1,m3,,,\nIT-H02,2024,,water.total,1,m3,,,\n",
            "one reporting year",
        ),
        (IND_HEADER + 'IT-H02,2025,,water.total,"1,5",m3,,,\n', "is not a number"),
        (IND_HEADER + "IT-H02,2025,,water.total,nan,m3,,,\n", "is not a finite number"),
        (IND_HEADER + "IT-H02,2025,,water.total,1e400,m3,,,\n", "is not"),
    ],
)
def test_csv_rejection_rules(rostered, store, tmp_path, text, expected):
    reasons = _reject_reasons(rostered, store, write_csv(tmp_path / "i.csv", text))
    assert any(expected in r for r in reasons), reasons


def test_csv_row_numbers_point_at_the_spreadsheet_row(rostered, store, tmp_path):
    rows = "".join(f"IT-H02,2025,,water.total,{n},m3,,,\n" for n in range(1, 40))
    reasons = _reject_reasons(
        rostered,
        store,
        write_csv(tmp_path / "i.csv", IND_HEADER + rows + "IT-H02,2025,,water.total,x,m3,,,\n"),
    )
    assert any("row 41, column value" in r for r in reasons), reasons


def test_nul_bytes_empty_and_oversized_files(rostered, store, tmp_path):
    from ecocluster.warehouse import Limits

    nul = tmp_path / "n.csv"
    nul.write_bytes(IND_HEADER.encode() + b"IT-H02,2025,\x00\n")
    empty = tmp_path / "e.json"
    empty.write_bytes(b"")
    big = write_csv(tmp_path / "big.csv", IND_HEADER + "x" * 2048)
    (tmp_path / "x.exe").write_bytes(b"MZ")
    report = ingest_paths(
        rostered,
        store,
        [nul, empty, big, tmp_path / "absent.csv", tmp_path / "x.exe"],
        limits=Limits(max_file_bytes=1024),
    )
    reasons = " | ".join(str(e) for o in report.outcomes for e in o.errors)
    assert report.count("rejected") == 5
    for expected in (
        "NUL bytes",
        "file is empty",
        "larger than the",
        "no such file",
        "unsupported file type",
    ):
        assert expected in reasons


def test_roster_errors_and_member_claimed_by_two_clusters(con, store, tmp_path):
    broken = roster()
    broken["members"][0].update(nace="hotel", size_class="huge", b_indicator="output.magic")
    report = ingest_paths(con, store, [write_json(tmp_path / "a" / "cluster.json", broken)])
    text = " | ".join(str(e) for e in report.rejected[0].errors)
    assert (
        "column nace: must be a NACE code" in text
        and "must be micro, small" in text
        and "b_indicator" in text
    )
    ingest_paths(con, store, [write_json(tmp_path / "b" / "cluster.json", roster())])
    other = roster()
    other["cluster"]["cluster_id"] = "IT-OTHER"
    report = ingest_paths(con, store, [write_json(tmp_path / "c" / "cluster.json", other)])
    assert "already in cluster IT-TEST" in str(report.rejected[0].errors[0])


def test_rosters_of_one_batch_are_checked_against_each_other(con, store, tmp_path):
    """Rosters are stored together, so a member claimed by two rosters of the same batch is
    refused in the second one, and a cluster's second roster in the batch wins, as if sent later."""
    first, updated, other = roster(), roster(), roster()
    updated["cluster"]["name"] = "Renamed cluster"
    other["cluster"]["cluster_id"] = "IT-OTHER"
    paths = [
        write_json(tmp_path / name / "cluster.json", doc)
        for name, doc in (("a", first), ("b", updated), ("c", other))
    ]
    report = ingest_paths(con, store, paths)
    assert [o.status for o in report.outcomes] == ["rejected", "ingested", "ingested"]
    assert report.rejected[0].path.endswith("c/cluster.json")
    assert "already in cluster IT-TEST" in str(report.rejected[0].errors[0])
    assert con.execute("SELECT cluster_id, name FROM cluster").fetchall() == [("IT-TEST", "Renamed cluster")]
    assert con.execute("SELECT count(*) FROM submission WHERE kind = 'roster'").fetchone() == (2,)
    assert ingest_paths(con, store, paths).count("unchanged") == 3 - 1  # the refused one is checked again


def test_validation_refusals_follow_the_language_asked_for(rostered, store, tmp_path):
    bad = submission()
    bad["indicators"].append({"indicator": "water.total", "value": "lots", "unit": "m3"})
    path = write_json(tmp_path / "bad.json", bad)
    worded = {
        lang: " | ".join(
            str(e) for e in ingest_paths(rostered, store, [path], language=lang).rejected[0].errors
        )
        for lang in ("en", "it", "lv", "member")
    }
    assert "column value: is not a number" in worded["en"]
    assert (
        "column value: non è un numero" in worded["it"]
        and "column value: non è un numero" in worded["member"]
    )
    assert "column value: nav skaitlis" in worded["lv"]


def test_an_unknown_message_language_is_refused(rostered, store, tmp_path):
    with pytest.raises(ConfigurationError, match="choose one of en, it, lv"):
        ingest_paths(rostered, store, [write_json(tmp_path / "a.json", submission())], language="de")


def test_structural_refusals_of_json_and_csv_follow_the_language_asked_for(rostered, store, tmp_path):
    bad = submission()
    bad["gossip"] = []
    json_errors = ingest_paths(rostered, store, [write_json(tmp_path / "bad.json", bad)], language="member")
    assert "sezione sconosciuta 'gossip'" in str(json_errors.rejected[0].errors[0])  # IT-H01 writes Italian
    header = write_csv(tmp_path / "h.csv", "member_id,reporting_year,colour\nIT-H01,2025,green\n")
    csv_errors = ingest_paths(rostered, store, [header], language="lv")
    assert "virsraksts neatbilst nevienai sadaļai" in str(csv_errors.rejected[0].errors[0])


@pytest.mark.parametrize("language", ["it", "lv"])
def test_every_ingest_message_has_a_translation(language):
    """Each msgid the ingester marks (N_) is in the catalogue: a refusal added in English only
    would reach an Italian or Latvian member untranslated."""
    from importlib import resources

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    package = Path(str(resources.files("ecocluster.warehouse")))
    marked = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(package), method_map=[("**.py", "python")], keywords={"N_": None}
        )
    }
    with (package / "locale" / language / "LC_MESSAGES" / "ingest.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    assert len(marked) > 80 and sorted(m for m in marked if m not in catalog or not catalog[m].string) == []
