"""Parsed rows, before validation: every value still text, every row still knows where it came from.

All formats end up here so that one set of SQL rules validates them and the error messages look
the same whether the member sent XLSX, CSV or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from ecocluster.warehouse.sections import SECTIONS, Section

STAGE_META = ("file_no", "src_part", "src_row", "member_id", "reporting_year")


def stage_table(section: Section) -> str:
    return f"stg_{section.name}"


def create_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary all-text tables, one per section, plus the files of the batch."""
    for section in SECTIONS:
        cols = ", ".join(f'"{c}" VARCHAR' for c in section.columns[2:])
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {stage_table(section)} (file_no INTEGER, src_part VARCHAR, "
            f"src_row INTEGER, member_id VARCHAR, reporting_year VARCHAR, {cols})"
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_file (file_no INTEGER "
        "PRIMARY KEY, filename VARCHAR, sha256 VARCHAR,"
        " format VARCHAR, encoding VARCHAR, decimal_comma BOOLEAN, size_bytes BIGINT, archive_key VARCHAR,"
        " member_id VARCHAR, reporting_year VARCHAR)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_error (file_no INTEGER, src_part VARCHAR, src_row INTEGER,"
        " col VARCHAR, value VARCHAR, reason VARCHAR)"
    )


@dataclass
class ParsedRows:
    """Rows of one file (JSON or XLSX) grouped by section, in file order."""

    member_id: str | None = None
    reporting_year: str | None = None
    rows: dict[str, list[tuple[str | None, int, dict[str, str | None]]]] = field(default_factory=dict)

    def add(self, section: str, part: str | None, row_no: int, values: dict[str, str | None]) -> None:
        self.rows.setdefault(section, []).append((part, row_no, values))


def stage_parsed(con: duckdb.DuckDBPyConnection, file_no: int, parsed: ParsedRows) -> None:
    """Append a parsed file's rows to the staging tables with one Arrow insert per section."""
    for section in SECTIONS:
        rows = parsed.rows.get(section.name)
        if not rows:
            continue
        columns: dict[str, list[object]] = {
            "file_no": [file_no] * len(rows),
            "src_part": [r[0] for r in rows],
            "src_row": [r[1] for r in rows],
            "member_id": [parsed.member_id] * len(rows),
            "reporting_year": [parsed.reporting_year] * len(rows),
        }
        for name in section.columns[2:]:
            columns[name] = [r[2].get(name) for r in rows]
        batch = pa.table(
            {
                k: pa.array(v, type=pa.int32() if k in ("file_no", "src_row") else pa.string())
                for k, v in columns.items()
            }
        )
        con.register("_batch", batch)
        con.execute(f"INSERT INTO {stage_table(section)} BY NAME SELECT * FROM _batch")
        con.unregister("_batch")


def text_of(value: object) -> str | None:
    """Text form of a parsed cell or JSON value, exact for numbers (repr round-trips doubles)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
