"""Country profiles: how each competent body runs registration, as data the body can override.

The shipped, versioned ``country_profiles.json`` holds one profile per country (IT, LV, DE, NL and
one Spanish region, Catalonia, under ES): the languages an application may be in, the waiting
period of each request type (calendar or working days), the fee rule, the attachment limit and the
overdue policy (when an updated statement is due, the notices before, suspension and deletion).
Its ``provenance`` says, value by value, whether the issue or design text states it (``cited:``)
or it is a placeholder the body must confirm (``assumption:``); a test keeps every value covered.

A body overrides any value in its own ``ecocluster.toml`` (``[register.<CC>]``, the same shape
as the data file, e.g. ``[register.IT.waiting.first-registration] days = 60``); a key the data
file does not have is refused, so a typo never silently keeps the shipped value. A country
without a shipped profile gets :data:`DEFAULT` (no waiting period, any language, fee unknown):
the body configures its own.

Working days skip Saturdays, Sundays and the public holidays of the profile's calendar (the
``holidays`` package, for the country and region named); a working-day period without a calendar
is refused, so no period is silently counted in calendar days.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home

DATA_FORMAT = "ecocluster/country-profiles/v1"
# The media types ``attachments.types`` may name (judged by ``ecocluster.signing._attachments``).
KNOWN_TYPES = (
    "application/pdf",
    "application/json",
    "text/plain",
    "application/pem-certificate-chain",
    "application/timestamp-reply",
    "image/png",
    "image/jpeg",
    "application/zip",
    "application/octet-stream",
)
DATA_FILE = "country_profiles.json"


class RequestType(StrEnum):
    """What an incoming package asks the body for (:func:`ecocluster.signing._requests.classify`),
    and the two the body itself starts when an updated statement is overdue."""

    FIRST_REGISTRATION = "first-registration"
    ANNUAL_UPDATE = "annual-update"
    RENEWAL = "renewal"
    EXTENSION = "extension"  # a new site or NACE code
    TRANSFER = "transfer"  # the registered organisation's legal name changed
    SUSPENSION = "suspension"
    DELETION = "deletion"


# Request types a package can carry (the other two are the body's own decisions).
DELIVERED = (
    RequestType.FIRST_REGISTRATION,
    RequestType.ANNUAL_UPDATE,
    RequestType.RENEWAL,
    RequestType.EXTENSION,
    RequestType.TRANSFER,
)


@dataclass(frozen=True)
class Waiting:
    days: int
    unit: str  # calendar | working

    def describe(self) -> str:
        return "none" if self.days == 0 else f"{self.days} {self.unit} day(s)"


@dataclass(frozen=True)
class FeeRule:
    rule: str  # free | by-size | schedule (the body's own, not known here)
    public_bodies_exempt: bool
    currency: str
    by_size: Mapping[str, int | None]

    def for_member(self, size_class: str, public_body: bool) -> str:
        """What the receipt says about the fee: never an amount the profile does not know."""
        if self.rule == "free":
            return "free"
        if public_body and self.public_bodies_exempt:
            return "exempt (public body)"
        if self.rule == "by-size":
            amount = self.by_size.get(size_class)
            if amount is None:
                return f"size class {size_class}: amount per the body's fee schedule"
            return f"size class {size_class}: {amount} {self.currency}"
        return "per the body's fee schedule"


@dataclass(frozen=True)
class Overdue:
    due_after_months: int
    derogation_due_after_months: int
    notice_days_before: tuple[int, ...]
    suspend_after_days: int
    delete_after_days: int

    def due(self, last: dt.date, derogation: bool) -> dt.date:
        """When the next updated statement is due after one taken in on ``last``."""
        months = self.derogation_due_after_months if derogation else self.due_after_months
        years, month = divmod(last.month - 1 + months, 12)
        year = last.year + years
        return dt.date(year, month + 1, min(last.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class AttachmentLimits:
    """Bounds on each file of a package (``ecocluster.signing._attachments``); None: no bound."""

    max_file_bytes: int | None = None
    types: tuple[str, ...] | None = None  # media types taken, judged from the content


@dataclass(frozen=True)
class CountryProfile:
    country: str
    version: str  # of the data file, plus "+config" when the body overrode a value
    competent_body: str
    channel: str
    languages: tuple[str, ...]  # empty: any language
    calendar: tuple[str, str | None] | None  # (country, subdivision) of the holidays that count
    waiting: Mapping[RequestType, Waiting]
    objection_extension_days: int
    fee: FeeRule
    max_package_bytes: int | None
    overdue: Overdue
    attachments: AttachmentLimits = AttachmentLimits()

    def waiting_until(self, request: RequestType, received: dt.date) -> dt.date:
        """The first day on which a request received on ``received`` may be decided."""
        period = self.waiting.get(request, Waiting(0, "calendar"))
        return self.add_days(received, period.days, period.unit)

    def add_days(self, start: dt.date, days: int, unit: str) -> dt.date:
        if unit == "calendar":
            return start + dt.timedelta(days=days)
        if self.calendar is None:  # refused when the profile was read; kept for a hand-made profile
            raise ConfigurationError(f"the {self.country} profile counts working days without a calendar")
        off = _holidays(*self.calendar)
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in off:
                left -= 1
        return day


@functools.lru_cache(maxsize=8)
def _holidays(country: str, subdivision: str | None) -> Any:
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision, years=range(2000, 2101))


@functools.lru_cache(maxsize=1)
def shipped() -> dict[str, Any]:
    """The data file as shipped (parsed once; callers get copies through :func:`profile`)."""
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath(DATA_FILE).read_text("utf-8"))
    if data.get("format") != DATA_FORMAT:
        raise ConfigurationError(f"{DATA_FILE}: format is {data.get('format')!r}, expected {DATA_FORMAT!r}")
    return data


DEFAULT: dict[str, Any] = {
    "competentBody": "the competent body",
    "channel": "online",
    "languages": [],
    "calendar": None,
    "waiting": {r.value: {"days": 0, "unit": "calendar"} for r in DELIVERED},
    "objectionExtensionDays": 0,
    "fee": {"rule": "schedule", "publicBodiesExempt": False, "currency": "EUR", "bySize": {}},
    "attachments": {"maxPackageBytes": None, "maxFileBytes": None, "types": None},
    "overdue": {
        "dueAfterMonths": 12,
        "derogationDueAfterMonths": 24,
        "noticeDaysBefore": [30, 7],
        "suspendAfterDays": 0,
        "deleteAfterDays": 365,
    },
}


def profile(country: str, home: Home | None = None) -> CountryProfile:
    """The country's profile: shipped (or :data:`DEFAULT`), with the body's ``[register.<CC>]``
    overrides from ``home``'s configuration applied."""
    data = shipped()
    raw = copy.deepcopy(data["profiles"].get(country, DEFAULT))
    raw.pop("provenance", None)
    version = str(data["version"])
    override = home.config().register.countries.get(country) if home else None
    if override:
        _merge(raw, override, f"register.{country}")
        version += "+config"
    try:
        return _parse(country, version, raw)
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigurationError(
            f"the {country} country profile is unusable ({type(e).__name__}: {e}); check "
            f"[register.{country}] in ecocluster.toml against signing/{DATA_FILE}"
        ) from e


def _merge(into: dict[str, Any], override: Mapping[str, Any], where: str) -> None:
    for key, value in override.items():
        if key not in into:
            raise ConfigurationError(
                f"[{where}] has no key {key!r}; the profile's keys are {', '.join(sorted(into))}"
            )
        if isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, f"{where}.{key}")
        else:
            into[key] = value


def _count(value: Any, what: str) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{what} must be a whole number ≥ 0, got {value!r}")
    return value


def _parse(country: str, version: str, raw: dict[str, Any]) -> CountryProfile:
    holiday_calendar = raw["calendar"]
    waiting = {}
    for request in DELIVERED:
        entry = raw["waiting"][request.value]
        unit = entry["unit"]
        if unit not in ("calendar", "working"):
            raise ValueError(f"waiting.{request.value}.unit must be calendar or working, got {unit!r}")
        if unit == "working" and holiday_calendar is None:
            raise ValueError(f"waiting.{request.value} counts working days but the profile names no calendar")
        waiting[request] = Waiting(_count(entry["days"], f"waiting.{request.value}.days"), unit)
    fee = raw["fee"]
    if fee["rule"] not in ("free", "by-size", "schedule"):
        raise ValueError(f"fee.rule must be free, by-size or schedule, got {fee['rule']!r}")
    overdue = raw["overdue"]
    limit = raw["attachments"]["maxPackageBytes"]
    per_file = raw["attachments"]["maxFileBytes"]
    types = raw["attachments"]["types"]
    if types is not None and (not isinstance(types, list) or not all(t in KNOWN_TYPES for t in types)):
        raise ValueError(
            f"attachments.types must be a list of {', '.join(KNOWN_TYPES)} or null, got {types!r}"
        )
    return CountryProfile(
        country=country,
        version=version,
        competent_body=str(raw["competentBody"]),
        channel=str(raw["channel"]),
        languages=tuple(str(x) for x in raw["languages"]),
        calendar=(str(holiday_calendar["country"]), holiday_calendar["subdivision"])
        if holiday_calendar
        else None,
        waiting=waiting,
        objection_extension_days=_count(raw["objectionExtensionDays"], "objectionExtensionDays"),
        fee=FeeRule(
            fee["rule"],
            bool(fee["publicBodiesExempt"]),
            str(fee["currency"]),
            {k: None if v is None else _count(v, f"fee.bySize.{k}") for k, v in fee["bySize"].items()},
        ),
        max_package_bytes=None if limit is None else _count(limit, "attachments.maxPackageBytes"),
        overdue=Overdue(
            _count(overdue["dueAfterMonths"], "overdue.dueAfterMonths"),
            _count(overdue["derogationDueAfterMonths"], "overdue.derogationDueAfterMonths"),
            tuple(
                sorted(
                    (_count(d, "overdue.noticeDaysBefore") for d in overdue["noticeDaysBefore"]), reverse=True
                )
            ),
            _count(overdue["suspendAfterDays"], "overdue.suspendAfterDays"),
            _count(overdue["deleteAfterDays"], "overdue.deleteAfterDays"),
        ),
        attachments=AttachmentLimits(
            None if per_file is None else _count(per_file, "attachments.maxFileBytes"),
            None if types is None else tuple(str(t) for t in types),
        ),
    )
