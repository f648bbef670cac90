"""The verifier hand-off through a real local object store, without Prefect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ecocluster import signing
from ecocluster.core.errors import ApprovalRefused, DecisionIncomplete
from ecocluster.core.store.local import LocalStore
from ecocluster.flows import _handoff as handoff

DAY = dt.date(2026, 2, 1)


def _request(
    member: str = "M1", statement: str = "s1", deadline_days: int = 30
) -> handoff.VerificationRequest:
    return handoff.VerificationRequest(
        2025, member, "CL", statement, ("draft.pdf",), DAY, DAY + dt.timedelta(days=deadline_days)
    )


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "objects")


def test_a_request_is_kept_as_first_sent(store: LocalStore) -> None:
    handoff.request_verification(store, [_request()])
    handoff.request_verification(store, [_request(deadline_days=90)])  # the same draft sent again later
    assert handoff.open_requests(store, 2025) == [_request()]  # its deadline still runs from the first


def test_the_inbox_is_polled_once_per_envelope_and_refusals_are_kept(store: LocalStore) -> None:
    seen: list[str] = []

    def accept(arrival: signing.Arrival) -> handoff.Decision:
        key = arrival.envelope.key
        seen.append(key)
        if b"forged" in (arrival.envelope.data or b""):
            raise ApprovalRefused(
                "approval refused, rule signature: the envelope's signature does not verify"
            )
        return handoff.Decision(key, "M1", "s1", "approved", ())

    store.put(f"{handoff.INBOX}m1.dsse.json", b"good envelope")
    store.put(f"{handoff.INBOX}m1.cert.pem", b"certificate beside it")  # not an envelope: not handed on
    store.put(f"{handoff.INBOX}m2.dsse.json", b"forged envelope")
    first = handoff.poll_inbox(store, accept)
    assert [(d.envelope_key.rsplit("/", 1)[-1], d.decision) for d in first] == [
        ("m1.dsse.json", "approved"),
        ("m2.dsse.json", "refused"),
    ]
    assert "rule signature" in first[1].reasons[0]

    assert handoff.poll_inbox(store, accept) == []  # idempotent: nothing is handed on twice
    assert len(seen) == 2
    assert sorted(d.decision for d in handoff.decisions(store)) == ["approved", "refused"]


def test_reminders_cover_overdue_requests_and_those_within_the_window() -> None:
    requests = [
        _request("LATE", deadline_days=-3),
        _request("SOON", deadline_days=5),
        _request("LATER", deadline_days=40),
    ]
    found = handoff.reminders(requests, DAY, (14, 7, 1))
    assert [(r.request.member_id, r.days_left) for r in found] == [("LATE", -3), ("SOON", 5)]
    assert "overdue by 3 day(s)" in str(found[0]) and "due in 5 day(s)" in str(found[1])


def test_an_envelope_whose_files_have_not_all_arrived_is_read_again_later(store: LocalStore) -> None:
    arrived: set[str] = set()

    def accept(arrival: signing.Arrival) -> handoff.Decision:
        key = arrival.envelope.key
        if "cert" not in arrived:
            raise DecisionIncomplete(f"inbox envelope {key} waits for its certificate")
        return handoff.Decision(key, "M1", "s1", "approved", ())

    store.put(f"{handoff.INBOX}m1.dsse.json", b"envelope first")
    assert [d.decision for d in handoff.poll_inbox(store, accept)] == ["incomplete"]
    assert handoff.decisions(store) == []  # nothing recorded: not refused for good
    arrived.add("cert")
    assert [d.decision for d in handoff.poll_inbox(store, accept)] == ["approved"]
    assert handoff.poll_inbox(store, accept) == []


def _approve(arrival: signing.Arrival) -> handoff.Decision:
    return handoff.Decision(arrival.envelope.key, "M1", "s1", "approved", ())


def test_a_file_gone_between_listing_and_reading_is_left_for_the_next_poll(store: LocalStore) -> None:
    class Phantom(LocalStore):  # failure injection: a listed object removed before it is read
        def list(self, prefix: str):
            yield f"{handoff.INBOX}gone.dsse.json"
            yield from super().list(prefix)

    store.put(f"{handoff.INBOX}m1.dsse.json", b"envelope")
    assert [d.decision for d in handoff.poll_inbox(Phantom(store.root), _approve)] == ["approved"]


def test_a_storage_outage_stops_the_poll_to_be_retried_and_records_nothing(store: LocalStore) -> None:
    from ecocluster.core.errors import StorageUnavailable

    class Down(LocalStore):  # failure injection: the store fails while the inbox is read
        def get(self, key: str, **pin: str | None) -> bytes:
            raise StorageUnavailable("cannot reach the S3 server")

    store.put(f"{handoff.INBOX}m1.dsse.json", b"envelope")
    with pytest.raises(StorageUnavailable):
        handoff.poll_inbox(Down(store.root), _approve)
    assert handoff.decisions(store) == []


def test_an_unexpected_error_in_one_envelope_leaves_it_unrecorded_and_the_others_handled(
    store: LocalStore,
) -> None:
    def accept(arrival: signing.Arrival) -> handoff.Decision:
        if arrival.envelope.key.endswith("bug.dsse.json"):
            raise RuntimeError("a bug in a rule")  # failure injection: what no input should cause
        return _approve(arrival)

    store.put(f"{handoff.INBOX}bug.dsse.json", b"envelope 1")
    store.put(f"{handoff.INBOX}ok.dsse.json", b"envelope 2")
    assert [d.decision for d in handoff.poll_inbox(store, accept)] == ["failed", "approved"]
    assert [d.decision for d in handoff.decisions(store)] == ["approved"]
    assert [d.decision for d in handoff.poll_inbox(store, accept)] == [
        "failed"
    ]  # looked at again, after a fix


def test_files_beside_an_envelope_are_grouped_by_the_longest_name(store: LocalStore) -> None:
    seen: dict[str, list[str]] = {}

    def accept(arrival: signing.Arrival) -> handoff.Decision:
        seen[arrival.envelope.key.rsplit("/", 1)[-1]] = sorted(arrival.companions)
        return _approve(arrival)

    for name in (
        "a.dsse.json",
        "a.cert.pem",
        "a.b.dsse.json",
        "a.b.cert.pem",
        "a.b.validated.pdf",
        "c.cert.pem",
    ):
        store.put(f"{handoff.INBOX}{name}", name.encode())
    handoff.poll_inbox(store, accept)
    assert seen == {"a.dsse.json": ["cert.pem"], "a.b.dsse.json": ["cert.pem", "validated.pdf"]}
