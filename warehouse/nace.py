"""NACE Rev. 2, the classification EMAS scopes verifiers and members by (Regulation (EC) No 1893/2006),
and its correspondence to NACE Rev. 2.1, the classification EFRAG's VSME taxonomy uses.

Both ship as data with their source and licence (Eurostat; reuse with acknowledgement), each file
naming where it was taken from and what was checked:

- ``nace_rev2.json``: the complete NACE Rev. 2 list, 21 sections, 88 divisions, 272 groups and 615
  classes with their English titles. A code is accepted only when the list has it at its level:
  ``55.9`` or ``55.99`` are refused like ``57`` (shape alone admitted them before).
- ``nace_rev2_rev21.json``: Eurostat's NACE Rev. 2 -> NACE Rev. 2.1 correspondence at class level.
  A Rev. 2 class may lead to several Rev. 2.1 classes; :func:`rev21_candidates` lists them and never
  chooses among several (the coordinator does, in the roster: ``nace_rev21``).

Codes nest: section ``I`` covers division ``55`` covers group ``55.1`` covers class ``55.10``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import duckdb

_DATA = Path(__file__).with_name("nace_rev2.json")
_CORRESPONDENCE = Path(__file__).with_name("nace_rev2_rev21.json")
_SHAPE = re.compile(r"^(?:(?P<section>[A-U])|(?P<division>[0-9]{2})(?:\.(?P<group>[0-9])(?P<cls>[0-9])?)?)$")


class NotNace(ValueError):
    """A string that is not a NACE Rev. 2 section, division, group or class."""


@dataclass(frozen=True)
class Nace:
    """The NACE Rev. 2 list as shipped in ``nace_rev2.json``: each level's codes and titles."""

    sections: dict[str, str]  # letter -> title
    divisions: dict[str, str]  # two digits -> title
    groups: dict[str, str]  # 55.1 -> title
    classes: dict[str, str]  # 55.10 -> title
    section_of: dict[str, str]  # division -> its section letter

    def title(self, code: str) -> str | None:
        """The English title of a listed code of any level."""
        for level in (self.sections, self.divisions, self.groups, self.classes):
            if code in level:
                return level[code]
        return None


def _children(node: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    yield from node.get(key, ())


@cache
def table() -> Nace:
    doc = json.loads(_DATA.read_text(encoding="utf-8"))
    sections = {s["code"]: s["title"] for s in doc["sections"]}
    divisions: dict[str, str] = {}
    groups: dict[str, str] = {}
    classes: dict[str, str] = {}
    section_of: dict[str, str] = {}
    for s in doc["sections"]:
        for d in _children(s, "divisions"):
            divisions[d["code"]] = d["title"]
            section_of[d["code"]] = s["code"]
            for g in _children(d, "groups"):
                groups[g["code"]] = g["title"]
                classes.update((c["code"], c["title"]) for c in _children(g, "classes"))
    return Nace(sections, divisions, groups, classes, section_of)


def code(value: str) -> str:
    """``value`` as a NACE Rev. 2 code (section letter, division, group or class), or :class:`NotNace`."""
    match = _SHAPE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise NotNace(
            f"{value!r} is not a NACE Rev. 2 code: expected a section letter A-U, a division such as "
            "55, a group such as 55.1 or a class such as 55.10"
        )
    nace = table()
    division = match["division"]
    if division is not None and division not in nace.divisions:
        raise NotNace(
            f"{value!r} is not a NACE Rev. 2 code: there is no division {division} "
            f"(divisions are {min(nace.divisions)}..{max(nace.divisions)} with gaps, e.g. 04 and 57)"
        )
    if match["cls"] is not None and value not in nace.classes:
        listed = ", ".join(c for c in nace.classes if c.startswith(value[:4]))
        raise NotNace(
            f"{value!r} is not a NACE Rev. 2 code: group {value[:4]} has no class {value}"
            + (f" (its classes are {listed})" if listed else f" and there is no group {value[:4]}")
        )
    if match["group"] is not None and value[:4] not in nace.groups:
        listed = ", ".join(g for g in nace.groups if g.startswith(value[:3]))  # "55." and its groups
        raise NotNace(
            f"{value!r} is not a NACE Rev. 2 code: division {division} has no group {value[:4]} "
            f"(its groups are {listed})"
        )
    return value


def is_code(value: object) -> bool:
    try:
        return isinstance(value, str) and code(value) == value
    except NotNace:
        return False


@lru_cache(maxsize=4096)
def covers(scope: str, activity: str) -> bool:
    """Whether an accreditation scope entry covers a member's activity code (both NACE Rev. 2).

    A section covers its divisions; otherwise codes nest by digits (``55`` covers ``55.1`` covers
    ``55.10``), compared digit-wise so ``5`` never covers ``55`` and ``55.1`` never covers ``55.2``.
    Remembered: a pure function of two short codes, asked once per approval verified.
    """
    if not (is_code(scope) and is_code(activity)):
        return False
    if len(scope) == 1:
        return activity == scope or table().section_of.get(activity[:2]) == scope
    return len(activity) > 1 and activity.startswith(scope)


@cache
def _links() -> dict[str, tuple[str, ...]]:
    """Rev. 2 class -> its Rev. 2.1 classes, in the order of the shipped table."""
    doc = json.loads(_CORRESPONDENCE.read_text(encoding="utf-8"))
    links: dict[str, list[str]] = {}
    for rev2, rev21, _partial in doc["links"]:
        if rev21 not in links.setdefault(rev2, []):
            links[rev2].append(rev21)
    return {rev2: tuple(targets) for rev2, targets in links.items()}


def rev21_candidates(activity: str) -> tuple[str, ...]:
    """The NACE Rev. 2.1 codes a member's NACE Rev. 2 division, group or class corresponds to,
    sorted, by Eurostat's correspondence table.

    A class gives its table targets. A group or division gives the Rev. 2.1 codes of the same level
    that hold a target of one of its classes (``55`` -> ``55``; ``56.1`` -> ``56.1``), which is the
    table read at that level, not a guess. A section has no such reading (Rev. 2.1 re-lettered
    them): :class:`NotNace`.
    """
    code(activity)
    if len(activity) == 1:
        raise NotNace(
            f"{activity!r} is a NACE Rev. 2 section; Eurostat's correspondence to NACE Rev. 2.1 is by "
            "class, so a member's code must be a division, group or class"
        )
    links = _links()
    targets = {t for rev2, ts in links.items() if rev2.startswith(activity) for t in ts}
    return tuple(sorted({t[: len(activity)] for t in targets}))


def rev21_code(activity: str, chosen: str | None = None) -> str:
    """The member's NACE Rev. 2.1 code: the only candidate of its Rev. 2 code, or the coordinator's
    ``chosen`` one among several. :class:`NotNace` when a choice is needed and missing, or when
    ``chosen`` is not a candidate (the message lists the candidates)."""
    candidates = rev21_candidates(activity)
    if chosen is None and len(candidates) == 1:
        return candidates[0]
    if chosen in candidates:
        return chosen
    listed = ", ".join(candidates)
    if chosen is None:
        raise NotNace(
            f"NACE Rev. 2 {activity} corresponds to several NACE Rev. 2.1 codes ({listed}) in Eurostat's "
            "table: the coordinator chooses one in the roster as the member's nace_rev21"
        )
    raise NotNace(
        f"nace_rev21 {chosen!r} is not one of the NACE Rev. 2.1 codes that NACE Rev. 2 {activity} "
        f"corresponds to in Eurostat's table ({listed})"
    )


def chosen_rev21(con: duckdb.DuckDBPyConnection, member_id: str) -> str | None:
    """The member's ``nace_rev21`` as its cluster's roster gives it (validated there to be one of
    :func:`rev21_candidates`), or None when the roster names none."""
    row = con.execute("SELECT nace_rev21 FROM member_nace_rev21 WHERE member_id = ?", [member_id]).fetchone()
    return None if row is None or row[0] is None else str(row[0])
