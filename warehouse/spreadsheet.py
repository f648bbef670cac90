"""Spreadsheet-safe exports: CSV that a coordinator or verifier can open in Excel or LibreOffice.

Reports carry text that members wrote (file names, explanations quoting their values). A cell that
starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is read by spreadsheets as a formula
(CSV/formula injection: ``=HYPERLINK(...)`` exfiltrates, ``=cmd|...`` runs commands). Following
OWASP's guidance, such text cells get a leading apostrophe (shown as text, not evaluated) and every
field is quoted; numbers stay numbers, including negative ones.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet will show it, never as a formula it would evaluate."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS) or _PLAIN_NUMBER.match(value):
        return "" if value is None else value
    return "'" + value


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Every cell neutralised (:func:`safe_cell`) and quoted."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
