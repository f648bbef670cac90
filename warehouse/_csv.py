"""CSV submissions, one file per section, read set-wise by DuckDB.

Files are grouped by section and delimiter and read with one ``read_csv`` per group, which is
what keeps ingestion of 120,000 members close to a bare DuckDB load. Only when a group fails to
parse are its files read one by one, to name the broken file.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ecocluster.core.errors import RowError
from ecocluster.warehouse._raw import RawFile, decode_text
from ecocluster.warehouse._rows import stage_table
from ecocluster.warehouse.db import insert_rows
from ecocluster.warehouse.messages import N_, LocalisedRowError, Refusal
from ecocluster.warehouse.sections import SECTIONS, Section

MAX_CELL_BYTES = 1024 * 1024  # a field larger than this is not data a member typed


@dataclass(frozen=True)
class CsvFile:
    file_no: int
    raw: RawFile
    section: Section
    delimiter: str
    encoding: str
    read_path: Path  # the raw file, or a UTF-8 copy of a legacy-encoded one

    @property
    def decimal_comma(self) -> bool:
        """Semicolon-separated exports come from locales that write 12,5."""
        return self.delimiter == ";"


def _section_for(header: list[str]) -> Section:
    names = {h.strip() for h in header}
    for section in SECTIONS:
        if names == set(section.columns):
            return section
    best = max(SECTIONS, key=lambda s: len(names & set(s.columns)))
    missing = sorted(set(best.columns) - names)
    extra = sorted(names - set(best.columns))
    detail = "; ".join(
        p
        for p in (
            f"missing {', '.join(missing)}" if missing else "",
            f"unexpected {', '.join(extra)}" if extra else "",
        )
        if p
    )  # column names
    raise Refusal(
        N_("the header does not match any section; closest is '{section}' ({detail})"),
        section=best.name,
        detail=detail,
    )


def inspect(file_no: int, raw: RawFile, country_of: Callable[[str], str | None], workdir: Path) -> CsvFile:
    """Section, delimiter and encoding of a CSV file, or ValueError saying what is wrong."""
    probe_text, encoding = decode_text(raw.data, None)
    first_line = probe_text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
        section = _section_for(header)
        # Pick the code page of the members' country once a member id can be read.
        utf8 = encoding in ("utf-8", "utf-8-sig")
        second = None if utf8 else next(csv.DictReader(io.StringIO(probe_text), delimiter=delimiter), None)
    except csv.Error as e:  # e.g. a stray carriage return inside the header line
        raise Refusal(
            N_("the first lines cannot be read as CSV ({detail}); save the sheet again as CSV"), detail=str(e)
        ) from e
    if not utf8:
        text, encoding = decode_text(raw.data, country_of(str((second or {}).get("member_id") or "").strip()))
        read_path = Path(tempfile.mkstemp(dir=workdir, suffix=".csv")[1])
        read_path.write_text(text, encoding="utf-8")
    else:
        read_path = raw.path.absolute()
    return CsvFile(file_no, raw, section, delimiter, encoding, read_path)


def _read_group(con: duckdb.DuckDBPyConnection, files: list[CsvFile]) -> None:
    first = files[0]
    con.execute("CREATE OR REPLACE TEMP TABLE _csv_map (read_path VARCHAR, file_no INTEGER)")
    insert_rows(con, "_csv_map", ("read_path", "file_no"), [(str(f.read_path), f.file_no) for f in files])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _csv_batch AS SELECT * FROM "
        "read_csv(?, header = true, all_varchar = true,"
        " delim = ?, quote = '\"', escape = '\"', union_by_name = true, filename = true, strict_mode = true,"
        " null_padding = false, max_line_size = ?)",
        [[str(f.read_path) for f in files], first.delimiter, MAX_CELL_BYTES],
    )
    cols = ", ".join(f'b."{c}"' for c in first.section.columns)
    # rowid follows insertion order, which DuckDB keeps per file: data row 1 is spreadsheet row 2.
    con.execute(
        f"INSERT INTO {stage_table(first.section)} BY NAME SELECT m.file_no, NULL AS src_part, "
        f"CAST(b.rowid - min(b.rowid) OVER (PARTITION BY b.filename) + 2 AS INTEGER) AS src_row, {cols} "
        "FROM _csv_batch b JOIN _csv_map m ON m.read_path = b.filename"
    )


def _broken(name: str, e: duckdb.Error) -> RowError:
    """A file DuckDB could not parse, with the first line of DuckDB's reason (which stays English)."""
    text = str(e).split("\n")[0].replace("Invalid Input Error: ", "").replace("Conversion Error: ", "")
    return LocalisedRowError.of(name, N_("the CSV structure is broken: {detail}"), {"detail": text[:300]})


def stage(con: duckdb.DuckDBPyConnection, files: list[CsvFile]) -> dict[int, RowError]:
    """Load every file into the staging tables; returns the files that could not be parsed."""
    groups: dict[tuple[str, str], list[CsvFile]] = defaultdict(list)
    for f in files:
        groups[(f.section.name, f.delimiter)].append(f)
    broken: dict[int, RowError] = {}
    for group in groups.values():
        try:
            _read_group(con, group)
        except duckdb.Error:
            for f in group:
                try:
                    _read_group(con, [f])
                except duckdb.Error as e:
                    broken[f.file_no] = _broken(f.raw.name, e)
    return broken
