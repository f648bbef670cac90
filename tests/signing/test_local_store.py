"""The local store's batched durability (``LocalStore.durable_together``), used by drafting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecocluster.core.errors import ObjectLocked
from ecocluster.core.store.local import LocalStore


def _spy_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Durability cannot be observed without cutting the power, so the fsync calls are recorded
    (and still made): a spy, not a mock that replaces the real file system."""
    synced: list[int] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)  # the os module the store calls (local.os is os)
    return synced


def test_puts_in_a_block_are_synced_once_each_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "objects")
    synced = _spy_fsyncs(monkeypatch)
    with store.durable_together():
        for n in range(20):
            store.put(f"statements/{n}/statement.json", b"{}" + bytes([n]))
        with store.durable_together():  # nested: the outer block syncs
            store.put("statements/x/page.html", b"<html/>")
        store.put("statements/0/statement.json", b"{}" + bytes([0]))  # same bytes again: a no-op
        assert synced == [] and store.get("statements/3/statement.json") == b"{}\x03"
    inodes = {os.stat(store.location(k)).st_ino for k in store.list("statements/")}
    assert sorted(synced) == sorted(inodes) and len(inodes) == 21
    store.put("single.json", b"1")  # outside a block each put is durable when it returns
    assert synced[-1] == os.stat(store.location("single.json")).st_ino


def test_a_block_keeps_objects_write_once(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    with store.durable_together():
        store.put("statements/a/statement.json", b"one")
        with pytest.raises(ObjectLocked, match="other content"):
            store.put("statements/a/statement.json", b"two")
    assert store.get("statements/a/statement.json") == b"one"
    assert [k for k in store.list("") if ".tmp-" in k] == []
