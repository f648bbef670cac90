"""The approvals inbox on a real S3 server (SeaweedFS): sizes come from the server before any read."""

from __future__ import annotations

import pytest

from ecocluster import signing
from ecocluster.core.store.s3 import S3Store
from ecocluster.flows import _handoff as handoff

pytestmark = pytest.mark.s3


class Reads(S3Store):
    """The real S3 store, recording which keys were read whole."""

    read: list[str]

    def get(self, key: str, **pin: str | None) -> bytes:
        self.read.append(key)
        return super().get(key, **pin)


def test_an_oversized_inbox_file_on_s3_is_refused_unread(s3_server) -> None:
    store = Reads.from_config(s3_server.store_config(retention_days=1))
    store.read = []
    store.put(f"{handoff.INBOX}big.dsse.json", b"{" + b" " * 4096 + b"}")
    store.put(f"{handoff.INBOX}big.cert.pem", b"certificate")
    store.put(f"{handoff.INBOX}big.tsr", b"timestamp token")  # every decision comes with its RFC 3161 token
    assert store.size(f"{handoff.INBOX}big.cert.pem") == len(b"certificate")
    with pytest.raises(KeyError):
        store.size(f"{handoff.INBOX}absent.dsse.json")
    seen: list[signing.Arrival] = []

    def accept(arrival: signing.Arrival) -> handoff.Decision:
        seen.append(arrival)
        raise signing.ApprovalRuleFailed("envelope-too-large", "over the limit")

    limits = signing.InboxLimits(envelope_bytes=1024)
    decisions = handoff.poll_inbox(store, accept, limits)
    assert [(d.decision, d.rule) for d in decisions] == [("refused", "envelope-too-large")]
    assert seen[0].envelope.data is None and seen[0].envelope.size == 4098
    assert (
        f"{handoff.INBOX}big.dsse.json" not in store.read
        and seen[0].companions["cert.pem"].data == b"certificate"
    )
    assert seen[0].companions["tsr"].data == b"timestamp token"  # read within the envelope's limit
    assert handoff.poll_inbox(store, accept, limits) == []  # its marker names it by key and size
