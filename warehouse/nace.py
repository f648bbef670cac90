"""NACE Rev. 2, the classification EMAS scopes verifiers and members by (Regulation (EC) No 1893/2006).

The sections (``A``..``U``) and the 88 divisions (``01``..``99``) with their titles ship as data in
``nace_rev2.json``, transcribed from Annex I of the regulation (the file names its source). A group
(``55.1``) or class (``55.10``) is accepted when it is well formed under a listed division: one
ASCII digit for the group (``0`` included: ``99.0``, ``75.0``) and one more for the class. The full
list of 272 groups and 615 classes is not shipped, so ``55.9`` passes although Annex I has no such
group; a scope or a member code can still never name a division, or a section, that does not exist.

Codes nest: section ``I`` covers division ``55`` covers group ``55.1`` covers class ``55.10``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("nace_rev2.json")
_SHAPE = re.compile(r"^(?:(?P<section>[A-U])|(?P<division>[0-9]{2})(?:\.(?P<group>[0-9])(?P<cls>[0-9])?)?)$")


class NotNace(ValueError):
    """A string that is not a NACE Rev. 2 section, division, group or class."""


@dataclass(frozen=True)
class Nace:
    """The NACE Rev. 2 sections and divisions, as shipped in ``nace_rev2.json``."""

    sections: dict[str, str]  # letter -> title
    divisions: dict[str, str]  # two digits -> title
    section_of: dict[str, str]  # division -> its section letter


@cache
def table() -> Nace:
    doc = json.loads(_DATA.read_text(encoding="utf-8"))
    sections = {s["code"]: s["title"] for s in doc["sections"]}
    divisions = {d["code"]: d["title"] for s in doc["sections"] for d in s["divisions"]}
    section_of = {d["code"]: s["code"] for s in doc["sections"] for d in s["divisions"]}
    return Nace(sections, divisions, section_of)


def code(value: str) -> str:
    """``value`` as a NACE Rev. 2 code (section letter, division, group or class), or :class:`NotNace`."""
    match = _SHAPE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise NotNace(
            f"{value!r} is not a NACE Rev. 2 code: expected a section letter A-U, a division such as "
            "55, a group such as 55.1 or a class such as 55.10"
        )
    division = match["division"]
    if division is not None and division not in table().divisions:
        raise NotNace(
            f"{value!r} is not a NACE Rev. 2 code: there is no division {division} "
            f"(divisions are {min(table().divisions)}..{max(table().divisions)} with gaps, e.g. 04 and 57)"
        )
    return value


def is_code(value: object) -> bool:
    try:
        return isinstance(value, str) and code(value) == value
    except NotNace:
        return False


def covers(scope: str, activity: str) -> bool:
    """Whether an accreditation scope entry covers a member's activity code (both NACE Rev. 2).

    A section covers its divisions; otherwise codes nest by digits (``55`` covers ``55.1`` covers
    ``55.10``), compared digit-wise so ``5`` never covers ``55`` and ``55.1`` never covers ``55.2``.
    """
    if not (is_code(scope) and is_code(activity)):
        return False
    if len(scope) == 1:
        return activity == scope or table().section_of.get(activity[:2]) == scope
    return len(activity) > 1 and activity.startswith(scope)
