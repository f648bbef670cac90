"""Suspension and deletion when an updated statement is overdue, with notices before (issue 18).

Each register entry taken in since migration 022 knows when its next updated statement is due
(the profile's ``overdue.dueAfterMonths`` after the last one taken in, ``derogationDueAfterMonths``
when the signed statement claims the Art. 7 derogation). A daily run of :func:`sweep` by the
competent body, by its profile's ``overdue`` policy:

* sends a notice when the due date is ``noticeDaysBefore`` days away (the nearest threshold reached
  only: a run that comes late does not send the earlier ones as well);
* suspends the entry ``suspendAfterDays`` after the due date;
* deletes a suspended entry ``deleteAfterDays`` after its suspension.

Suspension and deletion are register changes (in the monthly feed); every notice, suspension and
deletion is a DSSE envelope signed with the body's key and recorded once per entry, due date and
threshold (``body_register_notice``), so a run that comes twice never sends or changes twice. A
package taken in afterwards (an update or renewal) makes the entry active again; one of a deleted
entry is a first registration. Entries taken in before migration 022 have no due date and are
left alone until their next package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
from cryptography import x509

from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _dsse, _feed, _pki, _stored
from ecocluster.signing._profiles import CountryProfile, RequestType
from ecocluster.warehouse.db import transaction

NOTICE_TYPE = "https://ecocluster.eu/emas/register-notice/v1"


@dataclass(frozen=True)
class Notice:
    member_id: str
    registration_no: str
    due: dt.date
    threshold: str  # days before the due date ("30", "7"), "suspended" or "deleted"
    message: str
    notice_key: str


def _sent(con: duckdb.DuckDBPyConnection, country: str, member: str, due: dt.date, threshold: str) -> bool:
    return (
        con.execute(
            "SELECT 1 FROM body_register_notice WHERE country = ? AND member_id = ? AND due = ? "
            "AND threshold = ?",
            [country, member, due, threshold],
        ).fetchone()
        is not None
    )


def notice_statement(
    profile: CountryProfile, competent_body: str, notice: Notice, today: dt.date
) -> dict[str, object]:
    """The in-toto statement of a notice (what the body signs); the same facts give the same bytes."""
    return {
        "_type": _dsse.STATEMENT_TYPE,
        "subject": [{"name": notice.registration_no, "digest": {}}],
        "predicateType": NOTICE_TYPE,
        "predicate": {
            "competentBody": competent_body,
            "country": profile.country,
            "profile": profile.version,
            "member": notice.member_id,
            "registrationNo": notice.registration_no,
            "requestType": {"suspended": "suspension", "deleted": "deletion"}.get(notice.threshold),
            "due": notice.due.isoformat(),
            "threshold": notice.threshold,
            "message": notice.message,
            "date": today.isoformat(),
        },
    }


def _message(threshold: str, due: dt.date, entry: _feed.RegisterEntry, profile: CountryProfile) -> str:
    number = entry.registration_no
    if threshold == "suspended":
        return (
            f"{number} is suspended: the updated environmental statement due {due} was not received; "
            f"deliver its validated package to lift the suspension (deleted after "
            f"{profile.overdue.delete_after_days} days)"
        )
    if threshold == "deleted":
        return f"{number} is deleted from the register: suspended since the statement due {due} was missed"
    return (
        f"the updated environmental statement of {number} is due {due} ({threshold} days); deliver the "
        f"validated package before then, or the registration is suspended"
    )


def _emit(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    profile: CountryProfile,
    body: tuple[_pki.PrivateKey, x509.Certificate],
    standing: _feed.Standing,
    due: dt.date,
    threshold: str,
    today: dt.date,
) -> Notice:
    entry = standing.entry
    key = f"competent-body/{profile.country}/notices/{entry.member_id}-{due}-{threshold}.dsse.json"
    notice = Notice(
        entry.member_id, entry.registration_no, due, threshold, _message(threshold, due, entry, profile), key
    )
    statement = notice_statement(profile, body[1].subject.rfc4514_string(), notice, today)
    _stored.record(
        con, store.put(key, _dsse.sign(statement, body[0]).to_json(), content_type="application/json")
    )
    con.execute(
        "INSERT INTO body_register_notice VALUES (?, ?, ?, ?, ?, ?)",
        [profile.country, entry.member_id, due, threshold, today, key],
    )
    return notice


def _due_action(standing: _feed.Standing, profile: CountryProfile, today: dt.date) -> str | None:
    """What today asks for this entry: a notice threshold, ``suspended``, ``deleted`` or nothing."""
    due, policy = standing.next_due, profile.overdue
    if due is None:
        return None
    if standing.entry.status == "suspended":
        ends = standing.status_since + dt.timedelta(days=policy.delete_after_days)
        return "deleted" if today >= ends else None
    if today > due + dt.timedelta(days=policy.suspend_after_days):
        return "suspended"
    reached = [d for d in policy.notice_days_before if due - dt.timedelta(days=d) <= today]
    return str(min(reached)) if reached else None


def sweep(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    profile: CountryProfile,
    body: tuple[_pki.PrivateKey, x509.Certificate],
    today: dt.date,
) -> list[Notice]:
    """Send the notices, suspensions and deletions ``today`` asks for; returns what was done."""
    done = []
    for standing in _feed.standings(con, profile.country):
        threshold = _due_action(standing, profile, today)
        due = standing.next_due
        if threshold is None or due is None:
            continue
        if _sent(con, profile.country, standing.entry.member_id, due, threshold):
            continue
        with transaction(con):
            if threshold in ("suspended", "deleted"):
                request = RequestType.SUSPENSION if threshold == "suspended" else RequestType.DELETION
                _feed.set_status(con, profile.country, standing.entry.member_id, request, today)
            done.append(_emit(con, store, profile, body, standing, due, threshold, today))
    return done
