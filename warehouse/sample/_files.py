"""Writing sample files in the formats members and coordinators really send.

CSV files come in the dialects seen in the field (``,`` + UTF-8, ``;`` + decimal comma from
Italian or Latvian Excel in Windows-1252/1257), JSON follows ``submission.schema.json`` and the
roster ``roster.schema.json``. Every writer is deterministic: same table, same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ecocluster.warehouse.sections import SECTIONS

SUBMISSION_FORMAT = "ecocluster-submission/1"
ROSTER_FORMAT = "ecocluster-roster/1"


@dataclass(frozen=True)
class Dialect:
    """How a CSV export is spelled: the delimiter, the decimal mark and the bytes."""

    delimiter: str = ","
    encoding: str = "utf-8"
    bom: bool = False

    @property
    def decimal_comma(self) -> bool:
        return self.delimiter == ";"


UTF8 = Dialect()
UTF8_BOM = Dialect(bom=True)
ITALIAN_EXCEL = Dialect(";", "cp1252")
BALTIC_EXCEL = Dialect(";", "cp1257")


def csv_bytes(table: pa.Table, dialect: Dialect = UTF8) -> bytes:
    if dialect.decimal_comma:  # Excel with a comma decimal mark writes 12,5 and uses ';' between fields
        table = pa.table(
            {
                name: pc.replace_substring(col.cast(pa.string()), ".", ",")
                if pa.types.is_floating(col.type)
                else col
                for name, col in zip(table.column_names, table.columns, strict=False)
            }
        )
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(delimiter=dialect.delimiter))
    text = buffer.getvalue()
    if dialect.encoding != "utf-8":
        text = text.decode("utf-8").encode(dialect.encoding)
    return (b"\xef\xbb\xbf" if dialect.bom else b"") + text


def write_csv(path: Path, table: pa.Table, dialect: Dialect = UTF8) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(table, dialect))
    return path


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def section_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows of one member-year as plain values, without the member_id/reporting_year keys."""
    fields = table.drop_columns(["member_id", "reporting_year"])
    return [{k: _plain(v) for k, v in row.items()} for row in fields.to_pylist()]


def submission_document(member_id: str, year: int, tables: dict[str, pa.Table]) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": SUBMISSION_FORMAT, "member_id": member_id, "reporting_year": year}
    for section in SECTIONS:
        doc[section.name] = section_rows(tables[section.name])
    return doc


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def member_tables(tables: dict[str, pa.Table], member_id: str) -> dict[str, pa.Table]:
    """One member's slice of every section table."""
    return {name: t.filter(pc.equal(t["member_id"], member_id)) for name, t in tables.items()}
