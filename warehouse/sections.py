"""The submission format: which sections a member submits and which fields each one has.

One definition serves every format (XLSX sheet, CSV file, JSON key), the JSON Schema, the XLSX
template and the warehouse tables, so the formats cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ecocluster.warehouse.indicators import BY_CODE, MILESTONES


class Kind(str, Enum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"  # ISO 8601, YYYY-MM-DD
    BOOLEAN = "boolean"
    CHOICE = "choice"
    UNIT = "unit"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 4000
    past: bool = False  # a date of something that has happened: cannot lie in the future


@dataclass(frozen=True)
class Section:
    name: str  # sheet name, CSV section, JSON key
    table: str  # warehouse table
    fields: tuple[Field, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("member_id", "reporting_year", *tuple(f.name for f in self.fields))

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _f(
    name: str,
    kind: Kind = Kind.TEXT,
    required: bool = False,
    choices: tuple[str, ...] = (),
    max_length: int = 4000,
    past: bool = False,
) -> Field:
    return Field(name, kind, required, choices, max_length, past)


SECTIONS: tuple[Section, ...] = (
    Section(
        "profile",
        "member_profile",
        (
            _f("activities", required=True, max_length=20000),
            _f("policy", required=True, max_length=20000),
            _f("governance", max_length=20000),
            _f("contact", max_length=500),
        ),
    ),
    Section(
        "indicators",
        "indicator_value",
        (
            _f("site_id", max_length=64),
            _f("indicator", Kind.CHOICE, True, tuple(BY_CODE)),
            _f("value", Kind.NUMBER),
            _f("unit", Kind.UNIT),
            _f("period_start", Kind.DATE),
            _f("period_end", Kind.DATE),
            _f("justification", max_length=4000),
        ),
    ),
    Section(
        "obligations",
        "obligation",
        (
            _f("obligation_id", required=True, max_length=64),
            _f("kind", Kind.CHOICE, True, ("permit", "law")),
            _f("title", required=True, max_length=500),
            _f("legal_reference", required=True, max_length=500),
            _f("authority", max_length=200),
            _f("parameter", max_length=200),
            _f("limit_value", Kind.NUMBER),
            _f("limit_unit", Kind.UNIT),
            _f("valid_from", Kind.DATE),
            _f("valid_until", Kind.DATE),
        ),
    ),
    Section(
        "measurements",
        "measurement",
        (
            _f("obligation_id", required=True, max_length=64),
            _f("site_id", max_length=64),
            _f("parameter", required=True, max_length=200),
            _f("measured_on", Kind.DATE, True, past=True),
            _f("value", Kind.NUMBER, True),
            _f("unit", Kind.UNIT, True),
        ),
    ),
    Section(
        "nonconformities",
        "nonconformity",
        (
            _f("nc_id", required=True, max_length=64),
            _f("severity", Kind.CHOICE, True, ("major", "minor")),
            _f("description", required=True),
            _f("opened_on", Kind.DATE, True, past=True),
            _f("closed_on", Kind.DATE, past=True),
            _f("corrective_action"),
        ),
    ),
    Section(
        "milestones",
        "ems_milestone",
        (
            _f("milestone", Kind.CHOICE, True, MILESTONES),
            _f("completed_on", Kind.DATE, past=True),
            _f("auditor", max_length=200),
            _f("evidence", max_length=1000),
        ),
    ),
    Section(
        "aspects",
        "aspect",
        (
            _f("aspect_id", required=True, max_length=64),
            _f("aspect", required=True, max_length=500),
            _f("kind", Kind.CHOICE, True, ("direct", "indirect")),
            _f("impact", required=True, max_length=1000),
            _f("significant", Kind.BOOLEAN, True),
        ),
    ),
    Section(
        "objectives",
        "objective",
        (
            _f("objective_id", required=True, max_length=64),
            _f("description", required=True, max_length=2000),
            _f("indicator", Kind.CHOICE, False, tuple(BY_CODE)),
            _f("baseline_value", Kind.NUMBER),
            _f("target_value", Kind.NUMBER),
            _f("target_year", Kind.INTEGER),
            _f("status", Kind.CHOICE, False, ("planned", "in_progress", "achieved", "missed")),
        ),
    ),
)

BY_NAME: dict[str, Section] = {s.name: s for s in SECTIONS}
