"""Fixtures shared by every test package: real DuckDB files in temporary home folders."""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# A rerun's runner (flows/_runner.py) outlives its command; in tests it need not wait half an hour.
os.environ.setdefault("ECOCLUSTER_RUNNER_IDLE_SECONDS", "120")
# rich sizes the CLI's consoles once, when flows.cli is first imported: one width for every test, whichever
# test (or xdist worker) happens to import it first, so that tables never wrap differently by test order.
os.environ["COLUMNS"] = "200"

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ecocluster.core.home import Home
from ecocluster.warehouse.db import connect

# Fixture modules contributed by the test packages (servers, PKI, sample warehouses).
pytest_plugins: list[str] = [
    "tests.fixtures_pki",
    "tests.fixtures_tsa",
    "tests.fixtures_s3",
    "tests.fixtures_prefect",
    "tests.fixtures_sample",
    "tests.fixtures_softhsm",
    "tests.fixtures_csc",
]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A fresh, empty home folder."""
    return Home.resolve(tmp_path / "home")


@pytest.fixture
def con(home: Home) -> Iterator[duckdb.DuckDBPyConnection]:
    """A real, migrated warehouse file in ``home``."""
    connection = connect(home.warehouse_path)
    yield connection
    connection.close()
