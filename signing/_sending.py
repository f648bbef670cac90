"""Send members' current drafts to verification: the one function the cycle's verify stage, a rerun
and the portal's "send to verification" button all call.

Sending is two writes that the verifier's side reads together: the draft becomes ``submitted`` in the
warehouse, and a durable request ``handoff/<year>/requests/<member>/<statement>.json`` in the object
store says who must sign what by when (``ecocluster sign`` accepts that file as its input, and the
flows' reminders read it back). A path that did only the first (the portal's button once did) left
the verifier with a statement in their queue and no request, so no deadline and no reminder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import duckdb

from ecocluster import statements
from ecocluster.core.store import ObjectStore
from ecocluster.signing._records import standing_decisions


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


def request_verification(store: ObjectStore, requests: Iterable[VerificationRequest]) -> list[str]:
    """Record the requests; one already sent is kept as first sent (its date starts the deadline)."""
    requests = list(requests)
    for r in requests:
        if not store.exists(r.key):
            body = json.dumps(asdict(r), sort_keys=True, default=str, indent=1).encode()
            store.put(r.key, body, content_type="application/json")
    return [store.location(r.key) for r in requests]


def open_requests(store: ObjectStore, year: int) -> list[VerificationRequest]:
    """Every request recorded for ``year`` (answered or not: the caller knows which still wait)."""
    out = []
    for key in store.list(f"handoff/{year}/requests/"):
        raw = json.loads(store.get(key))
        raw["documents"] = tuple(raw["documents"])
        raw["requested_on"] = dt.date.fromisoformat(raw["requested_on"])
        raw["deadline"] = dt.date.fromisoformat(raw["deadline"])
        out.append(VerificationRequest(**raw))
    return out


@dataclass(frozen=True)
class Sending:
    """What :func:`send_to_verification` found and did, for the caller to report."""

    drafts: tuple[statements.CurrentDraft, ...]  # every current draft of the members asked for
    approved: dict[str, str]  # member -> the validated statement that stands for the year
    sent: tuple[statements.CurrentDraft, ...]  # the drafts now with the verifier (submitted)
    requests: tuple[VerificationRequest, ...]  # their hand-off requests (one per sent draft)


SENDABLE = (statements.StatementStatus.DRAFT, statements.StatementStatus.SUBMITTED)


def send_to_verification(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    year: int,
    members: Sequence[str],
    *,
    today: dt.date,
    deadline_days: int,
) -> Sending:
    """Send each member's current draft: ``submitted`` in the warehouse and its hand-off request.

    Only a draft is sent (a submitted one is still waiting, and its request is written again if a
    crash lost it). A validated member is never sent again in the same year; a rejected statement is
    not re-sent unchanged (it waits for a correction, which makes a new draft).
    """
    rows = statements.current_drafts(con, year, members)
    decided = standing_decisions(con, year, members, [r.statement_id for r in rows])
    approved = {m: d.statement_id for m, d in decided.items() if d.decision == "approved"}
    send = tuple(r for r in rows if r.status in SENDABLE and r.member_id not in approved)
    for r in send:
        if r.status is statements.StatementStatus.DRAFT:
            statements.submit(con, r.statement_id)
    requests = tuple(
        VerificationRequest(
            year,
            r.member_id,
            r.cluster_id,
            r.statement_id,
            tuple(store.location(k) for k in (r.pdf_key, r.json_key) if k),
            today,
            today + dt.timedelta(days=deadline_days),
        )
        for r in send
    )
    request_verification(store, requests)
    return Sending(tuple(rows), approved, send, requests)
