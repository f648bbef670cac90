"""The verifier hand-off: verification requests out, signed decisions in, through the object store.

Prefect's pause/suspend loses results and times out (design.md), and a verifier may take weeks,
so the hand-off is durable state in the object store instead of a waiting flow:

* ``handoff/<year>/requests/<member>/<statement>.json`` — what the coordinator sent to
  verification, with its deadline (write-once: a corrected draft is a new statement id);
* ``inbox/approvals/…`` — where signed approvals and rejections arrive from outside (the verifier,
  ``ecocluster approve``, a mail gateway); any flow run that polls the inbox picks them up;
* ``inbox/processed/<sha256>.json`` — one record per envelope handled, so a poll is idempotent
  and a refused envelope's reasons stay visible; a refusal caused by a file beside the envelope
  (a half-uploaded PDF, a wrong certificate: ``signing.COMPANION_RULES``) is recorded as
  ``inbox/processed/<sha256>.<companions sha256>.json`` instead, so it is looked at again once
  those files change, and only then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import signing
from signing.store import ObjectStore
from warehouse.errors import ApprovalRuleFailed, DecisionIncomplete, EcoclusterError, TransientError

log = logging.getLogger(__name__)

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
    rule: str | None = None  # the rule a refusal broke
    companions: tuple[tuple[str, str], ...] = ()  # (suffix, SHA-256) of the files beside it when handled


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
        for n in range(len(parts) - 1, 0, -1):  # names may contain dots: the longest name that has an envelope
            stem, suffix = ".".join(parts[:n]), ".".join(parts[n:])
            if stem in grouped:
                if suffix != signing.ENVELOPE:
                    grouped[stem][suffix] = key
                break
    return grouped


def poll_inbox(store: ObjectStore, accept: Callable[[signing.Arrival], Decision],
               limits: signing.InboxLimits = signing.DEFAULT_LIMITS) -> list[Decision]:
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
            marker = f"{PROCESSED}{envelope.sha256}"
            if store.exists(f"{marker}.json"):
                continue
            arrival = signing.Arrival(envelope, {suffix: signing.InboxFile.read(store, k, limits.for_suffix(suffix))
                                                 for suffix, k in companions.items()})
        except KeyError:  # removed or replaced since it was listed: the next poll sees what is there
            continue
        beside = arrival.companions_sha256()
        retry_marker = f"{marker}.{hashlib.sha256(json.dumps(beside).encode()).hexdigest()}.json"
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
        decision = Decision(decision.envelope_key, decision.member_id, decision.statement_id, decision.decision,
                            decision.reasons, decision.rule, beside)
        retried = decision.decision == "refused" and decision.rule in signing.COMPANION_RULES
        store.put(retry_marker if retried else f"{marker}.json", _dumps(asdict(decision)),
                  content_type="application/json")
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
