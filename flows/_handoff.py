"""The verifier hand-off: verification requests out, signed decisions in, through the object store.

Prefect's pause/suspend loses results and times out (design.md), and a verifier may take weeks,
so the hand-off is durable state in the object store instead of a waiting flow:

* ``handoff/<year>/requests/<member>/<statement>.json`` — what the coordinator sent to
  verification, with its deadline (write-once: a corrected draft is a new statement id);
* ``inbox/approvals/…`` — where signed approvals and rejections arrive from outside (the verifier,
  ``ecocluster approve``, a mail gateway); any flow run that polls the inbox picks them up;
* ``inbox/processed/<sha256>.json`` — one record per envelope handled, so a poll is idempotent
  and a refused envelope's reasons stay visible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from signing.store import ObjectStore
from warehouse.errors import EcoclusterError

INBOX = "inbox/approvals/"
PROCESSED = "inbox/processed/"


@dataclass(frozen=True)
class VerificationRequest:
    year: int
    member_id: str
    cluster_id: str
    statement_id: str
    documents: tuple[str, ...]  # where the verifier finds the draft (PDF, JSON, check report)
    requested_on: dt.date
    deadline: dt.date

    @property
    def key(self) -> str:
        return f"handoff/{self.year}/requests/{self.member_id}/{self.statement_id}.json"


@dataclass(frozen=True)
class Decision:
    """What one inbox envelope said, once signing accepted or refused it."""

    envelope_key: str
    member_id: str | None
    statement_id: str | None
    decision: str  # approved | rejected (by the verifier) | refused (the envelope failed a rule) | incomplete
    reasons: tuple[str, ...]


class DecisionIncomplete(EcoclusterError):
    """An envelope whose certificate or signed PDF has not arrived beside it yet: uploads land one
    file at a time, so it is looked at again at the next poll instead of being refused for good."""


def _dumps(value: dict[str, object]) -> bytes:
    return json.dumps(value, sort_keys=True, default=str, indent=1).encode()


def request_verification(store: ObjectStore, requests: Iterable[VerificationRequest]) -> list[str]:
    """Record the requests; one already sent is kept as first sent (its date starts the deadline)."""
    for r in requests:
        if not store.exists(r.key):
            store.put(r.key, _dumps(asdict(r)), content_type="application/json")
    return [store.location(r.key) for r in requests]


def open_requests(store: ObjectStore, year: int) -> list[VerificationRequest]:
    out = []
    for key in store.list(f"handoff/{year}/requests/"):
        raw = json.loads(store.get(key))
        raw["documents"] = tuple(raw["documents"])
        raw["requested_on"] = dt.date.fromisoformat(raw["requested_on"])
        raw["deadline"] = dt.date.fromisoformat(raw["deadline"])
        out.append(VerificationRequest(**raw))
    return out


def decisions(store: ObjectStore) -> list[Decision]:
    """Every envelope handled so far, oldest first by key."""
    out = []
    for key in store.list(PROCESSED):
        raw = json.loads(store.get(key))
        raw["reasons"] = tuple(raw["reasons"])
        out.append(Decision(**raw))
    return out


def poll_inbox(store: ObjectStore, accept: Callable[[str, bytes], Decision]) -> list[Decision]:
    """Hand every new envelope to ``accept`` (signing's verify-and-record) and remember the outcome.

    An envelope ``accept`` refuses (:class:`EcoclusterError`) is recorded as ``refused`` with the
    rule that failed, so the coordinator sees it and the verifier can send a corrected one; one
    still missing files (:class:`DecisionIncomplete`) is reported and not recorded.
    """
    new = []
    for key in store.list(INBOX):
        if not key.endswith(".dsse.json"):  # a decision's certificate and signed PDF lie beside its envelope
            continue
        envelope = store.get(key)
        marker = f"{PROCESSED}{hashlib.sha256(envelope).hexdigest()}.json"
        if store.exists(marker):
            continue
        try:
            decision = accept(key, envelope)
        except DecisionIncomplete as e:
            new.append(Decision(key, None, None, "incomplete", (str(e),)))
            continue  # no marker: the next poll looks again
        except EcoclusterError as e:
            decision = Decision(key, None, None, "refused", (str(e),))
        store.put(marker, _dumps(asdict(decision)), content_type="application/json")
        new.append(decision)
    return new


@dataclass(frozen=True)
class Reminder:
    request: VerificationRequest
    days_left: int

    def __str__(self) -> str:
        r = self.request
        when = f"overdue by {-self.days_left} day(s)" if self.days_left < 0 else f"due in {self.days_left} day(s)"
        return (f"{r.member_id}: statement {r.statement_id[:12]} awaits the verifier's signature, "
                f"{when} (deadline {r.deadline})")


def reminders(waiting: Iterable[VerificationRequest], today: dt.date,
              remind_days: tuple[int, ...]) -> list[Reminder]:
    """Requests still waiting whose deadline is past or within the largest reminder window."""
    window = max(remind_days, default=0)
    return [Reminder(r, (r.deadline - today).days) for r in waiting if (r.deadline - today).days <= window]
