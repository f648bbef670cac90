"""The verifier hand-off: verification requests out, signed decisions in, through the object store.

Prefect's pause/suspend loses results and times out (design.md), and a verifier may take weeks,
so the hand-off is durable state in the object store instead of a waiting flow:

* ``handoff/<year>/requests/<member>/<statement>.json`` — what the coordinator sent to
  verification, with its deadline (write-once: a corrected draft is a new statement id), written
  by ``ecocluster.signing.send_to_verification`` for the cycle, a rerun and the portal alike;
* ``inbox/approvals/…`` — where signed approvals and rejections arrive from outside (the verifier,
  ``ecocluster approve``, a mail gateway); any flow run that polls the inbox picks them up;
* ``inbox/processed/<sha256>.json`` — one record per envelope handled, so a poll is idempotent
  and a refused envelope's reasons stay visible; a refusal caused by a file beside the envelope
  (a half-uploaded PDF, a wrong certificate: ``ecocluster.signing.COMPANION_RULES``) is recorded as
  ``inbox/processed/<sha256>.<companions sha256>.json`` instead, so it is looked at again once
  those files change, and only then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ecocluster import signing
from ecocluster.core.errors import ApprovalRuleFailed, DecisionIncomplete, EcoclusterError, TransientError
from ecocluster.core.store import ObjectStore
from ecocluster.signing import VerificationRequest as VerificationRequest  # the flows' names for them
from ecocluster.signing import open_requests as open_requests
from ecocluster.signing import request_verification as request_verification

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

INBOX = "inbox/approvals/"
PROCESSED = "inbox/processed/"


@dataclass(frozen=True)
class Decision:
    """What one inbox envelope said, once signing accepted or refused it."""

    envelope_key: str
    member_id: str | None
    statement_id: str | None
    decision: str  # approved | rejected (by the verifier) | refused (the envelope failed a rule) | incomplete
    reasons: tuple[str, ...]
    rule: str | None = None  # the rule a refusal broke
    companions: tuple[tuple[str, str], ...] = ()  # (suffix, SHA-256) of the files beside it when handled


def _dumps(value: dict[str, object]) -> bytes:
    return json.dumps(value, sort_keys=True, default=str, indent=1).encode()


def decisions(store: ObjectStore) -> list[Decision]:
    """Every envelope handled so far, oldest first by key."""
    out = []
    for key in store.list(PROCESSED):
        raw = json.loads(store.get(key))
        raw["reasons"] = tuple(raw["reasons"])
        raw["companions"] = tuple(tuple(pair) for pair in raw.get("companions", ()))
        out.append(Decision(**raw))
    return out


def _decisions_in(keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """Inbox keys grouped by decision: ``NAME.dsse.json`` and every ``NAME.<suffix>`` beside it."""
    keys = list(keys)
    stems = [k.removesuffix(f".{signing.ENVELOPE}") for k in keys if k.endswith(f".{signing.ENVELOPE}")]
    grouped: dict[str, dict[str, str]] = {stem: {} for stem in stems}
    for key in keys:
        parts = key.split(".")
        for n in range(
            len(parts) - 1, 0, -1
        ):  # names may contain dots: the longest name that has an envelope
            stem, suffix = ".".join(parts[:n]), ".".join(parts[n:])
            if stem in grouped:
                if suffix != signing.ENVELOPE:
                    grouped[stem][suffix] = key
                break
    return grouped


def _final_marker(envelope: signing.InboxFile) -> str:
    """Where the outcome of an envelope decided for good is recorded (by the SHA-256 of its bytes)."""
    return f"{PROCESSED}{envelope.sha256}.json"


def _retry_marker(arrival: signing.Arrival) -> str:
    """Where a refusal caused by the files beside an envelope is recorded: by those files' SHA-256
    too, so the envelope is looked at again once they change."""
    beside = hashlib.sha256(json.dumps(arrival.companions_sha256()).encode()).hexdigest()
    return f"{PROCESSED}{arrival.envelope.sha256}.{beside}.json"


def _arrival(
    store: ObjectStore, envelope: signing.InboxFile, companions: dict[str, str], limits: signing.InboxLimits
) -> signing.Arrival:
    return signing.Arrival(
        envelope,
        {
            suffix: signing.InboxFile.read(store, k, limits.for_suffix(suffix))
            for suffix, k in companions.items()
        },
    )


def poll_inbox(
    store: ObjectStore,
    accept: Callable[[signing.Arrival], Decision],
    limits: signing.InboxLimits = signing.DEFAULT_LIMITS,
) -> list[Decision]:
    """Hand every new envelope, with the files beside it, to ``accept`` (signing's verify-and-record)
    and remember the outcome.

    Each file is read once, and only within its size limit. An envelope ``accept`` refuses
    (:class:`ApprovalRuleFailed`, or any other terminal :class:`EcoclusterError`) is recorded as
    ``refused`` with the rule that failed, so the coordinator sees it and the verifier can send a
    corrected one; a refusal caused by a file beside it is looked at again when that file changes.
    One still missing files (:class:`DecisionIncomplete`) is reported and not recorded. A transient
    error (storage outage) stops the poll so that it is retried; an unexpected error in one envelope
    is logged and leaves it unrecorded, and the others are still handled.
    """
    new = []
    for stem, companions in _decisions_in(store.list(INBOX)).items():
        key = f"{stem}.{signing.ENVELOPE}"
        try:
            envelope = signing.InboxFile.read(store, key, limits.envelope_bytes)
            marker = _final_marker(envelope)
            if store.exists(marker):
                continue
            arrival = _arrival(store, envelope, companions, limits)
        except KeyError:  # removed or replaced since it was listed: the next poll sees what is there
            continue
        beside = arrival.companions_sha256()
        retry_marker = _retry_marker(arrival)
        if store.exists(retry_marker):
            continue  # refused for a file beside it, and those files have not changed since
        try:
            decision = accept(arrival)
        except DecisionIncomplete as e:
            new.append(Decision(key, None, None, "incomplete", (str(e),)))
            continue  # no marker: the next poll looks again
        except ApprovalRuleFailed as e:
            decision = Decision(key, None, None, "refused", (str(e),), e.rule)
        except TransientError:
            raise
        except EcoclusterError as e:
            decision = Decision(key, None, None, "refused", (str(e),))
        except Exception:  # a bug in one envelope's handling must not stop the others
            log.exception("inbox envelope %s could not be handled; it is read again at the next poll", key)
            new.append(Decision(key, None, None, "failed", ("could not be handled (a bug); see the log",)))
            continue
        decision = Decision(
            decision.envelope_key,
            decision.member_id,
            decision.statement_id,
            decision.decision,
            decision.reasons,
            decision.rule,
            beside,
        )
        retried = decision.decision == "refused" and decision.rule in signing.COMPANION_RULES
        store.put(
            retry_marker if retried else marker, _dumps(asdict(decision)), content_type="application/json"
        )
        new.append(decision)
    return new


def pick_up(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    trust: signing.TrustAnchors,
    limits: signing.InboxLimits = signing.DEFAULT_LIMITS,
) -> list[Decision]:
    """Poll the inbox now with signing's verify-and-record of each decision (the approvals stage of
    a cycle, the hourly inbox deployment and ``ecocluster inbox`` all pick up this way)."""

    def accept(arrival: signing.Arrival) -> Decision:
        verified = signing.receive_decision(con, store, trust, arrival, limits)
        return Decision(
            arrival.envelope.key,
            verified.member_id,
            verified.statement_id,
            verified.decision,
            verified.reasons,
        )

    return poll_inbox(store, accept, limits)


class InboxState(StrEnum):
    """Where an envelope of the inbox stands (:class:`InboxEntry`)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


PENDING, ACCEPTED, REFUSED = InboxState.PENDING, InboxState.ACCEPTED, InboxState.REFUSED


@dataclass(frozen=True)
class InboxEntry:
    """Where one envelope now in the approvals inbox stands (``ecocluster inbox``).

    ``accepted``: the pipeline verified and recorded the verifier's decision (``decision`` approved
    or rejected); ``refused``: it broke ``rule`` (``retried``: because of a file beside it, looked at
    again once that file changes); ``pending``: not picked up yet, or waiting for a file beside it.
    Every string but ``state`` comes from the envelope or the verifier: escape it before printing."""

    envelope_key: str
    state: InboxState
    member_id: str | None = None
    statement_id: str | None = None
    decision: str | None = None
    rule: str | None = None
    reasons: tuple[str, ...] = ()
    retried: bool = False


def _optional(data: dict[str, object], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} is not a string")
    return value


def _entry(key: str, marker: str, raw: bytes, retried: bool) -> InboxEntry:
    """A processed marker read back. Markers are not signed and lie in the bucket (docs/security.md),
    so one that does not read as a decision is shown as such rather than trusted."""
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("reasons"), list):
            raise TypeError("not a decision record")
        decision = data.get("decision")
        state = {"approved": ACCEPTED, "rejected": ACCEPTED, "refused": REFUSED}[str(decision)]
        return InboxEntry(
            key,
            state,
            _optional(data, "member_id"),
            _optional(data, "statement_id"),
            str(decision) if state == ACCEPTED else None,
            _optional(data, "rule"),
            tuple(str(r) for r in data["reasons"]),
            retried,
        )
    except (ValueError, KeyError, TypeError):
        why = (
            f"its processed marker {marker} is not a decision record, and the inbox skips the envelope "
            "while it is there: delete that marker to have the envelope looked at again"
        )
        return InboxEntry(key, PENDING, reasons=(why,))


def inbox_entries(
    store: ObjectStore,
    limits: signing.InboxLimits = signing.DEFAULT_LIMITS,
    notes: Mapping[str, tuple[str, ...]] | None = None,
) -> list[InboxEntry]:
    """Every envelope now in the inbox, in key order, with its state as :func:`poll_inbox` sees it
    (the same markers); ``notes`` are what the last poll said about pending ones (what they wait for)."""
    out = []
    for stem, companions in _decisions_in(store.list(INBOX)).items():
        key = f"{stem}.{signing.ENVELOPE}"
        try:
            envelope = signing.InboxFile.read(store, key, limits.envelope_bytes)
            marker = _final_marker(envelope)
            if store.exists(marker):
                out.append(_entry(key, marker, store.get(marker), retried=False))
                continue
            retry = _retry_marker(_arrival(store, envelope, companions, limits))
            if store.exists(retry):
                out.append(_entry(key, retry, store.get(retry), retried=True))
                continue
        except KeyError:  # removed or replaced since it was listed
            continue
        waiting = (notes or {}).get(
            key, ("not picked up yet: `ecocluster inbox` (without --list-only) picks it up",)
        )
        out.append(InboxEntry(key, PENDING, reasons=waiting))
    return sorted(out, key=lambda e: e.envelope_key)


@dataclass(frozen=True)
class Reminder:
    request: VerificationRequest
    days_left: int

    def __str__(self) -> str:
        r = self.request
        when = (
            f"overdue by {-self.days_left} day(s)"
            if self.days_left < 0
            else f"due in {self.days_left} day(s)"
        )
        return (
            f"{r.member_id}: statement {r.statement_id[:12]} awaits the verifier's signature, "
            f"{when} (deadline {r.deadline})"
        )


def reminders(
    waiting: Iterable[VerificationRequest], today: dt.date, remind_days: tuple[int, ...]
) -> list[Reminder]:
    """Requests still waiting whose deadline is past or within the largest reminder window."""
    window = max(remind_days, default=0)
    return [Reminder(r, (r.deadline - today).days) for r in waiting if (r.deadline - today).days <= window]
