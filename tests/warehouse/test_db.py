from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.warehouse.db import Settings, connect, migrate


def test_migrations_apply_once_and_create_the_schema(home: Home) -> None:
    con = connect(home.warehouse_path)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"cluster", "member", "submission", "indicator_value", "current_indicator_value"} <= tables
    assert migrate(con) == []  # already current: nothing re-applied
    con.close()


def test_a_process_killed_right_after_migrating_leaves_a_warehouse_that_opens(home: Home) -> None:
    """DuckDB 1.4.4 cannot replay migration 025's ALTER TABLE from its write-ahead log (a table with a
    nextval() default): migrate() checkpoints, so a crash just after it costs nothing (found by the
    slow suite's random kills)."""
    path = home.warehouse_path
    path.parent.mkdir(parents=True, exist_ok=True)
    killed = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from ecocluster.warehouse.db import connect\n"
        "con = connect(Path(sys.argv[1]))  # held open: a closed connection would checkpoint\n"
        "os._exit(0)  # no close, no checkpoint of its own: what a SIGKILL leaves\n"
    )
    subprocess.run([sys.executable, "-c", killed, str(path)], check=True, timeout=120)
    reopen = (  # in a fresh process, as the next run does
        "import sys, duckdb\n"
        "print(duckdb.connect(sys.argv[1]).execute('SELECT count(*) FROM review_event').fetchone())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", reopen, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout) == (0, "(0,)\n"), done.stderr[:500]


def test_a_second_writer_gets_a_clear_message(home: Home) -> None:
    import subprocess
    import sys

    from ecocluster.core.errors import WarehouseBusy

    first = connect(home.warehouse_path)
    # DuckDB locks across processes, so the second writer must be another process.
    code = (
        "import sys\nfrom ecocluster.warehouse.db import connect\n"
        "from ecocluster.core.errors import WarehouseBusy\n"
        f"try:\n    connect(__import__('pathlib').Path({str(home.warehouse_path)!r}))\n"
        "except WarehouseBusy as e:\n    print(e); sys.exit(7)\n"
    )
    import os

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ECOCLUSTER_LOCK_WAIT_SECONDS": "0.3"},
    )  # waits, then gives up
    first.close()
    assert done.returncode == 7, done.stderr
    assert "in use by another ecocluster process" in done.stdout
    assert isinstance(duckdb.__version__, str) and WarehouseBusy.exit_code == 75


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> object:
    return con.execute(f"SELECT current_setting('{name}')").fetchone()[0]  # type: ignore[index]


def test_every_connection_gets_a_memory_limit_and_spills_into_the_home(home: Home) -> None:
    con = connect(home.warehouse_path)
    try:
        assert _setting(con, "memory_limit") == "2.3 GiB"  # DEFAULT_MEMORY_LIMIT = 2.5GB, not 80 % of RAM
        assert _setting(con, "temp_directory") == str(home.root / "tmp")
        assert _setting(con, "preserve_insertion_order") is True
    finally:
        con.close()
    reader = connect(home.warehouse_path, read_only=True, ordered=False)
    try:
        assert _setting(reader, "preserve_insertion_order") is False
    finally:
        reader.close()


def test_a_small_limit_spills_a_large_sort_to_home_tmp(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOCLUSTER_MEMORY_LIMIT", "64MB")
    first = connect(home.warehouse_path)
    try:
        first.execute("SET threads = 1")
        assert first.execute(
            "SELECT count(*) FROM (SELECT hash(r) || repeat('x', 40) AS pad"
            " FROM range(3000000) t(r) ORDER BY pad) s"
        ).fetchone() == (3000000,)
        assert (home.root / "tmp").is_dir()  # DuckDB created it on the first spill
        # DuckDB refuses to set temp_directory again once used, even to the same folder.
        second = connect(home.warehouse_path)
        assert _setting(second, "temp_directory") == str(home.root / "tmp")
        second.close()
    finally:
        first.close()


def test_warehouse_section_of_the_home_config_applies(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    home.config_path.write_text('[warehouse]\nmemory_limit = "1GiB"\nthreads = 1\nlock_wait_seconds = 0.2\n')
    con = connect(home.warehouse_path)
    try:
        assert _setting(con, "memory_limit") == "1.0 GiB"
        assert _setting(con, "threads") == 1
        assert Settings.of(home.config_path).lock_wait_seconds == 0.2
        monkeypatch.setenv("ECOCLUSTER_MEMORY_LIMIT", "512MiB")  # ops override the file
        monkeypatch.setenv("ECOCLUSTER_LOCK_WAIT_SECONDS", "3")
        assert Settings.of(home.config_path) == Settings("512MiB", 1, 3.0)
    finally:
        con.close()


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('memory_limit = "lots"', "memory_limit"),
        ("memory_limit = 3", "memory_limit"),
        ("threads = 0", "threads"),
        ('threads = "two"', "threads"),
        ("lock_wait_seconds = -1", "lock_wait_seconds"),
        ('lock_wait_seconds = "soon"', "lock_wait_seconds"),
        ("memory = '3GB'", "memory"),
    ],
)
def test_bad_warehouse_settings_name_the_file_and_key(home: Home, line: str, key: str) -> None:
    home.config_path.write_text(f"[warehouse]\n{line}\n")
    with pytest.raises(ConfigurationError) as refused:
        connect(home.warehouse_path)
    assert str(home.config_path) in str(refused.value) and key in str(refused.value)


def test_bad_env_overrides_name_the_variable(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOCLUSTER_MEMORY_LIMIT", "half")
    with pytest.raises(ConfigurationError, match=r"ECOCLUSTER_MEMORY_LIMIT.*'half'"):
        connect(home.warehouse_path)
    monkeypatch.delenv("ECOCLUSTER_MEMORY_LIMIT")
    monkeypatch.setenv("ECOCLUSTER_LOCK_WAIT_SECONDS", "later")
    with pytest.raises(ConfigurationError, match=r"ECOCLUSTER_LOCK_WAIT_SECONDS.*'later'"):
        connect(home.warehouse_path)
