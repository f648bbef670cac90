"""XLSX submissions: the member workbook read as data, never executed.

Checks happen on the zip before openpyxl sees it (macro projects, zip bombs), openpyxl parses the
XML through defusedxml (no entity expansion, no external entities), and formulas are refused
rather than evaluated: the value a member sees in Excel may differ from what a formula computes here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from ecocluster.core.errors import RowError
from ecocluster.warehouse._raw import Limits, RawFile
from ecocluster.warehouse._rows import ParsedRows, text_of
from ecocluster.warehouse.messages import N_, LocalisedRowError, Refusal, RowLocation
from ecocluster.warehouse.sections import BY_NAME, Kind

TEMPLATE_VERSION = "1"
_META_SHEET = "submission"
_MAX_RATIO = 200  # uncompressed ÷ compressed; real workbooks stay far below


def _inspect_zip(raw: RawFile, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw.data))
    except zipfile.BadZipFile as e:
        raise Refusal(
            N_("not a valid XLSX workbook (the file is not a zip archive); save it as .xlsx")
        ) from e
    with archive:
        infos = archive.infolist()
        if len(infos) > 2000:
            raise Refusal(N_("workbook has too many parts to be a submission"))
        total = sum(i.file_size for i in infos)
        if total > limits.max_xlsx_uncompressed_bytes:
            raise Refusal(
                N_("workbook would expand to {size} MB; the limit is {limit} MB"),
                size=f"{total / 1e6:.0f}",
                limit=f"{limits.max_xlsx_uncompressed_bytes / 1e6:.0f}",
            )
        packed = sum(i.compress_size for i in infos) or 1
        if total / packed > _MAX_RATIO and total > 10 * 1024 * 1024:
            raise Refusal(N_("workbook is compressed suspiciously well (a zip bomb?); it was not opened"))
        names = {i.filename.lower() for i in infos}
        if any(n.endswith("vbaproject.bin") for n in names):
            raise Refusal(N_("workbook contains macros; save it as a macro-free .xlsx workbook"))


def _cell_text(cell: object) -> str | None:
    value = getattr(cell, "value", None)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value if value.strip() else None
    return text_of(value)


# Digits in groups of three after a '.' or ',': in a text cell "323.410" may be 323.41 or 323410.
_GROUPED = re.compile(r"\s*([-+]?)(\d{1,3})((?:([.,])\d{3})+)(?:([.,])(\d+))?\s*")
_AMBIGUOUS = N_(
    "cell {cell} holds the text '{text}', not a number: it reads as {decimal} if '{sep}' is the "
    "decimal separator, or as {thousands} if '{sep}' separates thousands; type the number into the "
    "cell as a number, with no thousands separator ({thousands} or {decimal})"
)
_GROUPED_ONLY = N_(
    "cell {cell} holds the text '{text}', not a number: with '{sep}' separating thousands it "
    "reads as {thousands}; type the number into the cell as a number, with no thousands "
    "separator ({thousands})"
)


def grouped_number(cell: object, name: str, where: str, column: str) -> RowError | None:
    """A text cell of a numeric column written with a thousands separator, refused with both
    readings: openpyxl gives "323.410" as text, which a decimal point reads as 323.41 while an
    Italian member meant 323,410 kWh. A number the member typed as a number is never ambiguous."""
    value = getattr(cell, "value", None)
    if not isinstance(value, str):
        return None
    match = _GROUPED.fullmatch(value)
    if match is None:
        return None
    sign, head, groups, sep, decimal_sep, decimals = match.groups()
    if decimal_sep == sep:
        return None  # "1.234.5": not a thousands pattern; "is not a number" says enough
    thousands = sign + head + groups.replace(sep, "") + ("." + decimals if decimals else "")
    params = {
        "cell": str(getattr(cell, "coordinate", column)),
        "text": value.strip(),
        "sep": sep,
        "thousands": thousands,
    }
    where_: RowLocation = {
        "part": where,
        "row": getattr(cell, "row", None),
        "column": column,
        "value": value.strip()[:80],
    }
    if len(groups) == 4 and not decimals:  # one group: the separator may be a decimal one
        fraction = groups[1:].rstrip("0")
        params["decimal"] = sign + head + ("." + fraction if fraction else "")
        return LocalisedRowError.of(name, _AMBIGUOUS, params, **where_)
    return LocalisedRowError.of(name, _GROUPED_ONLY, params, **where_)


def parse_workbook(raw: RawFile, limits: Limits) -> tuple[ParsedRows, list[RowError]]:
    _inspect_zip(raw, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw.data), read_only=False, data_only=False, keep_vba=False)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile) as e:
        raise Refusal(N_("the workbook could not be read: {detail}"), detail=str(e)) from e
    except Exception as e:  # defusedxml raises its own errors for entity tricks
        raise Refusal(N_("the workbook's XML was refused: {detail}"), detail=type(e).__name__) from e
    name = raw.name
    errors: list[RowError] = []
    if _META_SHEET not in book.sheetnames:
        raise Refusal(N_("sheet 'submission' is missing: use the workbook from `ecocluster template`"))
    meta = {
        str(k.value).strip(): _cell_text(v)
        for k, v in book[_META_SHEET].iter_rows(min_row=1, max_row=10, max_col=2)
        if k.value is not None
    }
    if meta.get("template_version") != TEMPLATE_VERSION:
        errors.append(
            LocalisedRowError.of(
                name,
                N_(
                    "template version '{got}' is not the current '{current}'; copy your data into a new "
                    "`ecocluster template`"
                ),
                {"got": str(meta.get("template_version")), "current": TEMPLATE_VERSION},
                part="sheet submission",
                column="template_version",
            )
        )
    parsed = ParsedRows(member_id=meta.get("member_id"), reporting_year=meta.get("reporting_year"))
    for key in ("member_id", "reporting_year"):
        if not meta.get(key):
            errors.append(
                LocalisedRowError.of(
                    name, N_("'{key}' is missing"), {"key": key}, part="sheet submission", column=key
                )
            )
    for sheet in book.worksheets:
        section = BY_NAME.get(sheet.title)
        if section is None:
            continue
        where = f"sheet {sheet.title}"
        if sheet.sheet_state != "visible":
            errors.append(
                LocalisedRowError.of(
                    name, N_("section sheet is hidden; unhide it and check its contents"), {}, part=where
                )
            )
            continue
        if sheet.max_row > limits.max_rows:
            errors.append(
                LocalisedRowError.of(
                    name,
                    N_("{n} rows, more than the {limit} allowed"),
                    {"n": str(sheet.max_row), "limit": str(limits.max_rows)},
                    part=where,
                )
            )
            continue
        merged = list(sheet.merged_cells.ranges)
        if merged:
            errors.append(
                LocalisedRowError.of(
                    name,
                    N_("merged cells ({cells}); unmerge them so each cell holds one value"),
                    {"cells": merged[0].coord},
                    part=where,
                )
            )
            continue
        rows = sheet.iter_rows()
        header_cells = next(rows, ())
        header = [str(c.value).strip() if c.value is not None else None for c in header_cells]
        allowed = {f.name for f in section.fields}
        numeric = {f.name for f in section.fields if f.kind is Kind.NUMBER}
        for _col_no, title in enumerate(header):
            if title is not None and title not in allowed:
                errors.append(
                    LocalisedRowError.of(
                        name,
                        N_("unknown column heading; expected one of {allowed}"),
                        {"allowed": ", ".join(sorted(allowed))},
                        part=where,
                        row=1,
                        column=title,
                    )
                )
        for cells in rows:
            values: dict[str, str | None] = {}
            row_no = cells[0].row if cells else 0
            for title, cell in zip(header, cells, strict=False):
                if title is None or title not in allowed:
                    if cell.value not in (None, ""):
                        errors.append(
                            LocalisedRowError.of(
                                name,
                                N_("value in a column without a heading"),
                                {},
                                part=where,
                                row=row_no,
                                column=cell.column_letter,
                            )
                        )
                    continue
                if cell.data_type == "f":
                    errors.append(
                        LocalisedRowError.of(
                            name,
                            N_("contains a formula; type or paste the value instead"),
                            {},
                            part=where,
                            row=row_no,
                            column=title,
                            value=str(cell.value)[:80],
                        )
                    )
                    continue
                grouped = grouped_number(cell, name, where, title) if title in numeric else None
                if grouped is not None:
                    errors.append(grouped)
                    continue
                values[title] = _cell_text(cell)
            if any(v is not None for v in values.values()):
                parsed.add(section.name, where, row_no, values)
    return parsed, errors
