"""A command closes its warehouse connection on every path, also when it fails half-way (issue 15).

The failures are injected after the warehouse is open (a mock, for a failure a real warehouse does
not produce on demand at that point: at a tiny memory limit DuckDB already refuses to open the
file). The connections are seen through a spy around the command module's ``connect``, which
records what the real one returns: an unclosed connection is otherwise invisible until collected."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecocluster.core.errors import TransientError
from ecocluster.flows.cli import _context, _warehouse
from tests.cli import run_cli
from tests.warehouse.builders import roster, submission, write_json


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[duckdb.DuckDBPyConnection]:
    """Every connection the collect-stage commands open, in order."""
    real = _context.connect  # what _warehouse imported
    seen: list[duckdb.DuckDBPyConnection] = []

    def spy(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        seen.append(real(path, read_only=read_only))
        return seen[-1]

    monkeypatch.setattr(_warehouse, "connect", spy)
    return seen


def _closed(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1")
    except duckdb.ConnectionException:
        return True
    return False


def _fails(*args: object, **kwargs: object) -> None:
    raise TransientError("injected: the warehouse went away")


@pytest.mark.parametrize(
    ("command", "step"),
    [
        ("ingest", "ecocluster.warehouse.ingest.ingest_paths"),
        ("status", "ecocluster.warehouse.status.cluster_status"),
    ],
)
def test_a_command_that_fails_closes_the_warehouse(
    command: str,
    step: str,
    opened: list[duckdb.DuckDBPyConnection],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    write_json(tmp_path / "in" / "cluster.json", roster())
    write_json(tmp_path / "in" / "h01.json", submission())
    assert run_cli(capsys, monkeypatch, home, "ingest", str(tmp_path / "in")).returncode == 0
    monkeypatch.setattr(step, _fails)
    args = [command, str(tmp_path / "in")] if command == "ingest" else [command]
    failed = run_cli(capsys, monkeypatch, home, *args)
    assert failed.returncode == TransientError.exit_code, failed.stdout + failed.stderr
    assert "injected" in failed.stderr
    assert len(opened) == 2 and all(_closed(con) for con in opened)
