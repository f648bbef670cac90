"""The DuckDB warehouse: schema, ingestion of submissions and rosters, and shared queries.

Later stages read the ``current_*`` views (the newest submission per member, year and section)
together with ``cluster``, ``member``, ``site`` and ``cycle``.

The names below are imported on first use: ``ecocluster.core.home`` or ``ecocluster.core.errors`` alone (what
every command needs first) must not load pint, the parsers and pyarrow, so a light command such
as a rerun handed to the runner starts in well under a second.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecocluster.core.home import Home
    from ecocluster.warehouse._raw import Limits, decode_text
    from ecocluster.warehouse.db import connect, transaction
    from ecocluster.warehouse.ingest import FileOutcome, IngestReport, ingest_paths

_WHERE = {
    "Limits": "ecocluster.warehouse._raw",
    "decode_text": "ecocluster.warehouse._raw",
    "connect": "ecocluster.warehouse.db",
    "transaction": "ecocluster.warehouse.db",
    "Home": "ecocluster.core.home",
    "FileOutcome": "ecocluster.warehouse.ingest",
    "IngestReport": "ecocluster.warehouse.ingest",
    "ingest_paths": "ecocluster.warehouse.ingest",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ecocluster.warehouse' has no attribute {name!r}")


__all__ = [
    "FileOutcome",
    "Home",
    "IngestReport",
    "Limits",
    "connect",
    "decode_text",
    "ingest_paths",
    "transaction",
]
