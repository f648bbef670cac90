"""A competent body's register and its monthly change file (EMAS Art. 12, issue 18).

Competent bodies send the Commission the changes of their register every month. Every change of
``body_register`` is therefore also a row of ``body_register_change`` (:func:`enter`, called by
intake in the same transaction), carrying the entry as it stands after the change; the month's
change file is those rows. Replaying every monthly file in order (:func:`replay`) rebuilds the
register exactly. A change is never dated before the country's previous one, so a month once
published never changes.

Format ``ecocluster/emas-register-changes/v2``: canonical JSON (UTF-8, sorted keys, no spaces)::

    {"format": "ecocluster/emas-register-changes/v2",
     "country": "IT",                   # ISO code of the competent body's country
     "month": "2026-03",                # the changes dated in this month
     "changes": [                       # in the order they were made
       {"seq": 1,                       # 1, 2, … within the file
        "date": "2026-03-04",           # day of the change
        "action": "registered",         # see ACTIONS: registered (a new number) | updated | renewed |
                                        # extended | transferred | suspended | deleted
        "registrationNo": "IT-000001", "serial": 1, "memberId": "IT-HOT-1",
        "firstRegistered": "2026-03-04", "lastRenewed": "2026-03-04",
        "status": "active",             # active | suspended | deleted, after the change
        "approvalSha256": "<64 hex>"}], # the verifier's signed approval the entry rests on
     "registerSize": 12,                # entries in the register after the month (any status)
     "registerSha256": "<64 hex>"}      # SHA-256 of the register after the month (see register_digest)

A reader checks its rebuild against ``registerSize`` and ``registerSha256`` after each month.
Version 1 (``…/v1``, written before suspension and deletion existed) had no ``status`` and only
the actions registered and renewed; :func:`replay` still reads it (every entry active) so a
body's published history replays from its first month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

from ecocluster.core.errors import InputUnreadable
from ecocluster.signing._approval import _Fields
from ecocluster.signing._dsse import MalformedEnvelope, canonical_json, strict_json
from ecocluster.signing._profiles import RequestType

FORMAT = "ecocluster/emas-register-changes/v2"
FORMAT_V1 = "ecocluster/emas-register-changes/v1"
ACTIONS = ("registered", "updated", "renewed", "extended", "transferred", "suspended", "deleted")
STATUSES = ("active", "suspended", "deleted")
# The register action each request type makes (a first registration of a deleted entry re-registers it).
ACTION_OF = {
    RequestType.FIRST_REGISTRATION: "registered",
    RequestType.ANNUAL_UPDATE: "updated",
    RequestType.RENEWAL: "renewed",
    RequestType.EXTENSION: "extended",
    RequestType.TRANSFER: "transferred",
    RequestType.SUSPENSION: "suspended",
    RequestType.DELETION: "deleted",
}
MAX_FILE_BYTES = 64 * 1024 * 1024
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class FeedRefused(InputUnreadable):
    """A register change file that is malformed, out of order or does not rebuild what it claims."""


@dataclass(frozen=True)
class RegisterEntry:
    """One organisation in a competent body's register."""

    country: str
    member_id: str
    registration_no: str
    serial: int
    first_registered: dt.date
    last_renewed: dt.date
    approval_sha256: str
    status: str = "active"

    def claim(self, version: str = FORMAT) -> dict[str, object]:
        claim: dict[str, object] = {
            "registrationNo": self.registration_no,
            "serial": self.serial,
            "memberId": self.member_id,
            "firstRegistered": self.first_registered.isoformat(),
            "lastRenewed": self.last_renewed.isoformat(),
            "approvalSha256": self.approval_sha256,
        }
        if version != FORMAT_V1:
            claim["status"] = self.status
        return claim


Register = Mapping[str, RegisterEntry]  # by registration number


def month_of(text: str) -> tuple[dt.date, dt.date]:
    """First day of the month ``YYYY-MM`` and of the month after, or :class:`FeedRefused`."""
    found = _MONTH.fullmatch(text.strip())
    if found is None:
        raise FeedRefused(f"month {text[:20]!r} is not YYYY-MM, e.g. 2026-03")
    start = dt.date(int(found[1]), int(found[2]), 1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


# --- writing: the register and its change log --------------------------------------------------------


@dataclass(frozen=True)
class Entering:
    """What a decided request writes into the register, all from the signed statement taken in."""

    member_id: str
    approval_sha256: str
    legal_name: str | None = None
    nace: str | None = None
    site_ids: tuple[str, ...] = ()
    reporting_year: int | None = None
    next_due: dt.date | None = None


_ENTRY = (
    "country, member_id, registration_no, serial, first_registered, last_renewed, "
    "last_approval_sha256, status"
)


def _change_date(con: duckdb.DuckDBPyConnection, country: str, today: dt.date) -> dt.date:
    row = con.execute(
        "SELECT max(change_date) FROM body_register_change WHERE country = ?", [country]
    ).fetchone()
    return max(today, row[0]) if row and row[0] else today  # a published month never changes


def _log(con: duckdb.DuckDBPyConnection, country: str, member_id: str, when: dt.date, action: str) -> None:
    con.execute(
        "INSERT INTO body_register_change (country, change_date, action, member_id, registration_no, serial, "
        "first_registered, last_renewed, last_approval_sha256, status) SELECT country, ?, ?, member_id, "
        "registration_no, serial, first_registered, last_renewed, last_approval_sha256, status "
        "FROM body_register WHERE country = ? AND member_id = ?",
        [when, action, country, member_id],
    )


def enter(
    con: duckdb.DuckDBPyConnection,
    country: str,
    member_id: str,
    approval_sha256: str,
    today: dt.date,
    *,
    request: RequestType | None = None,
    entering: Entering | None = None,
) -> tuple[str, str]:
    """Register ``member_id`` (a new number, ``country``-serial), or record the ``request`` on its
    entry (by default: renew it), and log the change; returns (action, registration number). An
    entry that was suspended becomes active again; a deleted one is registered again under its
    old number. Runs inside the caller's transaction; only a decided request comes here, so no
    number exists before the profile's waiting period ended."""
    entering = entering or Entering(member_id, approval_sha256)
    when = _change_date(con, country, today)
    known = con.execute(
        "SELECT registration_no, status FROM body_register WHERE country = ? AND member_id = ?",
        [country, member_id],
    ).fetchone()
    facts = [
        entering.legal_name,
        entering.nace,
        json.dumps(list(entering.site_ids)),
        entering.reporting_year,
        entering.next_due,
    ]
    if known:
        number = str(known[0])
        again = known[1] == "deleted"
        action = "registered" if again else ACTION_OF[request or RequestType.RENEWAL]
        con.execute(
            "UPDATE body_register SET last_renewed = ?, last_approval_sha256 = ?, status = 'active', "
            "status_since = CASE WHEN status = 'active' THEN status_since ELSE ? END, "
            "first_registered = CASE WHEN ? THEN ? ELSE first_registered END, legal_name = ?, nace = ?, "
            "site_ids = ?, last_reporting_year = ?, next_due = ? WHERE country = ? AND member_id = ?",
            [when, approval_sha256, when, again, when, *facts, country, member_id],
        )
    else:
        row = con.execute(
            "SELECT coalesce(max(serial), 0) + 1 FROM body_register WHERE country = ?", [country]
        ).fetchone()
        serial = int(row[0]) if row else 1
        action, number = "registered", f"{country}-{serial:06d}"
        con.execute(
            "INSERT INTO body_register (country, member_id, registration_no, serial, first_registered, "
            "last_renewed, last_approval_sha256, status, status_since, legal_name, nace, site_ids, "
            "last_reporting_year, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)",
            [country, member_id, number, serial, when, when, approval_sha256, when, *facts],
        )
    _log(con, country, member_id, when, action)
    return action, number


def set_status(
    con: duckdb.DuckDBPyConnection, country: str, member_id: str, request: RequestType, today: dt.date
) -> RegisterEntry:
    """Suspend or delete a register entry (the body's own decision) and log the change."""
    status = {RequestType.SUSPENSION: "suspended", RequestType.DELETION: "deleted"}[request]
    when = _change_date(con, country, today)
    con.execute(
        "UPDATE body_register SET status = ?, status_since = ? WHERE country = ? AND member_id = ?",
        [status, when, country, member_id],
    )
    _log(con, country, member_id, when, ACTION_OF[request])
    return next(e for e in register(con, country).values() if e.member_id == member_id)


@dataclass(frozen=True)
class Standing:
    """An entry as the overdue sweep sees it."""

    entry: RegisterEntry
    status_since: dt.date
    next_due: dt.date | None


def standings(con: duckdb.DuckDBPyConnection, country: str) -> list[Standing]:
    """Every entry of the country's register that is not deleted, with its status date and due date."""
    rows = con.execute(
        f"SELECT {_ENTRY}, coalesce(status_since, first_registered), next_due FROM body_register "
        "WHERE country = ? AND status <> 'deleted' ORDER BY serial",
        [country],
    ).fetchall()
    return [Standing(RegisterEntry(*r[:8]), r[8], r[9]) for r in rows]


@dataclass(frozen=True)
class Registered:
    """What the register holds about a member that a new package is compared with."""

    registration_no: str
    status: str
    legal_name: str | None
    nace: str | None
    site_ids: tuple[str, ...] | None  # None: taken in before these were kept
    last_reporting_year: int | None


def registered(con: duckdb.DuckDBPyConnection, country: str, member_id: str) -> Registered | None:
    row = con.execute(
        "SELECT registration_no, status, legal_name, nace, site_ids, last_reporting_year FROM body_register "
        "WHERE country = ? AND member_id = ?",
        [country, member_id],
    ).fetchone()
    if row is None:
        return None
    sites = tuple(json.loads(row[4])) if row[4] is not None and row[2] is not None else None
    return Registered(row[0], row[1], row[2], row[3], sites, row[5])


def register(con: duckdb.DuckDBPyConnection, country: str) -> dict[str, RegisterEntry]:
    """The country's register as it is now, by registration number."""
    rows = con.execute(
        f"SELECT {_ENTRY} FROM body_register WHERE country = ? ORDER BY serial", [country]
    ).fetchall()
    return {r[2]: RegisterEntry(*r) for r in rows}


def register_digest(entries: Register, version: str = FORMAT) -> str:
    """SHA-256 of the canonical JSON list of the entries' claims, sorted by registration number."""
    return hashlib.sha256(canonical_json([entries[n].claim(version) for n in sorted(entries)])).hexdigest()


def month_file(con: duckdb.DuckDBPyConnection, country: str, month: str) -> bytes:
    """The country's change file for ``month`` (``YYYY-MM``); the same bytes every time it is asked for."""
    start, end = month_of(month)
    rows = con.execute(
        f"SELECT {_ENTRY}, change_date, action FROM body_register_change WHERE country = ? "
        "AND change_date < ? ORDER BY change_no",
        [country, end],
    ).fetchall()
    after: dict[str, RegisterEntry] = {}
    changes: list[dict[str, object]] = []
    for *entry, date, action in rows:
        current = RegisterEntry(*entry)
        after[current.registration_no] = current
        if date >= start:
            changes.append(
                {"seq": len(changes) + 1, "date": date.isoformat(), "action": action, **current.claim()}
            )
    return canonical_json(
        {
            "format": FORMAT,
            "country": country,
            "month": start.strftime("%Y-%m"),
            "changes": changes,
            "registerSize": len(after),
            "registerSha256": register_digest(after),
        }
    )


# --- reading: replay the files of a body, in order ---------------------------------------------------


def replay(files: Iterable[bytes], register_before: Register | None = None) -> dict[str, RegisterEntry]:
    """The register the change files (one body, consecutive months, oldest first) rebuild on top of
    ``register_before``; each file is parsed strictly and must end on the size and digest it states."""
    entries = dict(register_before or {})
    country, previous = None, None
    for n, data in enumerate(files, 1):
        where = f"change file {n}"
        try:
            if len(data) > MAX_FILE_BYTES:
                raise MalformedEnvelope(f"{len(data):,} bytes, more than {MAX_FILE_BYTES:,}")
            doc = _Fields(strict_json(data, where), where)
            version = doc.text("format")
            if version not in (FORMAT, FORMAT_V1):
                raise MalformedEnvelope(f"format is not {FORMAT!r} (or {FORMAT_V1!r})")
            this_country, (start, end) = doc.text("country"), month_of(doc.text("month"))
            if country is not None and this_country != country:
                raise MalformedEnvelope(f"country {this_country[:8]!r}, the files before are {country!r}")
            if previous is not None and start != previous:
                raise MalformedEnvelope(
                    f"month {start:%Y-%m} does not follow the file before (expected {previous:%Y-%m})"
                )
            for change in doc.objects("changes"):
                entry = _entry(change, this_country, start, end, version)
                entries[entry.registration_no] = entry
            size = doc.value.get("registerSize")
            if (
                type(size) is not int
                or size != len(entries)
                or doc.sha256("registerSha256") != register_digest(entries, version)
            ):
                raise MalformedEnvelope(
                    f"the rebuilt register ({len(entries)} entries) is not the one the file "
                    "states after its month: a change is missing or altered"
                )
        except MalformedEnvelope as e:
            raise FeedRefused(
                f"{where}: {e}; replay every month's file of one body from the first, in order"
            ) from e
        country, previous = this_country, end
    return entries


def _entry(change: _Fields, country: str, start: dt.date, end: dt.date, version: str) -> RegisterEntry:
    actions = ACTIONS if version == FORMAT else ("registered", "renewed")
    if change.text("action") not in actions:
        raise MalformedEnvelope(f"{change.where}.action is not one of {', '.join(actions)}")
    status = change.text("status") if version == FORMAT else "active"
    if status not in STATUSES:
        raise MalformedEnvelope(f"{change.where}.status is not one of {', '.join(STATUSES)}")
    date = _date(change, "date")
    if not start <= date < end:
        raise MalformedEnvelope(f"{change.where}.date {date} is outside the file's month")
    serial = change.value.get("serial")
    if type(serial) is not int or serial <= 0:
        raise MalformedEnvelope(f"{change.where}.serial must be a positive whole number")
    return RegisterEntry(
        country,
        change.text("memberId"),
        change.text("registrationNo"),
        serial,
        _date(change, "firstRegistered"),
        _date(change, "lastRenewed"),
        change.sha256("approvalSha256"),
        status,
    )


def _date(fields: _Fields, key: str) -> dt.date:
    text = fields.text(key)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise MalformedEnvelope(f"{fields.where}.{key} {text[:20]!r} is not a date") from e
