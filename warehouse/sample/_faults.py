"""Deliberate, realistic faults in the sample data, and the manifest that names them.

Checks and ingestion are tested on members that fail the way real ones do. Each fault is a small
set-based edit of the generated rows (DuckDB SQL over Arrow tables, so a synthetic population
with thousands of faulty members costs the same as one), and each is listed in ``faults.json``
with what a checker is expected to say, so tests can assert on exact members.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MANIFEST_FORMAT = "ecocluster-sample-faults/1"

# kind -> what a checker (or ingestion) should report
EXPECTATIONS: dict[str, str] = {
    "missing_indicator": (
        "core indicator waste.hazardous is missing for the year and no justification is given"
    ),
    "unit_implausible": "energy.total_direct is about 1000x the previous year: value written in kWh but "
    "declared as MWh",
    "incompatible_unit": (
        "ingestion rejects the whole file: water.total declared in kWh, which is not a volume"
    ),
    "yoy_jump": "water.total is about 10x the previous year",
    "expired_permit": (
        "a permit in the obligations register expired during the reporting year and was not renewed"
    ),
    "permit_exceedance": "a measurement exceeds the permit limit of its obligation",
    "open_major_nc": "a major nonconformity is open (no closing date, no corrective action)",
    "unfinished_step": "step-by-step milestones step_5, step_6 and audit_3 are not completed; the member "
    "is not registered and cannot be sent to registration",
    "derogation_risk": "the small-organisation derogation is claimed by a "
    "member with significant environmental "
    "risks (Art. 7(1))",
}
ROW_FAULTS = (
    "missing_indicator",
    "unit_implausible",
    "yoy_jump",
    "expired_permit",
    "permit_exceedance",
    "open_major_nc",
)
ROSTER_FAULTS = ("unfinished_step", "derogation_risk")
FILE_FAULTS = ("incompatible_unit",)


@dataclass(frozen=True)
class Fault:
    member_id: str
    cluster_id: str
    kind: str
    reporting_year: int
    file: str | None = None  # the offending file, for faults that ingestion must reject

    @property
    def expect(self) -> str:
        return EXPECTATIONS[self.kind]


def write_manifest(path: Path, faults: list[Fault]) -> Path:
    rows = [{**asdict(f), "expect": f.expect} for f in sorted(faults, key=lambda f: (f.member_id, f.kind))]
    path.write_text(
        json.dumps({"format": MANIFEST_FORMAT, "faults": rows}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return path


# One statement per section touched; ``f`` holds (member_id, kind) of the faults of the year.
_EDITS: dict[str, str] = {
    "indicators": """
        SELECT * REPLACE (
          CASE WHEN indicator = 'energy.total_direct' AND member_id IN (SELECT member_id FROM f WHERE kind = 'unit_implausible')
               THEN round(CASE unit WHEN 'kWh' THEN value WHEN 'GJ' THEN value / 3.6 * 1000 ELSE value * 1000 END)
               WHEN indicator = 'water.total' AND member_id IN (SELECT member_id FROM f WHERE kind = 'yoy_jump')
               THEN value * 10 ELSE value END AS value,
          CASE WHEN indicator = 'energy.total_direct' AND member_id IN (SELECT member_id FROM f WHERE kind = 'unit_implausible')
               THEN 'MWh' ELSE unit END AS unit)
        FROM t
        WHERE NOT (indicator = 'waste.hazardous' AND member_id IN (SELECT member_id FROM f WHERE kind = 'missing_indicator'))""",  # noqa: E501  # SQL: wrapping a line would change the query text
    "obligations": """
        SELECT * EXCLUDE (fy) REPLACE (
          CASE WHEN fy IS NOT NULL THEN make_date(fy, 6, 30) ELSE valid_until END AS valid_until,
          CASE WHEN fy IS NOT NULL THEN make_date(fy - 15, 7, 1) ELSE valid_from END AS valid_from)
        FROM (SELECT *, CASE WHEN kind = 'permit' AND obligation_id = min(CASE WHEN kind = 'permit'
                             THEN obligation_id END) OVER (PARTITION BY member_id)
                        THEN (SELECT max(f.year) FROM f WHERE f.kind = 'expired_permit'
                              AND f.member_id = t.member_id) END AS fy FROM t)""",
    "measurements": """
        SELECT * EXCLUDE (limit_value, first_rn) REPLACE (
          CASE WHEN _rn = first_rn AND member_id IN (SELECT member_id FROM f WHERE kind = 'permit_exceedance')
               THEN round(limit_value * 1.35, 1) ELSE value END AS value)
        FROM (SELECT t.*, min(t._rn) OVER (PARTITION BY t.member_id) AS first_rn,
                     (SELECT max(o.limit_value) FROM o WHERE o.member_id = t.member_id
                        AND o.obligation_id = t.obligation_id) AS limit_value FROM t)""",
    "nonconformities": """
        SELECT * EXCLUDE (hit) REPLACE (
          CASE WHEN hit THEN 'major' ELSE severity END AS severity,
          CASE WHEN hit THEN NULL ELSE closed_on END AS closed_on,
          CASE WHEN hit THEN NULL ELSE corrective_action END AS corrective_action)
        FROM (SELECT *, nc_id LIKE '%-01' AND member_id IN (SELECT member_id FROM f WHERE kind = 'open_major_nc')
                        AS hit FROM t)""",  # noqa: E501  # SQL: wrapping a line would change the query text
}


def inject(tables: dict[str, pa.Table], year: int, faults: list[Fault]) -> dict[str, pa.Table]:
    """The year's tables with the row faults applied. A permit that expires in a later year
    already shows that end date in the earlier registers (it was valid then)."""
    active = [
        x
        for x in faults
        if x.kind in ROW_FAULTS
        and (x.reporting_year == year or (x.kind == "expired_permit" and x.reporting_year > year))
    ]
    if not active:
        return tables
    f = pa.table(
        {
            "member_id": [x.member_id for x in active],
            "kind": [x.kind if x.reporting_year == year else "expired_permit" for x in active],
            "year": [x.reporting_year for x in active],
        }
    )
    out = dict(tables)
    faulty = pa.array(sorted({x.member_id for x in active}))
    with duckdb.connect() as con:
        con.register("f", f)
        con.register("o", tables["obligations"])
        for section, sql in _EDITS.items():
            out[section] = _edit(con, tables[section], faulty, sql)
    return out


def _edit(con: duckdb.DuckDBPyConnection, table: pa.Table, faulty: pa.Array, sql: str) -> pa.Table:
    """Run ``sql`` on the faulty members' rows only and patch the results back in place."""
    hit = pc.is_in(table["member_id"], value_set=faulty)
    positions = pa.array(np.flatnonzero(hit.to_numpy(zero_copy_only=False)))
    if not len(positions):
        return table
    con.register("t", table.take(positions).append_column("_rn", positions))
    edited = con.sql(sql + " ORDER BY _rn").fetch_arrow_table()
    con.unregister("t")
    kept = pc.is_in(pa.array(np.arange(table.num_rows)), value_set=edited["_rn"])
    columns = {
        name: pc.replace_with_mask(
            table[name].combine_chunks(),
            kept,
            edited[name].cast(table.schema.field(name).type).combine_chunks(),
        )
        for name in table.column_names
    }
    return pa.table(columns, schema=table.schema).filter(pc.or_(pc.invert(hit), kept))


def incompatible_unit_rows(indicators: pa.Table, member_id: str) -> pa.Table:
    """A member's indicator rows re-sent with water in kWh: a file ingestion must reject whole."""
    with duckdb.connect() as con:
        con.register("t", indicators)
        edited = con.execute(
            "SELECT * REPLACE (CASE WHEN indicator = 'water.total' THEN 'kWh' ELSE unit END AS unit) "
            "FROM t WHERE member_id = ?",
            [member_id],
        ).fetch_arrow_table()
    return edited.cast(indicators.schema)
