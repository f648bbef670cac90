from __future__ import annotations

import duckdb

from warehouse.db import connect, migrate
from warehouse.home import Home


def test_migrations_apply_once_and_create_the_schema(home: Home) -> None:
    con = connect(home.warehouse_path)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"cluster", "member", "submission", "indicator_value", "current_indicator_value"} <= tables
    assert migrate(con) == []  # already current: nothing re-applied
    con.close()


def test_a_second_writer_gets_a_clear_message(home: Home) -> None:
    import subprocess
    import sys

    from warehouse.errors import WarehouseBusy

    first = connect(home.warehouse_path)
    # DuckDB locks across processes, so the second writer must be another process.
    code = (
        "import sys\nfrom warehouse.db import connect\nfrom warehouse.errors import WarehouseBusy\n"
        f"try:\n    connect(__import__('pathlib').Path({str(home.warehouse_path)!r}))\n"
        "except WarehouseBusy as e:\n    print(e); sys.exit(7)\n"
    )
    import os

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**os.environ, "ECOCLUSTER_LOCK_WAIT_SECONDS": "0.3"})  # waits, then gives up
    first.close()
    assert done.returncode == 7, done.stderr
    assert "in use by another ecocluster process" in done.stdout
    assert isinstance(duckdb.__version__, str) and WarehouseBusy.exit_code == 75
