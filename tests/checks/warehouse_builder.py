"""Builds a small, clean cluster directly in a real warehouse file, for the checks' tests.

Until the bundled sample exists, this is the one place test data for the checks is made: six
registered hotels with complete, consistent, compliant submissions for 2024 and 2025 (no rule
fires), plus one unregistered micro member following the step-by-step approach. A test breaks
one thing with a single SQL statement and expects exactly the matching rule to notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ecocluster.warehouse.indicators import CORE, INTERMEDIATE_AUDITS, STEPS

CLUSTER = "C1"
YEARS = (2024, 2025)
YEAR = 2025
HOTELS = tuple(f"H{n}" for n in range(1, 7))
STEPPER = "S1"  # not registered yet; all steps done

# Consistent values: shares below 100 %, parts below their wholes, similar R among peers.
_BASE = {
    "energy.total_direct": 400.0,
    "energy.renewable_share": 40.0,
    "energy.renewable_generated": 20.0,
    "materials.total": 30.0,
    "water.total": 5000.0,
    "waste.total": 12.0,
    "waste.hazardous": 0.5,
    "land.total": 4000.0,
    "land.sealed": 1500.0,
    "land.nature_on_site": 800.0,
    "land.nature_off_site": 100.0,
    "emissions.ghg": 150.0,
    "emissions.so2": 20.0,
    "emissions.nox": 90.0,
    "emissions.pm": 5.0,
}
_UNITS = {i.code: i.unit for i in CORE}


def submission(member: str, year: int) -> str:
    return f"sub-{member}-{year}"


def filename(member: str, year: int) -> str:
    return f"{member}_{year}.xlsx"


def build_clean(con: duckdb.DuckDBPyConnection, hotels: tuple[str, ...] = HOTELS) -> None:
    con.execute(
        "INSERT INTO cluster VALUES (?, 'Test cluster', 'IT', 'it', NULL, 'tourist district', NULL,"
        " NULL, 'roster-C1')",
        [CLUSTER],
    )
    con.executemany(
        "INSERT INTO cycle VALUES (?, ?, 'annual', ?)", [(CLUSTER, y, f"{y}-01-15") for y in YEARS]
    )
    con.executemany(
        "INSERT INTO member VALUES (?, ?, ?, 'IT', '55.10', ?, ?, ?, false, 'it', ?, NULL, false, false,"
        " 'output.overnight_stays', NULL, 'roster-C1')",
        [(m, CLUSTER, f"Hotel {m}", "hotel", 12, "small", f"IT-00{n}") for n, m in enumerate(hotels)]
        + [(STEPPER, CLUSTER, "Rifugio", "hut", 3, "micro", None)],
    )
    con.execute(
        "INSERT INTO submission VALUES ('roster-C1', 'roster', 'roster.xlsx', 'xlsx', NULL, 1,"
        " TIMESTAMP '2025-01-10 00:00:00', 'raw/roster', ?)",
        [CLUSTER],
    )
    for year in YEARS:
        for n, member in enumerate((*hotels, STEPPER)):
            _member_year(con, member, year, 1.0 + 0.02 * n, 1.0 + 0.03 * (n * 5 % 7))


def _member_year(
    con: duckdb.DuckDBPyConnection, member: str, year: int, scale: float, b_scale: float
) -> None:
    sid = submission(member, year)
    con.execute(
        "INSERT INTO submission VALUES (?, 'member', ?, 'xlsx', NULL, 1, TIMESTAMP '2025-02-01 00:00:00',"
        " ?, ?)",
        [sid, filename(member, year), f"raw/{sid}", CLUSTER],
    )
    sections = ("indicators", "obligations", "measurements", "nonconformities", "milestones")
    con.executemany(
        "INSERT INTO submission_part VALUES (?, ?, ?, ?, nextval('submission_seq'), NULL)",
        [(sid, member, year, s) for s in sections],
    )
    period = (f"{year}-01-01", f"{year}-12-31")
    rows = [(code, value * scale, _UNITS[code]) for code, value in _BASE.items()]
    rows.append(("output.overnight_stays", 10000.0 * b_scale, "overnight_stay"))
    con.executemany(
        "INSERT INTO indicator_value VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [(sid, member, year, code, v, u, v, u, *period, row) for row, (code, v, u) in enumerate(rows, 2)],
    )
    con.executemany(
        "INSERT INTO obligation VALUES (?, ?, ?, ?, ?, ?, ?, 'Provincia', ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                sid,
                member,
                year,
                "P1",
                "permit",
                "Air emissions permit",
                "D.Lgs. 152/2006 art. 269",
                "NOx",
                200.0,
                "mg/m**3",
                0.0002,
                "kg/m**3",
                "2020-01-01",
                "2029-12-31",
                2,
            ),
            (
                sid,
                member,
                year,
                "L1",
                "law",
                "Waste law",
                "D.Lgs. 152/2006 parte IV",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                3,
            ),
        ],
    )
    con.execute(
        "INSERT INTO measurement VALUES (?, ?, ?, 'P1', NULL, 'NOx', ?, 120.0, 'mg/m**3', 0.00012,"
        " 'kg/m**3', 2)",
        [sid, member, year, f"{year}-06-01"],
    )
    con.execute(
        "INSERT INTO nonconformity VALUES (?, ?, ?, 'NC1', 'minor', 'Waste bins unlabelled', ?, ?,"
        " 'Labels added', 2)",
        [sid, member, year, f"{year}-03-01", f"{year}-04-01"],
    )
    milestones = ["internal_audit", "management_review"]
    if member == STEPPER and year == YEARS[0]:
        milestones += list(STEPS + INTERMEDIATE_AUDITS)
    con.executemany(
        "INSERT INTO ems_milestone VALUES (?, ?, ?, ?, ?, 'Cross-audit H1', NULL, ?)",
        [(sid, member, year, m, f"{year}-10-01", row) for row, m in enumerate(milestones, 2)],
    )


@dataclass(frozen=True)
class Fault:
    """One way a real submission goes wrong, applied to one member of the clean cluster."""

    rules: tuple[str, ...]  # the rules that must catch it
    member: str
    sql: str  # {m} is the member, {y} the checked year


_IV = (
    "UPDATE indicator_value SET {set} WHERE member_id = '{{m}}' AND "
    "reporting_year = {{y}} AND indicator = '{ind}'"
)


def _iv(assignment: str, indicator: str) -> str:
    return _IV.format(set=assignment, ind=indicator)


_MINE = "member_id = '{m}' AND reporting_year = {y}"


def carrier_row(carrier: str, mwh: float) -> str:
    """A row of energy by carrier (MWh) beside the member's total energy."""
    return (
        f"INSERT INTO indicator_value SELECT * REPLACE ('energy.{carrier}' AS indicator, {mwh} AS value,"
        f" {mwh} AS value_submitted, 90 AS source_row) FROM indicator_value"
        f" WHERE {_MINE} AND indicator = 'energy.total_direct'"
    )


def floor_area_row(m2: float) -> str:
    """A row of floor area (m², the denominator of per-m² benchmarks) beside the member's total energy."""
    return (
        f"INSERT INTO indicator_value SELECT * REPLACE ('output.floor_area' AS indicator, {m2} AS value,"
        f" {m2} AS value_submitted, 'm**2' AS unit, 'm2' AS unit_submitted, 91 AS source_row)"
        f" FROM indicator_value WHERE {_MINE} AND indicator = 'energy.total_direct'"
    )


FAULTS: tuple[Fault, ...] = tuple(
    Fault(rules, member, sql)
    for rules, member, sql in (
        (("data_quality.negative_quantity",), "F01", _iv("value = -value", "materials.total")),
        (("data_quality.unit_not_canonical",), "F02", _iv("unit = 'kWh'", "energy.total_direct")),
        (("data_quality.period_outside_year",), "F03", _iv("period_end = DATE '2026-03-31'", "water.total")),
        (
            ("data_quality.measurement_outside_year",),
            "F04",
            f"UPDATE measurement SET measured_on = DATE '2024-12-15' WHERE {_MINE}",
        ),
        (
            ("data_quality.duplicate_indicator",),
            "F05",
            (
                f"INSERT INTO indicator_value SELECT * REPLACE (99 AS source_row) FROM indicator_value"
                f" WHERE {_MINE} AND indicator = 'waste.total'"
            ),
        ),
        (
            ("data_quality.unknown_member",),
            "GHOST",
            "INSERT INTO submission_part VALUES ('sub-ghost', '{m}', {y}, "
            "'indicators', nextval('submission_seq'), NULL)",
        ),
        (
            ("data_quality.no_open_cycle",),
            "N1",
            (
                "INSERT INTO cluster SELECT * REPLACE ('C2' AS "
                "cluster_id) FROM cluster WHERE cluster_id = 'C1';"
                " INSERT INTO member SELECT * REPLACE ('{m}' AS member_id, 'C2' "
                "AS cluster_id) FROM member WHERE member_id = 'H1';"
                " INSERT INTO submission_part VALUES ('sub-n1', '{m}', {y}, "
                "'indicators', nextval('submission_seq'), NULL)"
            ),
        ),
        (
            ("completeness.core_missing",),
            "F06",
            f"DELETE FROM indicator_value WHERE {_MINE} AND indicator = 'emissions.pm'",
        ),
        (
            ("completeness.exclusion_unjustified",),
            "F07",
            _iv("value = NULL, value_submitted = NULL", "emissions.so2"),
        ),
        (
            ("completeness.b_missing",),
            "F08",
            f"DELETE FROM indicator_value WHERE {_MINE} AND indicator = 'output.overnight_stays'",
        ),
        (("plausibility.yoy_jump",), "F09", _iv("value = value * 10", "energy.total_direct")),
        (("plausibility.unit_slip",), "F31", _iv("value = value * 1000", "energy.total_direct")),
        # the same slip explained by the member: a warning for the verifier, no longer blocking
        (
            ("plausibility.yoy_jump",),
            "F32",
            _iv(
                "value = value * 1000, justification = 'New district heating plant run for the whole valley'",
                "energy.total_direct",
            ),
        ),
        (
            ("plausibility.peer_outlier_cluster", "plausibility.peer_outlier_all"),
            "F10",
            "UPDATE indicator_value SET value = value * 4 WHERE "
            "member_id = '{m}' AND indicator = 'water.total'",
        ),
        (("plausibility.impossible_value",), "F11", _iv("value = 9000", "land.sealed")),
        (
            ("compliance.permit_exceeded",),
            "F12",
            f"UPDATE measurement SET value = 0.0003, value_submitted = 300 WHERE {_MINE}",
        ),
        (
            ("compliance.permit_expired",),
            "F13",
            f"UPDATE obligation SET valid_until = DATE '2025-06-30' WHERE {_MINE} AND obligation_id = 'P1'",
        ),
        (
            ("compliance.obligation_incomplete",),
            "F14",
            f"UPDATE obligation SET limit_value = NULL WHERE {_MINE} AND obligation_id = 'P1'",
        ),
        (("compliance.obligations_empty",), "F15", f"DELETE FROM obligation WHERE {_MINE}"),
        (
            ("compliance.open_major_nonconformity",),
            "F16",
            f"UPDATE nonconformity SET severity = 'major', closed_on = NULL WHERE {_MINE}",
        ),
        (
            ("compliance.open_minor_nonconformity",),
            "F17",
            f"UPDATE nonconformity SET closed_on = NULL WHERE {_MINE}",
        ),
        (
            ("compliance.internal_audit_missing",),
            "F18",
            f"DELETE FROM ems_milestone WHERE {_MINE} AND milestone = 'internal_audit'",
        ),
        (
            ("compliance.management_review_missing",),
            "F19",
            "UPDATE ems_milestone SET completed_on = DATE '2024-12-20' "
            f"WHERE {_MINE} AND milestone = 'management_review'",
        ),
        (("compliance.step_gate",), "F20", "UPDATE member SET emas_reg_no = NULL WHERE member_id = '{m}'"),
        (
            ("compliance.derogation_ineligible",),
            "F21",
            "UPDATE member SET derogation = true, significant_env_risk = true WHERE member_id = '{m}'",
        ),
        # energy by carrier (issue 19): biomass has no shipped factor; natural gas does (IPCC 2006:
        # 400 MWh x 0.20196 t/MWh = 80.784 t, far from the reported 150 t); F35's total matches
        (("plausibility.co2e_not_computed",), "F33", carrier_row("biomass", 50.0)),
        (("plausibility.co2e_differs",), "F34", carrier_row("natural_gas", 400.0)),
        (
            (),
            "F35",
            carrier_row("natural_gas", 400.0) + "; " + _iv("value = 400 * 0.20196 * 1.05", "emissions.ghg"),
        ),
    )
)
FAULTY_HOTELS = tuple(f.member for f in FAULTS if f.member.startswith("F"))


def build_faulty(con: duckdb.DuckDBPyConnection) -> None:
    """The clean cluster plus one member per fault; the clean members stay exactly as in build_clean."""
    build_clean(con, HOTELS + FAULTY_HOTELS)
    for fault in FAULTS:
        con.execute(fault.sql.format(m=fault.member, y=YEAR))
