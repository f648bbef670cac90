"""The DuckDB warehouse: schema, ingestion of submissions and rosters, and shared queries.

Later stages read the ``current_*`` views (the newest submission per member, year and section)
together with ``cluster``, ``member``, ``site`` and ``cycle``.

The names below are imported on first use: ``core.home`` or ``core.errors`` alone (what
every command needs first) must not load pint, the parsers and pyarrow, so a light command such
as a rerun handed to the runner starts in well under a second.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.home import Home
    from warehouse._raw import Limits
    from warehouse.db import connect, transaction
    from warehouse.ingest import FileOutcome, IngestReport, ingest_paths

_WHERE = {"Limits": "warehouse._raw", "connect": "warehouse.db", "transaction": "warehouse.db",
          "Home": "core.home", "FileOutcome": "warehouse.ingest", "IngestReport": "warehouse.ingest",
          "ingest_paths": "warehouse.ingest"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'warehouse' has no attribute {name!r}")


__all__ = ["FileOutcome", "Home", "IngestReport", "Limits", "connect", "ingest_paths", "transaction"]
