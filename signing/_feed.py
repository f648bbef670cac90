"""A competent body's register and its monthly change file (EMAS Art. 12, issue 18).

Competent bodies send the Commission the changes of their register every month. Every change of
``body_register`` is therefore also a row of ``body_register_change`` (:func:`enter`, called by
intake in the same transaction), carrying the entry as it stands after the change; the month's
change file is those rows. Replaying every monthly file in order (:func:`replay`) rebuilds the
register exactly. A change is never dated before the country's previous one, so a month once
published never changes.

Format ``ecocluster/emas-register-changes/v1``: canonical JSON (UTF-8, sorted keys, no spaces)::

    {"format": "ecocluster/emas-register-changes/v1",
     "country": "IT",                   # ISO code of the competent body's country
     "month": "2026-03",                # the changes dated in this month
     "changes": [                       # in the order they were made
       {"seq": 1,                       # 1, 2, … within the file
        "date": "2026-03-04",           # day of the change
        "action": "registered",         # registered (a new number) | renewed
        "registrationNo": "IT-000001", "serial": 1, "memberId": "IT-HOT-1",
        "firstRegistered": "2026-03-04", "lastRenewed": "2026-03-04",
        "approvalSha256": "<64 hex>"}], # the verifier's signed approval the change rests on
     "registerSize": 12,                # entries in the register after the month
     "registerSha256": "<64 hex>"}      # SHA-256 of the register after the month (see register_digest)

A reader checks its rebuild against ``registerSize`` and ``registerSha256`` after each month.
Later versions add fields and actions (suspended, deleted) under a new format name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

from ecocluster.core.errors import InputUnreadable
from ecocluster.signing._approval import _Fields
from ecocluster.signing._dsse import MalformedEnvelope, canonical_json, strict_json

FORMAT = "ecocluster/emas-register-changes/v1"
ACTIONS = ("registered", "renewed")
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

    def claim(self) -> dict[str, object]:
        return {
            "registrationNo": self.registration_no,
            "serial": self.serial,
            "memberId": self.member_id,
            "firstRegistered": self.first_registered.isoformat(),
            "lastRenewed": self.last_renewed.isoformat(),
            "approvalSha256": self.approval_sha256,
        }


Register = Mapping[str, RegisterEntry]  # by registration number


def month_of(text: str) -> tuple[dt.date, dt.date]:
    """First day of the month ``YYYY-MM`` and of the month after, or :class:`FeedRefused`."""
    found = _MONTH.fullmatch(text.strip())
    if found is None:
        raise FeedRefused(f"month {text[:20]!r} is not YYYY-MM, e.g. 2026-03")
    start = dt.date(int(found[1]), int(found[2]), 1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


# --- writing: the register and its change log --------------------------------------------------------


def enter(
    con: duckdb.DuckDBPyConnection, country: str, member_id: str, approval_sha256: str, today: dt.date
) -> tuple[str, str]:
    """Register ``member_id`` (a new number, ``country``-serial) or renew its entry, and log the change;
    returns (``registered`` | ``renewed``, registration number). Runs inside the caller's transaction."""
    row = con.execute(
        "SELECT max(change_date) FROM body_register_change WHERE country = ?", [country]
    ).fetchone()
    when = max(today, row[0]) if row and row[0] else today  # a published month never changes
    known = con.execute(
        "SELECT registration_no FROM body_register WHERE country = ? AND member_id = ?", [country, member_id]
    ).fetchone()
    if known:
        action, number = "renewed", str(known[0])
        con.execute(
            "UPDATE body_register SET last_renewed = ?, last_approval_sha256 = ? WHERE country = ? "
            "AND member_id = ?",
            [when, approval_sha256, country, member_id],
        )
    else:
        row = con.execute(
            "SELECT coalesce(max(serial), 0) + 1 FROM body_register WHERE country = ?", [country]
        ).fetchone()
        serial = int(row[0]) if row else 1
        action, number = "registered", f"{country}-{serial:06d}"
        con.execute(
            "INSERT INTO body_register VALUES (?, ?, ?, ?, ?, ?, ?)",
            [country, member_id, number, serial, when, when, approval_sha256],
        )
    con.execute(
        "INSERT INTO body_register_change (country, change_date, action, member_id, registration_no, serial, "
        "first_registered, last_renewed, last_approval_sha256) SELECT country, ?, ?, member_id, "
        "registration_no, serial, first_registered, last_renewed, last_approval_sha256 FROM body_register "
        "WHERE country = ? AND member_id = ?",
        [when, action, country, member_id],
    )
    return action, number


def register(con: duckdb.DuckDBPyConnection, country: str) -> dict[str, RegisterEntry]:
    """The country's register as it is now, by registration number."""
    rows = con.execute(
        "SELECT country, member_id, registration_no, serial, first_registered, last_renewed, "
        "last_approval_sha256 FROM body_register WHERE country = ? ORDER BY serial",
        [country],
    ).fetchall()
    return {r[2]: RegisterEntry(*r) for r in rows}


def register_digest(entries: Register) -> str:
    """SHA-256 of the canonical JSON list of the entries' claims, sorted by registration number."""
    return hashlib.sha256(canonical_json([entries[n].claim() for n in sorted(entries)])).hexdigest()


def month_file(con: duckdb.DuckDBPyConnection, country: str, month: str) -> bytes:
    """The country's change file for ``month`` (``YYYY-MM``); the same bytes every time it is asked for."""
    start, end = month_of(month)
    rows = con.execute(
        "SELECT country, member_id, registration_no, serial, first_registered, last_renewed, "
        "last_approval_sha256, change_date, action FROM body_register_change WHERE country = ? "
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
            if doc.text("format") != FORMAT:
                raise MalformedEnvelope(f"format is not {FORMAT!r}")
            this_country, (start, end) = doc.text("country"), month_of(doc.text("month"))
            if country is not None and this_country != country:
                raise MalformedEnvelope(f"country {this_country[:8]!r}, the files before are {country!r}")
            if previous is not None and start != previous:
                raise MalformedEnvelope(
                    f"month {start:%Y-%m} does not follow the file before (expected {previous:%Y-%m})"
                )
            for change in doc.objects("changes"):
                entry = _entry(change, this_country, start, end)
                entries[entry.registration_no] = entry
            size = doc.value.get("registerSize")
            if (
                type(size) is not int
                or size != len(entries)
                or doc.sha256("registerSha256") != register_digest(entries)
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


def _entry(change: _Fields, country: str, start: dt.date, end: dt.date) -> RegisterEntry:
    if change.text("action") not in ACTIONS:
        raise MalformedEnvelope(f"{change.where}.action is not one of {', '.join(ACTIONS)}")
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
    )


def _date(fields: _Fields, key: str) -> dt.date:
    text = fields.text(key)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise MalformedEnvelope(f"{fields.where}.{key} {text[:20]!r} is not a date") from e
