"""tools/byte_identity.py: the comparison that proves a change leaves every reproducible output as it was.

The demo runs themselves are `make identity BEFORE=... AFTER=...` (minutes); here the verdict and the
snapshot are tested on small homes made in the test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from tools.byte_identity import compare, snapshot


def test_a_change_in_a_reproducible_output_is_named_and_unstable_ones_are_left_out() -> None:
    control = {"file:objects/a.json": "1", "file:objects/sig.pdf": "x", "table:statement": "t"}
    again = {"file:objects/a.json": "1", "file:objects/sig.pdf": "y", "table:statement": "t"}
    after = {"file:objects/a.json": "2", "file:objects/sig.pdf": "z", "table:statement": "t"}
    verdict = compare(control, again, after)
    assert verdict.regressions == ["file:objects/a.json"]
    assert verdict.unstable == ["file:objects/sig.pdf"]
    assert verdict.identical == 1


def test_a_missing_or_an_extra_output_after_the_change_is_a_regression() -> None:
    same = {"file:objects/a.json": "1"}
    assert compare(same, same, {}).regressions == ["file:objects/a.json"]
    assert compare(same, same, {**same, "file:objects/new.json": "2"}).regressions == [
        "file:objects/new.json"
    ]
    assert compare(same, same, same).regressions == []


def _home(root: Path, body: bytes, when: str) -> Path:
    (root / "objects" / "statements").mkdir(parents=True)
    (root / "objects" / "statements" / "s.json").write_bytes(body)
    (root / "prefect").mkdir()
    (root / "prefect" / "prefect.db").write_bytes(when.encode())  # tool state: never compared
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute("CREATE TABLE statement (id TEXT, created_at TIMESTAMP)")
    con.execute("INSERT INTO statement VALUES ('s1', ?)", [when])
    con.close()
    return root


def test_snapshot_digests_files_and_tables_and_drops_tool_state_and_the_home_path(tmp_path: Path) -> None:
    python = Path(sys.executable)
    one = _home(tmp_path / "one", b"{}", "2026-01-01 10:00:00")
    two = _home(tmp_path / "two", b"{}", "2026-01-01 11:00:00")
    a = snapshot(one, f"wrote {one}/objects/statements/s.json", python)
    b = snapshot(two, f"wrote {two}/objects/statements/s.json", python)
    assert a["file:objects/statements/s.json"] == b["file:objects/statements/s.json"]
    assert not any("prefect" in key or "duckdb" in key for key in a)
    assert a["stdout"] == b["stdout"]
    assert a["table:statement"] != b["table:statement"]  # the write time differs ...
    assert (
        a["table:statement (without time columns)"] == b["table:statement (without time columns)"]
    )  # ... only


def test_files_named_by_their_digest_or_run_time_are_compared_as_one_family(tmp_path: Path) -> None:
    python = Path(sys.executable)
    snaps = []
    for run, names in enumerate((["aaaaaaaaaaaa1111.pdf", "bbbbbbbbbbbb2222.pdf"], ["cccccccccccc3333.pdf"])):
        home = tmp_path / str(run)
        (home / "objects" / "20261202T095911.322417Z").mkdir(parents=True)
        for name, body in zip(names, (b"one", b"two"), strict=False):
            (home / "objects" / "20261202T095911.322417Z" / name).write_bytes(body)
        snaps.append(snapshot(home, "", python))
    assert set(snaps[0]) == set(snaps[1]) == {"file:objects/#/#.pdf", "stdout"}
    assert snaps[0]["file:objects/#/#.pdf"] != snaps[1]["file:objects/#/#.pdf"]  # a file fewer is a change
